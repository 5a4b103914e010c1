"""The registry of observing modes (see :mod:`scriptgen.modes`)."""

from __future__ import annotations

from importlib import metadata
from typing import Protocol, runtime_checkable

from ..errors import ScriptgenError
from ..model import ExecBlock
from .plan import CalibrationPlan, PlanOptions

ENTRY_POINT_GROUP = "scriptgen.modes"


class UnknownMode(ScriptgenError):
    """The user named a mode nobody registered."""


@runtime_checkable
class ObservingMode(Protocol):
    name: str
    description: str
    priority: int

    def matches(self, eb: ExecBlock) -> bool: ...

    def plan(self, eb: ExecBlock, options: PlanOptions) -> CalibrationPlan: ...


_MODES: dict[str, ObservingMode] = {}
_entry_points_loaded = False


def register(mode):
    """Register a mode class (instantiated without arguments) or instance.

    Usable as a class decorator. A second registration under the same name
    replaces the first, so a plugin can override a built-in mode
    deliberately.
    """
    instance = mode() if isinstance(mode, type) else mode
    if not isinstance(instance, ObservingMode):
        raise TypeError(f"{mode!r} is not an observing mode (needs name, description, priority, matches, plan)")
    _MODES[instance.name] = instance
    return mode


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        loaded = entry.load()
        if loaded is not None and (isinstance(loaded, type) or isinstance(loaded, ObservingMode)):
            register(loaded)


def available() -> dict[str, ObservingMode]:
    _load_entry_points()
    return dict(sorted(_MODES.items()))


def get(name: str) -> ObservingMode:
    modes = available()
    if name not in modes:
        raise UnknownMode(f"unknown observing mode {name!r} (known: {', '.join(modes)})")
    return modes[name]


def select(eb: ExecBlock, name: str | None = None) -> ObservingMode:
    """The named mode, or the highest-priority mode that accepts ``eb``."""
    if name:
        return get(name)
    candidates = [m for m in available().values() if m.matches(eb)]
    if not candidates:
        raise UnknownMode(f"no observing mode accepts {eb.uid}")
    return max(candidates, key=lambda m: (m.priority, m.name))
