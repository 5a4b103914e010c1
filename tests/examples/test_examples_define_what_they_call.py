"""Every emitted example defines (or imports) each function it calls.

The shared runtime (scripts/runtime.py) is copied into a script helper by
helper, only those it calls; a step that starts calling another helper
without its builder copying it would fail only when that step runs in
CASA. This finds it without CASA.
"""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCRIPTS = sorted(p for p in EXAMPLES.glob("*/*.py"))


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_called_name_is_defined(path):
    tree = ast.parse(path.read_text())
    defined = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
            defined.update(a.arg for a in node.args.args + node.args.kwonlyargs) if isinstance(node, ast.FunctionDef) else None
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert called - defined == set()
    assert {"announce", "select_steps", "remove_outputs"} <= defined
