"""Scans from the main table's index columns only.

The main table of a real EB holds millions of rows and gigabytes of
visibilities; everything the scripts need about its structure is in six
small columns: SCAN_NUMBER, FIELD_ID, DATA_DESC_ID, STATE_ID, TIME and
INTERVAL. The first five are read whole (a few bytes per row), INTERVAL
only at one row per combination, and they are reduced to the
distinct (scan, field, data description, state) combinations, each with its
time span and integration. Visibility columns (DATA, CORRECTED_DATA,
MODEL_DATA, FLAG, UVW, WEIGHT) are never touched, which is what makes
inspection cheaper than listobs.

Finding the distinct combinations fast: the four ids are packed into one
int64 per row, consecutive equal keys are collapsed into runs (rows are
written in time order, so a run is at least one integration of one
window), and only the run keys go through ``np.unique``. Sorting 1 M packed
integers is already ~20x faster than ``np.unique(axis=0)`` on the four
columns; collapsing runs first removes most of the sort.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .tables import INDEX_COLUMNS, open_table
from .errors import NotAMeasurementSet


@dataclass(frozen=True)
class Combination:
    """One distinct (scan, field, data description, state) in the main table."""

    scan: int
    field_id: int
    ddid: int
    state_id: int
    start_mjd_s: float
    end_mjd_s: float
    interval_s: float
    n_rows: int


@dataclass(frozen=True)
class MainIndex:
    """The main table reduced to its distinct index combinations."""

    combinations: tuple[Combination, ...]
    n_rows: int


def _bits(values: np.ndarray) -> int:
    """Bits needed to hold ``values`` after shifting them to start at 0."""
    span = int(values.max()) - int(values.min()) if values.size else 0
    return max(1, span.bit_length())


def pack_keys(columns: list[np.ndarray]) -> np.ndarray | None:
    """One int64 per row that is equal exactly when all columns are equal.

    Each column is shifted to start at 0 (STATE_ID is -1 when a row has no
    state) and given just the bits its range needs. Returns None in the
    (unseen) case where the ranges need more than 62 bits together.
    """
    widths = [_bits(c) for c in columns]
    if sum(widths) > 62:
        return None
    key = np.zeros(columns[0].shape, dtype=np.int64)
    shifted = np.empty_like(key)
    for column, width in zip(columns, widths):
        np.subtract(column, int(column.min()), out=shifted, dtype=np.int64, casting="unsafe")
        key <<= width
        key |= shifted
    return key


def distinct_runs(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start index of each run of equal consecutive keys, and each run's group.

    ``group[i]`` numbers the distinct key of run ``i`` (in key order), so
    per-run aggregates can be folded into per-combination ones.
    """
    boundaries = np.empty(key.shape, dtype=bool)
    boundaries[:1] = True
    np.not_equal(key[1:], key[:-1], out=boundaries[1:])
    starts = np.flatnonzero(boundaries)
    _, group = np.unique(key[starts], return_inverse=True)
    return starts, group.ravel()


def summarise(scan: np.ndarray, field: np.ndarray, ddid: np.ndarray, state: np.ndarray,
              time: np.ndarray, interval_at: Callable[[np.ndarray], np.ndarray]) -> tuple[Combination, ...]:
    """The distinct combinations with their time span, interval and row count.

    ``interval_at(rows)`` gives INTERVAL at the given rows: it is asked only
    for each combination's first row, because reading the whole INTERVAL
    column would cost as much as reading TIME, for a value that is constant
    within a combination on ALMA data. Times are row centres, so a
    combination spans from its first centre minus half an interval to its
    last centre plus half an interval.
    """
    n = scan.size
    if n == 0:
        return ()
    ids = [scan, field, ddid, state]
    key = pack_keys(ids)
    if key is None:  # pragma: no cover - would need ids beyond 2**15 each
        _, key = np.unique(np.stack(ids, axis=1), axis=0, return_inverse=True)
        key = key.ravel().astype(np.int64)
    starts, group = distinct_runs(key)
    run_lo = np.minimum.reduceat(time, starts)
    run_hi = np.maximum.reduceat(time, starts)
    run_rows = np.diff(np.append(starts, n))

    ngroups = int(group.max()) + 1
    first = np.full(ngroups, n, dtype=np.int64)
    np.minimum.at(first, group, starts)
    lo = np.full(ngroups, np.inf)
    np.minimum.at(lo, group, run_lo)
    hi = np.full(ngroups, -np.inf)
    np.maximum.at(hi, group, run_hi)
    rows = np.zeros(ngroups, dtype=np.int64)
    np.add.at(rows, group, run_rows)
    interval = np.asarray(interval_at(first), dtype=float)

    combos = [
        Combination(
            scan=int(scan[r]),
            field_id=int(field[r]),
            ddid=int(ddid[r]),
            state_id=int(state[r]),
            start_mjd_s=float(lo[g] - interval[g] / 2),
            end_mjd_s=float(hi[g] + interval[g] / 2),
            interval_s=float(interval[g]),
            n_rows=int(rows[g]),
        )
        for g, r in enumerate(first)
    ]
    combos.sort(key=lambda c: (c.scan, c.field_id, c.ddid, c.state_id))
    return tuple(combos)


def _interval_reader(tb) -> Callable[[np.ndarray], np.ndarray]:
    """INTERVAL at chosen rows, through a row selection (one call, few rows)."""

    def read(rows: np.ndarray) -> np.ndarray:
        subset = tb.selectrows([int(r) for r in rows])
        try:
            return np.asarray(subset.getcol("INTERVAL"), dtype=float)
        finally:
            subset.close()

    return read


def read_main_index(ms: Path) -> MainIndex:
    """Read the index columns of the main table and summarise them."""
    with open_table(ms, label="main") as tb:
        missing = [c for c in INDEX_COLUMNS if c not in tb.colnames()]
        if missing:
            raise NotAMeasurementSet(
                f"{ms} is a CASA table but not a MeasurementSet "
                f"(its main table has no {', '.join(missing)} column)"
            )
        n = int(tb.nrows())
        if n == 0:
            return MainIndex((), 0)
        # Ids are held as int32 (casatools hands back int64): halves the
        # memory of a million-row inspection at no measurable cost.
        ids = {c: tb.getcol(c).astype(np.int32) for c in INDEX_COLUMNS[:4]}
        time = np.asarray(tb.getcol("TIME"), dtype=float)
        combos = summarise(
            ids["SCAN_NUMBER"], ids["FIELD_ID"], ids["DATA_DESC_ID"], ids["STATE_ID"],
            time, _interval_reader(tb),
        )
    return MainIndex(combos, n)
