"""Session-wide test data: synthetic ALMA execution blocks built once.

Building an EB with casatools' simulator takes 10-20 s, so each kind is
built once per session into a temporary folder and shared. Tests that
modify a MeasurementSet (running a generated script, flagging) must work on
a copy: use the ``copy_ms`` fixture.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scriptgen import casa_env

# Configure CASA offline before any test module imports casatools.
casa_env.configure()


@pytest.fixture
def copy_ms(tmp_path):
    """Copy a MeasurementSet (and its truth file) into this test's folder."""

    def _copy(ms: str | Path, name: str | None = None) -> Path:
        ms = Path(ms)
        dest = tmp_path / (name or ms.name)
        shutil.copytree(ms, dest)
        truth = ms.with_name(ms.name + ".truth.json")
        if truth.exists():
            shutil.copy(truth, dest.with_name(dest.name + ".truth.json"))
        return dest

    return _copy
