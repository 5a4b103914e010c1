"""Whether the main table holds cross-correlations, from ANTENNA1/ANTENNA2 only.

A total-power EB has only autocorrelation rows (ANTENNA1 == ANTENNA2); an
interferometric EB has about N(N-1)/2 cross-correlation rows per
autocorrelation. The two antenna columns are index columns (an int per
row), never visibilities. A strided sample answers "yes" for any
interferometric EB after a few thousand rows; only when the sample holds
no cross-correlation are the columns read whole, to be sure.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .tables import open_table

#: Rows read in the first, strided pass.
SAMPLE_ROWS = 20000


def _any_cross(tb, nrows: int, rowincr: int) -> bool:
    n = (nrows + rowincr - 1) // rowincr
    a1 = np.asarray(tb.getcol("ANTENNA1", 0, n, rowincr))
    a2 = np.asarray(tb.getcol("ANTENNA2", 0, n, rowincr))
    return bool(np.any(a1 != a2))


def read_has_cross_correlations(ms: Path) -> bool | None:
    """True/False; None when the main table is empty or lacks the columns."""
    with open_table(ms, label="main") as tb:
        if not {"ANTENNA1", "ANTENNA2"} <= set(tb.colnames()):
            return None
        nrows = int(tb.nrows())
        if nrows == 0:
            return None
        stride = max(1, nrows // SAMPLE_ROWS)
        if _any_cross(tb, nrows, stride):
            return True
        return stride > 1 and _any_cross(tb, nrows, 1)
