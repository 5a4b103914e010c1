"""The noise the data should have reached: radiometer equation over the EBs.

QA2 asks "was the request met?"; the ratio achieved / predicted asks
"did the reduction get what the data could give?". A ratio near 1 with a
FAIL means the weather or the time on source fell short; a ratio well above
1 points at the reduction (flagging, calibration, dynamic range, a bad
continuum selection).

The prediction is the imaging engineer's :mod:`scriptgen.heuristics.sensitivity`
(natural weighting) per EB, combined over EBs by inverse variance as
imaging them together would. The bandwidth is the image's channel width for
a cube (entering as its effective noise bandwidth when the EB records
ALMA's online Hanning smoothing in EFFECTIVE_BW); for a single-plane (continuum) image it is each science window's
full bandwidth unless the caller gives the bandwidth actually used (the
line-free total), since the image does not record which channels went in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from .. import derive
from ..errors import ScriptgenError
from ..model import ExecBlock
from .measure import Measurement

__all__ = ["Prediction", "predict_noise", "load_execblock"]


@dataclass(frozen=True)
class Prediction:
    """Combined predicted noise and a line per EB saying how it was made."""

    sigma_jy: float
    bandwidth_note: str
    per_eb: tuple[str, ...]


def load_execblock(path: str | Path) -> ExecBlock:
    """A snapshot (``.json``) or a MeasurementSet."""
    from .. import snapshot

    if snapshot.is_snapshot_path(path):
        return snapshot.load(path)
    from ..inspect import inspect_ms

    return inspect_ms(path)


def predict_noise(
    ebs: list[ExecBlock], m: Measurement, *, bandwidth_hz: float | None = None
) -> Prediction:
    """Natural-weighting noise the image ``m`` should have, from ``ebs``."""
    from ..heuristics.sensitivity import expected_noise

    if not ebs:
        raise ScriptgenError("no execution blocks to predict the noise from")
    if bandwidth_hz is not None:
        bw: float | dict[int, float] | None = bandwidth_hz
        note = f"bandwidth {bandwidth_hz / 1e6:.6g} MHz as given"
    elif m.planes > 1 or m.shape[2] > 1:
        if not m.chan_width_hz:
            raise ScriptgenError("the cube records no channel width; give the noise bandwidth")
        bw = m.chan_width_hz
        note = f"bandwidth = the cube's channel width, {m.chan_width_hz / 1e6:.6g} MHz"
    else:
        bw = None
        note = "bandwidth = every science window in full (no line-free selection known)"
    inv_var = 0.0
    lines = []
    for eb in ebs:
        this_bw = bw if bw is not None else {s: eb.spw(s).bandwidth_hz for s in derive.science_spws(eb)}
        est = expected_noise(eb, this_bw)
        inv_var += 1.0 / est.sigma_jy**2
        lines.append(f"{eb.uid}: {est.describe()}")
    return Prediction(1.0 / math.sqrt(inv_var), note, tuple(lines))
