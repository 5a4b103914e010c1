"""The committed examples are exactly what ``python examples/regenerate.py`` writes today.

A change to a template, a heuristic or the generator's version changes the
scripts; this test then fails and says which files differ, and running the
regeneration command (no CASA needed) brings the examples up to date.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load_regenerate():
    spec = importlib.util.spec_from_file_location("examples_regenerate", EXAMPLES / "regenerate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_committed_examples_are_up_to_date(tmp_path):
    regenerate = load_regenerate()
    regenerate.regenerate(EXAMPLES, tmp_path)
    stale, missing = [], []
    for name in regenerate.EXAMPLES:
        fresh = {p.name: p.read_bytes() for p in (tmp_path / name).iterdir()}
        committed = {p.name: p.read_bytes() for p in (EXAMPLES / name).iterdir() if p.is_file()}
        missing += [f"{name}/{f}" for f in sorted(set(fresh) - set(committed))]
        stale += [f"{name}/{f}" for f in sorted(fresh) if f in committed and fresh[f] != committed[f]]
    assert not missing and not stale, (
        f"examples out of date (stale: {stale}, missing: {missing}); run: python examples/regenerate.py"
    )


def test_every_example_has_its_scripts():
    for name, expected in {
        "single_eb": {"scriptForPI.py", "uid___A002_Xsyn_X1.ms.scriptForCalibration.py"},
        "two_eb_goal": {
            "scriptForPI.py",
            "scriptForFluxCalibration.py",
            "uid___A002_Xsyn_X10.ms.scriptForCalibration.py",
            "uid___A002_Xsyn_X11.ms.scriptForCalibration.py",
        },
    }.items():
        present = {p.name for p in (EXAMPLES / name).iterdir()}
        assert expected <= present
        assert "scriptForFluxCalibration.py" in present if name == "two_eb_goal" else "scriptForFluxCalibration.py" not in present
