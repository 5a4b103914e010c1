"""Data flows one way: each module imports only its own floor and those below.

The floors are the README's layer table. A module or package added to
scriptgen must be given a floor here; the test fails until it is, so a new
piece of code is placed deliberately rather than wherever it first worked.
Imports are read with :mod:`ast` (relative and absolute, at any depth in a
module, since scriptgen imports CASA-heavy modules lazily inside functions).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "scriptgen"

#: Floor of each top-level module or package of scriptgen, lowest first.
FLOORS = {
    # model: plain data and what follows from it; no CASA.
    "__init__": 0, "errors": 0, "model": 0, "derive": 0, "naming": 0, "safenames": 0,
    "spectral_response": 0, "textfiles": 0, "atomicfile": 0, "usable": 0, "snapshot_checks": 0,
    "snapshot": 0, "progress": 0,
    # CASA: offline set-up, reading MSs, building synthetic EBs.
    "casa_env": 1, "inspect": 1, "synthetic": 1,
    # decisions, and the readers that feed them.
    "heuristics": 2, "modes": 2, "qa2": 2, "delivery": 2, "imaging_inputs": 2, "ous_inputs": 2,
    # presentation and running: scripts, deliveries, reports.
    "render": 3, "scripts": 3, "package": 3, "qaplots": 3, "generate": 3, "imaging_generate": 3,
    "ous_imaging": 3, "restore_generate": 3, "review": 3, "runner": 3, "orchestrate": 3,
    # interface.
    "cli": 4, "__main__": 4,
}  # fmt: skip

#: Floors whose modules must never import CASA themselves (pure functions,
#: unit-testable without it).
CASA_FREE_FLOORS = (0, 2)
CASA_FREE_EXCEPTIONS = {"qa2", "delivery", "imaging_inputs", "ous_inputs"}  # readers of images/MSs


def _unit(module: str) -> str:
    """``heuristics.calibration`` -> ``heuristics``; the package itself -> ``__init__``."""
    return module.split(".")[0] if module else "__init__"


def _imports(path: Path) -> tuple[set[str], set[str]]:
    """(scriptgen units imported, other top-level modules imported) by one file."""
    rel = path.relative_to(SRC).with_suffix("")
    package = list(rel.parts[:-1]) if rel.name != "__init__" else list(rel.parts[:-1])
    ours, theirs = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)]
            if node.module:
                ours.add(_unit(".".join(base + [node.module])))
            else:
                ours.update(_unit(".".join(base + [alias.name])) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            top = node.module.split(".")[0]
            if top == "scriptgen":
                ours.add(_unit(node.module.partition(".")[2]))
            else:
                theirs.add(top)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top == "scriptgen":
                    ours.add(_unit(alias.name.partition(".")[2]))
                else:
                    theirs.add(top)
    return ours, theirs


FILES = sorted(SRC.rglob("*.py"))


def _own_unit(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    return rel.parts[0] if len(rel.parts) > 1 else rel.name


def test_every_module_has_a_floor():
    units = {_own_unit(p) for p in FILES}
    assert units - set(FLOORS) == set(), "give each new module or package a floor in FLOORS"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_never_run_back_up(path):
    own = _own_unit(path)
    ours, _ = _imports(path)
    upward = sorted(u for u in ours if u in FLOORS and FLOORS[u] > FLOORS[own])
    assert upward == [], f"{own} (floor {FLOORS[own]}) imports {upward} from above"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_model_and_decisions_never_import_casa(path):
    own = _own_unit(path)
    if FLOORS[own] not in CASA_FREE_FLOORS or own in CASA_FREE_EXCEPTIONS:
        return
    ours, theirs = _imports(path)
    assert not theirs & {"casatools", "casatasks", "casaconfig"}
    assert "casa_env" not in ours


def test_no_two_units_import_each_other():
    """Inside one floor too: two packages that need each other are one job split wrongly."""
    edges: dict[str, set[str]] = {}
    for path in FILES:
        ours, _ = _imports(path)
        edges.setdefault(_own_unit(path), set()).update(ours - {_own_unit(path)})
    pairs = sorted({tuple(sorted((a, b))) for a, bs in edges.items() for b in bs if a in edges.get(b, ())})
    assert pairs == []
