"""Every emitted example defines (or imports) each function it calls.

The shared runtime (scripts/runtime.py) is copied into a script helper by
helper, only those it calls; a step that starts calling another helper
without its builder copying it would fail only when that step runs in
CASA. This finds it without CASA.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.pyscript import undefined_calls

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCRIPTS = sorted(p for p in EXAMPLES.glob("*/*.py"))


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_called_name_is_defined(path):
    assert undefined_calls(path.read_text()) == set()
    tree = ast.parse(path.read_text())
    defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert {"announce", "select_steps", "remove_outputs"} <= defined
