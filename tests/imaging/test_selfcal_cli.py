"""`scriptgen imaging --selfcal` as a user meets it, and the builder's target phases (no CASA)."""

from __future__ import annotations

import numpy as np
import pytest

from scriptgen.cli import main
from scriptgen.errors import ScriptgenError
from scriptgen.synthetic import SyntheticConfig
from scriptgen.synthetic import faults


def test_help_states_the_gates(capsys):
    with pytest.raises(SystemExit):
        main(["imaging", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for words in ("--selfcal", "off by default", "noise-limited", "beam area changes < 5 %", "selfcal.json"):
        assert words in out


def test_selfcal_with_several_ebs_is_refused_in_one_line(tmp_path, capsys):
    args = ["imaging", str(tmp_path / "a.ms"), str(tmp_path / "b.ms"), "--out", str(tmp_path), "--selfcal"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--selfcal images one calibrated MS" in err[0]


def test_target_phases_spare_the_reference_and_stay_within_their_bounds():
    cfg = SyntheticConfig(target_phase_error_deg=60.0, target_phase_period_s=120.0)
    times = np.arange(0.0, 600.0, 6.0)
    phases = faults.target_phase_deg(cfg, cfg.n_antennas, times)
    assert phases.shape == (cfg.n_antennas, times.size)
    assert np.all(phases[0] == 0.0)
    assert np.abs(phases).max() <= 1.5 * 60.0
    # Slowly varying: each antenna wanders by its +-30 deg sinusoid, not by noise.
    # at most amplitude x 2 pi / period x step = 30 x 2 pi / 120 x 6 = 9.42 deg per 6 s.
    assert np.abs(np.diff(phases, axis=1)).max() <= 30 * 2 * np.pi / 120 * 6 + 1e-9
    spread = np.ptp(phases[1:], axis=1)
    assert np.all((spread > 20) & (spread <= 60 + 1e-9))
    # Visibility factor: unit modulus, conjugate for the reversed baseline.
    a1, a2 = np.array([1, 2]), np.array([2, 1])
    factor = faults.target_phase_factor(cfg, cfg.n_antennas, a1, a2, np.array([30.0, 30.0]))
    assert np.allclose(np.abs(factor), 1) and np.isclose(factor[0], np.conj(factor[1]))


def test_no_target_phases_by_default_and_bad_values_refused():
    cfg = SyntheticConfig()
    assert not faults.target_phase_active(cfg)
    assert np.all(faults.target_phase_deg(cfg, 10, np.arange(5.0)) == 0)
    assert not any(f["kind"] == "target_phase" for f in faults.faults_truth(cfg, ["A"] * 10, [], [], 0.0, 1.0))
    with pytest.raises(ScriptgenError, match="target_phase_error_deg"):
        SyntheticConfig(target_phase_error_deg=200.0)
    with pytest.raises(ScriptgenError, match="target_phase_period_s"):
        SyntheticConfig(target_phase_error_deg=10.0, target_phase_period_s=0.0)
