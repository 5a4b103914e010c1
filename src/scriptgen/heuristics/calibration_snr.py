"""SNR-aware choices for one EB's bandpass and gain solutions.

:mod:`scriptgen.heuristics.solution_snr` predicts the signal-to-noise of a
solution from the radiometer equation. This module feeds it what an EB
knows (SYSCAL Tsys, window widths, integration and scan lengths, antennas,
the calibrators' catalogue fluxes) and turns the predictions into the
choices an analyst makes for weak calibrators (high bands, narrow windows,
faint phase calibrators):

* the pre-bandpass phase solve's ``solint`` (longer than one integration
  only when one integration is too noisy);
* the bandpass frequency solint (channel averaging) and ``fillgaps``;
* ``combine='spw'`` with an ``spwmap`` sending every window to the first,
  plus a per-window phase-offset table solved once on the bandpass
  calibrator and applied before the combined solutions (what the ALMA
  pipeline's hifa_spwphaseup does for low-SNR windows), and the phase
  solves' ``solint``;
* ``minsnr``.

A calibrator bright enough in every window keeps today's plan unchanged
(per-integration and per-scan phases in each window, the bandpass solint of
:func:`scriptgen.heuristics.calibration.bandpass_solint`): each function
returns that plan's values for it, with the predicted SNR as the reason.

Pure functions: no CASA, no I/O.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .. import derive
from ..model import ExecBlock, Intent, Role
from . import solution_snr as snr
from .calibration import FluxModel, field_label, mean_science_frequency_ghz
from .calibrator_fluxes import CatalogueFlux, fit_recorded_flux, lookup
from .sensitivity import TYPICAL_TSYS_K, dish_diameter_m, n_parallel_pol, science_tsys_k

#: The phase-offset solve on the bandpass calibrator: one solution per
#: window over all its scans (ALMA pipeline hifa_spwphaseup: solint 'inf',
#: combine 'scan', on the BANDPASS intent).
OFFSET_SOLINT = "inf"
OFFSET_COMBINE = "scan"

#: CASA bandpass ``fillgaps`` when the solution channels are predicted to
#: fall near minsnr: isolated channels flagged by noise are interpolated
#: over instead of leaving holes that flag the data behind them
#: (CASA bandpass task, ``fillgaps``). Strong bandpasses fill nothing.
FILLGAPS_CHANNELS = 3


# --------------------------------------------------------------------------
# What a calibrator's solutions depend on.


@dataclass(frozen=True)
class CalibratorSetup:
    """One calibrator's solution setup, or why its SNR cannot be predicted."""

    field_id: int
    setup: snr.Setup | None
    reason: str


def calibrator_flux_jy(
    eb: ExecBlock,
    field_id: int,
    catalogue: Mapping[str, CatalogueFlux] | None,
    models: Sequence[FluxModel] = (),
) -> tuple[float | None, str]:
    """A calibrator's flux at the mean science frequency, and where it came from.

    The flux model the script puts in (for a flux calibrator), else the
    user's catalogue, else the catalogue values the observatory recorded in
    the EB (ASDM_SOURCE). A solar-system body's flux comes from CASA's
    model at run time and is not predicted here; nor is a placeholder's.
    """
    freq_ghz = mean_science_frequency_ghz(eb)
    source = eb.field(field_id).source_name
    for model in models:
        if (
            model.field_id == field_id
            and model.fluxdensity
            and not model.placeholder
            and model.reffreq
        ):
            ref = float(model.reffreq.removesuffix("GHz"))
            flux = model.fluxdensity[0] * (freq_ghz / ref) ** (model.spix or 0.0)
            return flux, "the flux model of this script"
    entry = lookup(dict(catalogue) if catalogue else None, source)
    if entry is not None:
        flux = entry.flux_jy * (freq_ghz / entry.reffreq_ghz) ** entry.spix
        return flux, "the calibrator-flux file"
    recorded = fit_recorded_flux(
        eb.calibrator_fluxes, source, freq_ghz * 1e9, eb.start_mjd_s
    )
    if recorded is not None:
        return recorded.flux_jy, "the catalogue values recorded in the EB (ASDM_SOURCE)"
    return None, f"no catalogue flux for {field_label(eb, field_id)}"


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else 0.0


def calibrator_setup(
    eb: ExecBlock,
    field_id: int,
    intent: Intent,
    flux_jy: float | None,
    flux_source: str = "",
) -> CalibratorSetup:
    """The :class:`~scriptgen.heuristics.solution_snr.Setup` of one calibrator's ``intent`` scans.

    The weakest science window (narrowest) sets the per-window bandwidth;
    Tsys is the median SYSCAL Tsys of the science windows (a typical value
    for the band when the EB has none, said in the reason); integration and
    scan length are the medians over the field's scans with ``intent``.
    """
    label = field_label(eb, field_id)
    if flux_jy is None or not flux_jy > 0:
        return CalibratorSetup(
            field_id, None, flux_source or f"no flux known for {label}"
        )
    science = derive.science_spws(eb)
    scans = [
        s for s in eb.scans if field_id in s.field_ids and intent.value in s.intents
    ]
    if not science or not scans or len(eb.antennas) < 2:
        return CalibratorSetup(
            field_id, None, f"{label}: no {intent.value} scans, windows or baselines"
        )
    tsys = science_tsys_k(eb, science)
    tsys_note = "SYSCAL median"
    if tsys:
        tsys_k = _median(list(tsys.values()))
    else:
        band = derive.band(eb)
        if band not in TYPICAL_TSYS_K:
            return CalibratorSetup(
                field_id, None, f"{label}: no Tsys measured and the band is unknown"
            )
        tsys_k = TYPICAL_TSYS_K[band]
        tsys_note = f"typical band {band} value, no SYSCAL"
    bandwidth = min(eb.spw(i).bandwidth_hz for i in science)
    integration = _median([s.integration_s for s in scans if s.integration_s > 0])
    scan_s = _median([s.duration_s for s in scans])
    if not (bandwidth > 0 and integration > 0 and scan_s > 0):
        return CalibratorSetup(
            field_id, None, f"{label}: window width, integration or scan length unknown"
        )
    setup = snr.Setup(
        flux_jy=flux_jy,
        tsys_k=tsys_k,
        window_bandwidth_hz=bandwidth,
        n_windows=len(science),
        integration_s=integration,
        scan_s=max(scan_s, integration),
        n_antennas=len(eb.antennas),
        dish_diameter_m=dish_diameter_m(eb),
        n_pol=n_parallel_pol(eb, science),
    )
    reason = (
        f"{label}: {flux_jy:.3g} Jy ({flux_source}), Tsys {tsys_k:.0f} K ({tsys_note}), "
        f"{len(science)} windows of {bandwidth / 1e6:.4g} MHz, {integration:g} s integrations, "
        f"{scan_s:.0f} s {intent.value} scans, {len(eb.antennas)} antennas"
    )
    return CalibratorSetup(field_id, setup, reason)


# --------------------------------------------------------------------------
# Decisions, each a value with its reason.


@dataclass(frozen=True)
class SnrPrediction:
    """The predicted SNR of one calibrator's solutions (for the script's comments)."""

    field_id: int
    per_integration_window: float
    per_integration_combined: float
    per_scan_window: float
    per_scan_combined: float

    def describe(self, eb: ExecBlock) -> str:
        return (
            f"{field_label(eb, self.field_id)}: predicted phase SNR per integration "
            f"{self.per_integration_window:.1f} in one window, {self.per_integration_combined:.1f} "
            f"windows combined; per scan {self.per_scan_window:.1f} in one window, "
            f"{self.per_scan_combined:.1f} combined (amplitude per scan and window: "
            f"{self.per_scan_window:.1f})"
        )


def predict(c: CalibratorSetup) -> SnrPrediction | None:
    s = c.setup
    if s is None:
        return None
    all_bw = s.window_bandwidth_hz * s.n_windows
    return SnrPrediction(
        field_id=c.field_id,
        per_integration_window=s.snr(s.window_bandwidth_hz, s.integration_s),
        per_integration_combined=s.snr(all_bw, s.integration_s),
        per_scan_window=s.snr(s.window_bandwidth_hz, s.scan_s),
        per_scan_combined=s.snr(all_bw, s.scan_s),
    )


@dataclass(frozen=True)
class PresolveChoice:
    solint: str
    reason: str


def presolve_solint(bandpass: CalibratorSetup) -> PresolveChoice:
    """The pre-bandpass phase solve, per window: ``'int'`` unless one
    integration misses the pipeline's intphasesnr in one window; then the
    shortest multiple of the integration that reaches it (at most the
    scan). Windows are never combined here: their phase offsets are part of
    what the bandpass solves."""
    s = bandpass.setup
    if s is None:
        return PresolveChoice(
            "int", f"per integration (SNR not predicted: {bandpass.reason})"
        )
    one = s.snr(s.window_bandwidth_hz, s.integration_s)
    target = snr.INT_PHASE_SNR_TARGET
    if one >= target:
        return PresolveChoice("int", f"predicted SNR {one:.1f} per integration and window on the bandpass "
                              f"calibrator meets the pipeline's intphasesnr {target:g}")  # fmt: skip
    n = math.ceil((target / one) ** 2)
    t = min(n * s.integration_s, s.scan_s)
    solint = "inf" if t >= s.scan_s else f"{t:g}s"
    got = s.snr(s.window_bandwidth_hz, t)
    return PresolveChoice(
        solint,
        f"predicted SNR {one:.1f} per integration and window on the bandpass calibrator misses the "
        f"pipeline's intphasesnr {target:g}: solint {solint!r} gives {got:.1f}",
    )


@dataclass(frozen=True)
class BandpassAveraging:
    """Channels averaged per bandpass solution (1: none), ``fillgaps``, reasons."""

    channels: int
    fillgaps: int
    reason: str
    fillgaps_reason: str
    predicted_snr: float | None = None


def bandpass_averaging(eb: ExecBlock, bandpass: CalibratorSetup) -> BandpassAveraging:
    """Channel averaging for a weak bandpass, the same factor for every
    window (one ``solint`` serves all: the window needing most sets it).

    Averaging costs spectral resolution, so it starts only when a single
    channel is predicted below hifa_bandpass minbpsnr 20 (the least the
    pipeline accepts); then channels are averaged towards its bpsnr 50
    (:func:`solution_snr.bandpass_plan`). The pipeline smooths already below
    bpsnr; between 20 and 50 we keep full resolution, so the plans of
    ordinary EBs do not change. ``fillgaps`` when even the averaged channel
    stays below minbpsnr, so that noise-flagged channels are interpolated over.
    """
    s = bandpass.setup
    if s is None:
        return BandpassAveraging(
            1, 0, f"SNR not predicted ({bandpass.reason})", "no gaps expected"
        )
    windows = []
    for spw_id in derive.science_spws(eb):
        spw = eb.spw(spw_id)
        windows.append(
            (
                snr.Setup(**{**s.__dict__, "window_bandwidth_hz": spw.bandwidth_hz}),
                spw.nchan,
            )
        )
    per_channel = min(
        w.snr(w.window_bandwidth_hz / nchan, w.scan_s) for w, nchan in windows
    )
    if per_channel >= snr.MIN_BANDPASS_SNR:
        return BandpassAveraging(
            1,
            0,
            f"bandpass calibrator, predicted SNR {per_channel:.0f} per channel over the scan (at least "
            f"hifa_bandpass minbpsnr {snr.MIN_BANDPASS_SNR:g}): no averaging needed for signal-to-noise",
            "no channel expected below minsnr, nothing to fill",
            per_channel,
        )
    plans = [snr.bandpass_plan(w, nchan) for w, nchan in windows]
    worst = max(plans, key=lambda p: (p.channels_averaged, -p.predicted_snr))
    if worst.predicted_snr >= snr.MIN_BANDPASS_SNR:
        fill, fill_reason = 0, (
            f"predicted SNR {worst.predicted_snr:.0f} per solution channel is above hifa_bandpass "
            f"minbpsnr {snr.MIN_BANDPASS_SNR:g}: no channel expected below minsnr, nothing to fill"
        )
    else:
        fill, fill_reason = FILLGAPS_CHANNELS, (
            f"predicted SNR {worst.predicted_snr:.1f} per solution channel is below hifa_bandpass "
            f"minbpsnr {snr.MIN_BANDPASS_SNR:g}: channels flagged by noise are interpolated over "
            f"(fillgaps={FILLGAPS_CHANNELS}, CASA bandpass)"
        )
    return BandpassAveraging(
        worst.channels_averaged,
        fill,
        "bandpass calibrator, " + worst.reason,
        fill_reason,
        worst.predicted_snr,
    )


def bandpass_solint_with_snr(
    base_solint: str, averaging: BandpassAveraging
) -> tuple[str, str]:
    """Today's frequency solint, widened when the SNR needs more channels averaged."""
    base = 1
    if "," in base_solint:
        base = int(base_solint.split(",")[1].removesuffix("ch"))
    if averaging.channels <= base:
        return base_solint, f"SNR: {averaging.reason}"
    return (
        f"inf,{averaging.channels}ch",
        f"SNR needs more averaging than the window shape does: {averaging.reason}",
    )


@dataclass(frozen=True)
class PhaseSolve:
    """One phase solve's ``solint`` and window combination."""

    solint: str
    combine: bool
    predicted_snr: float | None
    reason: str


def phase_int_solve(weakest: CalibratorSetup) -> PhaseSolve:
    """The short-timescale phase solve (``phase_int``), from its weakest calibrator:
    :func:`solution_snr.phase_plan` (per integration in each window when it
    meets intphasesnr, else windows combined, else longer)."""
    if weakest.setup is None:
        return PhaseSolve(
            "int",
            False,
            None,
            f"per integration, each window (SNR not predicted: {weakest.reason})",
        )
    plan = snr.phase_plan(weakest.setup)
    return PhaseSolve(
        plan.solint, plan.combine == "spw", plan.predicted_snr, plan.reason
    )


def phase_inf_solve(weakest: CalibratorSetup) -> PhaseSolve:
    """The per-scan phase solve transferred to the targets (``phase_inf``):
    :func:`solution_snr.scan_phase_plan` (windows combined when one window
    misses the pipeline's hifa_spwphaseup phasesnr)."""
    if weakest.setup is None:
        return PhaseSolve(
            "inf",
            False,
            None,
            f"per scan, each window (SNR not predicted: {weakest.reason})",
        )
    plan = snr.scan_phase_plan(weakest.setup)
    return PhaseSolve("inf", plan.combine == "spw", plan.predicted_snr, plan.reason)


@dataclass(frozen=True)
class WindowCombination:
    """What combining windows needs: the spwmap and the phase-offset solve."""

    combine: bool
    spwmap: tuple[int, ...]
    reason: str


def window_combination(n_windows: int, *solves: PhaseSolve) -> WindowCombination:
    """``spwmap`` sending every window (split-MS ids 0..n-1) to window 0, where
    CASA writes a ``combine='spw'`` solution, and a phase-offset table per
    window, when any phase solve combines windows (ALMA pipeline
    hifa_spwphaseup: the offsets between windows are solved once on the
    bright bandpass calibrator, so the combined solution adds the windows
    coherently)."""
    if not any(s.combine for s in solves):
        return WindowCombination(
            False, (), "each window solved on its own: no phase-offset table needed"
        )
    return WindowCombination(
        True,
        (0,) * n_windows,
        "windows combined (combine='spw', solutions in window 0, spwmap sends every window to it); "
        "their phase offsets are solved first per window on the bandpass calibrator "
        f"(solint {OFFSET_SOLINT!r}, combine {OFFSET_COMBINE!r}) and applied before, as the ALMA "
        "pipeline's hifa_spwphaseup does",
    )


@dataclass(frozen=True)
class MinSnrChoice:
    value: float
    explicit: bool
    reason: str


def minsnr_choice(combination: WindowCombination) -> MinSnrChoice:
    """CASA's and the pipeline's minsnr 3 (hifa_spwphaseup/hifa_timegaincal
    ``minsnr``). Written into the gaincal calls only when windows are
    combined, where the solutions were planned against it; otherwise CASA's
    default, the same value, applies unwritten."""
    return MinSnrChoice(
        snr.CASA_MINSNR,
        combination.combine,
        f"minsnr {snr.CASA_MINSNR:g} (CASA gaincal default, ALMA pipeline hifa_spwphaseup minsnr): "
        "solutions below it are flagged",
    )


def amplitude_note(eb: ExecBlock, weakest: CalibratorSetup) -> str:
    """The per-scan, per-window amplitude solve against minsnr (amplitudes
    stay per window: the flux scale is per window). Only said, not changed:
    a longer amplitude solint is the analyst's call."""
    p = predict(weakest)
    if p is None:
        return f"amplitude per scan and window: SNR not predicted ({weakest.reason})"
    verdict = (
        "above minsnr"
        if p.per_scan_window >= snr.CASA_MINSNR
        else "BELOW minsnr: expect flagged amplitude solutions; consider solint over several scans"
    )
    return (
        f"amplitude per scan and window on {field_label(eb, weakest.field_id)}: predicted SNR "
        f"{p.per_scan_window:.1f}, {verdict} {snr.CASA_MINSNR:g}"
    )


# --------------------------------------------------------------------------
# The whole plan.


@dataclass(frozen=True)
class SolutionSnrPlan:
    presolve: PresolveChoice
    bandpass: BandpassAveraging
    phase_int: PhaseSolve
    phase_inf: PhaseSolve
    combination: WindowCombination
    minsnr: MinSnrChoice
    predictions: tuple[str, ...]
    setups: tuple[str, ...]
    #: The gain calibrators' predicted SNRs (those with a known flux).
    predicted: tuple[SnrPrediction, ...] = ()
    amplitude: str = ""

    def prediction(self, field_id: int) -> SnrPrediction | None:
        return next((p for p in self.predicted if p.field_id == field_id), None)

    @property
    def combined(self) -> bool:
        return self.combination.combine


def _weakest(setups: Sequence[CalibratorSetup]) -> CalibratorSetup:
    """The calibrator with the lowest predicted SNR; one not predicted counts only if none is."""
    known = [c for c in setups if c.setup is not None]
    if not known:
        return setups[0]
    return min(
        known,
        key=lambda c: c.setup.snr(c.setup.window_bandwidth_hz, c.setup.integration_s),
    )


def solution_snr_plan(
    eb: ExecBlock,
    bandpass_field_id: int,
    gain_field_ids: Sequence[int],
    catalogue: Mapping[str, CatalogueFlux] | None,
    models: Sequence[FluxModel] = (),
) -> SolutionSnrPlan:
    """Every SNR-driven choice of one EB's bandpass and gain solves."""
    phase = set(derive.fields_with_role(eb, Role.PHASE))

    def setup(fid: int, intent: Intent) -> CalibratorSetup:
        flux, where = calibrator_flux_jy(eb, fid, catalogue, models)
        return calibrator_setup(eb, fid, intent, flux, where)

    bandpass = setup(bandpass_field_id, Intent.BANDPASS)
    gains = []
    for fid in gain_field_ids:
        intents = eb.field(fid).intents
        intent = (
            Intent.PHASE
            if fid in phase
            else next(
                (
                    i
                    for i in (Intent.BANDPASS, Intent.FLUX, Intent.AMPLI)
                    if i.value in intents
                ),
                Intent.PHASE,
            )
        )
        gains.append(setup(fid, intent))
    weakest = _weakest(gains) if gains else bandpass
    phase_int = phase_int_solve(weakest)
    phase_inf = phase_inf_solve(weakest)
    unknown = [c for c in gains if c.setup is None]
    if unknown and weakest.setup is not None:
        # A calibrator of unknown flux may be weaker: say the plan ignores it.
        note = "; not predicted (flux unknown), so not considered: " + ", ".join(
            field_label(eb, c.field_id) for c in unknown
        )
        phase_int = dataclasses.replace(phase_int, reason=phase_int.reason + note)
        phase_inf = dataclasses.replace(phase_inf, reason=phase_inf.reason + note)
    combination = window_combination(len(derive.science_spws(eb)), phase_int, phase_inf)
    predicted = tuple(p for p in (predict(c) for c in gains) if p is not None)
    predictions = tuple(p.describe(eb) for p in predicted)
    return SolutionSnrPlan(
        presolve=presolve_solint(bandpass),
        bandpass=bandpass_averaging(eb, bandpass),
        phase_int=phase_int,
        phase_inf=phase_inf,
        combination=combination,
        minsnr=minsnr_choice(combination),
        predictions=predictions,
        setups=tuple(dict.fromkeys(c.reason for c in (bandpass, *gains))),
        predicted=predicted,
        amplitude=amplitude_note(eb, weakest),
    )
