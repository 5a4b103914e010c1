"""Why an input cannot be inspected, each said in one line.

All of these are :class:`~scriptgen.errors.ScriptgenError` subclasses, so the
CLI prints them as one line and exits non-zero. Callers that want to react
to one case (a generator that could fall back on a snapshot, say) catch the
specific class.
"""

from __future__ import annotations

from ..errors import NotAMeasurementSet, ScriptgenError

# Defined at model level (the snapshot checks refuse the same EBs).
from ..usable import NoIntents, NoScienceWindows, UnusableExecBlock

__all__ = [
    "PathNotFound",
    "NotAMeasurementSet",
    "CorruptTable",
    "UnusableExecBlock",
    "NoIntents",
    "NoScienceWindows",
]


class PathNotFound(ScriptgenError):
    """Nothing exists at the path the user gave."""


class CorruptTable(NotAMeasurementSet):
    """The MS looks like an MS but one of its tables cannot be read.

    Typical causes: a copy interrupted half-way (truncated ``table.f0``), a
    table whose ``table.dat`` was deleted, disk errors.
    """
