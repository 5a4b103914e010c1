"""Writing generated files without destroying an analyst's work.

Analysts edit the drafts we write, then often regenerate into the same
folder (a new scriptgen, a changed option). A manifest (``.scriptgen.json``)
records the hash of what we last wrote to each file; on the next write:

* a file that is missing, or still exactly what we wrote, is replaced;
* a file the analyst changed (or that we never wrote) is kept, and the new
  draft goes beside it as ``<name>.new`` for them to compare;
* with ``force=True`` the edited file is first moved to ``<name>.orig``
  (never overwriting an earlier backup), so nothing is lost either way.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__

MANIFEST = ".scriptgen.json"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class WriteReport:
    """What happened to each file, for the CLI to tell the user."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    kept: list[tuple[Path, Path]] = field(default_factory=list)  # (edited file, new draft)
    backed_up: list[tuple[Path, Path]] = field(default_factory=list)  # (file, backup)

    def lines(self) -> list[str]:
        out = [f"wrote     {p}" for p in self.written]
        out += [f"unchanged {p}" for p in self.unchanged]
        out += [f"kept      {p} (edited; new draft in {new.name})" for p, new in self.kept]
        out += [f"replaced  {p} (your version saved as {bak.name})" for p, bak in self.backed_up]
        return out


def _load_manifest(out_dir: Path) -> dict[str, str]:
    path = out_dir / MANIFEST
    if not path.exists():
        return {}
    try:
        return dict(json.loads(path.read_text()).get("files", {}))
    except (json.JSONDecodeError, AttributeError):
        return {}


def _free_backup_name(path: Path) -> Path:
    candidate = path.with_name(path.name + ".orig")
    n = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.orig{n}")
        n += 1
    return candidate


def write_outputs(out_dir: str | Path, files: dict[str, str], *, force: bool = False) -> WriteReport:
    """Write ``files`` (relative path -> text) into ``out_dir`` safely."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = _load_manifest(out_dir)
    report = WriteReport()
    for rel, text in sorted(files.items()):
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            current = path.read_text()
            if current == text:
                report.unchanged.append(path)
                manifest[rel] = _digest(text)
                continue
            ours = manifest.get(rel) == _digest(current)
            if not ours and not force:
                draft = path.with_name(path.name + ".new")
                draft.write_text(text)
                report.kept.append((path, draft))
                continue
            if not ours:
                backup = _free_backup_name(path)
                path.rename(backup)
                report.backed_up.append((path, backup))
                path.write_text(text)
                manifest[rel] = _digest(text)
                continue
        path.write_text(text)
        manifest[rel] = _digest(text)
        report.written.append(path)
    (out_dir / MANIFEST).write_text(
        json.dumps({"generator": f"scriptgen {__version__}", "files": manifest}, indent=1, sort_keys=True)
        + "\n"
    )
    return report
