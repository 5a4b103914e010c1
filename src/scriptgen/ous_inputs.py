"""Read what the OUS imaging plan needs beyond one EB's imaging inputs.

* The Doppler ratio LSRK/TOPO of each EB at its start, towards its first
  target (casatools ``measures``: ALMA's position, the EB's start epoch,
  the target's J2000 direction). ALMA tunes each EB in TOPO at its start
  and does not track, so this one ratio places the EB's channels on the
  LSRK axis (it drifts by well under a channel during an EB).
* Short-baseline spectra per pointing (line finding that sees extended and
  offset emission): per target field, the amplitude of the vector average
  of the baselines shorter than a given length, per channel.

Decisions live in :mod:`scriptgen.heuristics.ous_grid`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import casa_env
from .imaging_inputs import CHUNK_ROWS, _data_column, _ddid_to_spw, _select
from .model import ExecBlock


def lsrk_over_topo(eb: ExecBlock, field_id: int) -> float:
    """LSRK/TOPO frequency ratio of ``eb`` at its start towards ``field_id``."""
    fld = eb.field(field_id)
    epoch = eb.start_mjd_s if eb.start_mjd_s is not None else min(s.start_mjd_s for s in eb.scans)
    me = casa_env.casatools().measures()
    try:
        me.doframe(me.observatory("ALMA"))
        me.doframe(me.epoch("UTC", f"{epoch!r}s"))
        me.doframe(me.direction("J2000", f"{fld.ra_rad!r}rad", f"{fld.dec_rad!r}rad"))
        lsrk = me.measure(me.frequency("TOPO", "100GHz"), "LSRK")
        return float(lsrk["m0"]["value"]) / 100e9
    finally:
        me.done()


def short_baseline_spectra(
    ms: str | Path, field_ids: tuple[int, ...], spw_ids: tuple[int, ...], max_uv_m: float
) -> dict[int, dict[int, tuple[float, ...]]]:
    """spw -> field -> |vector average| per channel of baselines shorter than ``max_uv_m``.

    One pointing at a time: an offset or extended source averages down in
    an all-pointing, all-baseline average, but not on the short baselines
    of the pointing that sees it. Reads only the DATA/FLAG/UVW of those rows.
    """
    ms = Path(ms)
    tb = casa_env.casatools().table()
    ddids = {spw: dd for dd, spw in _ddid_to_spw(tb, ms).items()}
    out: dict[int, dict[int, tuple[float, ...]]] = {}
    tb.open(str(ms))
    try:
        column = _data_column(list(tb.colnames()))
        for spw in spw_ids:
            if spw not in ddids:
                continue
            for fid in field_ids:
                sub = _select(tb, [fid], ddids[spw])
                try:
                    total = count = None
                    for start in range(0, sub.nrows(), CHUNK_ROWS):
                        nrow = min(CHUNK_ROWS, sub.nrows() - start)
                        uvw = sub.getcol("UVW", start, nrow)
                        short = np.hypot(uvw[0], uvw[1]) <= max_uv_m
                        if not short.any():
                            continue
                        data = sub.getcol(column, start, nrow)[:, :, short]
                        flag = sub.getcol("FLAG", start, nrow)[:, :, short]
                        hands = [0, data.shape[0] - 1] if data.shape[0] == 4 else list(range(data.shape[0]))
                        good = ~flag[hands]
                        s = np.where(good, data[hands], 0).sum(axis=(0, 2))
                        c = good.sum(axis=(0, 2))
                        total = s if total is None else total + s
                        count = c if count is None else count + c
                finally:
                    sub.close()
                if total is not None:
                    with np.errstate(invalid="ignore", divide="ignore"):
                        amp = np.where(count > 0, np.abs(total / np.maximum(count, 1)), np.nan)
                    out.setdefault(spw, {})[fid] = tuple(float(x) for x in amp)
    finally:
        tb.close()
    return out
