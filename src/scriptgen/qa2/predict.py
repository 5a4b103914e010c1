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

__all__ = ["Prediction", "combined_sigma", "ous_noise_summary", "predict_noise", "load_execblock"]


@dataclass(frozen=True)
class Prediction:
    """Combined predicted noise and a line per EB saying how it was made."""

    sigma_jy: float
    bandwidth_note: str
    per_eb: tuple[str, ...]
    #: Each EB's own prediction (Jy/beam) and time on source (s), in order.
    per_eb_sigma_jy: tuple[float, ...] = ()
    per_eb_time_s: tuple[float, ...] = ()

    @property
    def n_ebs(self) -> int:
        return len(self.per_eb_sigma_jy)

    @property
    def time_on_source_s(self) -> float:
        return sum(self.per_eb_time_s)


def combined_sigma(sigmas) -> float:
    """The noise of EBs imaged together: inverse-variance sum,
    1/sigma^2 = sum 1/sigma_i^2 (N equal EBs: sigma / sqrt(N))."""
    sigmas = [float(s) for s in sigmas]
    if not sigmas or any(not (s > 0 and math.isfinite(s)) for s in sigmas):
        raise ScriptgenError(f"per-EB noise must be positive numbers, got {sigmas}")
    return 1.0 / math.sqrt(sum(1.0 / s**2 for s in sigmas))


def ous_noise_summary(p: Prediction) -> str:
    """One line on how the EBs of the OUS combine (for the QA2 report)."""
    parts = ", ".join(f"{s * 1e3:.4g} mJy ({t / 60:.1f} min)" for s, t in zip(p.per_eb_sigma_jy, p.per_eb_time_s))
    return (
        f"{p.n_ebs} EBs combined, {p.time_on_source_s / 60:.1f} min on source in all: predicted "
        f"{p.sigma_jy * 1e3:.4g} mJy/beam = inverse-variance sum of {parts}"
    )


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
    lines = []
    sigmas = []
    times = []
    for eb in ebs:
        this_bw = bw if bw is not None else {s: eb.spw(s).bandwidth_hz for s in derive.science_spws(eb)}
        est = expected_noise(eb, this_bw)
        sigmas.append(est.sigma_jy)
        times.append(est.time_on_source_s)
        lines.append(f"{eb.uid}: {est.describe()}")
    return Prediction(combined_sigma(sigmas), note, tuple(lines), tuple(sigmas), tuple(times))
