"""The registry of observing modes (see :mod:`scriptgen.modes`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from importlib import metadata
from typing import Protocol, runtime_checkable

from ..errors import ScriptgenError
from ..heuristics.ebkind import MODE_OF_KIND, Classification, classify
from ..model import ExecBlock
from .plan import CalibrationPlan, Decision, PlanOptions

ENTRY_POINT_GROUP = "scriptgen.modes"


class UnknownMode(ScriptgenError):
    """The user named a mode nobody registered."""


class RefusedKind(ScriptgenError):
    """The EB is of a kind no registered mode handles (see :mod:`..heuristics.ebkind`)."""


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


@dataclass(frozen=True)
class Preflight:
    """What generation will do with one EB, said before anything is written.

    ``mode`` is the mode that will plan the EB (None when refused);
    ``forced`` when the user named it; ``risks`` the classification's risks
    plus, for a forced mode, the risk of forcing it; ``refusal`` the one
    line saying why no script is written.
    """

    uid: str
    classification: Classification
    mode: str | None
    forced: bool
    risks: tuple[str, ...]
    refusal: str | None

    def lines(self) -> list[str]:
        """The preflight report of this EB, for the terminal."""
        c = self.classification
        how = "forced with --mode" if self.forced else "chosen for this kind"
        verdict = f"mode {self.mode} ({how})" if self.mode else "REFUSED"
        lines = [f"preflight {self.uid}: {c.kind.value}; {verdict}"]
        lines.extend(f"  why: {r}" for r in c.reasons)
        lines.extend(f"  risk: {r}" for r in self.risks)
        if self.refusal:
            lines.append(f"  refused: {self.refusal}")
        return lines

    def header_lines(self) -> tuple[tuple[int, str], ...]:
        """The same report for the script header, as (indent level, text)."""
        c = self.classification
        how = "forced with --mode" if self.forced else "chosen for this kind"
        out = [(0, f"Preflight: {c.kind.value} EB; mode {self.mode!r} {how}.")]
        out.extend((1, r) for r in c.reasons)
        out.extend((1, f"RISK: {r}") for r in self.risks)
        return tuple(out)

    def to_json(self) -> dict:
        return {
            "classification": self.classification.to_json(),
            "mode": self.mode,
            "forced": self.forced,
            "risks": list(self.risks),
            "refusal": self.refusal,
        }


def _claimed(eb: ExecBlock, classification: Classification) -> ObservingMode | None:
    """A registered mode declaring this kind in its ``kinds`` (a plugin may handle what is refused here)."""
    claims = [
        m
        for m in available().values()
        if classification.kind.value in getattr(m, "kinds", ()) and m.matches(eb)
    ]
    return max(claims, key=lambda m: (m.priority, m.name)) if claims else None


def _automatic(eb: ExecBlock, classification: Classification) -> tuple[str | None, str | None]:
    """(mode name, refusal) for an EB without a forced mode."""
    claimed = _claimed(eb, classification)
    if claimed is not None:
        return claimed.name, None
    if classification.refusal:
        return None, classification.refusal
    modes = available()
    wanted = classification.mode
    if wanted not in modes:
        return None, (
            f"{classification.kind.value} EB ({'; '.join(classification.reasons)}): "
            f"needs the {wanted} mode, which is not installed"
        )
    base = modes[wanted]
    # A specialised mode of higher priority that accepts the EB takes over
    # (modes registered by plugins, see the package docstring); modes that
    # the classification assigns to a kind only ever take that kind.
    assigned = {m for m in MODE_OF_KIND.values() if m}
    better = [
        m for m in modes.values() if m.name not in assigned and m.priority > base.priority and m.matches(eb)
    ]
    if better:
        return max(better, key=lambda m: (m.priority, m.name)).name, None
    if not base.matches(eb):
        return None, f"the {wanted} mode does not accept {eb.uid} ({'; '.join(classification.reasons)})"
    return wanted, None


def preflight(eb: ExecBlock, name: str | None = None) -> Preflight:
    """Classify ``eb`` and decide its mode (``name`` forces one)."""
    classification = classify(eb)
    risks = classification.risks
    if name:
        get(name)  # an unknown name is an error, not a refusal
        if classification.mode != name:
            expected = classification.mode or "none"
            why = classification.refusal or f"the {expected} mode is meant for it"
            risks = (
                f"mode {name!r} forced on a {classification.kind.value} EB ({why}): "
                "check every step before trusting the result",
            ) + risks
        return Preflight(eb.uid, classification, name, True, risks, None)
    mode, refusal = _automatic(eb, classification)
    return Preflight(eb.uid, classification, mode, False, risks, refusal)


def select(eb: ExecBlock, name: str | None = None) -> ObservingMode:
    """The named mode, or the mode for ``eb``'s kind; refuses kinds no mode handles."""
    check = preflight(eb, name)
    if check.refusal:
        raise RefusedKind(check.refusal)
    return get(check.mode)


def plan(eb: ExecBlock, options: PlanOptions, name: str | None = None) -> CalibrationPlan:
    """The mode's plan, its header and decisions carrying the preflight report."""
    check = preflight(eb, name)
    if check.refusal:
        raise RefusedKind(check.refusal)
    the_plan = get(check.mode).plan(eb, options)
    decisions = tuple(Decision("risk", r) for r in check.risks) + the_plan.decisions
    return replace(the_plan, header=the_plan.header + check.header_lines(), decisions=decisions)
