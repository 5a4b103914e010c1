"""Which names may become file names: the rules in one place.

An EB's uid becomes the stem of every file scriptgen writes for it
(``<uid>.ms.scriptForCalibration.py``) and of every table the emitted
scripts create and delete (``<uid>.ms.split``). Snapshots travel between
analysts, so a uid like ``../victim/important`` or ``/etc/x`` must never
reach a path: it would make ``generate`` write outside ``--out`` and the
emitted script delete someone else's data. Snapshot loading, ``inspect``
(which takes the uid from the MS's folder name) and the writer all call
these checks, so a name is refused the same way wherever it comes from.

A refused name is an :class:`UnsafeName` (a ScriptgenError): one line,
exit 2.
"""

from __future__ import annotations

import unicodedata

from .errors import ScriptgenError

#: Longest stem accepted, in UTF-8 bytes. File systems allow 255 bytes per
#: name; the longest suffix scriptgen adds (``.ms.split.cal.flux_equalised``
#: and the like, plus ``.new``/``.orig9``) needs well under 55.
MAX_STEM_BYTES = 200
#: Longest single file name most file systems allow, in bytes.
NAME_MAX = 255
#: Longest path accepted (Linux PATH_MAX is 4096 bytes).
MAX_PATH_BYTES = 4000


class UnsafeName(ScriptgenError):
    """A name from a snapshot or an MS that cannot safely become a file name."""


def _shown(name: str) -> str:
    """The name as a short repr, so control characters print as escapes."""
    text = repr(name)
    return text if len(text) <= 80 else text[:77] + "..."


def text_problem(name: object) -> str | None:
    """What makes ``name`` unusable in any path (or any text we emit), or None."""
    if not isinstance(name, str):
        return f"is {type(name).__name__}, not text"
    if not name:
        return "is empty"
    if "\x00" in name:
        return "contains a NUL character"
    try:
        encoded = name.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (not valid Unicode text)"
    if any(unicodedata.category(c) == "Cc" for c in name):
        return "contains a control character (newline, tab, ...)"
    if len(encoded) > MAX_PATH_BYTES:
        return f"is longer than {MAX_PATH_BYTES} bytes"
    return None


def stem_problem(name: object, max_bytes: int = MAX_STEM_BYTES) -> str | None:
    """Why ``name`` cannot be a file-name stem inside the output folder, or None."""
    problem = text_problem(name)
    if problem:
        return problem
    assert isinstance(name, str)
    if "/" in name or "\\" in name:
        return "contains a path separator"
    if ".." in name:
        return "contains '..'"
    if name != name.strip():
        return "starts or ends with white space"
    if len(name.encode("utf-8")) > max_bytes:
        return f"is longer than {max_bytes} bytes"
    return None


def check_stem(name: object, what: str) -> str:
    """``name`` unchanged when it is a safe file-name stem; else :class:`UnsafeName`.

    ``what`` says where the name came from, for the message
    (``"snapshot uid"``, ``"EB name of /data/x.ms"``).
    """
    problem = stem_problem(name)
    if problem:
        raise UnsafeName(f"{what} {_shown(name)} {problem}; it cannot be used as a file name")
    return name  # type: ignore[return-value]


def check_path_text(path: object, what: str) -> str:
    """``path`` unchanged when it is usable as a path string at all (any folder)."""
    problem = text_problem(path)
    if problem:
        raise UnsafeName(f"{what} {_shown(path)} {problem}")
    return path  # type: ignore[return-value]


def check_relative(rel: object, what: str = "output name") -> str:
    """A relative output path whose every part is a safe stem (``sub/name.py``)."""
    problem = text_problem(rel)
    if problem is None:
        assert isinstance(rel, str)
        if rel.startswith("/") or "\\" in rel:
            problem = "is not a relative path"
        else:
            bad = [p for p in rel.split("/") if stem_problem(p, NAME_MAX)]
            if bad:
                problem = f"has an unusable part {_shown(bad[0])} ({stem_problem(bad[0], NAME_MAX)})"
    if problem:
        raise UnsafeName(f"{what} {_shown(rel)} {problem}")
    return rel  # type: ignore[return-value]
