"""The task graph of a science goal, from the scripts in its working folder (pure).

A working folder holds what ``scriptgen generate`` wrote beside the MSs:
one calibration script per EB, the flux-equalisation script when the goal
has several EBs, and the imaging script once ``scriptgen imaging`` has
written it. Their order is fixed by what each reads: the EBs calibrate
independently (in parallel), flux equalisation reads every EB's fluxscale
results and calibrated data, imaging reads the calibrated data (after
equalisation when there is one). That is the graph; it is computed here
from a listing of file names, so it is tested without a disk.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from pathlib import Path, PurePosixPath

from .. import naming
from ..errors import ScriptgenError

_CAL_SUFFIX = naming.calibration_script("")  # ".scriptForCalibration.py"


@dataclass(frozen=True)
class Task:
    """One emitted script to run in its folder.

    ``key`` is unique over every working folder of a run (``<label>/<script>``);
    ``outputs`` are the products (relative to ``cwd``) that must exist and open
    after a successful run; ``depends`` are the keys to finish first.
    """

    key: str
    kind: str
    workdir: Path
    script: str
    outputs: tuple[str, ...] = ()
    depends: tuple[str, ...] = ()
    #: A part of the script run on its own (a cube's channel chunk): its name
    #: ('' for the whole script), the steps it runs (empty: all) and the
    #: variables set before it (``cube_chunks``, ``cube_chunk``).
    part: str = ""
    steps: tuple[int, ...] = ()
    variables: tuple[tuple[str, Any], ...] = ()

    @property
    def cwd(self) -> Path:
        """Where the script runs: the folder that holds it (the MS folder)."""
        return (self.workdir / self.script).parent

    @property
    def path(self) -> Path:
        return self.workdir / self.script

    @property
    def log(self) -> Path:
        """The log streamed beside the script (one per part)."""
        return self.workdir / (self.script + (f".{self.part}" if self.part else "") + ".log")


def goal_tasks(workdir: Path, names: Iterable[str], label: str) -> tuple[Task, ...]:
    """Tasks of one working folder, given the relative paths of its files.

    Calibration scripts (``<EB>.ms.scriptForCalibration.py``) and the flux
    script are taken from the top level; imaging scripts from the top level
    or one folder down (each runs in its folder). The flux script follows
    every calibration; imaging follows the flux script when there is one,
    else every calibration. A folder with none of these is refused.
    """
    files = sorted({PurePosixPath(n).as_posix() for n in names})
    top = [n for n in files if "/" not in n]
    eb_suffix = ".ms" + _CAL_SUFFIX
    calibration = [n for n in top if n.endswith(eb_suffix) and len(n) > len(eb_suffix)]
    tasks: list[Task] = []
    for script in calibration:
        ms = script[: -len(_CAL_SUFFIX)]
        tasks.append(Task(f"{label}/{script}", "calibration", workdir, script, (naming.CalTables(ms).split_cal,)))
    cal_keys = tuple(t.key for t in tasks)
    after_calibration = cal_keys
    if naming.FLUX_SCRIPT in top:
        flux = Task(
            f"{label}/{naming.FLUX_SCRIPT}",
            "flux",
            workdir,
            naming.FLUX_SCRIPT,
            (naming.CALIBRATED_MS, naming.FLUX_CSV),
            cal_keys,
        )
        tasks.append(flux)
        after_calibration = (flux.key,)
    imaging = [n for n in files if PurePosixPath(n).name == naming.IMAGING_SCRIPT and n.count("/") <= 1]
    for script in imaging:
        # What tclean makes depends on the edited script; the images written
        # are recorded after the run (see records.written_since).
        tasks.append(Task(f"{label}/{script}", "imaging", workdir, script, (), after_calibration))
    if not tasks:
        raise ScriptgenError(
            f"{workdir} holds no script to run (looked for *.ms{_CAL_SUFFIX}, "
            f"{naming.FLUX_SCRIPT}, {naming.IMAGING_SCRIPT}); write them with 'scriptgen generate'"
        )
    return tuple(tasks)


def labels(workdirs: Sequence[Path]) -> list[str]:
    """A short distinct label per working folder: its name, numbered if repeated."""
    out: list[str] = []
    for path in workdirs:
        name = path.name or str(path)
        label, n = name, 1
        while label in out:
            n += 1
            label = f"{name}#{n}"
        out.append(label)
    return out


def topological(tasks: Sequence[Task]) -> tuple[Task, ...]:
    """The tasks ordered so each comes after its dependencies (stable otherwise).

    A dependency on a key that is not a task, or a cycle, is a bug in the
    graph and refused.
    """
    by_key = {t.key: t for t in tasks}
    if len(by_key) != len(tasks):
        raise ScriptgenError("two tasks have the same key")
    for t in tasks:
        missing = [d for d in t.depends if d not in by_key]
        if missing:
            raise ScriptgenError(f"{t.key} depends on unknown task(s) {missing}")
    done: list[Task] = []
    placed: set[str] = set()
    pending = list(tasks)
    while pending:
        ready = [t for t in pending if all(d in placed for d in t.depends)]
        if not ready:
            raise ScriptgenError("the task graph has a cycle: " + ", ".join(t.key for t in pending))
        for t in ready:
            done.append(t)
            placed.add(t.key)
        pending = [t for t in pending if t.key not in placed]
    return tuple(done)


def scan(workdir: Path) -> list[str]:
    """Relative paths of the files in ``workdir`` and one folder down (not inside tables)."""
    names = []
    for entry in sorted(workdir.iterdir()):
        if entry.is_file():
            names.append(entry.name)
        elif entry.is_dir() and not (entry / "table.dat").exists():
            names.extend(f"{entry.name}/{sub.name}" for sub in sorted(entry.iterdir()) if sub.is_file())
    return names


def build(workdirs: Sequence[str | Path]) -> tuple[Task, ...]:
    """Every task of every working folder, in dependency order."""
    paths = [Path(w).absolute() for w in workdirs]
    for path in paths:
        if not path.is_dir():
            raise ScriptgenError(f"{path} is not a folder")
    tasks: list[Task] = []
    for path, label in zip(paths, labels(paths)):
        tasks.extend(goal_tasks(path, scan(path), label))
    return topological(tasks)
