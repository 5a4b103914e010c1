"""Formatting emitted scripts with black's API.

Formatting in-process gives one obvious layout for every script (so
regenerations diff cleanly) and doubles as a syntax check: black refuses
source that does not parse, and we say which template produced it.
"""

from __future__ import annotations

import ast

import black

from ..errors import ScriptgenError

#: One mode for every emitted file; the CASA shell runs Python 3.
MODE = black.Mode(line_length=88)


class GeneratedCodeError(ScriptgenError):
    """A template produced something that is not valid Python (a bug)."""


def format_python(source: str, *, origin: str = "<generated>") -> str:
    try:
        ast.parse(source)
    except SyntaxError as exc:
        line = source.splitlines()[exc.lineno - 1] if exc.lineno else ""
        raise GeneratedCodeError(
            f"{origin} produced invalid Python at line {exc.lineno}: {exc.msg}: {line.strip()!r}"
        ) from None
    return black.format_str(source, mode=MODE)
