"""Injected faults: validated at construction, placed where the truth says."""

from __future__ import annotations

import numpy as np
import pytest

from scriptgen.errors import ScriptgenError
from scriptgen.synthetic import SyntheticConfig
from scriptgen.synthetic import faults

START = 5217188400.0


def test_no_faults_by_default():
    cfg = SyntheticConfig()
    assert not faults.tsys_fault_active(cfg) and not faults.phase_jump_active(cfg)
    assert faults.faults_truth(cfg, ["A"] * 10, [], [], START, START + 340) == []
    assert not faults.phase_jump_deg(cfg, 10, np.arange(5.0)).any()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"tsys_fault_antenna": 0}, "tsys_fault_antenna"),
        ({"tsys_fault_antenna": 10}, "tsys_fault_antenna"),
        ({"phase_jump_antenna": 0}, "phase_jump_antenna"),
        ({"tsys_fault_antenna": 2, "tsys_fault_spw": 4}, "tsys_fault_spw"),
        (
            {
                "tsys_fault_antenna": 2,
                "tsys_fault_start_s": 100,
                "tsys_fault_stop_s": 50,
            },
            "tsys_fault_start_s",
        ),
        ({"tsys_fault_antenna": 2, "tsys_fault_factor": 0}, "tsys_fault_factor"),
        ({"phase_jump_antenna": 2, "phase_jump_s": -1}, "phase_jump_s"),
    ],
)
def test_bad_fault_settings_are_refused(kwargs, message):
    with pytest.raises(ScriptgenError, match=message):
        SyntheticConfig(**kwargs)


def test_tsys_fault_hits_one_antenna_one_baseband_in_its_time_range():
    cfg = SyntheticConfig(
        tsys_fault_antenna=3,
        tsys_fault_spw=1,
        tsys_fault_start_s=150,
        tsys_fault_stop_s=250,
    )
    bb = faults.tsys_fault_baseband(cfg, [1, 2, 3, 4])
    assert bb == 2
    ants = np.array([3, 3, 3, 4])
    times = START + np.array([100.0, 160.0, 260.0, 160.0])
    m = faults.tsys_multiplier(cfg, 2, bb, ants, times, START)
    assert list(m) == [1.0, 5.0, 1.0, 1.0]
    assert faults.tsys_multiplier(cfg, 1, bb, ants, times, START).tolist() == [1.0] * 4
    # A baseline with the faulty antenna: noise up, raw amplitude down by sqrt(5).
    row = faults.row_tsys_factor(
        cfg, 2, bb, np.array([3]), np.array([5]), START + np.array([200.0]), START
    )
    assert row[0] == pytest.approx(np.sqrt(5))


def test_phase_jump_is_a_step_on_one_antenna():
    cfg = SyntheticConfig(
        phase_jump_antenna=6, phase_jump_deg=120.0, phase_jump_s=265.0
    )
    steps = faults.phase_jump_deg(cfg, 10, np.array([0.0, 264.0, 265.0, 300.0]))
    assert steps[6].tolist() == [0.0, 0.0, 120.0, 120.0]
    assert not np.delete(steps, 6, axis=0).any()


def test_faults_survive_a_json_round_trip():
    cfg = SyntheticConfig(tsys_fault_antenna=3, phase_jump_antenna=6, phase_jump_s=10.0)
    assert SyntheticConfig.from_json(cfg.to_json()) == cfg


def test_a_weak_phase_calibrator_is_planned_with_its_flux():
    from scriptgen.synthetic.layout import plan

    weak = plan(SyntheticConfig(phase_cal_flux_jy=0.02))
    assert weak.fields_with_role("phase")[0].flux_jy == 0.02
    assert plan(SyntheticConfig()).fields_with_role("phase")[0].flux_jy == 0.8
    with pytest.raises(ScriptgenError, match="phase_cal_flux_jy"):
        SyntheticConfig(phase_cal_flux_jy=0)
