"""Values as Python literals: the one door from metadata into emitted code.

Names in a MeasurementSet (fields, sources, windows, paths) are chosen by
observers and pipelines we do not control; a field named
``x'); import os; os.system('...`` must stay a string in the emitted
script. So every value a template prints goes through :func:`py_literal`,
which only accepts plain data and writes it with ``repr``. Code fragments
that Python decided (never built from metadata) are marked
:class:`PySource`.
"""

from __future__ import annotations

import math
from enum import Enum
from typing import Any

from ..errors import ScriptgenError


class UnsafeValue(ScriptgenError):
    """A value that cannot be written as a plain Python literal."""


class PySource(str):
    """Text already known to be safe Python source (a literal we produced)."""


def _check(value: Any) -> Any:
    """Normalise ``value`` to plain literal data, refusing anything else."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Enum):
        return _check(value.value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UnsafeValue(f"non-finite number {value!r} cannot be emitted")
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (list, tuple)):
        items = [_check(v) for v in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {_check(k): _check(v) for k, v in value.items()}
    # numpy scalars and similar: accept only if they are real numbers.
    if hasattr(value, "item"):
        return _check(value.item())
    raise UnsafeValue(f"{type(value).__name__} cannot be emitted as a Python literal")


def py_literal(value: Any) -> PySource:
    """``repr`` of plain data, safe to place anywhere an expression goes.

    Strings keep every character (escaped as repr escapes them), so a
    newline or quote in a field name cannot end the literal or a comment.
    """
    return PySource(repr(_check(value)))
