"""scriptForFluxCalibration.py: one flux scale across the EBs of a science goal.

Each EB of a goal transfers the flux scale from its own flux calibrator to
its phase calibrator; the EBs then disagree by the flux calibrator's model
error (5-10 % at ALMA). The flux-equalisation script averages the phase
calibrator's flux over the EBs and rescales every EB to that average, so
that their data can be combined.

What can be decided from the metadata is decided here, in Python, and
unit-tested: which field is the common phase calibrator in each EB, which
targets it calibrates, and which window of one EB corresponds to which
window of another. What depends on the calibration results (the fluxes and
their average) is computed by the emitted script when it runs, with the
functions of :mod:`.fluxcal_runtime` copied into it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import jinja2

from .. import __version__, derive, naming
from ..errors import ScriptgenError
from ..heuristics import flux_equalisation as decide
from ..heuristics.calibration_choices import AmplitudeSolve, amplitude_solve
from ..model import ExecBlock, Role
from ..render import PySource, render_python
from . import fluxcal_runtime, runtime
from .step import by_key, numbered

TEMPLATE = "fluxcal/scriptForFluxCalibration.py.j2"

#: Runtime functions copied into the emitted script, in this order.
RUNTIME_FUNCTIONS = (
    runtime.load_json,
    fluxcal_runtime.phase_calibrator_fluxes,
    fluxcal_runtime.window_frequency_ghz,
    fluxcal_runtime.weighted_mean,
    fluxcal_runtime.equalised_fluxes,
    fluxcal_runtime.write_flux_csv,
    fluxcal_runtime.read_flux_csv,
    fluxcal_runtime.field_selection,
)


class FluxEqualisationError(ScriptgenError):
    """The EBs cannot share one flux scale (no common calibrator, other setups)."""


@dataclass(frozen=True)
class EbFluxPlan:
    """What the flux script does to one EB.

    ``phase_calibrator`` and ``targets`` are field names: the script turns
    them into ids of the calibrated MS at run time, because split may have
    renumbered the fields.
    """

    ms: str
    split_cal: str
    fluxscale_results: str
    equalised_gains: str
    phase_calibrator: str
    targets: tuple[str, ...]


@dataclass(frozen=True)
class GoalWindow:
    """One science window of the goal, as it is numbered in each EB's split data.

    The calibration script splits the science windows out and renumbers them
    from 0 in id order, so an EB's window here is its index among the science
    windows. ``members`` pairs each MS name with that index.
    """

    centre_freq_hz: float
    members: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class FluxPlan:
    ebs: tuple[EbFluxPlan, ...]
    windows: tuple[GoalWindow, ...]
    calibrator_source: str
    flux_csv: str = naming.FLUX_CSV
    calibrated_ms: str = naming.CALIBRATED_MS
    weighting: decide.FluxWeighting | None = None
    variability: decide.VariabilityCheck | None = None
    amplitude: AmplitudeSolve | None = None


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


#: The targets a calibrator's gains go to: the calibration script's pairing
#: (nearest in time), decided in :mod:`scriptgen.heuristics.flux_equalisation`.
targets_of = decide.targets_of


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


def plan(ebs: Sequence[ExecBlock]) -> FluxPlan:
    """Every generation-time decision of the flux script."""
    if len(ebs) < 2:
        raise FluxEqualisationError("flux equalisation needs two or more EBs of one science goal")
    repeated = derive.repeated_uids(ebs)
    if repeated:
        raise FluxEqualisationError(f"an EB is listed twice: {', '.join(repeated)}")
    source = common_phase_calibrator(ebs)
    eb_plans = []
    for eb in ebs:
        tables = naming.CalTables(naming.ms_name(eb.uid))
        eb_plans.append(
            EbFluxPlan(
                ms=tables.ms,
                split_cal=tables.split_cal,
                fluxscale_results=tables.fluxscale_results,
                equalised_gains=tables.flux_equalised,
                phase_calibrator=source,
                targets=targets_of(eb, source),
            )
        )
    return FluxPlan(
        ebs=tuple(eb_plans),
        windows=match_windows(ebs),
        calibrator_source=source,
        weighting=decide.flux_weighting(ebs),
        variability=decide.variability_check(ebs),
        amplitude=amplitude_solve(),
    )


def runtime_source() -> PySource:
    """The helper functions the script needs (shared ones first), as source scriptgen wrote."""
    return PySource(runtime.source(*RUNTIME_FUNCTIONS))


#: The script's steps, in order; titles are what the log and step_title show.
STEPS = numbered(
    (
        ("averages", "Phase calibrator fluxes of each EB and their average"),
        ("model", "Setting the averaged flux of the phase calibrator and re-solving its amplitude gains"),
        ("apply", "Applying the equalised flux scale"),
        ("concat", "Concatenating the EBs into one calibrated MS"),
    )
)

#: Standard-library modules and casatasks the script imports.
MODULES = ("os",)
CASATASKS = ("applycal", "casalog", "clearcal", "concat", "gaincal", "setjy", "split")


def render(ebs: Sequence[ExecBlock], env: jinja2.Environment) -> str:
    decided = plan(ebs)
    windows = [dict(w.members) for w in decided.windows]
    return render_python(
        env,
        TEMPLATE,
        plan=decided,
        windows=windows,
        runtime=runtime_source(),
        steps=STEPS,
        step=by_key(STEPS),
        version=__version__,
        script_name=naming.FLUX_SCRIPT,
        modules=[PySource(n) for n in MODULES],
        casatasks=[PySource(n) for n in CASATASKS],
    )
