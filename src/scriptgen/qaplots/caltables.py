"""Read a CASA calibration table into arrays, one block per spectral window.

Cal tables keep one row per (time, antenna, spw) with a solution array of
shape (polarisations, channels); windows may have different channel counts,
so each window is read on its own. The VisCal type in the table keywords
says what the numbers are (``B TSYS``: Tsys in K in FPARAM; ``B Jones``:
bandpass; ``G Jones``/``T Jones``: gains, complex CPARAM).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ScriptgenError

__all__ = ["SpwSolutions", "CalTable", "read_caltable"]


@dataclass(frozen=True, eq=False)
class SpwSolutions:
    """Solutions of one window: ``values`` and ``flags`` are (npol, nchan, nrow)."""

    spw_id: int
    freq_hz: np.ndarray
    time_s: np.ndarray
    antenna: np.ndarray
    field: np.ndarray
    values: np.ndarray
    flags: np.ndarray


@dataclass(frozen=True, eq=False)
class CalTable:
    path: str
    viscal: str
    antenna_names: tuple[str, ...]
    spws: tuple[SpwSolutions, ...]

    @property
    def is_complex(self) -> bool:
        return bool(self.spws) and np.iscomplexobj(self.spws[0].values)


def read_caltable(path: str | Path) -> CalTable:
    """Read ``path`` with casatools.table; a ScriptgenError if it is not a cal table."""
    from .. import casa_env

    path = Path(path)
    if not (path / "table.dat").exists():
        raise ScriptgenError(f"{path} is not a CASA table")
    tb = casa_env.casatools().table()
    try:
        try:
            tb.open(str(path))
        except RuntimeError as exc:
            raise ScriptgenError(f"cannot open {path}: {str(exc).splitlines()[0]}") from None
        keywords = tb.getkeywords()
        viscal = str(keywords.get("VisCal", ""))
        cols = tb.colnames()
        param = "CPARAM" if "CPARAM" in cols else "FPARAM" if "FPARAM" in cols else None
        if param is None or "SPECTRAL_WINDOW_ID" not in cols:
            raise ScriptgenError(f"{path} is not a calibration table (no CPARAM/FPARAM)")
        spw_ids = sorted(set(int(s) for s in tb.getcol("SPECTRAL_WINDOW_ID"))) if tb.nrows() else []
        blocks = []
        for spw in spw_ids:
            sub = tb.query(f"SPECTRAL_WINDOW_ID=={spw}", sortlist="TIME,ANTENNA1")
            try:
                blocks.append(
                    (spw, sub.getcol("TIME"), sub.getcol("ANTENNA1"), sub.getcol("FIELD_ID"),
                     sub.getcol(param), sub.getcol("FLAG"))
                )
            finally:
                sub.close()
    finally:
        tb.close()
    freqs = _subtable_column(path / "SPECTRAL_WINDOW", "CHAN_FREQ")
    names = _subtable_column(path / "ANTENNA", "NAME")
    spws = tuple(
        SpwSolutions(
            spw,
            np.asarray(freqs[spw] if spw < len(freqs) else np.arange(vals.shape[1]), dtype=float),
            np.asarray(t, float), np.asarray(a, int), np.asarray(f, int), np.asarray(vals), np.asarray(fl, bool),
        )
        for spw, t, a, f, vals, fl in blocks
    )
    return CalTable(str(path), viscal, tuple(str(n) for n in names), spws)


def _subtable_column(path: Path, column: str) -> list:
    from .. import casa_env

    if not (path / "table.dat").exists():
        return []
    tb = casa_env.casatools().table()
    try:
        tb.open(str(path))
        if column == "CHAN_FREQ":
            return [np.asarray(tb.getcell(column, r)) for r in range(tb.nrows())]
        return list(tb.getcol(column))
    finally:
        tb.close()
