"""Reading a small input file the user gave, refusing what is not text.

Calibrator-flux files, science goals, continuum ranges and QA2 reports are
written by hand or by other tools. A binary file, a UTF-16 export from a
spreadsheet or a folder given by mistake would otherwise end in a
UnicodeDecodeError traceback; here each is one line naming the file.
"""

from __future__ import annotations

from pathlib import Path

from .errors import ScriptgenError

#: Larger than any hand-written input; a bigger file is not one of ours.
MAX_BYTES = 64 * 1024 * 1024


def read_text(path: str | Path, what: str) -> str:
    """``path``'s text (UTF-8, a leading BOM allowed), or a one-line error naming ``what``."""
    path = Path(path)
    try:
        if path.is_dir():
            raise ScriptgenError(f"{what} {path} is a folder, not a file")
        if path.stat().st_size > MAX_BYTES:
            raise ScriptgenError(f"{what} {path} is larger than {MAX_BYTES // 2**20} MB")
        raw = path.read_bytes()
    except OSError as exc:
        raise ScriptgenError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ScriptgenError(f"{what} {path} is UTF-16 text; save it as UTF-8")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScriptgenError(f"{what} {path} is not UTF-8 text (a binary file?)") from None
    if "\x00" in text:
        raise ScriptgenError(f"{what} {path} contains NUL bytes (a binary file?)")
    return text
