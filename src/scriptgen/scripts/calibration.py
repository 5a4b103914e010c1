"""<EB>.ms.scriptForCalibration.py: the calibration script of one EB.

The observing mode (:mod:`scriptgen.modes`) decides the steps and their
values; this module turns that plan into template context and renders
``scriptgen/templates/calibration/scriptForCalibration.py.j2``, whose step parts
present the decisions. Helper functions the script needs at run time are
copied in from :mod:`.runtime` (shared by every script) and
:mod:`.calibration_runtime`.
"""

from __future__ import annotations

import textwrap
from importlib import metadata

import jinja2

from .. import __version__, naming
from ..model import ExecBlock
from ..modes import CalibrationPlan, PlanOptions
from ..modes import registry
from ..render import PySource, render_python
from . import calibration_runtime, runtime
from .step import Step, wrap_notes

TEMPLATE = "calibration/scriptForCalibration.py.j2"

#: Shared helpers the steps call besides the skeleton's, then this script's own.
RUNTIME_FUNCTIONS = (
    runtime.save_flags,
    runtime.restore_flags,
    runtime.save_json,
    calibration_runtime.solve_now,
)

#: Standard-library modules the steps use.
MODULES = ("os",)

#: casatasks the script imports (explicitly, so it runs under plain python).
CASATASKS = (
    "applycal",
    "bandpass",
    "casalog",
    "clearcal",
    "flagcmd",
    "flagdata",
    "flagmanager",
    "fluxscale",
    "gaincal",
    "gencal",
    "importasdm",
    "listobs",
    "setjy",
    "split",
    "wvrgcal",
)

#: Width of the comment lines scriptgen writes (black leaves comments alone).
COMMENT_WIDTH = 76


def casa_version() -> str | None:
    """The installed casatasks version, without importing CASA (fast, offline)."""
    try:
        return f"casatasks {metadata.version('casatasks')}"
    except metadata.PackageNotFoundError:
        return None


def plan(eb: ExecBlock, options: PlanOptions | None = None, *, mode: str | None = None) -> CalibrationPlan:
    """The decisions for ``eb``, from the mode that handles it."""
    options = options or PlanOptions(casa_version=casa_version())
    return registry.plan(eb, options, mode)


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False) or [""]


def _wrapped_header(lines: tuple[tuple[int, str], ...]) -> list[tuple[int, str]]:
    """(level, text) lines wrapped to the comment width; continuations one level deeper."""
    out = []
    for level, text in lines:
        wrapped = _wrap(text, COMMENT_WIDTH - 2 * level)
        out.append((level, wrapped[0]))
        out.extend((level + 1, more) for more in _wrap(" ".join(wrapped[1:]), COMMENT_WIDTH - 2 * (level + 1)) if wrapped[1:])
    return out


def runtime_source() -> PySource:
    return PySource(runtime.source(*RUNTIME_FUNCTIONS))


def steps(the_plan: CalibrationPlan) -> tuple[Step, ...]:
    """The plan's steps as the skeleton presents them (a skipped step says why, no notes)."""
    return tuple(
        Step(
            number=number,
            key=step.key,
            title=step.title,
            part=step.part,
            notes=() if step.skipped else wrap_notes(step.notes),
        )
        for number, step in enumerate(the_plan.steps)
    )


def render_plan(the_plan: CalibrationPlan, env: jinja2.Environment) -> str:
    names = {name: PySource(name) for name in the_plan.variables}
    names.update(
        {extra: PySource(extra) for extra in ("ampli_inf_table", "flux_inf_table", "split_vis", "vis")}
    )
    script_name = naming.calibration_script(the_plan.tables.ms)
    return render_python(
        env,
        TEMPLATE,
        plan=the_plan,
        steps=steps(the_plan),
        v=names,
        header=_wrapped_header(the_plan.header),
        runtime=runtime_source(),
        version=__version__,
        script_name=script_name,
        modules=[PySource(n) for n in MODULES],
        casatasks=[PySource(n) for n in CASATASKS],
    )


def render(
    eb: ExecBlock,
    env: jinja2.Environment,
    *,
    options: PlanOptions | None = None,
    mode: str | None = None,
) -> str:
    """The calibration script of ``eb`` as black-formatted Python source."""
    return render_plan(plan(eb, options, mode=mode), env)
