"""Flux equalisation across the EBs of a science goal: weights, variability, pairing.

The flux-equalisation script averages the phase calibrator's flux over the
EBs. How the EBs are weighted, when the average itself stops meaning
something, and which targets follow which phase calibrator are decided
here, each with the reason the script prints.

Weights. fluxscale's errors are statistical only: the scatter of the
per-antenna amplitude ratios, often well below 1 %. The EBs really differ by
the flux calibrator's model and the transfer between sources (5-20 % by
band, the ALMA flux-accuracy figures), which are the same for every EB of a
band. Weighting by the statistical errors lets the EB with the brightest or
longest calibrator scans dominate an average whose point is to cancel
independent systematic errors. So each EB's uncertainty is its statistical
error and the band's systematic fraction of the flux, added in quadrature:
the EBs weigh nearly equally, and a really noisy EB still counts less.

Variability. The average assumes the phase calibrator (a quasar) kept its
flux. Quasars at millimetre wavelengths commonly change by several per cent
within a few weeks, so past :data:`VARIABILITY_DAYS` the change can reach
the tightest flux accuracy (5 %) and the average can blur a real change into
every EB; the script and the command then warn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .. import derive
from ..model import ExecBlock, Role
from . import calibration as cal

#: Systematic flux-scale uncertainty per ALMA band (fraction of the flux):
#: the QA2 flux-accuracy figures, 5 % in Bands 3-4, 10 % in 6-7, 20 % in
#: 8-9. Bands 1-2 take Band 3's (lower frequency, no worse); Band 5 takes
#: Band 6's, Band 10 Band 9's (the nearer, more cautious figure).
SYSTEMATIC_FLUX_FRACTION = {1: 0.05, 2: 0.05, 3: 0.05, 4: 0.05, 5: 0.10, 6: 0.10, 7: 0.10, 8: 0.20, 9: 0.20, 10: 0.20}

#: Used when the band is unknown: the middle figure.
DEFAULT_FLUX_FRACTION = 0.10

#: EBs spanning more days than this get a variability warning: a quasar's
#: flux commonly changes by several per cent in a few weeks at millimetre
#: wavelengths, so two weeks is where the change can reach the 5 % accuracy
#: of the best bands. A scriptgen choice, stated so the analyst can judge it.
VARIABILITY_DAYS = 14.0

_DAY_S = 86400.0


@dataclass(frozen=True)
class FluxWeighting:
    systematic_fraction: float
    reason: str


def flux_weighting(ebs: Sequence[ExecBlock]) -> FluxWeighting:
    """The systematic fraction added to every EB's fluxscale error, and why."""
    bands = sorted({b for b in (derive.band(eb) for eb in ebs) if b})
    known = [SYSTEMATIC_FLUX_FRACTION[b] for b in bands if b in SYSTEMATIC_FLUX_FRACTION]
    fraction = max(known) if known else DEFAULT_FLUX_FRACTION
    where = f"Band {', '.join(str(b) for b in bands)}" if bands else "band unknown"
    return FluxWeighting(
        systematic_fraction=fraction,
        reason=f"each EB's flux uncertainty is fluxscale's statistical error and the {fraction * 100:g} % "
        f"systematic flux-scale uncertainty ({where}; ALMA flux accuracy 5 % Bands 3-4, 10 % 6-7, "
        "20 % 8-9) in quadrature, so no EB dominates by its statistical error alone",
    )


@dataclass(frozen=True)
class VariabilityCheck:
    span_days: float | None
    warn: bool
    reason: str


def variability_check(ebs: Sequence[ExecBlock], threshold_days: float = VARIABILITY_DAYS) -> VariabilityCheck:
    """Whether the EBs span long enough for the phase calibrator's flux to have changed."""
    starts = [eb.start_mjd_s for eb in ebs if eb.start_mjd_s is not None]
    ends = [eb.end_mjd_s if eb.end_mjd_s is not None else eb.start_mjd_s for eb in ebs if eb.start_mjd_s is not None]
    if len(starts) < len(ebs) or not starts:
        return VariabilityCheck(
            None, False, "the EBs' times are not all known: check yourself that they were observed close together"
        )
    span = (max(ends) - min(starts)) / _DAY_S
    if span > threshold_days:
        return VariabilityCheck(
            span,
            True,
            f"WARNING: the EBs span {span:.1f} days, more than {threshold_days:g}: the phase calibrator "
            "(a quasar) may have changed flux in between, by as much as the flux accuracy; compare "
            "the per-EB fluxes in the CSV before trusting the average",
        )
    return VariabilityCheck(
        span,
        False,
        f"the EBs span {span:.1f} days (at most {threshold_days:g}): the phase calibrator's flux "
        "is taken to be the same in all of them",
    )


def targets_of(eb: ExecBlock, calibrator_source: str) -> tuple[str, ...]:
    """Names of the targets (and check sources) that take ``calibrator_source``'s gains.

    The pairing is the calibration script's own (phase transfer from the
    phase calibrator observed nearest in time,
    :func:`scriptgen.heuristics.calibration.phase_transfers`), so the flux
    script rescales exactly the targets whose phases came from that
    calibrator.
    """
    names: list[str] = []
    for transfer in cal.phase_transfers(eb):
        phase = eb.field(transfer.phase_field_id)
        if phase.source_name != calibrator_source or Role.FLUX in derive.field_roles(phase):
            continue
        for fid in transfer.target_field_ids:
            name = eb.field(fid).name
            if name not in names:
                names.append(name)
    return tuple(names)
