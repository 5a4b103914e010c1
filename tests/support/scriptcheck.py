"""Checks every emitted script must pass, shared by the fluxcal and scriptforpi tests."""

from __future__ import annotations

import ast
import inspect

from scriptgen import casa_env
from scriptgen.render import format_python

#: A field name written to break out of a string literal or a comment.
HOSTILE = "x'); import os; os.system('touch PWNED'); ('\nimport os #"


def casatasks_calls(source: str) -> list[tuple[str, ast.Call]]:
    """Calls of names imported from casatasks, with their call nodes."""
    tree = ast.parse(source)
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "casatasks":
            imported.update(alias.asname or alias.name for alias in node.names)
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in imported:
            calls.append((node.func.id, node))
    return calls


def assert_valid_casatasks_keywords(source: str) -> set[str]:
    """Every casatasks call uses only keywords the installed task accepts.

    Returns the names of the tasks called, so tests can check the set.
    """
    casatasks = casa_env.casatasks()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "casatasks":
            for alias in node.names:
                assert hasattr(casatasks, alias.name), f"casatasks has no {alias.name}"
    called = set()
    for name, call in casatasks_calls(source):
        task = getattr(casatasks, name)
        if name == "casalog":
            continue
        accepted = set(inspect.signature(task).parameters)
        used = {kw.arg for kw in call.keywords}
        assert None not in used, f"{name} called with **kwargs"
        assert not call.args, f"{name} called with positional arguments"
        assert used <= accepted, f"{name} does not accept {sorted(used - accepted)}"
        called.add(name)
    return called


def assert_black_formatted(source: str) -> None:
    assert format_python(source) == source


def string_constants(source: str) -> set[str]:
    return {
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def called_names(source: str) -> set[str]:
    """Names of every function or method called anywhere in the script."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                names.add(node.func.id)
            elif isinstance(node.func, ast.Attribute):
                names.add(node.func.attr)
    return names
