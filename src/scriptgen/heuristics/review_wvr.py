"""Does the WVR correction help? The review's version of hifa_wvrgcalflag.

The ALMA pipeline's hifa_wvrgcalflag solves per-integration phases on the
bandpass and phase calibrators with and without the WVR table and compares
each antenna's phase rms: the table is applied only when it improves the
phases (its ``accept_threshold``, 1.0 on the improvement ratio), and
antennas whose WVR-corrected phases are outliers are handed to wvrgcal's
``wvrflag`` (their correction is then interpolated from neighbours).

The review does the same comparison from tables the calibration script
already wrote, without solving again: the per-integration phases
(``phase_int``) were solved on data the WVR table corrected, so adding the
WVR table's phase back (re-referenced to the same reference antenna) gives
the phases a solve without WVR would have found. This module takes those
two phase arrays and decides; the reading is in ``scriptgen.review``.

Only the phase within each scan counts: the scan mean is removed, as slow
drifts between scans are what phase referencing takes out anyway, and are
not what a radiometer corrects best.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .review import MAD_TO_SIGMA, wrap_deg

#: hifa_wvrgcalflag's ``accept_threshold``: WVR is applied when the median
#: improvement ratio (phase rms without / with WVR) exceeds 1.0 ...
WVR_ACCEPT_THRESHOLD = 1.0
#: ... but a ratio this close below 1 is no measurable change (thermal noise
#: in the phases moves the ratio by a few per cent between runs), and the
#: observatory's delivered scripts apply WVR unless it harms: rejecting
#: needs the median ratio below 1 - WVR_NEUTRAL_MARGIN (this module's choice).
WVR_NEUTRAL_MARGIN = 0.05

#: An antenna's radiometer is bad when WVR makes its phases worse (rms with
#: / without above this ratio: this module's choice, 20 % worse) ...
WVR_BAD_ANTENNA_RATIO = 1.2
#: ... and that ratio is a high outlier among the antennas by this many
#: robust standard deviations (hifa_wvrgcalflag flags high outliers of its
#: per-antenna view with ``fhi_limit`` = 10 median absolute deviations; in
#: standard deviations 10 / 1.4826 = 6.7, the same cut).
WVR_BAD_ANTENNA_SIGMA = 10.0 / MAD_TO_SIGMA

#: Per-integration phases a scan needs before its rms means anything.
MIN_SOLUTIONS_PER_SCAN = 3


@dataclass(frozen=True)
class WvrComparison:
    """Per-integration phases of one calibrator [antenna, spw, solution]
    with the WVR correction applied and without it, and each solution's
    scan (solutions of a scan share a number)."""

    field: str
    antennas: tuple[str, ...]
    with_wvr_deg: np.ndarray
    without_wvr_deg: np.ndarray
    scan: np.ndarray


@dataclass(frozen=True)
class WvrDecision:
    """Whether to apply WVR, which radiometers to interpolate, and why.

    ``rms_with_deg``/``rms_without_deg`` per antenna (NaN: no solutions,
    the reference antenna has 0 by definition and is left NaN);
    ``improvement`` the median over antennas of without / with.
    """

    apply: bool
    bad_antennas: tuple[str, ...]
    improvement: float
    rms_with_deg: tuple[float, ...]
    rms_without_deg: tuple[float, ...]
    antennas: tuple[str, ...]
    reason: str
    #: What the analyst should change in the script ('' when nothing).
    action: str = ""
    #: Per bad antenna, its ratio (rms with / without) and the reason.
    antenna_reasons: tuple[str, ...] = ()


def scan_rms_deg(phase_deg: np.ndarray, scan: np.ndarray) -> np.ndarray:
    """Rms phase [antenna] about each scan's mean, over windows and scans.

    The mean is circular (phases wrap); scans with fewer than
    MIN_SOLUTIONS_PER_SCAN solutions are left out.
    """
    phase = np.asarray(phase_deg, dtype=float)
    scan = np.asarray(scan)
    n_ant = phase.shape[0]
    sq = np.zeros(n_ant)
    n = np.zeros(n_ant)
    for s in np.unique(scan):
        block = phase[:, :, scan == s]  # [ant, spw, sol]
        good = np.isfinite(block)
        if block.shape[2] < MIN_SOLUTIONS_PER_SCAN:
            continue
        z = np.where(good, np.exp(1j * np.radians(np.where(good, block, 0))), 0)
        mean = np.angle(z.sum(axis=2, keepdims=True), deg=True)
        dev = np.where(good, wrap_deg(block - mean), 0.0)
        counts = good.sum(axis=2)  # [ant, spw]
        use = counts >= MIN_SOLUTIONS_PER_SCAN
        sq += np.where(use[:, :, None], dev**2, 0).sum(axis=(1, 2))
        n += np.where(use, counts, 0).sum(axis=1)
    with np.errstate(all="ignore"):
        return np.where(n > 0, np.sqrt(sq / np.maximum(n, 1)), np.nan)


def wvr_decision(comparisons: list[WvrComparison]) -> WvrDecision | None:
    """Accept or reject the WVR table, and name bad radiometers.

    Rms per antenna pooled over the calibrators compared (the pipeline
    uses the bandpass and phase calibrators). Bad radiometers are decided
    first and left out of the overall improvement: one noisy radiometer is
    a reason to interpolate it, not to drop WVR for every antenna. None
    when there is nothing to compare (no per-integration solutions yet).
    """
    if not comparisons:
        return None
    antennas = comparisons[0].antennas
    n_ant = len(antennas)
    sq_with, sq_without, weight = np.zeros(n_ant), np.zeros(n_ant), np.zeros(n_ant)
    for c in comparisons:
        w, wo = scan_rms_deg(c.with_wvr_deg, c.scan), scan_rms_deg(c.without_wvr_deg, c.scan)
        ok = np.isfinite(w) & np.isfinite(wo) & (w > 0)
        n = np.isfinite(np.asarray(c.with_wvr_deg)).sum(axis=(1, 2))
        sq_with += np.where(ok, w**2 * n, 0)
        sq_without += np.where(ok, wo**2 * n, 0)
        weight += np.where(ok, n, 0)
    with np.errstate(all="ignore"):
        rms_with = np.where(weight > 0, np.sqrt(sq_with / np.maximum(weight, 1)), np.nan)
        rms_without = np.where(weight > 0, np.sqrt(sq_without / np.maximum(weight, 1)), np.nan)
        ratio = rms_with / rms_without  # > 1: WVR makes this antenna worse
    finite = np.isfinite(ratio)
    if not finite.any():
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        centre = float(np.median(ratio[finite]))
        sigma = MAD_TO_SIGMA * float(np.median(np.abs(ratio[finite] - centre)))
    bad, reasons = [], []
    for a, name in enumerate(antennas):
        r = ratio[a]
        if not np.isfinite(r):
            continue
        outlier = sigma == 0 or (r - centre) > WVR_BAD_ANTENNA_SIGMA * sigma
        if r > WVR_BAD_ANTENNA_RATIO and outlier:
            bad.append(name)
            reasons.append(
                f"{name}: phase rms {rms_with[a]:.1f} deg with WVR, {rms_without[a]:.1f} deg without "
                f"(x{r:.2f}; limits: above {WVR_BAD_ANTENNA_RATIO:g} and {WVR_BAD_ANTENNA_SIGMA:.1f} "
                f"robust sigma above the median antenna's x{centre:.2f}, after ALMA pipeline "
                "hifa_wvrgcalflag fhi_limit): a bad radiometer"
            )
    good = finite & np.isin(np.asarray(antennas), bad, invert=True)
    improvement = float(np.median(1.0 / ratio[good])) if good.any() else float("nan")
    apply = not (improvement < WVR_ACCEPT_THRESHOLD - WVR_NEUTRAL_MARGIN)
    if improvement > WVR_ACCEPT_THRESHOLD + WVR_NEUTRAL_MARGIN:
        verdict = "WVR improves the phases: keep it"
    elif apply:
        verdict = (
            f"WVR changes the phases by {100 * WVR_NEUTRAL_MARGIN:.0f} % or less: no measurable "
            "effect, kept (the observatory applies WVR unless it harms)"
        )
    else:
        verdict = "WVR makes the phases worse: do not apply it"
    fields = ", ".join(dict.fromkeys(c.field for c in comparisons))
    reason = (
        f"median phase-rms improvement (without / with WVR) {improvement:.3f} on {fields} "
        f"(per-integration phases about each scan's mean; ALMA pipeline hifa_wvrgcalflag, "
        f"accept_threshold {WVR_ACCEPT_THRESHOLD:g}): {verdict}"
    )
    if bad and apply:
        names = ", ".join(repr(b) for b in bad)
        action = f"rerun wvrgcal with wvrflag=[{names}] (their correction interpolated from neighbours)"
    elif not apply:
        action = "reject WVR: leave the WVR table out of the a-priori applycal"
    else:
        action = ""
    return WvrDecision(
        apply=apply,
        bad_antennas=tuple(bad),
        improvement=round(improvement, 4),
        rms_with_deg=tuple(round(float(v), 3) for v in rms_with),
        rms_without_deg=tuple(round(float(v), 3) for v in rms_without),
        antennas=tuple(antennas),
        reason=reason,
        action=action,
        antenna_reasons=tuple(reasons),
    )


def phases_without_wvr(
    with_wvr_deg: np.ndarray, wvr_deg: np.ndarray, refant: np.ndarray
) -> np.ndarray:
    """What a phase solve without WVR would find [antenna, spw, solution].

    ``with_wvr_deg``: phases solved on WVR-corrected data, referenced to
    ``refant`` [solution] (the reference antenna per solution, -1 unknown);
    ``wvr_deg``: the WVR table's phase at the same antenna, window and time.
    The solve found G/W (applycal divides by the WVR gain W), so G is the
    product: phases add; the reference antenna's WVR phase is then taken
    out again, as gaincal references every antenna to it.
    """
    total = np.asarray(with_wvr_deg, dtype=float) + np.asarray(wvr_deg, dtype=float)
    ref = np.asarray(refant)
    out = np.full_like(total, np.nan)
    for k in range(total.shape[2]):
        r = int(ref[k]) if k < ref.size else -1
        if 0 <= r < total.shape[0]:
            out[:, :, k] = wrap_deg(total[:, :, k] - np.asarray(wvr_deg, dtype=float)[r, :, k][None])
        else:
            out[:, :, k] = wrap_deg(total[:, :, k])
    return out
