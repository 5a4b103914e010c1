"""Flag templates: flagdata ``mode='list'`` files a delivery carries.

The pipeline writes ``<uid>.flagtemplate.txt`` (and the analyst edits it)
with one flagdata command per line, e.g. ``mode='manual' antenna='DA41'
spw='17' reason='QA2: bad amplitudes'``. scriptForPI hands the file to
``flagdata(mode='list', inpfile=...)`` unchanged; here it is only read to
check, before any CASA work, that every field it names exists: a template
written for another EB (or a renamed source) would otherwise flag nothing
and say nothing. Lines scriptgen writes (the review's proposals) get their
reasons from :func:`flagdata_reason`, so both readers accept them.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from ..errors import ScriptgenError
from .syntax import instruction_lines, parse_pairs


@dataclass(frozen=True)
class KnownFields:
    """The field names and ids of one EB, and where they were learnt."""

    names: frozenset[str]
    ids: frozenset[int]
    source: str

    def knows(self, item: str) -> bool:
        """Whether one item of a field selection (a name, id, id range or pattern) matches."""
        item = item.strip()
        if not item:
            return True
        if "~" in item:
            low, _, high = item.partition("~")
            if low.strip().isdigit() and high.strip().isdigit():
                return int(low) in self.ids and int(high) in self.ids
        if item.isdigit():
            return int(item) in self.ids or item in self.names
        if any(c in item for c in "*?["):
            return any(fnmatch.fnmatchcase(name, item) for name in self.names)
        return item in self.names


def flagdata_reason(text: str) -> str:
    """``text`` made safe as the quoted ``reason`` of a flagdata list-mode line.

    flagdata's list reader splits parameters at '=' even inside quotes
    (measured: "Parameter '' ... is not a valid flagdata parameter"); a quote
    would end the string; a backslash before the closing quote would escape
    it for :mod:`.syntax`; a line break would start a new command. Each is
    replaced by something that reads the same to the analyst.
    """
    text = text.replace("'", "").replace('"', "").replace("=", " is ").replace("\\", "/")
    return " ".join(text.split())


def template_fields(text: str, source: str) -> tuple[tuple[str, str], ...]:
    """``(where, field item)`` for every field a template selects."""
    out = []
    for number, line in instruction_lines(text):
        where = f"{source}:{number}"
        pairs = dict(parse_pairs(line, where))
        field = pairs.get("field", "")
        if not isinstance(field, str):
            raise ScriptgenError(f"{where}: field must be a quoted string, not {field!r}")
        out.extend((where, item.strip()) for item in field.split(",") if item.strip())
    return tuple(out)


def check_template(text: str, source: str, known: KnownFields) -> None:
    """Refuse (one line) a template naming a field the EB does not have."""
    for where, item in template_fields(text, source):
        if not known.knows(item):
            raise ScriptgenError(f"{where}: flags field {item!r}, which the EB does not have ({known.source})")
