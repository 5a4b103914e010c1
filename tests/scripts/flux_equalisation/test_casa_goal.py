"""CASA runs on the synthetic two-EB science goal.

The second EB's flux calibrator is 10 % too bright (``flux_cal_scale_error
= 1.10``), so its fluxscale puts the phase calibrator and the target 10 %
low. After both calibration scripts and scriptForFluxCalibration.py, the
two EBs' target fluxes must agree within 2 %. The same analyst run then
feeds a delivery-shaped folder in which scriptForPI.py must rebuild the
analyst's calibrated data (see ``tests/scripts/script_for_pi``).

One analyst run (the ``analyst_goal`` fixture, once per session) serves
every test here and the scriptForPI test: CASA time on the
shared 2-core machine is the scarce resource.
"""

from __future__ import annotations

import numpy as np
import pytest

from scriptgen import naming

from tests.support.casarun import TIMINGS
from tests.support.measure import mean_real

pytestmark = pytest.mark.casa


def ratio(fluxes: dict[str, dict[int, float]], names: list[str]) -> np.ndarray:
    """Second EB / first EB target flux, per window."""
    first, second = (fluxes[n] for n in names)
    return np.array([second[spw] / first[spw] for spw in sorted(first)])


def test_the_goal_gets_a_flux_script(analyst_goal):
    assert (analyst_goal["work"] / naming.FLUX_SCRIPT).exists()


def test_before_equalisation_the_second_eb_is_off_by_its_flux_calibrator_error(analyst_goal):
    r = ratio(analyst_goal["before"], analyst_goal["names"])
    print("target flux ratio before equalisation", r, TIMINGS)
    assert np.all(np.abs(r - 1 / 1.10) < 0.03)


def test_after_equalisation_the_target_fluxes_agree_within_two_percent(analyst_goal):
    r = ratio(analyst_goal["after"], analyst_goal["names"])
    print("target flux ratio after equalisation", r, analyst_goal["after"])
    assert np.all(np.abs(r - 1) < 0.02)


def test_the_csv_records_each_eb_and_the_average(analyst_goal):
    import csv

    with open(analyst_goal["work"] / naming.FLUX_CSV, newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = analyst_goal["names"]
    assert sorted({r["ms"] for r in rows}) == sorted(names)
    for spw in {r["spw"] for r in rows}:
        pair = [r for r in rows if r["spw"] == spw]
        assert len(pair) == 2
        assert pair[0]["average_flux_jy"] == pair[1]["average_flux_jy"]
        low, high = sorted(float(r["flux_jy"]) for r in pair)
        assert low < float(pair[0]["average_flux_jy"]) < high


def test_calibrated_ms_holds_both_ebs_equalised(analyst_goal):
    calibrated = analyst_goal["work"] / naming.CALIBRATED_MS
    assert calibrated.is_dir()
    fluxes = mean_real(calibrated, analyst_goal["target"], "DATA")
    equalised = [v for per_spw in analyst_goal["after"].values() for v in per_spw.values()]
    # concat merges windows at equal frequencies and keeps the others apart;
    # either way each window of calibrated.ms carries equalised fluxes.
    assert fluxes
    for value in fluxes.values():
        assert min(abs(value / e - 1) for e in equalised) < 0.01
