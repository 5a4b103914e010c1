"""The review's WVR, reference-antenna and fluxscale decisions, and its
script diff (pure functions and text; no CASA)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from scriptgen.heuristics.review import wrap_deg
from scriptgen.heuristics.review_combine import combine_spw_advice
from scriptgen.heuristics.review_fluxscale import flux_accuracy, fluxscale_check
from scriptgen.heuristics.review_refant import RefantUse, refant_continuity
from scriptgen.heuristics.review_wvr import (
    WvrComparison,
    phases_without_wvr,
    scan_rms_deg,
    wvr_decision,
)
from scriptgen.review import script_edits

EXAMPLE = Path(__file__).parents[2] / "examples" / "single_eb" / "uid___A002_Xsyn_X1.ms.scriptForCalibration.py"
ANTENNAS = tuple(f"DA{41 + a}" for a in range(10))


def _comparison(rng, *, bad=None, wvr_noise_deg=0.0, common_extra_deg=0.0, n_scan=3, n_sol=20):
    """Phases [ant, spw, sol] with 5 deg thermal noise; the 'without' set has
    the same noise (WVR adds nothing), the 'with' set adds WVR noise on
    ``bad`` and/or on every antenna."""
    shape = (len(ANTENNAS), 2, n_scan * n_sol)
    base = rng.normal(0, 5.0, shape) + rng.uniform(-180, 180, (len(ANTENNAS), 2, 1))
    with_wvr = base.copy()
    if bad is not None:
        with_wvr[bad] += rng.normal(0, wvr_noise_deg, shape[1:])
    if common_extra_deg:
        with_wvr += rng.normal(0, common_extra_deg, shape)
    with_wvr[0] = 0.0  # the reference antenna
    base[0] = 0.0
    scan = np.repeat(np.arange(n_scan), n_sol)
    return WvrComparison("Jsyn_phase", ANTENNAS, wrap_deg(with_wvr), wrap_deg(base), scan)


def test_a_noisy_radiometer_is_named_and_wvr_kept():
    decision = wvr_decision([_comparison(np.random.default_rng(1), bad=5, wvr_noise_deg=15.0)])
    assert decision.bad_antennas == ("DA46",)
    assert decision.apply
    assert "wvrflag=['DA46']" in decision.action
    assert decision.rms_with_deg[5] > 2 * decision.rms_without_deg[5]
    assert "hifa_wvrgcalflag" in decision.reason


def test_wvr_that_adds_nothing_is_kept_silently():
    """A fault-free EB: no bad radiometer, no action (no false alarm)."""
    for seed in range(5):
        decision = wvr_decision([_comparison(np.random.default_rng(seed))])
        assert decision.bad_antennas == () and decision.apply and decision.action == ""
        assert abs(decision.improvement - 1) < 1e-9


def test_wvr_that_harms_every_antenna_is_rejected():
    decision = wvr_decision([_comparison(np.random.default_rng(2), common_extra_deg=5.0)])
    assert not decision.apply
    assert decision.bad_antennas == ()
    assert decision.improvement < 0.95
    assert decision.action.startswith("reject WVR")


def test_no_comparison_no_decision():
    assert wvr_decision([]) is None


def test_phases_without_wvr_undo_the_correction_and_rereference():
    rng = np.random.default_rng(3)
    g = rng.uniform(-180, 180, (4, 2, 6))  # true gains
    w = rng.uniform(-180, 180, (4, 2, 6))  # WVR correction
    refant = np.array([0, 0, 1, 1, 0, 2])
    idx = np.arange(6)
    with_wvr = wrap_deg((g - w) - (g - w)[refant, :, idx].T[None])
    expected = wrap_deg(g - g[refant, :, idx].T[None])
    got = phases_without_wvr(with_wvr, w, refant)
    assert np.allclose(wrap_deg(got - expected), 0, atol=1e-9)


def test_scan_rms_is_about_each_scans_mean_and_wraps():
    phase = np.zeros((1, 1, 8))
    phase[0, 0, :4] = [179, -179, 179, -179]  # +-1 deg about 180
    phase[0, 0, 4:] = [10, 12, 10, 12]  # +-1 deg about 11
    rms = scan_rms_deg(phase, np.array([0, 0, 0, 0, 1, 1, 1, 1]))
    assert rms[0] == pytest.approx(1.0, abs=1e-6)


def _use(table, present, used=None):
    present = np.asarray(present, bool)
    times = np.arange(present.shape[1]) * 60.0
    return RefantUse(table, ("DA41", "DA42", "DA43"), times, np.zeros(times.size, int) if used is None else np.asarray(used), present)


def test_a_continuous_reference_antenna_is_fine():
    review = refant_continuity([_use("phase_inf", np.ones((3, 4)))], ("DA41", "DA42"))
    assert review.missing == {} and review.proposed_refant == ""


def test_a_reference_antenna_flagged_in_part_of_a_table_is_replaced():
    present = np.ones((3, 4))
    present[0, 2:] = False  # DA41 flagged in the last two solutions
    present[1, 0] = False  # DA42 flagged once: not steady either
    review = refant_continuity([_use("phase_inf", present, used=[0, 0, 2, 2])], ("DA41", "DA42", "DA43"))
    assert review.missing == {"phase_inf": (120.0, 180.0)}
    assert review.proposed_refant == "DA43,DA41,DA42"
    assert "hif_refant" in review.reason and "2 of 4" in review.reason


def test_fluxscale_tolerance_is_stated_and_band_dependent():
    assert flux_accuracy(100e9) == 0.05 and flux_accuracy(345e9) == 0.10 and flux_accuracy(650e9) == 0.20
    ok = fluxscale_check("Jsyn_phase", 0, 100e9, 0.52, 0.5, 0.025)
    assert ok.ok and ok.ratio == pytest.approx(1.04)
    assert ok.tolerance == pytest.approx(2 * np.hypot(0.05, 0.05), abs=1e-4)
    bad = fluxscale_check("Jsyn_phase", 1, 100e9, 0.60, 0.5, 0.025)
    assert not bad.ok and "ratio 1.200" in bad.reason and "Technical Handbook" in bad.reason


def _black_clean(text: str) -> bool:
    import black

    return black.format_str(text, mode=black.Mode()) == text


@pytest.mark.skipif(shutil.which("patch") is None, reason="needs the patch tool")
def test_script_diff_applies_with_patch_and_stays_valid_python(tmp_path):
    """Every script-level proposal at once: the diff patch applies, and the
    result compiles, is black-formatted and carries the changes."""
    name = EXAMPLE.name
    old = EXAMPLE.read_text()
    new = script_edits.add_wvrflag(old, ("DA46",), "radiometer of DA46 noisy")
    new = script_edits.reject_wvr(new, "WVR harms the phases")
    new = script_edits.change_refant(new, "DA48,DA42,DA47", "DA42 flagged in part of phase_inf")
    new = script_edits.combine_spw_for_phase_inf(new, 4, "Jsyn_phase too weak per window")
    assert script_edits.current_refant(new) == ("DA48", "DA42", "DA47")
    diff = script_edits.unified_diff(name, old, new)
    (tmp_path / name).write_text(old)
    (tmp_path / "review.diff").write_text(diff)
    proc = subprocess.run(["patch", "-p0", "-i", "review.diff"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    patched = (tmp_path / name).read_text()
    assert patched == new
    compile(patched, name, "exec")
    assert _black_clean(patched)
    assert 'wvrflag=["DA46"],' in patched
    assert "apriori_tables.append(wvr_table)\n" not in patched.replace("# (was: apriori_tables.append(wvr_table))\n", "")
    assert 'refant = "DA48,DA42,DA47"' in patched
    solve = patched[patched.index("caltable=phase_inf_table,") :]
    assert solve[: solve.index(")")].rstrip().endswith('combine="spw",')
    # The phase calibrator and its targets take window 0's combined phases;
    # the calibrators with their own phase_int are not touched.
    assert patched.count("spwmap=[[], [0, 0, 0, 0], []],") == 1
    assert patched.count("spwmap=") == old.count("spwmap=") + 1


def test_windows_are_combined_only_for_a_weak_phase_calibrator():
    assert not combine_spw_advice("Jsyn_phase", {0: 0.0, 1: 0.1, 2: 0.0, 3: 0.0}).combine
    assert not combine_spw_advice("Jsyn_phase", {0: 0.9}).combine  # nothing to combine with
    advice = combine_spw_advice("Jsyn_phase", {0: 0.5, 1: 0.1, 2: 0.0, 3: 0.0})
    assert advice.combine and "spw 0 50 %" in advice.reason and "hifa_spwphaseup" in advice.reason


def test_wvrflag_merges_with_one_already_there():
    once = script_edits.add_wvrflag(EXAMPLE.read_text(), ("DA46",), "first")
    twice = script_edits.add_wvrflag(once, ("DA44",), "second")
    assert 'wvrflag=["DA46", "DA44"],' in twice and twice.count("wvrflag=") == 1
    compile(twice, "x.py", "exec")


def test_an_edit_whose_anchor_is_gone_is_not_made():
    assert script_edits.add_wvrflag("print(1)\n", ("DA46",), "x") is None
    assert script_edits.reject_wvr("print(1)\n", "x") is None
    assert script_edits.change_refant("print(1)\n", "DA41", "x") is None
    assert script_edits.combine_spw_for_phase_inf("print(1)\n", 4, "x") is None
