"""Make CASA importable on a machine that cannot download measures data.

casatools refuses to import until casaconfig knows where the measures
(geodetic, ephemerides, IERS) tables are, and by default it tries to fetch
them from the internet. The ``casadata`` package ships a copy, so we point
casaconfig at it with auto-updates off through a generated site config named
by ``CASASITECONFIG``. Nothing in the user's ``~/.casa`` is touched.

Every entry point (library, CLI, tests) calls :func:`configure` before the
first casatools import; :func:`casatools` and :func:`casatasks` do it for you.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from .errors import ScriptgenError

SITECONFIG_ENV = "CASASITECONFIG"


def cache_dir() -> Path:
    """Where scriptgen keeps the generated CASA site config and CASA logs."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "scriptgen"


def casadata_path() -> Path:
    """The measures data shipped inside the installed ``casadata`` package."""
    try:
        import casadata
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ScriptgenError(
            "the 'casadata' package is not installed; "
            "reinstall scriptgen with its dependencies"
        ) from exc
    return Path(casadata.__file__).resolve().parent / "__data__"


def siteconfig_text(measures: Path, logdir: Path) -> str:
    """The casaconfig site config that keeps CASA offline.

    Logs go to ``logdir`` rather than the current directory: otherwise every
    ``scriptgen inspect`` would leave a ``casa-*.log`` where the user stands.
    """
    return (
        "# Written by scriptgen: use the measures data shipped in casadata\n"
        "# and never try to download updates (this machine may be offline).\n"
        "import time as _time\n"
        f"measurespath = {str(measures)!r}\n"
        "measures_auto_update = False\n"
        "data_auto_update = False\n"
        "skipnetworkcheck = True\n"
        f"logfile = {str(logdir)!r} + "
        "'/casa-%s.log' % _time.strftime('%Y%m%d-%H%M%S', _time.gmtime())\n"
    )


def configure() -> Path | None:
    """Point casaconfig at casadata's measures, unless the user already chose.

    Returns the site config in force (None when the user configured CASA
    through ``~/.casa/config.py`` themselves). Safe to call many times; it
    must run before casatools is first imported in this process, and the
    environment variable it sets is inherited by CASA subprocesses (the
    generated scripts run in tests).
    """
    existing = os.environ.get(SITECONFIG_ENV)
    if existing:
        return Path(existing)
    if (Path.home() / ".casa" / "config.py").exists():
        return None
    measures = casadata_path()
    logdir = cache_dir() / "casa-logs"
    logdir.mkdir(parents=True, exist_ok=True)
    config = cache_dir() / "casasiteconfig.py"
    text = siteconfig_text(measures, logdir)
    if not config.exists() or config.read_text() != text:
        tmp = config.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(config)
    os.environ[SITECONFIG_ENV] = str(config)
    return config


def _import(name: str) -> ModuleType:
    configure()
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise ScriptgenError(
            f"CASA is not available ({name} failed to import: {exc}); "
            "install scriptgen with its CASA dependencies"
        ) from exc


def casatools() -> ModuleType:
    """The casatools module, configured for offline use."""
    return _import("casatools")


def casatasks() -> ModuleType:
    """The casatasks module, configured for offline use."""
    return _import("casatasks")


def new_logfile(prefix: str) -> Path:
    """A fresh log file in scriptgen's CASA log folder, named by time."""
    import time

    logdir = cache_dir() / "casa-logs"
    logdir.mkdir(parents=True, exist_ok=True)
    return logdir / f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}.log"


def _terminal_fd() -> int:
    """The descriptor Python's stderr writes to now (2 unless already redirected)."""
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        return 2


@contextmanager
def casa_output_to(logfile: Path | None = None, *, stdout: bool = True) -> Iterator[None]:
    """Send what CASA's C++ layer prints to ``logfile`` (or nowhere).

    casatools writes its simulator chatter to file descriptor 1 and echoes
    every SEVERE message to descriptor 2, whatever the logger settings, so
    Python's ``sys.stdout``/``sys.stderr`` cannot catch it. Descriptor 2 (and
    1 unless ``stdout=False``) is redirected for the duration; Python's own
    ``sys.stderr`` stays on the terminal, so progress lines and our one-line
    errors stay readable. Redirections nest. CASA's own log file still
    receives everything.
    """
    fds = (1, 2) if stdout else (2,)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in fds}
    terminal = os.fdopen(os.dup(_terminal_fd()), "w", buffering=1)
    previous = sys.stderr
    sink = open(logfile, "a") if logfile is not None else tempfile.TemporaryFile("w")
    with sink:
        for fd in fds:
            os.dup2(sink.fileno(), fd)
        sys.stderr = terminal
        try:
            yield
        finally:
            sys.stdout.flush()
            terminal.flush()
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)
            sys.stderr = previous
            terminal.close()
