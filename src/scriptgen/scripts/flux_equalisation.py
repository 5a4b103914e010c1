"""scriptForFluxCalibration.py: one flux scale across the EBs of a science goal.

Each EB of a goal transfers the flux scale from its own flux calibrator to
its phase calibrator; the EBs then disagree by the flux calibrator's model
error (5-10 % at ALMA). The flux-equalisation script averages the phase
calibrator's flux over the EBs and rescales every EB to that average, so
that their data can be combined.

What can be decided from the metadata is decided in
:mod:`scriptgen.heuristics.flux_equalisation` (pure, unit-tested functions):
which field is the common phase calibrator in each EB, which
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
from ..heuristics import flux_equalisation as decide
from ..heuristics.flux_equalisation import (  # noqa: F401  (the flux script's decisions, named here too)
    FluxEqualisationError,
    GoalWindow,
    common_phase_calibrator,
    match_windows,
)
from ..heuristics.calibration_choices import AmplitudeSolve, amplitude_solve
from ..model import ExecBlock
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
class FluxPlan:
    ebs: tuple[EbFluxPlan, ...]
    windows: tuple[GoalWindow, ...]
    calibrator_source: str
    flux_csv: str = naming.FLUX_CSV
    calibrated_ms: str = naming.CALIBRATED_MS
    weighting: decide.FluxWeighting | None = None
    variability: decide.VariabilityCheck | None = None
    amplitude: AmplitudeSolve | None = None


#: The targets a calibrator's gains go to: the calibration script's pairing
#: (nearest in time), decided in :mod:`scriptgen.heuristics.flux_equalisation`.
targets_of = decide.targets_of


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
