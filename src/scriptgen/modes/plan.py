"""What an observing mode hands to the renderer: an ordered list of steps.

A plan is data only. Each :class:`Step` names the template part that
presents it and carries the decisions that part prints, so a template never
decides anything; a step the mode skips keeps its number and title (scripts
of different EBs stay comparable) and says why instead of doing anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..model import ExecBlock
from ..naming import CalTables

#: The template presenting a skipped step.
SKIPPED_TEMPLATE = "calibration/steps/skipped.py.j2"


def frozen_mapping(values: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(values or {}))


@dataclass(frozen=True)
class Step:
    """One numbered step of the emitted script.

    ``context`` holds the decisions the part presents (values go through
    ``| py``); ``notes`` are explanatory comment lines scriptgen composed
    (metadata inside them already written as reprs); ``skipped`` is the
    reason when the step does nothing for this EB.
    """

    key: str
    title: str
    template: str
    context: Mapping[str, Any] = field(default_factory=frozen_mapping)
    notes: tuple[str, ...] = ()
    skipped: str | None = None

    @property
    def part(self) -> str:
        return SKIPPED_TEMPLATE if self.skipped else self.template


@dataclass(frozen=True)
class Decision:
    """A decision worth telling the user at generation (printed by the CLI)."""

    topic: str
    text: str


@dataclass(frozen=True)
class PlanOptions:
    """Inputs of a generation beyond the EB itself.

    ``calibrator_fluxes`` maps case-folded source names to catalogue entries
    (:mod:`scriptgen.heuristics.calibrator_fluxes`); ``casa_version`` is the
    CASA the script was generated against, for its header.
    """

    calibrator_fluxes: Mapping[str, Any] | None = None
    casa_version: str | None = None
    #: Antenna positions given to scriptgen (``--antpos``): EB uid ->
    #: :class:`scriptgen.heuristics.antenna_positions.AntposFile`. An EB
    #: without one fetches them when its script runs.
    antenna_positions: Mapping[str, Any] | None = None
    #: Write a marked 1 Jy placeholder for a quasar flux calibrator with no
    #: known flux instead of refusing (``generate --allow-placeholder``).
    allow_placeholder: bool = False


@dataclass(frozen=True)
class CalibrationPlan:
    eb: ExecBlock
    mode: str
    tables: CalTables
    steps: tuple[Step, ...]
    #: Header comment lines as (indent level, text).
    header: tuple[tuple[int, str], ...]
    decisions: tuple[Decision, ...]
    #: Global names the script defines before any step (name -> value).
    variables: Mapping[str, Any] = field(default_factory=frozen_mapping)
    #: What scriptForPI needs from the delivery's ``calibration/`` folder to
    #: re-apply this calibration without solving (``applyonly``), and so what
    #: the package delivers. The mode owns it: a mode that solves tables of
    #: its own adds them. Empty means the shared ``tables.delivered``.
    delivered: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.delivered:
            object.__setattr__(self, "delivered", self.tables.delivered)

    @property
    def step_titles(self) -> dict[int, str]:
        return {n: s.title for n, s in enumerate(self.steps)}

    def step_number(self, key: str) -> int:
        for n, step in enumerate(self.steps):
            if step.key == key:
                return n
        raise KeyError(key)

    @property
    def skipped(self) -> tuple[tuple[int, Step], ...]:
        return tuple((n, s) for n, s in enumerate(self.steps) if s.skipped)
