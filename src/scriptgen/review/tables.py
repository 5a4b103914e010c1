"""Read what a calibration run left in its working folder, for the review.

Only calibration tables, flag-version tables and small MS subtables are
read (casatools ``table``), never the visibilities: a review must be quick
enough to run after every step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import casa_env
from ..qaplots.caltables import CalTable, read_caltable


@dataclass(frozen=True, eq=False)
class Solutions:
    """A cal table plus each window's solution intervals (same row order)."""

    table: CalTable
    intervals: dict[int, np.ndarray]
    field_names: dict[int, str]
    #: Per window: each row's reference antenna (ANTENNA2 of a cal table;
    #: -1 none) and scan number, same row order as the solutions.
    refant: dict[int, np.ndarray] = field(default_factory=dict)
    scan: dict[int, np.ndarray] = field(default_factory=dict)


def read_solutions(path: Path) -> Solutions | None:
    """The table at ``path``, or None when the run has not made it yet."""
    if not (path / "table.dat").exists():
        return None
    table = read_caltable(path)
    tb = casa_env.casatools().table()
    intervals, refant, scan = {}, {}, {}
    tb.open(str(path))
    try:
        columns = tb.colnames()
        for block in table.spws:
            sub = tb.query(
                f"SPECTRAL_WINDOW_ID=={block.spw_id}", sortlist="TIME,ANTENNA1"
            )
            try:
                intervals[block.spw_id] = sub.getcol("INTERVAL")
                if "ANTENNA2" in columns:
                    refant[block.spw_id] = np.asarray(sub.getcol("ANTENNA2"), int)
                if "SCAN_NUMBER" in columns:
                    scan[block.spw_id] = np.asarray(sub.getcol("SCAN_NUMBER"), int)
            finally:
                sub.close()
    finally:
        tb.close()
    names = _column(path / "FIELD", "NAME")
    return Solutions(
        table, intervals, {i: str(n) for i, n in enumerate(names)}, refant, scan
    )


@dataclass(frozen=True)
class MsWindows:
    """Per window of the imported MS: channel count and frequency range (Hz)."""

    nchan: dict[int, int]
    low_hz: dict[int, float]
    high_hz: dict[int, float]
    end_mjd_s: float


def read_ms_windows(ms: Path) -> MsWindows | None:
    if not (ms / "SPECTRAL_WINDOW").exists():
        return None
    tb = casa_env.casatools().table()
    nchan, low, high = {}, {}, {}
    tb.open(str(ms / "SPECTRAL_WINDOW"))
    try:
        for i in range(tb.nrows()):
            freqs = np.asarray(tb.getcell("CHAN_FREQ", i))
            widths = np.abs(np.asarray(tb.getcell("CHAN_WIDTH", i)))
            nchan[i] = int(freqs.size)
            low[i] = float(freqs.min() - widths.max() / 2)
            high[i] = float(freqs.max() + widths.max() / 2)
    finally:
        tb.close()
    tb.open(str(ms / "OBSERVATION"))
    try:
        end = float(np.max(tb.getcol("TIME_RANGE")))
    finally:
        tb.close()
    return MsWindows(nchan, low, high, end)


def flag_version_fractions(vis: Path) -> dict[str, float]:
    """Fraction of visibilities flagged in each saved flag version of ``vis``,
    in the order they were saved (what each step had flagged by then)."""
    folder = Path(str(vis) + ".flagversions")
    listing = folder / "FLAG_VERSION_LIST"
    if not listing.exists():
        return {}
    names = [
        line.split(" : ")[0].strip()
        for line in listing.read_text().splitlines()
        if line.strip()
    ]
    out = {}
    for name in names:
        table = folder / f"flags.{name}"
        if (table / "table.dat").exists():
            out[name] = _flag_fraction(table)
    return out


def _flag_fraction(table: Path) -> float:
    """ntrue(FLAG)/nelements(FLAG) over all rows, computed by TaQL in the
    query (as doubles: casatools cannot return TaQL int64): windows of
    different shapes cannot be read as one column."""
    tb = casa_env.casatools().table()
    tb.open(str(table))
    try:
        sel = tb.query("", columns="ntrue(FLAG)*1.0 as N, nelements(FLAG)*1.0 as M")
        try:
            n, m = float(np.sum(sel.getcol("N"))), float(np.sum(sel.getcol("M")))
        finally:
            sel.close()
    finally:
        tb.close()
    return n / m if m else float("nan")


def read_fluxscale(path: Path) -> dict | None:
    if not path.exists():
        return None
    return json.loads(path.read_text())


def _column(path: Path, name: str) -> list:
    if not (path / "table.dat").exists():
        return []
    tb = casa_env.casatools().table()
    tb.open(str(path))
    try:
        return list(tb.getcol(name)) if tb.nrows() else []
    finally:
        tb.close()
