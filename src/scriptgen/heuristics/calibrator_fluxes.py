"""Catalogue fluxes for quasar flux calibrators, passed by the user.

A quasar's flux changes by tens of per cent within months, so the
calibration script cannot know it from the MS: the analyst looks it up (the
ALMA calibrator catalogue, a recent measurement) and passes it with
``scriptgen generate --calibrator-fluxes FILE``. Two equivalent formats:

CSV (``.csv``; ``#`` lines are comments; header row required)::

    source,flux_jy,spix,reffreq_ghz,date,note
    J1058+0133,3.12,-0.55,103.5,2024-05-01,ALMA catalogue (Band 3)

JSON (``.json``): an object keyed by source name, or a list of objects with
a ``source`` key; same field names::

    {"J1058+0133": {"flux_jy": 3.12, "spix": -0.55, "reffreq_ghz": 103.5}}

``source``, ``flux_jy`` and ``reffreq_ghz`` are required; ``spix`` (the
spectral index alpha in S ~ nu^alpha) defaults to 0 and is flagged as
assumed; ``date`` and ``note`` are copied into the script's comment. Names
match the MS source name, ignoring case and surrounding spaces.

Parsing is a pure function of the text (:func:`parse`); :func:`load` only
reads the file.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path

from ..errors import ScriptgenError

REQUIRED = ("source", "flux_jy", "reffreq_ghz")
OPTIONAL = ("spix", "date", "note")


class CalibratorFluxError(ScriptgenError):
    """A calibrator-flux file that cannot be used (said in one line)."""


class MissingCalibratorFlux(ScriptgenError):
    """A quasar flux calibrator with no flux from the analyst or the EB."""


@dataclass(frozen=True)
class CatalogueFlux:
    """One calibrator's catalogue flux: what setjy(standard='manual') needs."""

    source: str
    flux_jy: float
    reffreq_ghz: float
    spix: float = 0.0
    spix_given: bool = True
    date: str = ""
    note: str = ""


def _key(name: str) -> str:
    return name.strip().casefold()


def _number(value, what: str, where: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise CalibratorFluxError(f"{where}: {what} {value!r} is not a number") from None
    if not math.isfinite(number):
        raise CalibratorFluxError(f"{where}: {what} must be finite")
    return number


def _entry(record: dict, where: str) -> CatalogueFlux:
    unknown = set(record) - set(REQUIRED) - set(OPTIONAL)
    if unknown:
        raise CalibratorFluxError(f"{where}: unknown column(s) {', '.join(sorted(unknown))}")
    missing = [k for k in REQUIRED if record.get(k) in (None, "")]
    if missing:
        raise CalibratorFluxError(f"{where}: missing {', '.join(missing)}")
    flux = _number(record["flux_jy"], "flux_jy", where)
    reffreq = _number(record["reffreq_ghz"], "reffreq_ghz", where)
    if flux <= 0 or reffreq <= 0:
        raise CalibratorFluxError(f"{where}: flux_jy and reffreq_ghz must be positive")
    spix_raw = record.get("spix")
    spix_given = spix_raw not in (None, "")
    return CatalogueFlux(
        source=str(record["source"]).strip(),
        flux_jy=flux,
        reffreq_ghz=reffreq,
        spix=_number(spix_raw, "spix", where) if spix_given else 0.0,
        spix_given=spix_given,
        date=str(record.get("date") or "").strip(),
        note=str(record.get("note") or "").strip(),
    )


def _records_from_csv(text: str) -> list[tuple[dict, str]]:
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    if reader.fieldnames is None:
        return []
    reader.fieldnames = [name.strip() for name in reader.fieldnames]
    records = []
    for n, row in enumerate(reader, start=2):
        if None in row:
            raise CalibratorFluxError(f"row {n}: more values than columns")
        records.append(({k: (v.strip() if isinstance(v, str) else v) for k, v in row.items()}, f"row {n}"))
    return records


def _records_from_json(text: str) -> list[tuple[dict, str]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CalibratorFluxError(f"not valid JSON: {exc.msg} (line {exc.lineno})") from None
    if isinstance(data, dict):
        records = []
        for name, value in data.items():
            if not isinstance(value, dict):
                raise CalibratorFluxError(f"entry {name!r} should be an object")
            records.append(({"source": name, **value}, f"entry {name!r}"))
        return records
    if isinstance(data, list) and all(isinstance(item, dict) for item in data):
        return [(item, f"entry {n}") for n, item in enumerate(data)]
    raise CalibratorFluxError("JSON must be an object keyed by source, or a list of objects")


def parse(text: str, *, fmt: str) -> dict[str, CatalogueFlux]:
    """Catalogue entries keyed by case-folded source name.

    ``fmt`` is ``"csv"`` or ``"json"``. A source listed twice is an error
    rather than a silent choice: the two values would give different flux
    scales.
    """
    if fmt not in ("csv", "json"):
        raise CalibratorFluxError(f"unknown calibrator-flux format {fmt!r} (use .csv or .json)")
    records = _records_from_csv(text) if fmt == "csv" else _records_from_json(text)
    entries: dict[str, CatalogueFlux] = {}
    for record, where in records:
        entry = _entry(record, where)
        key = _key(entry.source)
        if key in entries:
            raise CalibratorFluxError(f"{where}: source {entry.source!r} is listed twice")
        entries[key] = entry
    return entries


def load(path: str | Path) -> dict[str, CatalogueFlux]:
    """Read a calibrator-flux file; the suffix says the format."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise CalibratorFluxError(f"cannot read calibrator fluxes {path}: {exc.strerror}") from None
    fmt = path.suffix.lower().lstrip(".")
    try:
        return parse(text, fmt=fmt)
    except CalibratorFluxError as exc:
        raise CalibratorFluxError(f"{path}: {exc}") from None


def lookup(entries: dict[str, CatalogueFlux] | None, source: str) -> CatalogueFlux | None:
    if not entries:
        return None
    return entries.get(_key(source))


# --------------------------------------------------------------------------
# Fluxes the observatory recorded in the EB (ASDM_SOURCE).

#: Spectral index assumed when the EB records a quasar's flux at one
#: frequency only: -0.7 is typical of ALMA's quasar calibrators at mm
#: wavelengths (a flat 0 would overestimate the flux at higher bands).
TYPICAL_QUASAR_SPIX = -0.7

_DAY_S = 86400.0


@dataclass(frozen=True)
class RecordedFlux:
    """A calibrator's flux model built from the ASDM_SOURCE catalogue values.

    ``flux_jy`` is at ``reffreq_ghz`` (the EB's mean science frequency);
    ``spix`` is fitted when two or more frequencies were recorded
    (``n_frequencies``), else :data:`TYPICAL_QUASAR_SPIX` is assumed.
    ``flux_err_jy`` propagates the recorded uncertainties through the fit
    (None when the catalogue gave none); ``age_days`` is how old the newest
    catalogue entry used was when the EB was observed.
    """

    source: str
    flux_jy: float
    reffreq_ghz: float
    spix: float
    n_frequencies: int
    flux_err_jy: float | None = None
    age_days: float | None = None

    @property
    def spix_fitted(self) -> bool:
        return self.n_frequencies >= 2

    def describe(self) -> str:
        """One sentence for the script's setjy comment."""
        err = f" +/- {self.flux_err_jy:.3g}" if self.flux_err_jy is not None else ""
        if self.spix_fitted:
            spix = f"spectral index {self.spix:.3f} fitted to {self.n_frequencies} catalogue frequencies (weighted least squares in log flux)"
        else:
            spix = f"spectral index {self.spix:g} assumed (one catalogue frequency)"
        if self.age_days is None:
            age = "catalogue date not recorded"
        elif self.age_days >= 0:
            age = f"catalogue value {self.age_days:.0f} days old at observing time"
        else:
            age = f"catalogue entry dated {-self.age_days:.0f} days after the observation"
        return f"{self.flux_jy:.4g}{err} Jy at {self.reffreq_ghz:g} GHz, {spix}; {age}"


def _latest_per_frequency(entries) -> list:
    """The newest entry at each frequency (older ones describe an older flux)."""
    best: dict[float, object] = {}
    for e in entries:
        held = best.get(e.freq_hz)
        if held is None or (e.epoch_mjd_s or -math.inf) > (held.epoch_mjd_s or -math.inf):
            best[e.freq_hz] = e
    return [best[f] for f in sorted(best)]


def fit_recorded_flux(entries, source: str, reffreq_hz: float, observed_mjd_s: float | None = None) -> RecordedFlux | None:
    """Flux at ``reffreq_hz`` and spectral index from a source's ASDM_SOURCE entries.

    A power law S = S0 (nu / nu0)^alpha fitted by weighted least squares in
    log S - log nu (weights 1/sigma(log S)^2 = (S / sigma_S)^2; equal weights
    when no uncertainty was recorded), the same model setjy(standard='manual')
    applies. None when the EB records nothing for ``source``.
    """
    mine = [e for e in entries if _key(e.source) == _key(source) and e.flux_jy > 0 and e.freq_hz > 0]
    if not mine or not reffreq_hz > 0:
        return None
    points = _latest_per_frequency(mine)
    epochs = [e.epoch_mjd_s for e in points if e.epoch_mjd_s is not None]
    age = None
    if epochs and observed_mjd_s is not None:
        age = (observed_mjd_s - max(epochs)) / _DAY_S
    x = [math.log(e.freq_hz / reffreq_hz) for e in points]
    y = [math.log(e.flux_jy) for e in points]
    has_err = all(e.flux_err_jy for e in points)
    w = [(e.flux_jy / e.flux_err_jy) ** 2 if has_err else 1.0 for e in points]
    if len(points) == 1:
        s_ref = points[0].flux_jy * (reffreq_hz / points[0].freq_hz) ** TYPICAL_QUASAR_SPIX
        err = s_ref * points[0].flux_err_jy / points[0].flux_jy if has_err else None
        return RecordedFlux(points[0].source, s_ref, reffreq_hz / 1e9, TYPICAL_QUASAR_SPIX, 1, err, age)
    sw = sum(w)
    sx = sum(wi * xi for wi, xi in zip(w, x))
    sy = sum(wi * yi for wi, yi in zip(w, y))
    sxx = sum(wi * xi * xi for wi, xi in zip(w, x))
    sxy = sum(wi * xi * yi for wi, xi, yi in zip(w, x, y))
    det = sw * sxx - sx * sx
    if det <= 0:
        return None
    alpha = (sw * sxy - sx * sy) / det
    intercept = (sxx * sy - sx * sxy) / det
    s_ref = math.exp(intercept)
    err = s_ref * math.sqrt(sxx / det) if has_err else None
    return RecordedFlux(points[0].source, s_ref, reffreq_hz / 1e9, alpha, len(points), err, age)
