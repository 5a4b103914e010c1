"""Writing generated files without destroying an analyst's work.

Analysts edit the drafts we write, then often regenerate into the same
folder (a new scriptgen, a changed option). A manifest (``.scriptgen.json``)
records the hash of what we last wrote to each file (and every earlier
hash, and the drafts we wrote); on the next write:

* a file that is missing, empty, or still exactly something we wrote, is
  replaced;
* a file the analyst changed (or that we never wrote) is kept, and the new
  draft goes beside it as ``<name>.new`` for them to compare; a ``.new``
  the analyst edited in turn is kept too (the draft then goes to
  ``<name>.new1``, ...);
* with ``force=True`` the edited file is first given a fresh backup name
  ``<name>.orig`` (``.orig1``, ...), so nothing is lost either way.

Crashes and concurrency (see :mod:`scriptgen.atomicfile`): every file and
the manifest are replaced atomically, so a killed run leaves each file old
or new, never partial; backup and draft names are claimed with a call that
fails when the name exists, so two runs never share one; and one run at a
time holds the folder's lock (``.scriptgen.lock``) across reading and
rewriting the manifest. Every target must resolve inside the output folder
and is never written through a symbolic link.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__, atomicfile
from ..errors import ScriptgenError
from ..safenames import check_relative

MANIFEST = ".scriptgen.json"
#: Taken (flock) by the run writing into the folder; empty, left in place.
LOCK = ".scriptgen.lock"
#: Earlier digests kept per file: an old draft we wrote is still ours.
HISTORY = 50


def _digest(content: str | bytes) -> str:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return hashlib.sha256(data).hexdigest()


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


class _Manifest:
    """What we wrote into one folder: current digests, earlier ones, drafts."""

    def __init__(self, out_dir: Path):
        self.path = out_dir / MANIFEST
        self.files: dict[str, str] = {}
        self.history: dict[str, list[str]] = {}
        self.drafts: dict[str, str] = {}
        try:
            data = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return
        except IsADirectoryError:
            raise ScriptgenError(f"{self.path} is a folder; scriptgen keeps its manifest there") from None
        except (OSError, ValueError, RecursionError):
            return  # unreadable: nothing counts as ours, so nothing is replaced
        if not isinstance(data, dict):
            return
        self.files = _str_map(data.get("files"))
        self.drafts = _str_map(data.get("drafts"))
        raw = data.get("history")
        if isinstance(raw, dict):
            self.history = {
                k: [d for d in v if isinstance(d, str)]
                for k, v in raw.items()
                if isinstance(k, str) and isinstance(v, list)
            }

    def ours(self, rel: str, digest: str) -> bool:
        return digest == self.files.get(rel) or digest in self.history.get(rel, ())

    def record(self, rel: str, digest: str) -> None:
        self.files[rel] = digest
        earlier = [d for d in self.history.get(rel, []) if d != digest]
        self.history[rel] = (earlier + [digest])[-HISTORY:]

    def save(self) -> None:
        text = json.dumps(
            {
                "generator": f"scriptgen {__version__}",
                "files": self.files,
                "history": self.history,
                "drafts": self.drafts,
            },
            indent=1,
            sort_keys=True,
        )
        atomicfile.write_text(self.path, text + "\n")


def _str_map(value) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


@contextmanager
def _folder_lock(out_dir: Path) -> Iterator[None]:
    """Hold ``out_dir``'s lock: one writer at a time reads and rewrites the manifest."""
    fd = os.open(out_dir / LOCK, os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _inside(out_dir: Path, rel: str) -> Path:
    """``out_dir / rel``, refused unless it stays inside ``out_dir`` without links."""
    check_relative(rel)
    path = out_dir / rel
    for parent in reversed(path.parents):
        if parent == out_dir or out_dir not in parent.parents:
            continue
        if parent.is_symlink():
            raise ScriptgenError(f"{parent} is a symbolic link; scriptgen does not write through links")
    if path.is_symlink():
        raise ScriptgenError(f"{path} is a symbolic link; scriptgen does not write through links")
    if out_dir.resolve() not in path.resolve().parents:
        raise ScriptgenError(f"{rel!r} would be written outside {out_dir}")
    return path


def _read_existing(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise ScriptgenError(f"{path} is a folder; move it away to let scriptgen write that file") from None


def _write_draft(manifest: _Manifest, out_dir: Path, rel: str, data: bytes) -> Path:
    """The new draft beside an edited file: ``.new`` unless the analyst edited that too."""
    draft_rel = rel + ".new"
    draft = _inside(out_dir, draft_rel)
    current = _read_existing(draft)
    if current is None or not current or current == data or manifest.drafts.get(draft_rel) == _digest(current):
        atomicfile.write_bytes(draft, data)
    else:
        draft = atomicfile.claim_new(out_dir / rel, ".new", data)
        draft_rel = str(draft.relative_to(out_dir))
    manifest.drafts[draft_rel] = _digest(data)
    return draft


def write_outputs(out_dir: str | Path, files: dict[str, str], *, force: bool = False) -> WriteReport:
    """Write ``files`` (relative path -> text) into ``out_dir`` safely.

    Any file-system failure (no permission, disk full, ``out_dir`` is a
    file) becomes a one-line :class:`ScriptgenError`.
    """
    out_dir = Path(out_dir).absolute()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with _folder_lock(out_dir):
            atomicfile.sweep_temporaries(out_dir)
            return _write_locked(out_dir, files, force)
    except ScriptgenError:
        raise
    except FileExistsError as exc:
        raise ScriptgenError(f"cannot write into {out_dir}: {exc.filename} is not a folder") from None
    except NotADirectoryError as exc:
        raise ScriptgenError(f"cannot write into {out_dir}: part of {exc.filename} is not a folder") from None
    except OSError as exc:
        raise ScriptgenError(f"cannot write into {out_dir}: {exc.strerror or exc}") from None


def _write_locked(out_dir: Path, files: dict[str, str], force: bool) -> WriteReport:
    manifest = _Manifest(out_dir)
    report = WriteReport()
    for rel, text in sorted(files.items()):
        path = _inside(out_dir, rel)
        data = text.encode("utf-8")
        digest = _digest(text)
        path.parent.mkdir(parents=True, exist_ok=True)
        current = _read_existing(path)
        if current == data:
            report.unchanged.append(path)
            manifest.record(rel, digest)
            continue
        if current:  # an empty file holds nothing to lose
            ours = manifest.ours(rel, _digest(current))
            if not ours and not force:
                report.kept.append((path, _write_draft(manifest, out_dir, rel, data)))
                continue
            if not ours:
                backup = atomicfile.claim_copy(path, path, ".orig")
                report.backed_up.append((path, backup))
                atomicfile.write_bytes(path, data)
                manifest.record(rel, digest)
                continue
        atomicfile.write_bytes(path, data)
        manifest.record(rel, digest)
        report.written.append(path)
    manifest.save()
    return report
