"""What an analyst looks for in calibration tables after a run.

Pure functions over arrays read from the Tsys, bandpass and gain tables
(``scriptgen.review`` does the reading). Each finding carries the antenna,
window and time range it concerns and the reason, with the threshold and
its source; findings that an analyst would flag become :class:`FlagProposal`
lines of a flag template (``flagdata`` list mode, applied by the
calibration script's analyst-flags step).

Statistics are robust (median, MAD): one bad antenna in ten must not move
the reference it is compared with.
"""

from __future__ import annotations

from dataclasses import dataclass

import warnings

import numpy as np

from ..delivery.flagtemplate import flagdata_reason
from .selection import Use, selection

# --------------------------------------------------------------------------
# Thresholds, each with its source.

#: A Tsys spectrum whose median is more than this many times the median of
#: its window's spectra (all antennas, same Tsys scan) is an outlier: the
#: ALMA pipeline's hifa_tsysflag 'nmedian' metric (default fnm_limit=2.0).
TSYS_NMEDIAN_LIMIT = 2.0

#: MAD -> standard deviation for normally distributed values.
MAD_TO_SIGMA = 1.4826

#: A change of an antenna's gain phase between consecutive solutions on the
#: same calibrator is a jump when it departs from the median change of all
#: antennas by more than this many robust standard deviations ...
PHASE_JUMP_SIGMA = 5.0
#: ... and by at least this much: slow atmospheric wander moves phases by
#: tens of degrees between phase-calibrator visits at high frequency and in
#: poor weather, so only a larger step is a jump worth flagging (this
#: module's choice; the pipeline has no phase-jump flagger - hifa_timegaincal
#: only plots the phases).
PHASE_JUMP_MIN_DEG = 45.0

#: A gain amplitude departing from the antenna's median amplitude by more
#: than this fraction, and by PHASE_JUMP_SIGMA robust standard deviations of
#: all antennas' departures, is reported (ALMA pipeline hif_lowgainflag
#: flags antennas whose gains depart from the median by a comparable
#: factor; here it is reported, not flagged: the Tsys review names the cause).
GAIN_AMPLITUDE_LIMIT = 0.3

#: A bandpass amplitude whose rms deviation from the median bandpass of all
#: antennas (after normalisation) exceeds this fraction is reported (ALMA
#: pipeline hif_bpflagchans/hifa_bandpassflag look for deviant bandpass
#: amplitudes; this rms limit is this module's choice).
BANDPASS_RMS_LIMIT = 0.15


#: A radiometer is noisy when the rms change of its WVR phase correction
#: between consecutive solutions exceeds this many times the median of all
#: antennas' (this module's limit; the pipeline's hifa_wvrgcalflag finds bad
#: radiometers by the phase rms they leave and passes them to wvrgcal's
#: ``wvrflag``, which interpolates their correction from neighbours).
WVR_NOISE_LIMIT = 3.0


def robust_sigma(values: np.ndarray) -> float:
    """MAD-based standard deviation of the finite ``values`` (0 when empty)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return 0.0
    return float(MAD_TO_SIGMA * np.median(np.abs(v - np.median(v))))


def wrap_deg(values) -> np.ndarray:
    """Angles wrapped to (-180, 180]."""
    return -((-np.asarray(values, dtype=float) + 180.0) % 360.0 - 180.0)


# --------------------------------------------------------------------------
# Findings and proposals.


@dataclass(frozen=True)
class Finding:
    """One thing a review reports: what, where, how bad, and why."""

    kind: str
    antenna: str
    spw: str
    start_mjd_s: float
    stop_mjd_s: float
    value: float
    reason: str
    #: Whether it became a flag proposal (else it is for the analyst to judge).
    proposed: bool = False
    #: The antenna's id (-1: unknown), for a name CASA would misread.
    antenna_id: int = -1


@dataclass(frozen=True)
class FlagProposal:
    """One ``flagdata`` list-mode line of the flag template, with its reason."""

    antenna: str
    spw: str
    start_mjd_s: float
    stop_mjd_s: float
    reason: str
    #: The antenna's id (-1: unknown), for a name CASA would misread.
    antenna_id: int = -1

    def line(self) -> str:
        antenna = self.antenna
        if self.antenna_id >= 0:
            # By id when the name holds selection syntax (heuristics.selection).
            antenna = selection(Use.ANTENNA, [self.antenna], [self.antenna_id]).value or antenna
        parts = ["mode='manual'", f"antenna='{antenna}'"]
        if self.spw:
            parts.append(f"spw='{self.spw}'")
        parts.append(
            f"timerange='{casa_time(self.start_mjd_s)}~{casa_time(self.stop_mjd_s)}'"
        )
        parts.append(f"reason='{flagdata_reason(self.reason)}'")
        return " ".join(parts)


def mjd_seconds(casa: str) -> float:
    """A CASA time string (YYYY/MM/DD/hh:mm:ss[.s]) as MJD seconds (UTC)."""
    from datetime import datetime

    when = datetime.strptime(
        casa.strip(), "%Y/%m/%d/%H:%M:%S.%f" if "." in casa else "%Y/%m/%d/%H:%M:%S"
    )
    return (when - datetime(1858, 11, 17)).total_seconds()


def casa_time(mjd_s: float) -> str:
    """MJD seconds as a CASA time string (YYYY/MM/DD/hh:mm:ss.s, UTC)."""
    from datetime import datetime, timedelta

    when = datetime(1858, 11, 17) + timedelta(seconds=float(mjd_s))
    return when.strftime("%Y/%m/%d/%H:%M:%S.") + f"{when.microsecond // 100000:d}"


# --------------------------------------------------------------------------
# Tsys.


@dataclass(frozen=True)
class TsysWindow:
    """Median Tsys [antenna, measurement] of one Tsys window and when each
    measurement was taken (mid time and interval, MJD s)."""

    spw: int
    antennas: tuple[str, ...]
    median_k: np.ndarray
    times: np.ndarray
    intervals: np.ndarray
    #: Science windows (ids of the imported MS) calibrated by this Tsys window.
    science_spws: tuple[int, ...] = ()


def tsys_outliers(win: TsysWindow, end_mjd_s: float) -> list[Finding]:
    """hifa_tsysflag's 'nmedian' test per Tsys measurement.

    An antenna whose median Tsys is above TSYS_NMEDIAN_LIMIT x the median
    of all antennas at the same measurement is an outlier. The data it
    calibrates are suspect from the start of that measurement until the
    antenna's next good measurement (or the end of the EB): Tsys is
    interpolated between measurements, and a real rise in Tsys reaches the
    calibrators measured before it through the gain solutions.
    """
    out = []
    values = np.asarray(win.median_k, dtype=float)
    order = np.argsort(win.times)
    for a, name in enumerate(win.antennas):
        bad_run = None
        for k in order:
            ref = float(np.nanmedian(values[:, k]))
            ratio = values[a, k] / ref if ref > 0 else np.nan
            bad = bool(np.isfinite(ratio) and ratio > TSYS_NMEDIAN_LIMIT)
            start = float(win.times[k] - win.intervals[k] / 2)
            if bad and bad_run is None:
                bad_run = (start, ratio)
            elif bad and bad_run is not None:
                bad_run = (bad_run[0], max(bad_run[1], ratio))
            elif not bad and bad_run is not None:
                out.append(_tsys_finding(win, name, bad_run, start, a))
                bad_run = None
        if bad_run is not None:
            out.append(_tsys_finding(win, name, bad_run, end_mjd_s, a))
    return out


def _tsys_finding(win: TsysWindow, antenna: str, run, stop: float, antenna_id: int = -1) -> Finding:
    start, ratio = run
    spws = win.science_spws or (win.spw,)
    return Finding(
        kind="tsys",
        antenna=antenna,
        antenna_id=antenna_id,
        spw=",".join(str(s) for s in spws),
        start_mjd_s=start,
        stop_mjd_s=stop,
        value=round(float(ratio), 3),
        reason=(
            f"Tsys {ratio:.1f} x the median of all antennas in Tsys spw {win.spw} "
            f"(limit {TSYS_NMEDIAN_LIMIT}: ALMA pipeline hifa_tsysflag nmedian)"
        ),
        proposed=True,
    )


# --------------------------------------------------------------------------
# Gains.


@dataclass(frozen=True)
class GainSeries:
    """Gain solutions of one calibrator field: [antenna, spw, solution].

    ``phase_deg``/``amplitude`` are NaN where a solution is flagged or
    missing; ``times``/``intervals`` per solution (MJD s).
    """

    field: str
    antennas: tuple[str, ...]
    spws: tuple[int, ...]
    phase_deg: np.ndarray
    amplitude: np.ndarray
    times: np.ndarray
    intervals: np.ndarray


def phase_jumps(series: GainSeries) -> list[Finding]:
    """Steps in an antenna's phase between consecutive solutions.

    A path-length step is the same in every window, so the step per antenna
    is the median over windows of the wrapped phase change; it is a jump
    when it departs from the median change of all antennas by more than
    PHASE_JUMP_SIGMA robust standard deviations and PHASE_JUMP_MIN_DEG.
    The time range to flag runs between the two solutions (the data phase
    referencing interpolated across the step); CASA writes solint='inf'
    gain solutions with a zero interval, so it then runs from one
    solution's mid time to the next's.
    """
    n_sol = series.phase_deg.shape[2] if series.phase_deg.ndim == 3 else 0
    if n_sol < 2:
        return []
    change = wrap_deg(np.diff(series.phase_deg, axis=2))  # [ant, spw, sol-1]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # antennas without solutions
        step = np.nanmedian(change, axis=1)  # [ant, sol-1]
    centre = np.nanmedian(step, axis=0)  # common to all antennas (reference)
    dev = wrap_deg(step - centre[None])
    sigma = robust_sigma(dev)
    limit = max(PHASE_JUMP_SIGMA * sigma, PHASE_JUMP_MIN_DEG)
    out = []
    for a, name in enumerate(series.antennas):
        for k in range(n_sol - 1):
            if not np.isfinite(dev[a, k]) or abs(dev[a, k]) <= limit:
                continue
            start = float(series.times[k] + series.intervals[k] / 2)
            stop = float(series.times[k + 1] - series.intervals[k + 1] / 2)
            out.append(
                Finding(
                    kind="phase_jump",
                    antenna=name,
                    antenna_id=a,
                    spw="",
                    start_mjd_s=start,
                    stop_mjd_s=stop,
                    value=round(float(dev[a, k]), 1),
                    reason=(
                        f"phase jump of {dev[a, k]:.0f} deg on {series.field} between solutions "
                        f"(limit {limit:.0f} deg, the larger of {PHASE_JUMP_SIGMA} robust sigma and "
                        f"{PHASE_JUMP_MIN_DEG} deg): data between them are decorrelated"
                    ),
                    proposed=True,
                )
            )
    return out


def amplitude_outliers(series: GainSeries) -> list[Finding]:
    """Gain amplitudes far from their antenna's median (reported only)."""
    amp = np.asarray(series.amplitude, dtype=float)
    if amp.ndim != 3 or amp.shape[2] == 0:
        return []
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        rel = amp / np.nanmedian(amp, axis=2, keepdims=True) - 1.0
    sigma = robust_sigma(rel)
    limit = max(PHASE_JUMP_SIGMA * sigma, GAIN_AMPLITUDE_LIMIT)
    out = []
    for a, name in enumerate(series.antennas):
        for s, spw in enumerate(series.spws):
            for k in range(amp.shape[2]):
                r = rel[a, s, k]
                if np.isfinite(r) and abs(r) > limit:
                    t, dt = float(series.times[k]), float(series.intervals[k])
                    out.append(
                        Finding(
                            kind="gain_amplitude",
                            antenna=name,
                            antenna_id=a,
                            spw=str(spw),
                            start_mjd_s=t - dt / 2,
                            stop_mjd_s=t + dt / 2,
                            value=round(float(r), 3),
                            reason=(
                                f"gain amplitude {100 * r:+.0f} % from the antenna's median on "
                                f"{series.field}, window {spw} of the gain table "
                                f"(limit {100 * limit:.0f} %)"
                            ),
                        )
                    )
    return out


def flagged_fraction(flags: np.ndarray) -> float:
    """Fraction of flagged entries (NaN for none)."""
    f = np.asarray(flags)
    return float(f.mean()) if f.size else float("nan")


# --------------------------------------------------------------------------
# WVR.


def noisy_radiometers(
    antennas: tuple[str, ...], phase_deg: np.ndarray
) -> list[Finding]:
    """Antennas whose WVR phase correction [antenna, solution] jumps from
    one solution to the next far more than the others' (reported, with the
    script-level fix: it is not a flag)."""
    phase = np.asarray(phase_deg, dtype=float)
    if phase.ndim != 2 or phase.shape[1] < 3:
        return []
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        step = wrap_deg(np.diff(phase, axis=1))
        rms = np.sqrt(np.nanmean(step**2, axis=1))
        ref = float(np.nanmedian(rms))
    out = []
    for a, name in enumerate(antennas):
        if ref > 0 and np.isfinite(rms[a]) and rms[a] > WVR_NOISE_LIMIT * ref:
            out.append(
                Finding(
                    kind="wvr",
                    antenna=name,
                    antenna_id=a,
                    spw="",
                    start_mjd_s=float("nan"),
                    stop_mjd_s=float("nan"),
                    value=round(float(rms[a] / ref), 2),
                    reason=(
                        f"WVR correction changes by {rms[a]:.1f} deg rms between solutions, "
                        f"{rms[a] / ref:.1f} x the median antenna (limit {WVR_NOISE_LIMIT:g}): "
                        f"a noisy radiometer; rerun the WVR step with wvrflag=['{name}']"
                    ),
                )
            )
    return out


# --------------------------------------------------------------------------
# Bandpass.


def bandpass_outliers(
    spw: int, antennas: tuple[str, ...], amplitude: np.ndarray, flags: np.ndarray
) -> list[Finding]:
    """Antennas whose normalised bandpass amplitude [antenna, chan] deviates
    in shape from the median of all antennas (reported only)."""
    amp = np.where(flags, np.nan, np.asarray(amplitude, dtype=float))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-flagged channels
        norm = amp / np.nanmedian(amp, axis=1, keepdims=True)
        median = np.nanmedian(norm, axis=0)
        rms = np.sqrt(np.nanmean((norm - median[None]) ** 2, axis=1))
    out = []
    for a, name in enumerate(antennas):
        if np.isfinite(rms[a]) and rms[a] > BANDPASS_RMS_LIMIT:
            out.append(
                Finding(
                    kind="bandpass",
                    antenna=name,
                    antenna_id=a,
                    spw=str(spw),
                    start_mjd_s=float("nan"),
                    stop_mjd_s=float("nan"),
                    value=round(float(rms[a]), 3),
                    reason=(
                        f"bandpass shape rms {100 * rms[a]:.0f} % from the median of all "
                        f"antennas (limit {100 * BANDPASS_RMS_LIMIT:.0f} %)"
                    ),
                )
            )
    return out


# --------------------------------------------------------------------------
# Proposals.


def proposals(findings: list[Finding]) -> list[FlagProposal]:
    """The flag-template lines for the findings an analyst would flag."""
    return [
        FlagProposal(
            antenna=f.antenna,
            antenna_id=f.antenna_id,
            spw=f.spw,
            start_mjd_s=f.start_mjd_s,
            stop_mjd_s=f.stop_mjd_s,
            reason=f"review: {f.reason}",
        )
        for f in findings
        if f.proposed
    ]


def already_accepted(proposal: FlagProposal, accepted: list[FlagProposal]) -> bool:
    """Whether an accepted flag already covers this proposal: the same
    antenna and window(s), overlapping in time. After a rerun the same
    fault is found again with slightly different edges (the flagged data
    moved the solutions' times); proposing it again would repeat what the
    analyst decided."""
    return any(
        a.antenna == proposal.antenna
        and a.spw == proposal.spw
        and a.start_mjd_s < proposal.stop_mjd_s
        and proposal.start_mjd_s < a.stop_mjd_s
        for a in accepted
    )
