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

from .. import derive, naming
from ..errors import ScriptgenError
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


class FluxEqualisationError(ScriptgenError):
    """The EBs cannot share one flux scale (no common calibrator, other setups)."""


@dataclass(frozen=True)
class GoalWindow:
    """One science window of the goal, as it is numbered in each EB's split data.

    The calibration script splits the science windows out and renumbers them
    from 0 in id order, so an EB's window here is its index among the science
    windows. ``members`` pairs each MS name with that index.
    """

    centre_freq_hz: float
    members: tuple[tuple[str, int], ...]


def common_phase_calibrator(ebs: Sequence[ExecBlock]) -> str:
    """The phase calibrator source observed in every EB.

    The average only means something for one source measured several
    times. A calibrator that is also an EB's flux calibrator is refused:
    fluxscale reports no flux for its reference field, and that EB's scale
    is its model by definition. When several qualify (rare), the first one
    of the first EB is taken, so the choice is deterministic.
    """
    per_eb = []
    for eb in ebs:
        names = []
        for fid in derive.fields_with_role(eb, Role.PHASE):
            fld = eb.field(fid)
            if Role.FLUX in derive.field_roles(fld):
                continue
            if fld.source_name not in names:
                names.append(fld.source_name)
        if not names:
            raise FluxEqualisationError(
                f"{eb.uid} has no phase calibrator apart from its flux calibrator: "
                "its flux scale cannot be equalised"
            )
        per_eb.append(names)
    common = [name for name in per_eb[0] if all(name in names for names in per_eb[1:])]
    if not common:
        listing = "; ".join(f"{eb.uid}: {', '.join(names)}" for eb, names in zip(ebs, per_eb))
        raise FluxEqualisationError(f"the EBs share no phase calibrator ({listing})")
    return common[0]


def _overlap_hz(a_lo: float, a_hi: float, b_lo: float, b_hi: float) -> float:
    return min(a_hi, b_hi) - max(a_lo, b_lo)


def match_windows(ebs: Sequence[ExecBlock]) -> tuple[GoalWindow, ...]:
    """Pair each science window of the first EB with one of every other EB.

    EBs of one goal share a spectral setup, but each EB's sky frequencies
    are set when it starts (ALMA does not Doppler-track during an EB), so
    the same window can sit a few MHz apart and even have another id.
    Windows are paired within a baseband by the largest frequency overlap,
    and must overlap by at least half the narrower bandwidth.
    """
    first = ebs[0]
    ref_ids = derive.science_spws(first)
    if not ref_ids:
        raise FluxEqualisationError(f"{first.uid} has no science windows")
    columns: list[dict[int, int]] = []  # per EB: reference spw id -> own index
    for eb in ebs:
        own = derive.science_spws(eb)
        if len(own) != len(ref_ids):
            raise FluxEqualisationError(
                f"{eb.uid} has {len(own)} science windows, {first.uid} has {len(ref_ids)}: "
                "not one spectral setup"
            )
        free = dict(enumerate(own))
        pairing = {}
        for ref_id in ref_ids:
            ref = first.spw(ref_id)
            best = None
            for index, spw_id in free.items():
                spw = eb.spw(spw_id)
                if ref.baseband is not None and spw.baseband is not None and spw.baseband != ref.baseband:
                    continue
                overlap = _overlap_hz(ref.min_freq_hz, ref.max_freq_hz, spw.min_freq_hz, spw.max_freq_hz)
                need = 0.5 * min(ref.bandwidth_hz, spw.bandwidth_hz)
                if overlap >= need and (best is None or overlap > best[0]):
                    best = (overlap, index)
            if best is None:
                raise FluxEqualisationError(
                    f"no window of {eb.uid} matches {first.uid} spw {ref_id} "
                    f"({ref.centre_freq_hz / 1e9:.4f} GHz)"
                )
            pairing[ref_id] = best[1]
            del free[best[1]]
        columns.append(pairing)
    return tuple(
        GoalWindow(
            centre_freq_hz=first.spw(ref_id).centre_freq_hz,
            members=tuple((naming.ms_name(eb.uid), col[ref_id]) for eb, col in zip(ebs, columns)),
        )
        for ref_id in ref_ids
    )
