"""Which scripts a set of EBs needs, rendered and written in one place.

``scriptgen generate`` and ``scriptgen demo`` call :func:`generate`:

* per EB, ``<EB>.ms.scriptForCalibration.py`` and the snapshot it was made
  from (``<EB>.ms.snapshot.json``), so the generation can be repeated
  without the MS;
* with two or more EBs (taken to be one science goal),
  ``scriptForFluxCalibration.py``;
* always ``scriptForPI.py``.

Rendering is separated from writing (:func:`render_files` is pure), and
writing goes through :func:`scriptgen.render.write_outputs`, which never
overwrites a script the analyst edited.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import derive, naming, snapshot
from .errors import ScriptgenError
from .heuristics import antenna_positions, calibrator_fluxes
from .heuristics import flux_equalisation as flux_decisions
from .model import ExecBlock
from .modes import CalibrationPlan, PlanOptions
from .render import WriteReport, make_environment, write_outputs
from .scripts import calibration, flux_equalisation, script_for_pi


@dataclass(frozen=True)
class GenerateOptions:
    """What the user chose; everything else is decided from the EBs.

    ``calibrator_fluxes`` is a path to a calibrator-flux file (see
    :mod:`scriptgen.heuristics.calibrator_fluxes`) or already parsed
    entries; ``templates`` a folder of templates overriding the packaged
    ones; ``mode`` forces an observing mode instead of choosing per EB.
    """

    out_dir: str | Path
    calibrator_fluxes: str | Path | Mapping[str, Any] | None = None
    templates: str | Path | None = None
    mode: str | None = None
    force: bool = False
    casa_version: str | None = field(default_factory=calibration.casa_version)
    #: getantposalma JSON files (``--antpos``), one per EB at most; the EBs
    #: without one fetch their positions when their script runs.
    antpos: Sequence[str | Path] = ()
    allow_placeholder: bool = False


@dataclass(frozen=True)
class GenerateResult:
    files: Mapping[str, str]
    plans: tuple[CalibrationPlan, ...]
    #: Scripts the EBs would need but cannot have, with why (e.g. no shared phase calibrator).
    missing: tuple[tuple[str, str], ...]
    report: WriteReport | None
    seconds: float
    #: Warnings about the EBs together (e.g. quasar variability between EBs).
    warnings: tuple[str, ...] = ()

    def summary_lines(self) -> list[str]:
        """What was written and the main decisions, for the command line."""
        lines = list(self.report.lines()) if self.report else []
        for name, why in self.missing:
            lines.append(f"not written {name}: {why}")
        lines.extend(self.warnings)
        for the_plan in self.plans:
            lines.append("")
            lines.append(f"{the_plan.eb.uid} (mode {the_plan.mode}):")
            lines.extend(f"  {d.topic}: {d.text}" for d in the_plan.decisions)
        lines.append("")
        lines.append(f"generated in {self.seconds:.2f} s")
        return lines

    def run_instructions(self) -> list[str]:
        """How to run what was written (``scriptgen generate`` and ``demo`` print it)."""
        lines = ["to calibrate, in the folder that holds each MS (or ASDM):"]
        for the_plan in self.plans:
            script = naming.calibration_script(the_plan.tables.ms)
            lines.append(f"  python {script}")
        if self.plans:
            script = naming.calibration_script(self.plans[0].tables.ms)
            titles = self.plans[0].step_titles
            lines.append("only some steps (numbers in the script's step_title):")
            lines.append(f"  python -c \"mysteps = [0, 1, 2]; exec(open('{script}').read())\"")
            lines.append(f"  (steps: {', '.join(f'{n} {t}' for n, t in titles.items())})")
        if naming.FLUX_SCRIPT in self.files:
            lines.append(f"then, with every EB calibrated: python {naming.FLUX_SCRIPT}")
        return lines


def load_execblocks(paths: Sequence[str | Path]) -> list[ExecBlock]:
    """Each argument is a JSON snapshot or a MeasurementSet (inspected with CASA)."""
    ebs = []
    for path in paths:
        if snapshot.is_snapshot_path(path):
            ebs.append(snapshot.load(path))
            continue
        if not Path(path).exists():
            raise ScriptgenError(f"{path}: no such MeasurementSet or snapshot")
        from .inspect import inspect_ms  # needs CASA; only when an MS is given

        ebs.append(inspect_ms(path))
    return ebs


def _catalogue(option) -> Mapping[str, Any] | None:
    if option is None or isinstance(option, Mapping):
        return option
    return calibrator_fluxes.load(option)


def _antenna_positions(paths: Sequence[str | Path], ebs: Sequence[ExecBlock]) -> dict[str, Any]:
    """EB uid -> the analyst's antenna-position file, checked against that EB."""
    files = []
    for path in paths:
        try:
            text = Path(path).read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise ScriptgenError(f"{path}: cannot read the antenna-position file ({exc.__class__.__name__})") from None
        try:
            files.append(antenna_positions.parse(text, str(path)))
        except antenna_positions.AntposError as exc:
            raise ScriptgenError(str(exc)) from None
    try:
        return antenna_positions.assign(files, list(ebs))
    except antenna_positions.AntposError as exc:
        raise ScriptgenError(str(exc)) from None


def render_files(ebs: Sequence[ExecBlock], options: GenerateOptions):
    """Every output as text (relative name -> text), the plans, and what is missing."""
    if not ebs:
        raise ScriptgenError("no execution block given")
    duplicates = derive.repeated_uids(ebs)
    if duplicates:
        raise ScriptgenError(f"execution block given twice: {', '.join(duplicates)}")
    env = make_environment(options.templates)
    plan_options = PlanOptions(
        calibrator_fluxes=_catalogue(options.calibrator_fluxes),
        casa_version=options.casa_version,
        antenna_positions=_antenna_positions(options.antpos, ebs),
        allow_placeholder=options.allow_placeholder,
    )
    files: dict[str, str] = {}
    plans = []
    for eb in ebs:
        ms = naming.ms_name(eb.uid)
        the_plan = calibration.plan(eb, plan_options, mode=options.mode)
        plans.append(the_plan)
        files[naming.calibration_script(ms)] = calibration.render_plan(the_plan, env)
        files[naming.snapshot_file(ms)] = snapshot.dumps(eb)
    missing = []
    if len(ebs) >= 2:
        try:
            files[naming.FLUX_SCRIPT] = flux_equalisation.render(list(ebs), env)
        except flux_equalisation.FluxEqualisationError as exc:
            # EBs that cannot share one flux scale still each get calibrated;
            # the analyst is told why there is no equalisation script.
            missing.append((naming.FLUX_SCRIPT, str(exc)))
    with_flux = naming.FLUX_SCRIPT in files
    files[naming.PI_SCRIPT] = script_for_pi.render(
        list(ebs), env, with_flux_script=with_flux, delivered={p.eb.uid: p.delivered for p in plans}
    )
    return files, tuple(plans), tuple(missing)


def generate(ebs: Sequence[ExecBlock], options: GenerateOptions) -> GenerateResult:
    """Render every script the EBs need and write them into ``options.out_dir``."""
    start = time.perf_counter()
    files, plans, missing = render_files(ebs, options)
    report = write_outputs(options.out_dir, files, force=options.force)
    warnings = ()
    if naming.FLUX_SCRIPT in files:
        variability = flux_decisions.variability_check(ebs)
        warnings = (variability.reason,) if variability.warn else ()
    return GenerateResult(
        files=files,
        plans=plans,
        missing=missing,
        report=report,
        seconds=time.perf_counter() - start,
        warnings=warnings,
    )
