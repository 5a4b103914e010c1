"""Static checks of emitted scripts (no CASA needed)."""

from __future__ import annotations

import ast
import builtins


def undefined_calls(source: str) -> set[str]:
    """Names the script calls that it never defines, imports or assigns.

    The shared runtime is copied into a script helper by helper; a step or
    template part that starts calling another helper without its builder
    copying it would fail only when that step runs in CASA.
    """
    tree = ast.parse(source)
    defined = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
            if isinstance(node, ast.FunctionDef):
                defined.update(a.arg for a in node.args.args + node.args.kwonlyargs)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    called |= {
        n.func.value.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name)
    }
    return called - defined
