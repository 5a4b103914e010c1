"""scriptForPI.py for a pipeline-calibrated or mixed delivery, needing only CASA.

For an EB the pipeline calibrated, the delivery's calibration library says
which table goes onto which data; scriptForPI imports the raw data, puts
back the delivered flags (the final flag version, then the flag template
with ``flagdata(mode='list')``), writes the library out in CASA's
cal-library syntax and applies it with one ``applycal(docallib=True)`` in
the folder that holds the tables, then splits the calibrated science
windows. ``docallib`` rather than one applycal per selection: the library
is already one instruction per table and selection, which is exactly what
the cal library expresses, so the applied calibration is the delivered
text, not a re-grouping of it. No pipeline and no analysisUtils are needed.

An EB calibrated by a ``scriptForCalibration.py`` is restored as our
scriptForPI always did (the script rerun with ``applyonly``), so one
script restores a mixed delivery.
"""

from __future__ import annotations

from dataclasses import dataclass

import jinja2

from .. import __version__, naming
from ..delivery import Delivery
from ..heuristics.restore import APPLYCAL_INTENTS, APPLYMODE, SPLIT_INTENTS, science_spw
from ..render import PySource, render_python
from . import pi_runtime, restore_runtime, runtime
from .script_for_pi import DISK_SPACE_FACTOR, skeleton_steps
from .step import by_key

TEMPLATE = "scriptforpi/restore.py.j2"

RUNTIME_FUNCTIONS = (
    runtime.save_flags,
    runtime.restore_flags,
    restore_runtime.delivered_raw_data,
    restore_runtime.callib_line,
    restore_runtime.write_callib,
    restore_runtime.version_warning,
    restore_runtime.unpack_flag_versions,
    restore_runtime.intents_present,
    pi_runtime.folder_size,
    pi_runtime.disk_space_verdict,
    pi_runtime.run_script,
    pi_runtime.copy_path,
)

#: Standard-library modules and casatasks the script imports (casatools too).
MODULES = ("os", "shutil", "sys")
CASATASKS = ("applycal", "casalog", "concat", "flagdata", "flagmanager", "importasdm", "split")

#: importasdm as the pipeline imports (``hifa_importdata``): BDF flags,
#: pointing correction, the ASDM tables it keeps verbatim; online flags
#: applied at import.
IMPORT_ASIS = "SBSummary ExecBlock Antenna Annotation Station Receiver Source CalAtmosphere CalWVR CalPointing"


@dataclass(frozen=True)
class RestoreEb:
    uid: str
    calibrated_by: str
    ms: str
    split_cal: str
    delivered: tuple[str, ...]
    calibration_script: str | None = None
    callib: str | None = None
    callib_lines: tuple[dict, ...] = ()
    flag_template: str | None = None
    flag_versions: str | None = None
    flag_version: str | None = None
    science_spw: str = ""
    science_spw_reason: str = ""
    library_source: str = ""


@dataclass(frozen=True)
class RestorePlan:
    ebs: tuple[RestoreEb, ...]
    flux_script: str | None
    goal_files: tuple[str, ...]
    casa_version: str
    pipeline_version: str
    version_source: str
    steps: dict[str, int]
    applycal_intents: str = APPLYCAL_INTENTS
    split_intents: str = SPLIT_INTENTS
    applymode: str = APPLYMODE
    import_asis: str = IMPORT_ASIS
    calibrated_ms: str = naming.CALIBRATED_MS
    calibrated_final_ms: str = naming.CALIBRATED_FINAL_MS
    disk_space_factor: float = DISK_SPACE_FACTOR

    @property
    def step_titles(self) -> dict[int, str]:
        return {number: STEP_TITLES[key] for key, number in self.steps.items()}

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted({eb.calibrated_by for eb in self.ebs}))


STEP_TITLES = {
    "disk": "Checking free disk space",
    "raw": "Importing or copying the raw data of each EB",
    "tables": "Copying the delivered calibration tables and flags",
    "flags": "Restoring the delivered flags of the pipeline-calibrated EBs",
    "calibrate": "Applying the delivered calibration of each EB",
    "flux": "Equalising the flux scale across the EBs",
    "split": "Splitting the science targets into one MS",
}


def plan(delivery: Delivery) -> RestorePlan:
    ebs = []
    for eb in delivery.ebs:
        ms = naming.ms_name(eb.uid)
        if eb.calibrated_by == "pipeline":
            library = eb.library
            spw = science_spw(tuple(app.spw for app in library.applications))
            ebs.append(
                RestoreEb(
                    uid=eb.uid,
                    calibrated_by="pipeline",
                    ms=ms,
                    split_cal=naming.CalTables(ms).split_cal,
                    delivered=eb.delivered,
                    callib=f"{ms}.callib.txt",
                    callib_lines=tuple(app.callib_fields() for app in library.applications),
                    flag_template=eb.flag_template,
                    flag_versions=eb.flag_versions.name if eb.flag_versions else None,
                    flag_version=eb.flag_versions.version if eb.flag_versions else None,
                    science_spw=spw.spw,
                    science_spw_reason=spw.reason,
                    library_source=library.source,
                )
            )
        else:
            ebs.append(
                RestoreEb(
                    uid=eb.uid,
                    calibrated_by="script",
                    ms=ms,
                    split_cal=naming.CalTables(ms).split_cal,
                    delivered=eb.delivered,
                    calibration_script=eb.calibration_script,
                )
            )
    keys = ["disk", "raw", "tables", "flags", "calibrate"] + (["flux"] if delivery.flux_script else []) + ["split"]
    return RestorePlan(
        ebs=tuple(ebs),
        flux_script=delivery.flux_script,
        goal_files=delivery.goal_files,
        casa_version=delivery.casa_version,
        pipeline_version=delivery.pipeline_version,
        version_source=delivery.version_source,
        steps={key: number for number, key in enumerate(keys)},
    )


def runtime_source() -> PySource:
    return PySource(runtime.source(*RUNTIME_FUNCTIONS))


def render(delivery: Delivery, env: jinja2.Environment) -> str:
    decided = plan(delivery)
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
    )
