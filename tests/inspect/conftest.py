"""Fixtures of the inspector tests: cached inspections and MS surgery.

The synthetic EBs themselves are the shared session fixtures of
``tests/conftest.py``; here they are inspected once per session, and
:func:`edit_table` lets a test break a *copy* (``copy_ms``) the way real
data is broken.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from scriptgen import casa_env
from scriptgen.inspect import inspect_ms
from scriptgen.model import ExecBlock


@pytest.fixture(scope="session")
def inspected() -> Callable[[str | Path], ExecBlock]:
    """inspect_ms with a per-session cache (the shared EBs never change)."""
    cache: dict[str, ExecBlock] = {}

    def _inspect(ms: str | Path) -> ExecBlock:
        key = str(Path(ms).absolute())
        if key not in cache:
            cache[key] = inspect_ms(ms)
        return cache[key]

    return _inspect


@contextmanager
def edit_table(path: Path) -> Iterator[Any]:
    """A writable casatools table, for breaking copies of test MSs."""
    tb = casa_env.casatools().table()
    tb.open(str(path), nomodify=False)
    try:
        yield tb
    finally:
        tb.flush()
        tb.close()


@pytest.fixture
def standard_copy(standard_eb, copy_ms) -> Path:
    """A private copy of the standard synthetic EB, free to break."""
    return copy_ms(standard_eb.ms_path)
