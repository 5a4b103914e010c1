"""How a field, source or antenna name reaches a CASA selection string.

Metadata names reach the emitted scripts as Python literals, so they are
safe as Python; but CASA then parses many of those strings with its own
selection syntax (MSSelection): ``,`` separates items, ``~`` ``<`` ``>``
make ranges, ``*`` ``?`` ``[]`` ``{}`` are wildcards, ``/.../`` is a regular
expression, ``&`` and ``^`` build baselines, ``!`` negates, ``:`` and ``;``
split window/channel parts, quotes group, and a name made only of digits is
read as an id (CASA MSSelection syntax, casadocs "Data Selection"). A field
named ``J1058+0133,Jtarget`` or ``3C*`` would then select other data than
the script says.

:func:`selection` decides each case in one place:

* ``FIELD`` selections always use ids (CASA accepts ids wherever it
  accepts field names);
* ``REFANT`` and ``ANTENNA`` (gaincal's ``refant``, fluxscale's
  ``antenna``) keep the names, which the analyst reads more easily, when
  every name is safe, and fall back to the antenna ids otherwise;
* ``WVR_TIE`` (wvrgcal ``tie``) joins source names with commas, which
  wvrgcal splits on: a group whose names hold a comma is left untied;
* ``WVR_STATSOURCE`` (wvrgcal ``statsource``, matched as one name) falls
  back to '' (statistics over all sources) for a name with a comma.

No selection today needs a name where an id cannot serve: uvcontsub keeps
the field ids of its input (mstransform with reindex=False), so even the
continuum-subtracted MSs are selected by id, and tclean takes one field
selection per MS when several EBs number a source differently. wvrgcal
alone takes only names, and there a name it would misread is left out.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass
from typing import Sequence

#: Characters with a meaning in CASA's selection syntax (MSSelection field,
#: antenna, spw and scan grammars, casadocs "Data Selection"), plus the
#: quotes and the regular-expression slash.
METACHARACTERS = frozenset(",;~*?<>\"'^!=[]{}:/&\\")


class Use(enum.Enum):
    """Where the selection goes: decides whether ids may replace names."""

    FIELD = "field"
    REFANT = "refant"
    ANTENNA = "antenna"
    WVR_TIE = "wvrgcal tie"
    WVR_STATSOURCE = "wvrgcal statsource"


@dataclass(frozen=True)
class Selection:
    """The selection string to emit (None: leave this entry out) and why."""

    value: str | None
    reason: str
    by_id: bool = False


def name_problem(name: str) -> str | None:
    """Why CASA's selection syntax would not read ``name`` as itself, or None."""
    if not name:
        return "is empty"
    if name != name.strip():
        return "starts or ends with white space"
    if name.isdigit():
        return "is all digits (CASA reads it as an id)"
    bad = sorted({c for c in name if c in METACHARACTERS})
    if bad:
        return f"contains {''.join(bad)!r} (selection syntax)"
    if any(unicodedata.category(c).startswith("C") for c in name):
        return "contains a control or unassigned character"
    return None


def _ids(ids: Sequence[int]) -> str:
    return ",".join(str(int(i)) for i in ids)


def selection(use: Use, names: Sequence[str], ids: Sequence[int] = ()) -> Selection:
    """The selection string for ``names`` (with their ``ids``) used as ``use``.

    ``ids`` are parallel to ``names`` (field or antenna ids); they are needed
    for the uses that can fall back to them.
    """
    names = list(names)
    if use is Use.FIELD:
        return Selection(_ids(ids), "ids: CASA accepts them and no name can be misread", by_id=True)
    problems = [(n, name_problem(n)) for n in names]
    unsafe = [(n, p) for n, p in problems if p]
    if use in (Use.REFANT, Use.ANTENNA):
        if not unsafe:
            return Selection(",".join(names), "names: none holds selection syntax")
        n, p = unsafe[0]
        return Selection(
            _ids(ids),
            f"ids, not names: the name {n!r} {p}, which CASA would misread",
            by_id=True,
        )
    if use is Use.WVR_TIE:
        if any("," in n or n != n.strip() or not n for n in names):
            shown = ", ".join(repr(n) for n in names)
            return Selection(
                None, f"not tied (a name holds a comma, which wvrgcal would split, or edge spaces): {shown}"
            )
        return Selection(",".join(names), "source names, comma-separated as wvrgcal reads them")
    if use is Use.WVR_STATSOURCE:
        name = names[0] if names else ""
        if not name or "," in name or name != name.strip():
            return Selection("", f"statistics over all sources: {name!r} cannot be named to wvrgcal")
        return Selection(name, "the first target's source name")
    raise ValueError(f"unknown use {use!r}")
