"""Tsys: the SYSCAL table, summarised per spectral window.

Which windows have Tsys decides the Tsys-to-science map, and the median
Tsys feeds the radiometer equation; nothing else about SYSCAL is needed, so
only the per-window median of TSYS_SPECTRUM (or of the scalar TSYS column
in MSs that lack spectra) and the row count are kept.

An absent SYSCAL, a dangling SYSCAL keyword and an empty SYSCAL all mean
"no Tsys": the EB is still inspectable, and the caller reports that the
Tsys step cannot run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..model import TsysMeasurement
from .tables import open_table, optional_subtable

#: Preferred first: the spectrum is what gencal(caltype='tsys') uses.
TSYS_COLUMNS = ("TSYS_SPECTRUM", "TSYS")


def _median_positive(values: np.ndarray) -> float | None:
    """Median of the finite, positive values (zeros mark missing Tsys)."""
    values = np.asarray(values, dtype=float).ravel()
    good = values[np.isfinite(values) & (values > 0)]
    return float(np.median(good)) if good.size else None


def read_tsys(ms: Path) -> tuple[TsysMeasurement, ...]:
    path = optional_subtable(ms, "SYSCAL")
    if path is None:
        return ()
    with open_table(path, label="SYSCAL") as tb:
        if tb.nrows() == 0:
            return ()
        column = next((c for c in TSYS_COLUMNS if c in tb.colnames()), None)
        if column is None:
            return ()
        spw_ids = np.asarray(tb.getcol("SPECTRAL_WINDOW_ID"))
        out = []
        for spw_id in np.unique(spw_ids):
            # One window at a time: spectra of different windows have
            # different channel counts, so the column cannot be read whole.
            # selectrows, not a TaQL query: casatools writes the table's path
            # into the query text, and a path with a double quote breaks it.
            sub = tb.selectrows([int(r) for r in np.flatnonzero(spw_ids == spw_id)])
            try:
                values = _window_values(sub, column)
                rows = int(sub.nrows())
            finally:
                sub.close()
            median = _median_positive(values) if values.size else None
            if median is not None:
                out.append(TsysMeasurement(spw_id=int(spw_id), median_tsys_k=median, n_rows=rows))
    return tuple(out)


def _window_values(sub, column: str) -> np.ndarray:
    """All Tsys values of one window's rows.

    Read as one column when every cell is defined and equally shaped (the
    usual case); otherwise cell by cell, skipping undefined cells, which
    some writers leave for antennas without a measurement.
    """
    try:
        return np.asarray(sub.getcol(column), dtype=float).ravel()
    except RuntimeError:
        cells = [
            np.asarray(sub.getcell(column, row), dtype=float).ravel()
            for row in range(sub.nrows())
            if sub.iscelldefined(column, row)
        ]
        return np.concatenate(cells) if cells else np.array([])
