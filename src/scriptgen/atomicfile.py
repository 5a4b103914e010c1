"""Files that are either wholly old or wholly new, and names claimed once.

A process can die at any instruction (``kill -9``, a full disk, a closed
laptop). Writing a file in place can then leave it empty or cut short, and
the next run would take the damaged file for an analyst's edit. So every
file is written to a temporary name in the same folder (same file system),
flushed to disk and renamed over the target: ``rename`` is atomic, a reader
sees the old file or the new one. Backups and drafts need a *fresh* name
that no concurrent run also picks: :func:`claim_copy` links the content to
the first free name with ``link`` (which fails if the name exists), so two
runs can never share one and no half-written backup is ever visible.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

#: Suffix of the temporary files; a run sweeps leftovers of killed runs.
TEMP_SUFFIX = ".scriptgen-tmp"


def _temp_beside(path: Path, data: bytes) -> Path:
    """``data`` in a new temporary file in ``path``'s folder, synced to disk."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name[:100]}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically.

    A symbolic link at ``path`` is replaced by the file, never written
    through, so a planted link cannot redirect the write elsewhere.
    """
    path = Path(path)
    temp = _temp_beside(path, data)
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_text(path: str | os.PathLike, text: str) -> None:
    """:func:`write_bytes` of ``text`` in UTF-8 (whatever the locale says)."""
    write_bytes(path, text.encode("utf-8"))


def _candidates(path: Path, suffix: str):
    yield path.with_name(path.name + suffix)
    n = 1
    while True:
        yield path.with_name(f"{path.name}{suffix}{n}")
        n += 1


def claim_copy(source: Path, target_stem: Path, suffix: str) -> Path:
    """Give ``source``'s content a fresh name ``<target_stem><suffix>[N]``.

    The first name that does not exist yet is taken with ``link``, which
    fails when the name exists: of two concurrent runs each gets its own
    name. Where hard links are not supported, the name is reserved with
    ``O_CREAT | O_EXCL`` and the content copied in atomically.
    """
    for candidate in _candidates(target_stem, suffix):
        try:
            os.link(source, candidate, follow_symlinks=False)
            return candidate
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise
        try:
            fd = os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, 0o644)
        except FileExistsError:
            continue
        os.close(fd)
        write_bytes(candidate, Path(source).read_bytes())
        return candidate
    raise AssertionError("unreachable")  # pragma: no cover


def claim_new(target_stem: Path, suffix: str, data: bytes) -> Path:
    """Write ``data`` under a fresh name ``<target_stem><suffix>[N]`` (see :func:`claim_copy`)."""
    temp = _temp_beside(target_stem, data)
    try:
        return claim_copy(temp, target_stem, suffix)
    finally:
        temp.unlink(missing_ok=True)


def sweep_temporaries(folder: Path) -> None:
    """Remove temporary files a killed run left in ``folder`` (call under the folder's lock)."""
    for leftover in folder.glob(f".*{TEMP_SUFFIX}"):
        try:
            leftover.unlink()
        except OSError:
            pass
