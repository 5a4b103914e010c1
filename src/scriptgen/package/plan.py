"""Decide what of a working folder goes where in the package (pure).

The working folder is what an analyst has after running the scripts: MSs,
tables, scripts, images, logs. :func:`plan_package` takes a listing of it
(relative paths, and which are directories) and returns one
:class:`Placement` per item to deliver, plus what it leaves out, so the
decision is tested without touching a disk and shown by ``--dry-run``.

Rules (names from :mod:`scriptgen.naming`):

* EBs are recognised by ``<uid>.ms`` folders and ``<uid>.ms.scriptForCalibration.py``;
* ``calibration/``: each EB's delivered tables that exist (the list its
  observing mode's plan wrote into scriptForPI.py, see
  :mod:`scriptgen.delivery.pi_lists`;
  ``CalTables(ms).delivered`` for an EB the script does not list), its
  flag versions (``<ms>.flagversions``, ``<ms>.split.flagversions``), the
  flux-equalisation CSV and continuum-range files (``*cont.dat``);
* ``script/``: the calibration scripts, ``scriptForFluxCalibration.py``,
  ``scriptForImaging.py`` (from the top level or, if only there, from a
  subfolder, with its ``cont.dat``), ``scriptForPI.py``, and the EB snapshots
  (``<ms>.snapshot.json``, ``<uid>.json``: they let scriptgen regenerate the
  scripts exactly);
* ``product/``: every FITS file (``*.fits``) anywhere outside CASA tables;
* ``qa/``: PNG/PDF plots and QA reports found in the working folder;
* ``log/``: CASA logs (``*.log``) and listobs output (``*.listobs*``);
* nothing else: the MSs themselves (the PI regenerates them), CASA images
  (their FITS are delivered), intermediate tables.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from .. import naming
from ..errors import ScriptgenError

__all__ = ["Entry", "Placement", "Plan", "plan_package", "eb_names"]


@dataclass(frozen=True)
class Entry:
    """One path in the working folder (relative, '/'-separated)."""

    path: str
    is_dir: bool = False

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name


@dataclass(frozen=True)
class Placement:
    """Deliver ``source`` (relative to the working folder) as ``folder/name``."""

    source: str
    folder: str
    is_dir: bool
    kind: str

    @property
    def target(self) -> str:
        return f"{self.folder}/{PurePosixPath(self.source).name}"


@dataclass(frozen=True)
class Plan:
    """The placements, the EBs found, and what was left out (top level only)."""

    ebs: tuple[str, ...]
    placements: tuple[Placement, ...]
    left_out: tuple[str, ...]
    #: What the delivery lacks that the PI would expect (said, never silent).
    missing: tuple[str, ...] = ()

    def in_folder(self, folder: str) -> tuple[Placement, ...]:
        return tuple(p for p in self.placements if p.folder == folder)


_SCRIPT_SUFFIX = naming.calibration_script("")  # ".scriptForCalibration.py"


def eb_names(entries: list[Entry]) -> tuple[str, ...]:
    """The MS names (``<uid>.ms``) of the EBs the working folder holds."""
    names = set()
    for e in entries:
        if "/" in e.path:
            continue
        if e.is_dir and e.name.endswith(".ms"):
            names.add(e.name)
        elif not e.is_dir and e.name.endswith(".ms" + _SCRIPT_SUFFIX):
            names.add(e.name[: -len(_SCRIPT_SUFFIX)])
    return tuple(sorted(names))


def _top(e: Entry) -> bool:
    return "/" not in e.path


def plan_package(entries: list[Entry], delivered: Mapping[str, Sequence[str]] | None = None) -> Plan:
    """Place every deliverable entry of the working folder (see module doc).

    ``delivered`` maps an MS name to what its calibration plan delivers (as
    scriptForPI.py lists it); an EB not in it delivers the shared list.
    """
    delivered = delivered or {}
    ebs = eb_names(entries)
    by_path = {e.path: e for e in entries}
    placements: list[Placement] = []
    placed: set[str] = set()

    def put(path: str, folder: str, kind: str) -> None:
        if path in by_path and path not in placed:
            placements.append(Placement(path, folder, by_path[path].is_dir, kind))
            placed.add(path)

    for ms in ebs:
        tables = naming.CalTables(ms)
        for name in delivered.get(ms, tables.delivered):
            put(name, "calibration", "calibration table")
        put(f"{ms}.flagversions", "calibration", "flag versions")
        put(f"{tables.split}.flagversions", "calibration", "flag versions")
        put(naming.calibration_script(ms), "script", "calibration script")
        put(f"{ms}.snapshot.json", "script", "EB snapshot")  # written by 'scriptgen generate'
        put(f"{ms[: -len('.ms')]}.json", "script", "EB snapshot")  # 'scriptgen inspect --json' default
    put(naming.FLUX_CSV, "calibration", "calibrator fluxes")
    for script in (naming.FLUX_SCRIPT, naming.IMAGING_SCRIPT, naming.PI_SCRIPT):
        put(script, "script", "script")
    imaging = imaging_script(entries)
    if imaging is not None and imaging != naming.IMAGING_SCRIPT:
        put(imaging, "script", "script")
        folder = PurePosixPath(imaging).parent
        for e in entries:  # its continuum ranges, written beside it
            if PurePosixPath(e.path).parent == folder and fnmatch.fnmatch(e.name.lower(), "*cont.dat"):
                put(e.path, "calibration", "continuum ranges")
    for e in entries:
        if e.path in placed or e.is_dir:
            continue
        name = e.name.lower()
        if name.endswith(".fits"):
            put(e.path, "product", "image (FITS)")
        elif _top(e) and fnmatch.fnmatch(name, "*cont.dat"):
            put(e.path, "calibration", "continuum ranges")
        elif name.endswith((".png", ".pdf")) or (_top(e) and fnmatch.fnmatch(name, "*qa2*report*")):
            put(e.path, "qa", "QA plot or report")
        elif name.endswith(".log") or ".listobs" in name:
            put(e.path, "log", "log")
    left_out = tuple(sorted(e.path for e in entries if _top(e) and e.path not in placed))
    seen: dict[str, str] = {}
    for p in placements:
        if p.target in seen:
            raise ScriptgenError(f"{seen[p.target]} and {p.source} would both be delivered as {p.target}")
        seen[p.target] = p.source
    missing = ()
    if imaging is None and any(p.folder == "product" for p in placements):
        missing = (f"the images in product/ come with no {naming.IMAGING_SCRIPT} (none in the working folder)",)
    return Plan(ebs, tuple(sorted(placements, key=lambda p: (p.folder, p.target))), left_out, missing)


def imaging_script(entries: list[Entry]) -> str | None:
    """The imaging script to deliver: at the top level, else the one in a subfolder.

    The README's workflow writes it beside the MSs, but an analyst may keep
    imaging in its own folder. Two of them is ambiguous (which made the
    delivered images?) and is refused rather than guessed.
    """
    found = sorted(e.path for e in entries if not e.is_dir and e.name == naming.IMAGING_SCRIPT)
    if naming.IMAGING_SCRIPT in found:
        return naming.IMAGING_SCRIPT
    if len(found) > 1:
        raise ScriptgenError(
            f"several {naming.IMAGING_SCRIPT} in the working folder ({', '.join(found)}); "
            "keep the one that made the delivered images and move or remove the others"
        )
    return found[0] if found else None
