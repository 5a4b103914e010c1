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
    from ..textfiles import read_text

    path = Path(path)
    try:
        text = read_text(path, "calibrator fluxes")
    except ScriptgenError as exc:
        raise CalibratorFluxError(str(exc)) from None
    fmt = path.suffix.lower().lstrip(".")
    try:
        entries = parse(text, fmt=fmt)
    except CalibratorFluxError as exc:
        raise CalibratorFluxError(f"{path}: {exc}") from None
    if not entries:
        # Given a file, the analyst meant a catalogue: an empty one is a mistake
        # (a wrong file, a failed export), not "no catalogue".
        raise CalibratorFluxError(f"{path} lists no calibrator (empty, or a header only)")
    return entries


def lookup(entries: dict[str, CatalogueFlux] | None, source: str) -> CatalogueFlux | None:
    if not entries:
        return None
    return entries.get(_key(source))
