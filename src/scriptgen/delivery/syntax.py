"""The ``key=value`` lines of CASA's cal library and flagdata's list mode.

Both formats are one instruction per line, written as Python-like keyword
arguments: ``caltable='a.tbl' field='3' spwmap=[0,0,1] calwt=True`` (cal
library, CASA cookbook "Cal Library Syntax"), ``mode='manual'
antenna='DA41' reason='...'`` (flagdata ``mode='list'`` files, the
pipeline's ``*flagtemplate.txt``). Pairs are separated by blanks or commas;
values are quoted strings, lists (possibly nested), integers, floats or
``True``/``False``; ``#`` outside quotes starts a comment.

The delivery is untrusted text, so it is read by this small lexer and never
evaluated.
"""

from __future__ import annotations

from ..errors import ScriptgenError

#: What a value may be: str, int, float, bool, or a tuple of these.
Value = object


class SyntaxProblem(ScriptgenError):
    """A line that is not ``key=value`` pairs; the message names file and line."""


class _Cursor:
    def __init__(self, text: str, where: str):
        self.text = text
        self.pos = 0
        self.where = where

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def fail(self, what: str) -> SyntaxProblem:
        return SyntaxProblem(f"{self.where}: {what} at column {self.pos + 1}")

    def skip_separators(self) -> None:
        while self.peek() and (self.peek().isspace() or self.peek() == ","):
            self.pos += 1

    def at_end(self) -> bool:
        return self.peek() in ("", "#")


def _string(cur: _Cursor) -> str:
    quote = cur.peek()
    cur.pos += 1
    out = []
    while True:
        char = cur.peek()
        if char == "":
            raise cur.fail(f"unclosed {quote} quote")
        cur.pos += 1
        if char == "\\" and cur.peek() in (quote, "\\"):
            out.append(cur.peek())
            cur.pos += 1
        elif char == quote:
            return "".join(out)
        else:
            out.append(char)


def _bare(cur: _Cursor) -> Value:
    start = cur.pos
    while cur.peek() and not cur.peek().isspace() and cur.peek() not in ",[]()#'\"":
        cur.pos += 1
    token = cur.text[start : cur.pos]
    if token in ("True", "T", "true"):
        return True
    if token in ("False", "F", "false"):
        return False
    for kind in (int, float):
        try:
            return kind(token)
        except ValueError:
            pass
    if not token:
        raise cur.fail("a value is missing")
    raise cur.fail(f"unquoted value {token!r}")


def _list(cur: _Cursor) -> tuple:
    cur.pos += 1  # '['
    items = []
    while True:
        cur.skip_separators()
        if cur.peek() == "]":
            cur.pos += 1
            return tuple(items)
        if cur.peek() == "":
            raise cur.fail("unclosed [")
        items.append(_value(cur))


def _value(cur: _Cursor) -> Value:
    char = cur.peek()
    if char in ("'", '"'):
        return _string(cur)
    if char == "[":
        return _list(cur)
    return _bare(cur)


def parse_pairs(text: str, where: str) -> tuple[tuple[str, Value], ...]:
    """The ``(key, value)`` pairs of one line, in order; a repeated key is an error."""
    cur = _Cursor(text, where)
    pairs: list[tuple[str, Value]] = []
    seen: set[str] = set()
    while True:
        cur.skip_separators()
        if cur.at_end():
            return tuple(pairs)
        start = cur.pos
        while cur.peek().isalnum() or cur.peek() == "_":
            cur.pos += 1
        key = cur.text[start : cur.pos]
        if not key:
            raise cur.fail("expected key=value")
        while cur.peek().isspace():
            cur.pos += 1
        if cur.peek() != "=":
            raise cur.fail(f"expected '=' after {key!r}")
        cur.pos += 1
        while cur.peek().isspace():
            cur.pos += 1
        if key in seen:
            raise cur.fail(f"{key!r} given twice")
        seen.add(key)
        pairs.append((key, _value(cur)))


def instruction_lines(text: str) -> list[tuple[int, str]]:
    """``(line number, line)`` of every line that is not blank or a comment."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            out.append((number, stripped))
    return out
