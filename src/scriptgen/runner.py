"""Running an emitted script the way an analyst or a PI would.

Emitted scripts are plain Python that needs only CASA. We run them with
this interpreter in a subprocess, in the folder they work in, optionally
with ``mysteps`` / ``applyonly`` set first (as an analyst does in the CASA
shell before ``execfile``). The subprocess inherits ``CASASITECONFIG`` from
:func:`scriptgen.casa_env.configure`, so CASA stays offline. Used by
``scriptgen demo`` and by the tests that prove the scripts calibrate.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import casa_env
from .errors import ScriptgenError
from .render.literals import py_literal


@dataclass(frozen=True)
class ScriptRun:
    """The outcome of one run: exit status, wall time and everything it printed."""

    script: Path
    returncode: int
    seconds: float
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.output.splitlines()[-lines:])


def preamble(
    *,
    mysteps: Sequence[int] | None = None,
    applyonly: bool | None = None,
    variables: Mapping[str, Any] | None = None,
) -> str:
    """Globals set before the script, as ``mysteps = [3, 4]`` typed in the shell.

    ``variables`` are further options a script reads when pre-set (for
    scriptForPI: ``SPACESAVING``, ``DOSPLIT``, ``USEMS``); values are written
    as literals.
    """
    settings: dict[str, Any] = dict(variables or {})
    if mysteps is not None:
        settings["mysteps"] = [int(s) for s in mysteps]
    if applyonly is not None:
        settings["applyonly"] = bool(applyonly)
    for name in settings:
        if not name.isidentifier():
            raise ScriptgenError(f"{name!r} is not a Python variable name")
    return "\n".join(f"{name} = {py_literal(value)}" for name, value in settings.items())


def run_script(
    script: str | Path,
    cwd: str | Path,
    *,
    mysteps: Sequence[int] | None = None,
    applyonly: bool | None = None,
    variables: Mapping[str, Any] | None = None,
    log: str | Path | None = None,
    timeout: float | None = None,
) -> ScriptRun:
    """Run ``script`` in ``cwd``; never raises for a failing script (check ``ok``)."""
    casa_env.configure()
    script = Path(script).resolve()
    code = preamble(mysteps=mysteps, applyonly=applyonly, variables=variables)
    code += f"\nexec(compile(open({str(script)!r}).read(), {str(script)!r}, 'exec'))\n"
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            env=dict(os.environ),
        )
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout or ""
        if isinstance(output, bytes):
            output = output.decode(errors="replace")
        return ScriptRun(script, -1, time.perf_counter() - start, output + "\n(timed out)")
    run = ScriptRun(script, proc.returncode, time.perf_counter() - start, proc.stdout)
    if log is not None:
        Path(log).write_text(run.output)
    return run


def run_or_fail(script: str | Path, cwd: str | Path, **kwargs) -> ScriptRun:
    """Like :func:`run_script`, but a failing script becomes a one-line error."""
    run = run_script(script, cwd, **kwargs)
    if not run.ok:
        where = f"; its output is in {kwargs['log']}" if kwargs.get("log") else ""
        last = run.output.strip().splitlines()[-1] if run.output.strip() else "no output"
        raise ScriptgenError(f"{Path(script).name} failed (exit {run.returncode}): {last}{where}")
    return run
