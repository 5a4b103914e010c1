"""SNR-aware choices of an EB's bandpass and gain solves (issue 12 item 1)."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest

from scriptgen import snapshot
from scriptgen.heuristics import calibration as cal
from scriptgen.heuristics import calibration_snr as csnr
from scriptgen.heuristics import solution_snr as snr
from scriptgen.heuristics.calibrator_fluxes import parse
from scriptgen.model import CatalogueFluxEntry, Intent
from scriptgen.modes import PlanOptions
from scriptgen.render import make_environment
from scriptgen.scripts import calibration

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "single_eb"
CATALOGUE = (EXAMPLE / "calibrator_fluxes.csv").read_text()


@pytest.fixture(scope="module")
def eb():
    """The standard synthetic EB (band 3, 10 x 12 m, four 2 GHz windows, Tsys 70 K)."""
    return snapshot.load(EXAMPLE / "uid___A002_Xsyn_X1.ms.snapshot.json")


def _catalogue(extra: str = ""):
    return parse(CATALOGUE + extra, fmt="csv")


def _plan(eb, catalogue):
    models = cal.flux_models(eb, catalogue)
    return csnr.solution_snr_plan(
        eb, cal.bandpass_field(eb), cal.gain_calibrators(eb), catalogue, models
    )


WEAK_PHASE = "Jsyn_phase,0.01,-0.5,97.5,,weak\n"
STRONG_ALL = "Jsyn_phase,0.8,-0.5,97.5,,\nJsyn_bandpass,2.5,-0.6,97.5,,\n"


# --- strong calibrators: today's plan ------------------------------------------


def test_strong_calibrators_keep_the_standard_plan(eb):
    plan = _plan(eb, _catalogue(STRONG_ALL))
    assert plan.presolve.solint == "int"
    assert (plan.bandpass.channels, plan.bandpass.fillgaps) == (1, 0)
    assert (plan.phase_int.solint, plan.phase_int.combine) == ("int", False)
    assert (plan.phase_inf.solint, plan.phase_inf.combine) == ("inf", False)
    assert not plan.combined and plan.combination.spwmap == ()
    assert not plan.minsnr.explicit and plan.minsnr.value == snr.CASA_MINSNR
    phase = plan.prediction(2)
    assert phase.per_integration_window > snr.INT_PHASE_SNR_TARGET
    assert phase.per_scan_window > snr.PHASE_SNR_TARGET
    assert "meets" in plan.phase_int.reason and "meets" in plan.presolve.reason


def test_the_standard_eb_renders_the_same_script_as_without_snr_planning(eb):
    """The example's script (committed, checked by tests/examples) has no
    trace of window combination: strong calibrators change nothing."""
    script = calibration.render(
        eb,
        make_environment(),
        options=PlanOptions(calibrator_fluxes=_catalogue(STRONG_ALL)),
    )
    assert script == calibration.render(
        eb, make_environment(), options=PlanOptions(calibrator_fluxes=_catalogue())
    )
    assert (
        'combine="spw"' not in script
        and "spw_phase_table" not in script
        and "minsnr" not in script
    )


# --- a weak phase calibrator -------------------------------------------------


def test_a_weak_phase_calibrator_combines_windows_with_offsets_and_minsnr(eb):
    plan = _plan(eb, _catalogue(WEAK_PHASE))
    phase = plan.prediction(2)
    assert phase.per_integration_window < snr.CASA_MINSNR
    assert phase.per_integration_combined == pytest.approx(
        2 * phase.per_integration_window
    )
    assert plan.phase_int.combine and plan.phase_int.solint.endswith("s")
    assert plan.phase_int.predicted_snr >= snr.INT_PHASE_SNR_TARGET
    assert plan.phase_inf.combine and "one window alone gives" in plan.phase_inf.reason
    assert plan.combined and plan.combination.spwmap == (0, 0, 0, 0)
    assert "hifa_spwphaseup" in plan.combination.reason
    assert plan.minsnr.explicit and "minsnr 3" in plan.minsnr.reason
    assert "amplitude per scan and window on field 2 ('Jsyn_phase')" in plan.amplitude
    assert "above minsnr" in plan.amplitude
    # The bandpass calibrator is untouched by the phase calibrator's weakness.
    assert plan.presolve.solint == "int"


def test_a_weak_phase_calibrator_script_solves_offsets_and_maps_windows(eb):
    options = PlanOptions(calibrator_fluxes=_catalogue(WEAK_PHASE))
    the_plan = calibration.plan(eb, options)
    assert the_plan.variables["spw_phase_table"].endswith(".split.spw_phase")
    assert the_plan.variables["spw_phase_table"] in the_plan.delivered
    script = calibration.render_plan(the_plan, make_environment())
    ast.parse(script)
    assert script.count('combine="spw"') == 2
    assert "caltable=spw_phase_table" in script and 'combine="scan"' in script
    assert "spwmap=[[], [], [0, 0, 0, 0]]" in script
    assert "spwmap=[[], [], [0, 0, 0, 0], []]" in script
    assert (
        "gaintable=[bandpass_table, spw_phase_table, phase_inf_table, flux_inf_table]"
        in script
    )
    assert "hifa_spwphaseup" in script


def test_an_amplitude_solve_below_minsnr_is_said(eb):
    hopeless = _setup(flux_jy=0.002)
    assert "BELOW minsnr" in csnr.amplitude_note(eb, hopeless)
    assert "not predicted" in csnr.amplitude_note(
        eb, csnr.CalibratorSetup(0, None, "no flux")
    )


def test_an_unknown_phase_calibrator_flux_keeps_the_standard_plan_and_says_so(eb):
    plan = _plan(eb, _catalogue())
    assert not plan.combined
    assert (
        "not predicted (flux unknown)" in plan.phase_int.reason
        and "'Jsyn_phase'" in plan.phase_int.reason
    )


# --- the pieces ----------------------------------------------------------------


def test_calibrator_flux_comes_from_model_then_catalogue_then_the_eb(eb):
    catalogue = _catalogue(WEAK_PHASE)
    models = cal.flux_models(eb, catalogue)
    flux, where = csnr.calibrator_flux_jy(eb, 1, catalogue, models)
    assert where == "the flux model of this script" and flux == pytest.approx(
        1.2, rel=0.05
    )
    flux, where = csnr.calibrator_flux_jy(eb, 2, catalogue, models)
    assert where == "the calibrator-flux file" and flux == pytest.approx(0.01, rel=0.05)
    recorded = replace(
        eb, calibrator_fluxes=(CatalogueFluxEntry("Jsyn_phase", 100e9, 0.3),)
    )
    flux, where = csnr.calibrator_flux_jy(recorded, 2, None, ())
    assert "ASDM_SOURCE" in where and flux == pytest.approx(0.3, rel=0.05)
    assert csnr.calibrator_flux_jy(eb, 2, None, ()) == (
        None,
        "no catalogue flux for field 2 ('Jsyn_phase')",
    )


def test_setup_without_tsys_takes_the_bands_typical_value_and_says_so(eb):
    c = csnr.calibrator_setup(replace(eb, tsys=()), 2, Intent.PHASE, 0.5, "test")
    assert c.setup.tsys_k == 75.0 and "typical band 3 value" in c.reason
    assert csnr.calibrator_setup(eb, 2, Intent.PHASE, None, "no flux").setup is None
    assert (
        csnr.calibrator_setup(eb, 2, Intent.BANDPASS, 0.5).setup is None
    )  # no such scans


def _setup(**kw):
    base = dict(flux_jy=1.0, tsys_k=80.0, window_bandwidth_hz=2e9, n_windows=4, integration_s=2.0,
                scan_s=60.0, n_antennas=10, dish_diameter_m=12.0)  # fmt: skip
    base.update(kw)
    return csnr.CalibratorSetup(0, snr.Setup(**base), "test")


def test_presolve_lengthens_solint_only_when_one_integration_is_too_noisy():
    assert csnr.presolve_solint(_setup()).solint == "int"
    weak = _setup(flux_jy=0.05, tsys_k=400.0)
    choice = csnr.presolve_solint(weak)
    assert choice.solint != "int" and "misses" in choice.reason
    t = 60.0 if choice.solint == "inf" else float(choice.solint[:-1])
    s = weak.setup
    assert (
        s.snr(s.window_bandwidth_hz, t) >= snr.INT_PHASE_SNR_TARGET
        or choice.solint == "inf"
    )
    unknown = csnr.CalibratorSetup(0, None, "no flux")
    assert csnr.presolve_solint(unknown).solint == "int"


def test_bandpass_averaging_and_fillgaps_follow_the_predicted_channel_snr(eb):
    bp = csnr.calibrator_setup(eb, 0, Intent.BANDPASS, 2.5, "test")
    strong = csnr.bandpass_averaging(eb, bp)
    assert (strong.channels, strong.fillgaps) == (1, 0)
    assert csnr.bandpass_solint_with_snr("inf", strong)[0] == "inf"
    # Between hifa_bandpass minbpsnr 20 and bpsnr 50 per channel: full resolution kept.
    middling = csnr.bandpass_averaging(
        eb, replace(bp, setup=replace(bp.setup, flux_jy=0.4))
    )
    assert snr.MIN_BANDPASS_SNR <= middling.predicted_snr < snr.BANDPASS_SNR_TARGET
    assert (middling.channels, middling.fillgaps) == (1, 0)
    faint = replace(bp, setup=replace(bp.setup, flux_jy=0.05))
    weak = csnr.bandpass_averaging(eb, faint)
    assert weak.channels > 1 and weak.channels <= 64 // 8
    assert csnr.bandpass_solint_with_snr("inf", weak)[0] == f"inf,{weak.channels}ch"
    # A wider smoothing already chosen for the window shape is kept.
    assert csnr.bandpass_solint_with_snr("inf,16ch", weak)[0] == "inf,16ch"
    hopeless = csnr.bandpass_averaging(
        eb, replace(bp, setup=replace(bp.setup, flux_jy=0.005))
    )
    assert (
        hopeless.fillgaps == csnr.FILLGAPS_CHANNELS
        and "minbpsnr" in hopeless.fillgaps_reason
    )


def test_window_combination_only_when_a_solve_combines():
    alone = csnr.PhaseSolve("int", False, 50.0, "")
    together = csnr.PhaseSolve("inf", True, 10.0, "")
    assert csnr.window_combination(4, alone, alone) == csnr.WindowCombination(
        False, (), "each window solved on its own: no phase-offset table needed"
    )
    both = csnr.window_combination(3, alone, together)
    assert both.combine and both.spwmap == (0, 0, 0)
    assert (
        csnr.minsnr_choice(both).explicit
        and not csnr.minsnr_choice(csnr.window_combination(3, alone)).explicit
    )
