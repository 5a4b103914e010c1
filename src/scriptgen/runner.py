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
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
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
    # The output goes straight into the log while the script runs (tail -f
    # works, an interrupted run leaves its log); without a log, into a
    # temporary file. It is read back for the ScriptRun afterwards.
    sink = open(log, "w+b") if log is not None else tempfile.TemporaryFile("w+b")
    with sink:
        proc = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=cwd,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=dict(os.environ),
            start_new_session=True,  # its own process group: CASA's helpers included
        )
        timed_out = False
        with _forward_interrupts(proc):
            try:
                returncode = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _stop(proc)
                returncode, timed_out = -1, True
        sink.seek(0)
        output = sink.read().decode(errors="replace")
    if timed_out:
        output += "\n(timed out)"
    return ScriptRun(script, returncode, time.perf_counter() - start, output)


#: Seconds CASA gets after SIGINT to close its tables before SIGTERM, then SIGKILL.
GRACE_S = 20.0


def _stop(proc: subprocess.Popen) -> None:
    """Stop the script's whole process group, politely first.

    SIGINT lets CASA's tasks finish their current table write and close
    the MS (an abrupt kill can leave a table half-written); SIGTERM, then
    SIGKILL, if it does not stop within the grace time.
    """
    for sig, wait in ((signal.SIGINT, GRACE_S), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


class Interrupted(KeyboardInterrupt):
    """SIGTERM received while a script ran (handled like Ctrl-C)."""


@contextmanager
def _forward_interrupts(proc: subprocess.Popen) -> Iterator[None]:
    """Ctrl-C or SIGTERM to us stops the script's process group, then propagates.

    The script runs in its own session, so the terminal's Ctrl-C reaches
    only us; we pass it on (:func:`_stop`) and wait for the group to end
    before re-raising, so no CASA process is left writing behind our back.
    """
    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _raise_interrupted)
    except ValueError:  # not the main thread: leave SIGTERM alone
        previous = None
    try:
        yield
    except KeyboardInterrupt:
        _stop(proc)
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _raise_interrupted(signum, frame) -> None:
    raise Interrupted()


def run_or_fail(script: str | Path, cwd: str | Path, **kwargs) -> ScriptRun:
    """Like :func:`run_script`, but a failing script becomes a one-line error."""
    run = run_script(script, cwd, **kwargs)
    if not run.ok:
        where = f"; its output is in {kwargs['log']}" if kwargs.get("log") else ""
        last = run.output.strip().splitlines()[-1] if run.output.strip() else "no output"
        raise ScriptgenError(f"{Path(script).name} failed (exit {run.returncode}): {last}{where}")
    return run
