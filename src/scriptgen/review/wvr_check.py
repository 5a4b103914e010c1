"""Arrays for the WVR comparison, from the tables a calibration run wrote.

The per-integration phase table (``phase_int``, solved on the split MS
whose data the WVR table had corrected) and the WVR table (on the imported
MS's windows) are lined up by frequency and time; the decision is
:func:`scriptgen.heuristics.review_wvr.wvr_decision`.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..heuristics.review_wvr import WvrComparison, phases_without_wvr
from .tables import Solutions

#: A WVR solution further than this from a phase solution (s) is not its
#: own: wvrgcal writes one per WVR integration, smoothed to the
#: correlator's integration, so the nearest is within about one integration.
MAX_TIME_OFFSET_S = 5.0


def wvr_comparisons(
    phase_int: Solutions, wvr: Solutions, fields: tuple[str, ...] = ()
) -> list[WvrComparison]:
    """One comparison per calibrator field of ``phase_int`` (all of them
    when ``fields`` is empty; else those named)."""
    names = phase_int.table.antenna_names
    n_ant = len(names)
    blocks = phase_int.table.spws
    if not blocks or not wvr.table.spws:
        return []
    wvr_block = {b.spw_id: _matching_wvr_block(b, wvr) for b in blocks}
    field_ids = sorted({int(f) for b in blocks for f in b.field})
    out = []
    for fid in field_ids:
        name = phase_int.field_names.get(fid, str(fid))
        if fields and name not in fields:
            continue
        times = np.unique(np.concatenate([b.time_s[b.field == fid] for b in blocks]))
        if times.size == 0:
            continue
        times = times[np.concatenate([[True], np.diff(times) > 0.5])]
        with_wvr = np.full((n_ant, len(blocks), times.size), np.nan)
        wvr_phase = np.full_like(with_wvr, np.nan)
        refant = np.full(times.size, -1)
        scan = np.full(times.size, -1)
        for s, b in enumerate(blocks):
            rows = np.flatnonzero(b.field == fid)
            if rows.size == 0:
                continue
            k = np.clip(np.searchsorted(times, b.time_s[rows] - 0.5), 0, times.size - 1)
            g = np.where(b.flags[:, 0, rows], np.nan, b.values[:, 0, rows])
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # flagged solutions
                mean = np.nanmean(g, axis=0)
            with_wvr[b.antenna[rows], s, k] = np.degrees(np.angle(mean))
            if b.spw_id in phase_int.refant:
                refant[k] = phase_int.refant[b.spw_id][rows]
            if b.spw_id in phase_int.scan:
                scan[k] = phase_int.scan[b.spw_id][rows]
            source = wvr_block[b.spw_id]
            if source is not None:
                wvr_phase[b.antenna[rows], s, k] = _wvr_at(
                    source, b.antenna[rows], b.time_s[rows]
                )
        if (scan < 0).all():
            scan = _scans_from_gaps(times)
        without = phases_without_wvr(with_wvr, wvr_phase, refant)
        out.append(WvrComparison(name, tuple(names), with_wvr, without, scan))
    return out


def _matching_wvr_block(block, wvr: Solutions):
    """The WVR table's window at the same frequency as ``block`` (split
    renumbers windows, so ids do not match; frequencies do)."""
    centre = float(np.mean(block.freq_hz))
    best, dist = None, np.inf
    for w in wvr.table.spws:
        if w.freq_hz.size == 0:
            continue
        d = abs(float(np.mean(w.freq_hz)) - centre)
        if d < dist:
            best, dist = w, d
    # Within half the window's own span: the same window, not a neighbour.
    span = float(np.ptp(block.freq_hz)) if block.freq_hz.size > 1 else 0.0
    return best if best is not None and dist <= max(span, 1e6) else None


def _wvr_at(block, antennas: np.ndarray, times: np.ndarray) -> np.ndarray:
    """WVR phase (deg) of each (antenna, time): its nearest WVR solution."""
    out = np.full(antennas.size, np.nan)
    phase = np.where(block.flags[0, 0], np.nan, np.degrees(np.angle(block.values[0, 0])))
    for a in np.unique(antennas):
        mine = block.antenna == a
        if not mine.any():
            continue
        t, p = block.time_s[mine], phase[mine]
        want = antennas == a
        j = np.clip(np.searchsorted(t, times[want]), 1, t.size - 1) if t.size > 1 else np.zeros(want.sum(), int)
        if t.size > 1:
            left = np.abs(times[want] - t[j - 1]) < np.abs(times[want] - t[j])
            j = np.where(left, j - 1, j)
        near = np.abs(t[j] - times[want]) <= MAX_TIME_OFFSET_S
        out[want] = np.where(near, p[j], np.nan)
    return out


def _scans_from_gaps(times: np.ndarray) -> np.ndarray:
    """Scan numbers from gaps longer than 5 x the usual spacing (tables
    without a SCAN_NUMBER column)."""
    if times.size < 2:
        return np.zeros(times.size, int)
    step = np.diff(times)
    gap = step > 5 * np.median(step)
    return np.concatenate([[0], np.cumsum(gap)])
