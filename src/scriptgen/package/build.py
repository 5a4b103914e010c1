"""Assemble a delivery package on disk from a working folder.

Safety rules, because the working folder holds days of an analyst's work:

* files are COPIED; they are moved only with ``move=True``, and nothing in
  the working folder is ever deleted or modified otherwise;
* a member folder that already has content is refused unless ``force``;
  even then nothing is overwritten silently: an existing file with the same
  content is left as it is, a different one is first renamed to
  ``<name>.orig`` (``.orig1``, ... never clobbering an earlier backup);
* the package folder is never scanned as part of the working folder, so
  packaging into the working folder itself is safe.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import atomicfile, naming
from ..errors import ScriptgenError
from .layout import FOLDERS, QA2_JSON, QA2_TEXT, RAW_NOTE, README, DeliveryIds
from ..delivery.pi_lists import delivered_by_script
from .plan import Entry, Plan, plan_package
from .readme import qa2_summary_lines, raw_note_text, readme_text

__all__ = ["scan_workdir", "load_qa2_report", "Assembly", "assemble"]

#: Folders whose content is one object to deliver or skip, never to search.
_OPAQUE_SUFFIXES = (".ms", ".flagversions", ".split", ".cal", ".im", ".image", ".asdm")


def _is_table(path: Path) -> bool:
    return (path / "table.dat").exists() or path.name.endswith(_OPAQUE_SUFFIXES)


def scan_workdir(workdir: Path, *, skip: Path | None = None) -> list[Entry]:
    """List the working folder without descending into CASA tables or ``skip``."""
    workdir = Path(workdir)
    if not workdir.is_dir():
        raise ScriptgenError(f"working folder {workdir} does not exist")
    skip_resolved = skip.resolve() if skip is not None else None
    entries: list[Entry] = []
    for root, dirs, files in os.walk(workdir):
        here = Path(root)
        keep = []
        for d in sorted(dirs):
            full = here / d
            if d.startswith(".") or (skip_resolved is not None and full.resolve() == skip_resolved):
                continue
            rel = full.relative_to(workdir).as_posix()
            if _is_table(full) or full.is_symlink():
                entries.append(Entry(rel, True))
            else:
                keep.append(d)
        dirs[:] = keep
        for f in sorted(files):
            if not f.startswith("."):
                entries.append(Entry((here / f).relative_to(workdir).as_posix(), False))
    return entries


def load_qa2_report(path: str | Path) -> dict[str, Any]:
    """Read a ``scriptgen qa2 --json`` report, checking that it is one."""
    from ..qa2.report import REPORT_FORMAT

    from ..textfiles import read_text
    from .qa2check import report_problem

    text = read_text(path, "QA2 report")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ScriptgenError(f"QA2 report {path} is not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != REPORT_FORMAT:
        raise ScriptgenError(f"{path} is not a 'scriptgen qa2 --json' report")
    problem = report_problem(data)
    if problem:
        raise ScriptgenError(f"QA2 report {path} cannot go into a README: {problem}")
    return data


@dataclass
class Assembly:
    """What was done, for the CLI to print and the tests to check."""

    member_dir: Path
    plan: Plan
    copied: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    backed_up: list[tuple[str, str]] = field(default_factory=list)
    plots: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"package   {self.member_dir}"]
        out += [f"copied    {t}" for t in self.copied]
        out += [f"moved     {t}" for t in self.moved]
        out += [f"wrote     {t}" for t in self.written]
        out += [f"plotted   qa/{t}" for t in self.plots]
        out += [f"unchanged {t}" for t in self.unchanged]
        out += [f"kept      {old} (differed; saved as {bak})" for old, bak in self.backed_up]
        out += [f"warning   {w}" for w in self.warnings]
        return out


def _free_backup(path: Path) -> Path:
    candidate = path.with_name(path.name + ".orig")
    n = 1
    while candidate.exists() or candidate.is_symlink():
        candidate = path.with_name(f"{path.name}.orig{n}")
        n += 1
    return candidate


def _same_file(a: Path, b: Path) -> bool:
    return a.is_file() and b.is_file() and filecmp.cmp(a, b, shallow=False)


def _make_room(dest: Path, member: Path, result: Assembly) -> None:
    """Move an existing, different ``dest`` aside so nothing is lost.

    A file's backup name is claimed atomically (two runs never share one).
    """
    if dest.is_file() and not dest.is_symlink():
        backup = atomicfile.claim_copy(dest, dest, ".orig")
        dest.unlink()
        result.backed_up.append((dest.relative_to(member).as_posix(), backup.name))
        return
    backup = _free_backup(dest)
    dest.rename(backup)
    result.backed_up.append((dest.relative_to(member).as_posix(), backup.name))


def _write_text(member: Path, rel: str, text: str, result: Assembly) -> None:
    dest = member / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        if dest.is_file() and dest.read_text(errors="replace") == text:
            result.unchanged.append(rel)
            return
        _make_room(dest, member, result)
    atomicfile.write_text(dest, text)
    result.written.append(rel)


def assemble(
    workdir: str | Path,
    out: str | Path,
    ids: DeliveryIds,
    *,
    qa2_report: dict[str, Any] | None = None,
    move: bool = False,
    force: bool = False,
    dry_run: bool = False,
    plots: bool = True,
) -> Assembly:
    """Lay out the package for ``ids`` under ``out`` from ``workdir``."""
    workdir = Path(workdir)
    member = Path(out) / ids.member_path
    m_abs, w_abs = member.resolve(), workdir.resolve()
    if m_abs == w_abs or m_abs in w_abs.parents:
        raise ScriptgenError("the package folder cannot be, or contain, the working folder")
    entries = scan_workdir(workdir, skip=Path(out) / ids.project)
    plan = plan_package(entries, delivered_by_script(workdir / naming.PI_SCRIPT))
    result = Assembly(member, plan)
    if not plan.ebs:
        result.warnings.append(f"no execution blocks (<uid>.ms or calibration scripts) found in {workdir}")
    result.warnings += plan.missing
    if qa2_report is None:
        result.warnings.append("no QA2 report given (--qa2-report): the README says none was included")
    if dry_run:
        return result
    if member.exists() and any(member.iterdir()) and not force:
        raise ScriptgenError(
            f"{member} already has content; use --force to add to it "
            "(files that differ are kept as <name>.orig, nothing is overwritten)"
        )
    for folder in FOLDERS:
        (member / folder).mkdir(parents=True, exist_ok=True)
    for p in plan.placements:
        src = workdir / p.source
        dest = member / p.target
        if dest.exists() or dest.is_symlink():
            if _same_file(src, dest):
                result.unchanged.append(p.target)
                continue
            _make_room(dest, member, result)
        if move:
            shutil.move(str(src), str(dest))
            result.moved.append(p.target)
        elif p.is_dir:
            shutil.copytree(src, dest, symlinks=False)
            result.copied.append(p.target)
        else:
            shutil.copy2(src, dest)
            result.copied.append(p.target)
    extra: dict[str, list[str]] = {"raw": [RAW_NOTE]}
    if plots:
        from ..qaplots.gallery import make_gallery

        links = (QA2_TEXT, QA2_JSON) if qa2_report is not None else ()
        gallery = make_gallery(member / "qa", member / "calibration", member / "product", plan.ebs, links=links)
        result.plots = list(gallery.files)
        result.warnings += gallery.warnings
        extra["qa"] = list(gallery.files)
    if qa2_report is not None:
        _write_text(member, f"qa/{QA2_JSON}", json.dumps(qa2_report, indent=1, sort_keys=True) + "\n", result)
        _write_text(member, f"qa/{QA2_TEXT}", "\n".join(qa2_summary_lines(qa2_report)) + "\n", result)
        extra.setdefault("qa", []).extend([QA2_JSON, QA2_TEXT])
    _write_text(member, f"raw/{RAW_NOTE}", raw_note_text(ids, plan.ebs), result)
    _write_text(member, README, readme_text(ids, plan, qa2_report, extra), result)
    return result
