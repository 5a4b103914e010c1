"""The imaging script defines every helper it calls, in each of its forms.

There is no imaging example in examples/ (imaging needs a calibrated MS),
so the forms are rendered here: plain, with channel-chunkable cubes (an
explicit LSRK grid), and with self-calibration.
"""

from __future__ import annotations

import dataclasses

import pytest

from scriptgen.heuristics import selfcal as sc
from scriptgen.heuristics.imaging_plan import plan_imaging
from scriptgen.render import make_environment
from scriptgen.scripts import imaging as script
from tests.heuristics.test_selfcal import _inputs
from tests.support.ebfactory import tdm_fdm_eb
from tests.support.pyscript import undefined_calls


def _plans():
    eb = tdm_fdm_eb()
    inputs = _inputs(0.25)
    plain = plan_imaging(eb, inputs)
    gridded = plan_imaging(eb, dataclasses.replace(inputs, lsrk_over_topo={"NGC_3256": 1.0000123}))
    return {
        "plain": plain,
        "chunkable cubes": gridded,
        "self-calibration": sc.plan_selfcal(eb, plain, {"NGC_3256": 0.25}),
    }


@pytest.mark.parametrize("form", ["plain", "chunkable cubes", "self-calibration"])
def test_imaging_script_defines_what_it_calls(form):
    plan = _plans()[form]
    source = script.render(plan, make_environment())
    if form == "chunkable cubes":
        assert script.chunkable_cubes(plan) and "def make_cube(" in source
    assert undefined_calls(source) == set()
