"""Signal-to-noise of calibration solutions, and the solution intervals it allows.

A gain solution is antenna-based: each antenna's solution uses its N - 1
baselines, so its noise is the radiometer noise of those baselines,

    sigma_ant = 2 k Tsys / (eta A sqrt((N - 1) n_pol dnu t)),

i.e. sqrt(N) times the point-source noise of the whole array
(:func:`~scriptgen.heuristics.sensitivity.radiometer_noise_jy`). The SNR of a
solution on a calibrator of flux S is S / sigma_ant. From it follow the
choices an analyst makes for weak calibrators (high bands, narrow windows):
a longer ``solint``, ``combine='spw'`` (one solution over all windows, with
the window phase offsets solved once on the bandpass calibrator), and
channel averaging of the bandpass.

Targets are the ALMA pipeline's (stated where used): per-scan phase SNR 32
and per-integration phase SNR 5 (hifa_spwphaseup ``phasesnr``,
``intphasesnr``), bandpass per-solution SNR 50, at least 20 (hifa_bandpass
``bpsnr``, ``minbpsnr``).

Pure functions: no CASA, no I/O. Not yet wired into the templates: the
calibration plan can call :func:`phase_plan` and :func:`bandpass_plan` per
calibrator and window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .sensitivity import radiometer_noise_jy

#: Per-scan phase solutions: the pipeline's hifa_spwphaseup phasesnr.
PHASE_SNR_TARGET = 32.0
#: Per-integration phase solutions: the pipeline's hifa_spwphaseup intphasesnr.
INT_PHASE_SNR_TARGET = 5.0
#: Bandpass per solution channel: hifa_bandpass bpsnr ...
BANDPASS_SNR_TARGET = 50.0
#: ... and the least it accepts (minbpsnr) before refusing to smooth further.
MIN_BANDPASS_SNR = 20.0
#: gaincal's own default minsnr: solutions below it are flagged by CASA.
CASA_MINSNR = 3.0


def antenna_sigma_jy(
    tsys_k: float,
    bandwidth_hz: float,
    time_s: float,
    n_antennas: int,
    dish_diameter_m: float,
    n_pol: int = 2,
) -> float:
    """Noise (Jy) of one antenna-based solution over ``bandwidth_hz`` and ``time_s``."""
    array = radiometer_noise_jy(
        tsys_k, bandwidth_hz, time_s, n_antennas, dish_diameter_m, n_pol=n_pol
    )
    return array * math.sqrt(n_antennas)


@dataclass(frozen=True)
class Setup:
    """What the SNR of one calibrator's solutions depends on."""

    flux_jy: float
    tsys_k: float
    window_bandwidth_hz: float
    n_windows: int
    integration_s: float
    scan_s: float
    n_antennas: int
    dish_diameter_m: float
    n_pol: int = 2

    def snr(self, bandwidth_hz: float, time_s: float) -> float:
        sigma = antenna_sigma_jy(
            self.tsys_k,
            bandwidth_hz,
            time_s,
            self.n_antennas,
            self.dish_diameter_m,
            self.n_pol,
        )
        return self.flux_jy / sigma


@dataclass(frozen=True)
class PhasePlan:
    """The phase solve's interval and window combination, with the reason."""

    solint: str
    combine: str
    minsnr: float
    predicted_snr: float
    reason: str


def phase_plan(s: Setup) -> PhasePlan:
    """Per-integration phases if each integration reaches the pipeline's
    intphasesnr in one window; else the same over all windows
    (``combine='spw'``); else the shortest multiple of the integration that
    reaches it (combined windows); else one solution per scan."""
    one = s.snr(s.window_bandwidth_hz, s.integration_s)
    if one >= INT_PHASE_SNR_TARGET:
        return PhasePlan(
            "int",
            "",
            CASA_MINSNR,
            one,
            _why(one, "per integration, each window", INT_PHASE_SNR_TARGET),
        )
    all_bw = s.window_bandwidth_hz * s.n_windows
    combined = s.snr(all_bw, s.integration_s)
    if combined >= INT_PHASE_SNR_TARGET and s.n_windows > 1:
        return PhasePlan(
            "int", "spw", CASA_MINSNR, combined,
            _why(combined, "per integration, windows combined", INT_PHASE_SNR_TARGET)
            + f"; one window alone gives {one:.1f}",
        )  # fmt: skip
    combine = "spw" if s.n_windows > 1 else ""
    n = math.ceil((INT_PHASE_SNR_TARGET / combined) ** 2)
    if n * s.integration_s <= s.scan_s:
        t = n * s.integration_s
        snr = s.snr(all_bw, t)
        return PhasePlan(
            f"{t:g}s", combine, CASA_MINSNR, snr,
            _why(snr, f"over {n} integrations" + (", windows combined" if combine else ""), INT_PHASE_SNR_TARGET),
        )  # fmt: skip
    snr = s.snr(all_bw, s.scan_s)
    return PhasePlan(
        "inf", combine, CASA_MINSNR, snr,
        _why(snr, "over the whole scan" + (", windows combined" if combine else ""), INT_PHASE_SNR_TARGET)
        + ": the calibrator is too weak for shorter solutions",
    )  # fmt: skip


def scan_phase_plan(s: Setup) -> PhasePlan:
    """The per-scan phase solution transferred to the targets: one window
    alone if it reaches the pipeline's phasesnr, else windows combined."""
    one = s.snr(s.window_bandwidth_hz, s.scan_s)
    if one >= PHASE_SNR_TARGET or s.n_windows == 1:
        return PhasePlan(
            "inf",
            "",
            CASA_MINSNR,
            one,
            _why(one, "per scan, each window", PHASE_SNR_TARGET),
        )
    combined = s.snr(s.window_bandwidth_hz * s.n_windows, s.scan_s)
    return PhasePlan(
        "inf", "spw", CASA_MINSNR, combined,
        _why(combined, "per scan, windows combined", PHASE_SNR_TARGET)
        + f"; one window alone gives {one:.1f}",
    )  # fmt: skip


@dataclass(frozen=True)
class BandpassPlan:
    """The bandpass solint (``'inf'`` or ``'inf,Nch'``) and its reason."""

    solint: str
    channels_averaged: int
    predicted_snr: float
    reason: str


def bandpass_plan(s: Setup, nchan: int) -> BandpassPlan:
    """Average channels until a solution channel reaches the pipeline's
    bpsnr over the bandpass scan (powers of two, at most nchan/8 so that at
    least 8 points describe the window's shape); below minbpsnr even then,
    say so (the window needs a stronger calibrator or combining scans)."""
    chan_bw = s.window_bandwidth_hz / nchan
    n = 1
    snr = s.snr(chan_bw, s.scan_s)
    limit = max(1, nchan // 8)
    while snr < BANDPASS_SNR_TARGET and n * 2 <= limit:
        n *= 2
        snr = s.snr(chan_bw * n, s.scan_s)
    solint = "inf" if n == 1 else f"inf,{n}ch"
    reason = _why(
        snr,
        f"per {'channel' if n == 1 else f'{n} channels'} over the scan",
        BANDPASS_SNR_TARGET,
    )
    if snr < MIN_BANDPASS_SNR:
        reason += (
            f"; below hifa_bandpass minbpsnr {MIN_BANDPASS_SNR:g} even at {n} channels: "
            "the bandpass will be noisy"
        )
    return BandpassPlan(solint, n, snr, reason)


def _why(snr: float, what: str, target: float) -> str:
    verdict = "meets" if snr >= target else "misses"
    return (
        f"predicted SNR {snr:.1f} {what} ({verdict} the pipeline's target {target:g})"
    )
