"""scriptForPI.py: regenerate the calibrated data from a delivery.

A PI receives ``script/`` (the scripts), ``calibration/`` (the tables the
analyst solved) and the raw data in ``raw/``. scriptForPI, run from
``script/``, rebuilds the analyst's calibrated data in ``calibrated/``
without re-solving anything: for each EB it imports or copies the raw data,
copies the delivered tables in, and runs the EB's calibration script with
``applyonly = True`` (which imports an ASDM itself, as the analyst's run
did); then the flux-equalisation script when the goal has
several EBs.

Here Python decides what is known at generation (the EBs, the product
names, which steps the script has); what is known only on the PI's machine
(ASDM or MS, disk space) is decided by the functions of :mod:`.pi_runtime`,
copied into the script.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import jinja2

from .. import __version__, derive, naming
from ..errors import ScriptgenError
from ..model import ExecBlock
from ..render import PySource, render_python
from . import pi_runtime, runtime
from .step import Step, by_key

TEMPLATE = "scriptforpi/scriptForPI.py.j2"

#: Runtime functions copied into the emitted script, in this order.
RUNTIME_FUNCTIONS = (
    pi_runtime.raw_data_kind,
    pi_runtime.locate_raw_data,
    pi_runtime.folder_size,
    pi_runtime.disk_space_verdict,
    pi_runtime.space_saving_removals,
    pi_runtime.run_script,
    pi_runtime.copy_path,
)

#: Standard-library modules and casatasks the script imports.
MODULES = ("os", "shutil", "sys")
CASATASKS = ("casalog", "concat", "split")

#: How many times the raw data the calibrated folder may need at its peak:
#: the working MS (1x) gains CORRECTED_DATA and MODEL_DATA columns (up to
#: 3x), the split science windows with their own corrected and model columns
#: (up to 3x more when every window is science) and the calibrated split
#: (1x). An imported ASDM is about as large as the ASDM. 6x leaves no margin
#: in the worst case and a comfortable one in the usual case where Tsys and
#: WVR windows make up part of the raw data.
DISK_SPACE_FACTOR = 6.0

#: The options a PI can preset, with their defaults and meaning (printed in
#: the script's header too).
SPACESAVING_DEFAULT = 0
DOSPLIT_DEFAULT = False
USEMS_DEFAULT = False


@dataclass(frozen=True)
class PiEb:
    """One EB as scriptForPI handles it."""

    uid: str
    ms: str
    calibration_script: str
    delivered: tuple[str, ...]
    split: str
    split_cal: str


@dataclass(frozen=True)
class PiPlan:
    ebs: tuple[PiEb, ...]
    flux_script: str | None
    steps: dict[str, int]
    #: Delivered files of the whole goal (not of one EB), copied like the tables.
    goal_delivered: tuple[str, ...] = ()
    calibrated_ms: str = naming.CALIBRATED_MS
    calibrated_final_ms: str = naming.CALIBRATED_FINAL_MS
    disk_space_factor: float = DISK_SPACE_FACTOR

    @property
    def step_titles(self) -> dict[int, str]:
        return {number: STEP_TITLES[key] for key, number in self.steps.items()}


STEP_TITLES = {
    "disk": "Checking free disk space",
    "raw": "Linking or copying the raw data of each EB",
    "tables": "Copying the delivered calibration tables",
    "calibrate": "Applying the delivered calibration of each EB",
    "flux": "Equalising the flux scale across the EBs",
    "split": "Splitting the science targets into one MS (DOSPLIT)",
}


def plan(ebs: Sequence[ExecBlock], *, with_flux_script: bool, delivered: Mapping[str, Sequence[str]]) -> PiPlan:
    """Every generation-time decision of scriptForPI.

    ``delivered`` maps each EB's uid to what its calibration plan says it
    delivers (``CalibrationPlan.delivered``): the observing mode owns that
    list (band-to-band adds its DIFFGAIN tables), so scriptForPI copies
    exactly what the calibration script's ``applyonly`` run checks for.
    """
    if not ebs:
        raise ScriptgenError("scriptForPI needs at least one EB")
    repeated = derive.repeated_uids(ebs)
    if repeated:
        raise ScriptgenError(f"an EB is listed twice: {', '.join(repeated)}")
    unplanned = [eb.uid for eb in ebs if eb.uid not in delivered]
    if unplanned:
        raise ScriptgenError(f"scriptForPI needs the calibration plan of {', '.join(unplanned)}")
    pi_ebs = []
    for eb in ebs:
        tables = naming.CalTables(naming.ms_name(eb.uid))
        pi_ebs.append(
            PiEb(
                uid=eb.uid,
                ms=tables.ms,
                calibration_script=naming.calibration_script(tables.ms),
                delivered=tuple(delivered[eb.uid]),
                split=tables.split,
                split_cal=tables.split_cal,
            )
        )
    keys = ["disk", "raw", "tables", "calibrate"] + (["flux"] if with_flux_script else []) + ["split"]
    return PiPlan(
        ebs=tuple(pi_ebs),
        flux_script=naming.FLUX_SCRIPT if with_flux_script else None,
        steps={key: number for number, key in enumerate(keys)},
        goal_delivered=(naming.FLUX_CSV,) if with_flux_script else (),
    )


def runtime_source() -> PySource:
    """The helper functions the script needs (shared ones first), as source scriptgen wrote."""
    return PySource(runtime.source(*RUNTIME_FUNCTIONS))


def skeleton_steps(steps: Mapping[str, int], titles: Mapping[str, str]) -> tuple[Step, ...]:
    """The plan's numbered steps as the skeleton presents them.

    The final split runs only when DOSPLIT asks for it (an option the
    script's header explains), so its condition says so.
    """
    return tuple(
        Step(
            number=number,
            key=key,
            title=titles[key],
            condition=PySource("DOSPLIT") if key == "split" else None,
        )
        for key, number in sorted(steps.items(), key=lambda item: item[1])
    )


def render(
    ebs: Sequence[ExecBlock],
    env: jinja2.Environment,
    *,
    with_flux_script: bool,
    delivered: Mapping[str, Sequence[str]],
) -> str:
    decided = plan(ebs, with_flux_script=with_flux_script, delivered=delivered)
    steps = skeleton_steps(decided.steps, STEP_TITLES)
    return render_python(
        env,
        TEMPLATE,
        plan=decided,
        steps=steps,
        step=by_key(steps),
        runtime=runtime_source(),
        version=__version__,
        script_name=naming.PI_SCRIPT,
        modules=[PySource(n) for n in MODULES],
        casatasks=[PySource(n) for n in CASATASKS],
        defaults={"SPACESAVING": SPACESAVING_DEFAULT, "DOSPLIT": DOSPLIT_DEFAULT, "USEMS": USEMS_DEFAULT},
    )
