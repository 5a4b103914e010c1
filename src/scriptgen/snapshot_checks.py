"""Whether a snapshot describes an EB scriptgen can safely generate from.

Snapshots travel (deliveries, e-mail), so a snapshot is input from an
unknown hand, not our own output. Three layers, each refusing with one line:

1. **Types**, by pydantic validating the JSON text straight into the frozen
   dataclasses of :mod:`scriptgen.model` (strict: no ``"3"`` for 3, no
   ``true`` for 1, no unknown keys, no NaN or infinity). The schema *is* the
   model, so a field another engineer adds to a dataclass is validated the
   moment it exists, with no second description to keep in step.
2. **Ranges and references** (:func:`problems`): counts positive, times and
   frequencies finite, ids unique, every id a scan names present, every
   text free of control characters, and the uid a safe file-name stem
   (:mod:`scriptgen.safenames`): it names every file written for the EB.
3. **Content**: what ``inspect`` refuses in an MS (no intents, no science
   windows; :func:`scriptgen.usable.check_usable`) is refused in a
   snapshot too, so a snapshot can never get further than its MS would.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from .errors import SnapshotError
from .model import ExecBlock
from .safenames import stem_problem, text_problem

#: Largest integer accepted anywhere (ids, counts): beyond this a value is
#: not an id or a row count but damage.
MAX_INT = 2**53
#: Longest free text accepted (names, intents, project codes).
MAX_TEXT = 1000
#: Above every radio receiver (ALMA band 10 ends near 950 GHz).
MAX_FREQ_HZ = 1e13
#: More channels than any ALMA correlator mode gives (7680 FDM channels).
MAX_NCHAN = 1 << 20


@lru_cache(maxsize=1)
def _envelope():
    """The pydantic model of a snapshot file, built once on first use."""
    from pydantic import BaseModel, ConfigDict

    class Envelope(BaseModel):
        # strict and extra="forbid" reach the nested stdlib dataclasses too.
        model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)

        format: str
        schema_version: int
        execblock: ExecBlock
        # 'inspect --json' writes the preflight classification beside the
        # EB for people and tools reading the file; generation never trusts
        # it (the classification is recomputed from the EB).
        preflight: dict[str, Any] | None = None

    return Envelope


def _where(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse(text: str | bytes) -> ExecBlock:
    """The EB in a snapshot's JSON text, typed exactly as the model says."""
    from pydantic import ValidationError

    try:
        envelope = _envelope().model_validate_json(text)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        first = errors[0]
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        where = _where(tuple(first.get("loc", ())))
        message = first.get("msg", "invalid")
        if first.get("type") == "json_invalid":
            raise SnapshotError(f"snapshot is not valid JSON: {message}") from None
        raise SnapshotError(f"snapshot field {where or 'at top level'}: {message}{more}") from None
    return envelope.execblock


# --------------------------------------------------------------------------
# Ranges and references: a pure function over the model.


@lru_cache(maxsize=None)
def _field_names(cls: type) -> tuple[str, ...] | None:
    """A dataclass's field names (None for anything else), looked up once per class."""
    return tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else None


def _leaves(value: Any) -> Iterator[Any]:
    """Every leaf value of a model object (fast: no locations)."""
    names = _field_names(type(value))
    if names is not None:
        for name in names:
            yield from _leaves(getattr(value, name))
    elif isinstance(value, tuple):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _walk(value: Any, where: str) -> Iterator[tuple[str, Any]]:
    """Every leaf value of a model object with its dotted location."""
    names = _field_names(type(value))
    if names is not None:
        for name in names:
            yield from _walk(getattr(value, name), f"{where}.{name}")
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from _walk(item, f"{where}[{i}]")
    else:
        yield where, value


def _leaf_problem(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "is not a finite number"
    if isinstance(value, int):
        return None if abs(value) <= MAX_INT else "is out of range"
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            return f"is longer than {MAX_TEXT} characters"
        return text_problem(value) if value else None
    return None


def _duplicates(values) -> list:
    return sorted(v for v, n in Counter(values).items() if n > 1)


def problems(eb: ExecBlock) -> list[str]:
    """Everything wrong with ``eb`` as metadata, one phrase each (empty: fine).

    Generic checks walk every field, so fields added to the model later are
    covered: every float finite, every int in range, every text free of NUL,
    control characters and lone surrogates. Then the facts specific fields
    must satisfy.
    """
    found: list[str] = []
    if any(_leaf_problem(value) for value in _leaves(eb)):
        # Only now pay for locations, to name where each problem is.
        for where, value in _walk(eb, "execblock"):
            problem = _leaf_problem(value)
            if problem:
                found.append(f"{where} {problem}")
        return found  # the specific checks below assume sane leaves

    uid_problem = stem_problem(eb.uid)
    if uid_problem:
        found.append(f"uid {eb.uid!r} {uid_problem}; it names every file written for the EB")

    for name, ids in (
        ("spectral window", [s.spw_id for s in eb.spws]),
        ("field", [f.field_id for f in eb.fields]),
        ("antenna", [a.antenna_id for a in eb.antennas]),
        ("scan", [s.number for s in eb.scans]),
        ("Tsys spectral window", [t.spw_id for t in eb.tsys]),
    ):
        negative = sorted({i for i in ids if i < 0})
        if negative:
            found.append(f"{name} ids must not be negative: {negative[:5]}")
        repeated = _duplicates(ids)
        if repeated:
            found.append(f"{name} ids repeated: {repeated[:5]}")

    for spw in eb.spws:
        label = f"spectral window {spw.spw_id}"
        if not 0 < spw.nchan <= MAX_NCHAN:
            found.append(f"{label} has {spw.nchan} channels")
        if spw.bandwidth_hz < 0:
            found.append(f"{label} has a negative bandwidth")
        if not (0 < spw.ref_freq_hz <= MAX_FREQ_HZ and 0 < spw.centre_freq_hz <= MAX_FREQ_HZ):
            found.append(f"{label} has a frequency outside 0-{MAX_FREQ_HZ:g} Hz")
        if spw.chan_width_hz == 0 or abs(spw.chan_width_hz) > MAX_FREQ_HZ or spw.bandwidth_hz > MAX_FREQ_HZ:
            found.append(f"{label} has a channel width or bandwidth that is zero or beyond any receiver")
        if spw.band is not None and not 1 <= spw.band <= 10:
            found.append(f"{label} is in band {spw.band} (ALMA bands are 1-10)")
    for fld in eb.fields:
        if abs(fld.dec_rad) > math.pi / 2 + 1e-9:
            found.append(f"field {fld.field_id} has declination {fld.dec_rad} rad, beyond a pole")
    for ant in eb.antennas:
        if ant.diameter_m <= 0:
            found.append(f"antenna {ant.antenna_id} has diameter {ant.diameter_m} m")

    spw_ids = {s.spw_id for s in eb.spws}
    field_ids = {f.field_id for f in eb.fields}
    for scan in eb.scans:
        label = f"scan {scan.number}"
        unknown_fields = sorted(set(scan.field_ids) - field_ids)
        if unknown_fields:
            found.append(f"{label} observes fields {unknown_fields} the snapshot does not list")
        unknown_spws = sorted(set(scan.spw_ids) - spw_ids)
        if unknown_spws:
            found.append(f"{label} uses spectral windows {unknown_spws} the snapshot does not list")
        if scan.end_mjd_s < scan.start_mjd_s:
            found.append(f"{label} ends before it starts")
        if scan.integration_s < 0:
            found.append(f"{label} has a negative integration time")
    for tsys in eb.tsys:
        if tsys.spw_id not in spw_ids:
            found.append(f"Tsys of spectral window {tsys.spw_id}, which the snapshot does not list")
        if tsys.median_tsys_k < 0 or tsys.n_rows < 0:
            found.append(f"Tsys of spectral window {tsys.spw_id} is negative")
    if eb.flag_cmd_rows < 0:
        found.append("flag_cmd_rows is negative")
    if eb.start_mjd_s is not None and eb.end_mjd_s is not None and eb.end_mjd_s < eb.start_mjd_s:
        found.append("the EB ends before it starts")
    return found


def check(eb: ExecBlock, *, content: bool = True) -> ExecBlock:
    """``eb`` when it is sound metadata (and, with ``content``, usable); else one line.

    ``content=False`` is ``inspect --lenient``: look at an EB without
    intents or science windows, but never at damaged or unsafe metadata.
    """
    found = problems(eb)
    if found:
        more = f" (and {len(found) - 1} more problems)" if len(found) > 1 else ""
        raise SnapshotError(f"snapshot rejected: {found[0]}{more}")
    if content:
        from .usable import check_usable

        check_usable(eb)
    return eb
