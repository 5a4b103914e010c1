"""One numbered step of an emitted script, the same for every script.

Every script scriptgen writes is a list of numbered steps, each run only
when ``mysteps`` asks for it and each announced the same way. The script
builders of this package describe their steps with :class:`Step`, and the
shared template macros (``templates/common/macros.j2``) present them, so
the four scripts share one skeleton: step table, banner, selection.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..render import PySource

#: Width of the comment text scriptgen writes in a step (black leaves comments alone).
NOTE_WIDTH = 74


@dataclass(frozen=True)
class Step:
    """What the skeleton needs to know of one step.

    ``part`` is the template presenting the step's body (None when the
    script's own template writes it inline); ``notes`` are comment lines
    scriptgen composed, already wrapped (metadata inside them written as
    reprs); ``condition`` is a Python condition scriptgen wrote (never from
    metadata) that the step also needs, such as an option that switches it.
    """

    number: int
    key: str
    title: str
    part: str | None = None
    notes: tuple[str, ...] = ()
    condition: PySource | None = None


def wrap_notes(notes: Iterable[str], width: int = NOTE_WIDTH) -> tuple[str, ...]:
    """Explanatory prose as comment lines of at most ``width`` characters."""
    lines: list[str] = []
    for note in notes:
        lines += textwrap.wrap(note, width, break_long_words=False, break_on_hyphens=False) or [""]
    return tuple(lines)


def numbered(steps: Sequence[tuple[str, str]]) -> tuple[Step, ...]:
    """Steps numbered from 0 in order, from ``(key, title)`` pairs."""
    return tuple(Step(number, key, title) for number, (key, title) in enumerate(steps))


def by_key(steps: Iterable[Step]) -> dict[str, Step]:
    """The steps by key, for a template that writes each step's body inline."""
    return {step.key: step for step in steps}
