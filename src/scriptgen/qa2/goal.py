"""What the PI asked for: requested RMS and resolution, read from the CLI or a file.

A science-goal file is a small JSON or TOML document; every quantity is a
string with its unit, parsed by astropy, so nobody has to guess whether
``0.1`` meant Jy or mJy::

    # goal.toml
    rms = "0.1 mJy"              # requested sensitivity (Jy or Jy/beam units)
    bandwidth = "7.5 GHz"        # the bandwidth the RMS refers to (optional)
    beam = "1.0 arcsec"          # Cycle-2 rule: one requested resolution
    # beam_range = ["0.8 arcsec", "1.2 arcsec"]   # later-cycle rule instead
    band = 6                     # optional; otherwise from the image frequency
    rule = "cycle2"              # or "later"; default follows beam / beam_range

The same keys in a JSON object work. Command-line values override the file.

An EB imported with its SBSummary (``ASDM_SBSUMMARY``) carries the request
itself: :func:`goal_from_recorded` turns it into a goal that the file and
the command line override in turn.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import astropy.units as u

from ..errors import ScriptgenError
from ..model import RecordedGoal
from .criteria import Rule

__all__ = [
    "ScienceGoal",
    "parse_quantity",
    "parse_beam_range",
    "load_goal",
    "goal_from_mapping",
    "goal_from_recorded",
    "describe_recorded",
]

_FLUX = u.Jy
_ANGLE = u.arcsec
_FREQ = u.Hz
_KEYS = {"rms", "bandwidth", "beam", "beam_range", "band", "rule"}


@dataclass(frozen=True)
class ScienceGoal:
    """A request, in Jy (per beam), arcsec and Hz. Unset parts are None."""

    rms_jy: float | None = None
    bandwidth_hz: float | None = None
    beam_arcsec: float | None = None
    beam_range_arcsec: tuple[float, float] | None = None
    band: int | None = None
    rule: Rule | None = None

    def merged(self, override: ScienceGoal) -> ScienceGoal:
        """This goal with every part ``override`` sets replaced.

        A beam on the command line replaces a beam range from the file and
        the other way round, since the two select different rules.
        """
        changes = {k: v for k, v in override.__dict__.items() if v is not None}
        if override.beam_arcsec is not None and override.beam_range_arcsec is None:
            changes["beam_range_arcsec"] = None
        if override.beam_range_arcsec is not None and override.beam_arcsec is None:
            changes["beam_arcsec"] = None
        if (override.beam_arcsec is not None or override.beam_range_arcsec is not None) and override.rule is None:
            changes["rule"] = None  # the new beam request picks its own rule
        return replace(self, **changes)


def parse_quantity(text: Any, unit: u.UnitBase, what: str) -> float:
    """``'0.1mJy'`` -> 1e-4 (in ``unit``); a bare number is refused.

    Flux densities accept Jy and Jy/beam alike: a requested point-source
    sensitivity and an image RMS in Jy/beam are the same number.
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        raise ScriptgenError(f"{what} needs a unit, e.g. '{text} {unit.to_string()}'")
    try:
        q = u.Quantity(str(text).strip())
    except (TypeError, ValueError) as exc:
        raise ScriptgenError(f"cannot read {what} {text!r}: {exc}") from None
    if q.unit == u.dimensionless_unscaled:
        raise ScriptgenError(f"{what} {text!r} needs a unit, e.g. '{text} {unit.to_string()}'")
    if unit is _FLUX and q.unit.is_equivalent(u.Jy / u.beam):
        q = q * u.beam
    try:
        value = float(q.to_value(unit))
    except u.UnitConversionError:
        raise ScriptgenError(f"{what} {text!r} is not in units of {unit.to_string()}") from None
    if not value > 0 or value != value or value == float("inf"):
        raise ScriptgenError(f"{what} must be positive, not {text!r}")
    return value


def parse_beam_range(text: Any) -> tuple[float, float]:
    """``'0.8arcsec,1.2arcsec'`` or ``['0.8arcsec', '1.2arcsec']`` -> (0.8, 1.2)."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    if len(parts) != 2:
        raise ScriptgenError(f"a beam range is two angles 'MIN,MAX', not {text!r}")
    low, high = (parse_quantity(p, _ANGLE, "beam range") for p in parts)
    if low > high:
        raise ScriptgenError(f"beam range minimum {low}\" is above its maximum {high}\"")
    return low, high


def parse_band(value: Any) -> int:
    """An ALMA band number 1-10 (an int, or a string of digits)."""
    if isinstance(value, int) and not isinstance(value, bool):
        band = value
    elif isinstance(value, str) and value.strip().isdigit():
        band = int(value)
    else:
        raise ScriptgenError(f"band must be an integer 1-10, not {value!r}")
    if not 1 <= band <= 10:
        raise ScriptgenError(f"band must be an integer 1-10, not {value!r}")
    return band


def parse_rule(value: Any) -> Rule:
    try:
        return Rule(str(value).strip().lower())
    except ValueError:
        raise ScriptgenError(f"rule must be 'cycle2' or 'later', not {value!r}") from None


def goal_from_mapping(data: Any, source: str = "science goal") -> ScienceGoal:
    """Validate a decoded JSON/TOML document into a :class:`ScienceGoal`."""
    if not isinstance(data, dict):
        raise ScriptgenError(f"{source} must be a table/object of keys {sorted(_KEYS)}")
    unknown = set(data) - _KEYS
    if unknown:
        raise ScriptgenError(f"{source}: unknown key(s) {sorted(unknown)}; known: {sorted(_KEYS)}")
    goal = ScienceGoal(
        rms_jy=parse_quantity(data["rms"], _FLUX, "rms") if "rms" in data else None,
        bandwidth_hz=parse_quantity(data["bandwidth"], _FREQ, "bandwidth") if "bandwidth" in data else None,
        beam_arcsec=parse_quantity(data["beam"], _ANGLE, "beam") if "beam" in data else None,
        beam_range_arcsec=parse_beam_range(data["beam_range"]) if "beam_range" in data else None,
        band=parse_band(data["band"]) if "band" in data else None,
        rule=parse_rule(data["rule"]) if "rule" in data else None,
    )
    if goal.beam_arcsec is not None and goal.beam_range_arcsec is not None:
        raise ScriptgenError(f"{source}: give 'beam' (Cycle-2 rule) or 'beam_range' (later rule), not both")
    return goal


def load_goal(path: str | Path) -> ScienceGoal:
    """Read a science-goal file; ``.toml`` is TOML, anything else JSON."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ScriptgenError(f"cannot read science-goal file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ScriptgenError(f"science-goal file {path} is not valid {'TOML' if path.suffix.lower() == '.toml' else 'JSON'}: {exc}") from None
    return goal_from_mapping(data, str(path))


def goal_from_recorded(recorded: RecordedGoal | None) -> ScienceGoal:
    """The SBSummary's request as a :class:`ScienceGoal` (empty when nothing was recorded).

    A resolution range needs both ends (the later-cycle rule); the
    pipeline likewise ignores a range with a zero end.
    """
    if recorded is None:
        return ScienceGoal()
    low, high = recorded.min_resolution_arcsec, recorded.max_resolution_arcsec
    beam_range = (low, high) if low and high and low <= high else None
    return ScienceGoal(
        rms_jy=recorded.sensitivity_jy,
        bandwidth_hz=recorded.sensitivity_bandwidth_hz if recorded.sensitivity_jy else None,
        beam_range_arcsec=beam_range,
    )


def describe_recorded(recorded: RecordedGoal) -> str:
    """One line saying what the SBSummary asked for."""
    parts = []
    if recorded.sensitivity_jy:
        bw = f" over {recorded.sensitivity_bandwidth_hz / 1e9:.4g} GHz" if recorded.sensitivity_bandwidth_hz else ""
        parts.append(f"RMS {recorded.sensitivity_jy * 1e3:.4g} mJy{bw}")
    if recorded.min_resolution_arcsec and recorded.max_resolution_arcsec:
        parts.append(f"resolution {recorded.min_resolution_arcsec:g}-{recorded.max_resolution_arcsec:g} arcsec")
    if recorded.representative_freq_hz:
        parts.append(f"at {recorded.representative_freq_hz / 1e9:.6g} GHz")
    return "science goal from the EB's SBSummary: " + (", ".join(parts) or "nothing usable")
