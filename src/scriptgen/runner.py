"""Running an emitted script the way an analyst or a PI would.

Emitted scripts are plain Python that needs only CASA. We run them with
this interpreter in a subprocess, in the folder they work in, optionally
with ``mysteps`` / ``applyonly`` set first (as an analyst does in the CASA
shell before ``execfile``). The subprocess inherits ``CASASITECONFIG`` from
:func:`scriptgen.casa_env.configure`, so CASA stays offline. Used by
``scriptgen run`` (one script, or every task of a science goal on Dask
workers), ``scriptgen demo`` and the tests that prove the scripts calibrate.

What the script prints is written line by line to its log as it comes (so
``tail -f`` follows it and an interrupted run keeps its log) and handed to
an optional callback (the progress view). CASA runs in its own session
(process group): a Ctrl-C at the terminal reaches only us, and we pass it
on with :func:`stop`, which gives CASA time to close its tables. A watchdog
thread in the child stops it the same way if the process that started it
disappears (a Dask worker killed), so no CASA is left running unowned.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
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


#: Seconds CASA gets after SIGINT to unwind and close its tables, then after SIGTERM.
GRACE_SECONDS = (60.0, 15.0)

#: Step banners the emitted scripts print: every script today ("# Step 3:
#: title", scripts/runtime.py's announce); scripts written by older
#: scriptgen versions also "# Step 3 title" and "# 12:00:01  step 3: title".
_BANNER = re.compile(r"^#\s+(?:\d\d:\d\d:\d\d\s+)?[Ss]tep\s+(\d+):?\s+(.*?)\s*$")

#: Run in the child before the script: stop gracefully if our process is gone.
_WATCHDOG = """\
def _scriptgen_watchdog():
    import os, signal, threading, time

    # A shell starts background jobs with SIGINT ignored; CASA must hear it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(2)
        # The whole process group: CASA's own helpers stop with the script.
        os.killpg(os.getpgid(0), signal.SIGINT)
        time.sleep(%r)
        os.killpg(os.getpgid(0), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True).start()


_scriptgen_watchdog()
del _scriptgen_watchdog
""" % GRACE_SECONDS[0]

_children_lock = threading.Lock()
#: CASA children of this process that are still running (see :func:`stop_all`).
_children: set[subprocess.Popen] = set()


def step_banner(line: str) -> tuple[int, str] | None:
    """(step number, title) if ``line`` is a script's step banner, else None."""
    match = _BANNER.match(line)
    return (int(match.group(1)), match.group(2)) if match else None


def stop(proc: subprocess.Popen, grace: tuple[float, float] = GRACE_SECONDS) -> int:
    """End a CASA child and everything it started, giving it time to close tables.

    SIGINT first (Python unwinds, CASA tools close their tables), again
    after a few seconds (some CASA tasks swallow an interrupt in a bare
    ``except``, setjy among them), then SIGTERM, then SIGKILL; each to the
    child's whole process group.
    """
    again = min(10.0, grace[0] / 2)
    steps = ((signal.SIGINT, again), (signal.SIGINT, grace[0] - again), (signal.SIGTERM, grace[1]), (signal.SIGKILL, None))
    for sig, wait in steps:
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    return proc.wait()


def stop_all(grace: tuple[float, float] = GRACE_SECONDS) -> int:
    """Stop every CASA child this process is running (a cancelled goal run); how many."""
    with _children_lock:
        running = list(_children)
    for proc in running:
        stop(proc, grace)
    return len(running)


def run_script(
    script: str | Path,
    cwd: str | Path,
    *,
    mysteps: Sequence[int] | None = None,
    applyonly: bool | None = None,
    variables: Mapping[str, Any] | None = None,
    log: str | Path | None = None,
    timeout: float | None = None,
    on_line: Callable[[str], None] | None = None,
) -> ScriptRun:
    """Run ``script`` in ``cwd``; never raises for a failing script (check ``ok``).

    Each line the script prints goes to ``log`` at once (line-buffered) and
    to ``on_line``. An exception here (KeyboardInterrupt included) stops
    the child with :func:`stop` before it propagates; the log keeps what
    was written.
    """
    with sigterm_as_interrupt():
        return _run_script(script, cwd, mysteps=mysteps, applyonly=applyonly, variables=variables,
                           log=log, timeout=timeout, on_line=on_line)  # fmt: skip


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM to us (a batch system, ``kill``) is handled like Ctrl-C.

    The KeyboardInterrupt reaches :func:`_run_script`, which stops the
    script's process group gracefully before it propagates, so no CASA
    process is left writing behind our back. Only the main thread can
    install a handler; elsewhere (a Dask worker's thread) SIGTERM is left
    alone and the child's watchdog stops CASA if we die.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_script(script, cwd, *, mysteps, applyonly, variables, log, timeout, on_line) -> ScriptRun:
    casa_env.configure()
    script = Path(script).resolve()
    code = preamble(mysteps=mysteps, applyonly=applyonly, variables=variables)
    code += f"\n__file__ = {str(script)!r}\n" + _WATCHDOG
    code += f"\nexec(compile(open({str(script)!r}).read(), {str(script)!r}, 'exec'))\n"
    start = time.perf_counter()
    lines: list[str] = []
    sink = open(log, "w", buffering=1) if log is not None else None
    timed_out = threading.Event()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-u", "-c", code],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            bufsize=1,
            env=dict(os.environ),
            start_new_session=True,
        )
        with _children_lock:
            _children.add(proc)
        timer = None
        if timeout is not None:

            def expire() -> None:
                timed_out.set()
                stop(proc, (5.0, 5.0))

            timer = threading.Timer(timeout, expire)
            timer.daemon = True
            timer.start()

        def keep(line: str) -> None:
            lines.append(line)
            if sink is not None:
                sink.write(line)

        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                keep(line)
                if on_line is not None:
                    on_line(line)
            returncode = proc.wait()
        except BaseException:
            # Stop CASA while still reading what it says as it unwinds, so
            # the log shows how it ended.
            stopper = threading.Thread(target=stop, args=(proc,), daemon=True)
            stopper.start()
            for line in proc.stdout:
                keep(line)
            stopper.join()
            raise
        finally:
            if timer is not None:
                timer.cancel()
            with _children_lock:
                _children.discard(proc)
            proc.stdout.close()
    finally:
        if sink is not None:
            sink.close()
    output = "".join(lines)
    if timed_out.is_set():
        output += "\n(timed out)"
        returncode = -1
    return ScriptRun(script, returncode, time.perf_counter() - start, output)


def run_or_fail(script: str | Path, cwd: str | Path, **kwargs) -> ScriptRun:
    """Like :func:`run_script`, but a failing script becomes a one-line error."""
    run = run_script(script, cwd, **kwargs)
    if not run.ok:
        where = f"; its output is in {kwargs['log']}" if kwargs.get("log") else ""
        last = run.output.strip().splitlines()[-1] if run.output.strip() else "no output"
        raise ScriptgenError(f"{Path(script).name} failed (exit {run.returncode}): {last}{where}")
    return run
