"""Self-calibration decisions (heuristics.selfcal) and the step they render (no CASA)."""

from __future__ import annotations

import ast
import dataclasses

import numpy as np
import pytest

from scriptgen.errors import ScriptgenError
from scriptgen.heuristics import selfcal as sc
from scriptgen.heuristics.imaging_plan import ImagingInputs, plan_imaging
from scriptgen.render import make_environment
from scriptgen.scripts import imaging as script
from tests.support.ebfactory import tdm_fdm_eb

LIMITS = sc.LIMITS


def metrics(snr=100.0, rms=1e-3, beam_area=1.0, peak=None):
    return {"snr": snr, "rms": rms, "beam_area": beam_area, "peak": snr * rms if peak is None else peak}


# ---------------------------------------------------------------------------
# The ladder from the scan lengths.


def test_ladder_steps_down_from_the_whole_eb_to_one_integration():
    ladder, why = sc.solint_ladder([60.0, 60.0], 2.0, 120.0)
    names = [s.name for s in ladder]
    # 60 s / 2 s = 30 integrations: divider round(30 ** 0.25) = 2 -> 30 s, 14 s, 6 s (whole integrations).
    assert names == ["inf_EB", "inf", "30.00s", "14.00s", "6.00s", "int"]
    assert ladder[0].combine == "scan,spw" and all(s.combine == "spw" for s in ladder[1:])
    assert ladder[0].seconds == 120.0 and ladder[-1].seconds == 2.0
    assert [s.seconds for s in ladder] == sorted((s.seconds for s in ladder), reverse=True)
    assert "hif_selfcal" in why and "windows combined" in why


def test_one_scan_has_no_per_scan_interval_and_unequal_scans_neither():
    assert "inf" not in [s.name for s in sc.solint_ladder([60.0], 6.0, 60.0)[0]]
    assert "inf" not in [s.name for s in sc.solint_ladder([200.0, 30.0], 6.0, 230.0)[0]]
    assert "inf" in [s.name for s in sc.solint_ladder([200.0, 30.0], 6.0, 230.0, mosaic=True)[0]]
    # Long integrations: nothing between the scan and one integration but whole multiples.
    names = [s.name for s in sc.solint_ladder([60.0, 60.0], 6.0, 120.0)[0]]
    assert names == ["inf_EB", "inf", "30.00s", "12.00s", "int"]


def test_ladder_needs_scans():
    with pytest.raises(ValueError):
        sc.solint_ladder([], 2.0, 0.0)


# ---------------------------------------------------------------------------
# Declining a noise-limited target; cutting the ladder.


def test_solution_snr_follows_the_pipeline_formula():
    # SNR / (sqrt(N - 3) sqrt(T / solint)); sqrt(N) for the whole EB.
    assert sc.solint_snr(100.0, 12, 400.0, 100.0) == pytest.approx(100 / 3 / 2)
    assert sc.solint_snr(100.0, 16, 400.0, 400.0, whole_eb=True) == pytest.approx(25.0)


def test_noise_limited_target_is_declined_with_the_reason():
    ladder = [("inf_EB", 120.0), ("inf", 60.0), ("int", 2.0)]
    usable, why = sc.attempt_verdict(5.0, 10, 120.0, ladder, LIMITS)
    assert usable == []
    assert why.startswith("declined: noise-limited")
    assert "1.58" in why and "minsnr_to_proceed" in why  # 5 / sqrt(10)


def test_bright_target_keeps_the_intervals_it_can_solve():
    ladder = [("inf_EB", 120.0), ("inf", 60.0), ("6.00s", 6.0), ("int", 2.0)]
    # S/N 40, 10 antennas: inf_EB 12.6, inf 40/sqrt7/sqrt2 = 10.7, 6 s 3.4, int 1.95.
    usable, why = sc.attempt_verdict(40.0, 10, 120.0, ladder, LIMITS)
    assert usable == ["inf_EB", "inf", "6.00s"]
    assert "shorter intervals (int) fall below 3.0" in why
    usable, why = sc.attempt_verdict(2000.0, 10, 120.0, ladder, LIMITS)
    assert usable == ["inf_EB", "inf", "6.00s", "int"] and "all intervals tried" in why


# ---------------------------------------------------------------------------
# Keeping or reverting a round.


def test_round_kept_when_snr_improves_within_the_limits():
    keep, why = sc.round_verdict(metrics(), metrics(snr=180.0, rms=0.6e-3), 20.0, LIMITS)
    assert keep and why.startswith("kept") and "100.0 -> 180.0" in why


@pytest.mark.parametrize(
    "after, snr, words",
    [
        (metrics(snr=95.0), 20.0, "peak S/N fell"),
        (metrics(snr=120.0, beam_area=1.06), 20.0, "beam area changed 6.0%"),
        (metrics(snr=120.0, beam_area=0.94), 20.0, "beam area changed 6.0%"),
        (metrics(snr=120.0, rms=1.06e-3), 4.0, "rms rose"),
        # S/N up through a lower rms while the source is suppressed.
        (metrics(snr=120.0, rms=0.75e-3, peak=0.09), 20.0, "peak flux fell to 0.900"),
    ],
)
def test_round_reverted_when_any_gate_fails(after, snr, words):
    keep, why = sc.round_verdict(metrics(), after, snr, LIMITS)
    assert not keep and why.startswith("reverted") and words in why


def test_rms_may_rise_when_the_solutions_are_strong():
    # Pipeline RMS_change_acceptable: a rising rms is tolerated above solution S/N 5.
    keep, _ = sc.round_verdict(metrics(), metrics(snr=120.0, rms=1.06e-3), 6.0, LIMITS)
    assert keep


def test_runtime_copies_stand_alone():
    """The gates are copied into the script: no module globals, no imports beyond the standard library."""
    import inspect

    for fn in (sc.solint_snr, sc.attempt_verdict, sc.round_verdict):
        tree = ast.parse(inspect.getsource(fn))
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        module_globals = {k for k in vars(sc) if not k.startswith("__")} - {fn.__name__, "solint_snr"}
        assert not names & module_globals, (fn.__name__, names & module_globals)


# ---------------------------------------------------------------------------
# The plan and the rendered step.


def _inputs(peak=0.25):
    rng = np.random.default_rng(1)
    spectra = {s: tuple(peak + rng.normal(0, 1e-4, 960)) for s in (9, 11, 13, 15)}
    return ImagingInputs(ms="x.ms.split.cal", datacolumn="data", uv_l80_m=150.0, uv_max_m=300.0,
                         spectra={"NGC_3256": spectra})


def _selfcal_plan(peak=0.25):
    eb = tdm_fdm_eb()
    plan = plan_imaging(eb, _inputs(peak))
    return eb, plan, sc.plan_selfcal(eb, plan, {"NGC_3256": peak})


def test_plan_selfcal_switches_the_targets_to_corrected():
    _, plain, plan = _selfcal_plan()
    (target,) = plan.selfcal
    assert target.image.datacolumn == "corrected" and plan.continuum[0].datacolumn == "corrected"
    assert plan.contsub.datacolumn == "corrected"
    # Cubes from the continuum-subtracted MS keep its DATA column.
    assert {c.datacolumn for c in plan.cubes if c.vis.endswith(".contsub")} == {"data"}
    assert plain.continuum[0].datacolumn == "data" and not plain.selfcal
    assert target.spwmap == (9,) * 16 and target.apply_spw == "9,11,13,15"
    assert target.ladder[0].name == "inf_EB" and target.ladder[-1].name == "int"
    assert target.predicted_snr > 100
    assert any("self-calibration" in d and "expected solution S/N" in d for d in plan.decisions)


def test_faint_target_predicted_to_be_declined():
    _, _, plan = _selfcal_plan(peak=2e-5)
    assert "declined: noise-limited" in plan.selfcal[0].notes[3]
    assert "first image's S/N decides" in plan.selfcal[0].notes[3]


def test_selfcal_refused_on_corrected_data():
    eb = tdm_fdm_eb()
    plan = plan_imaging(eb, dataclasses.replace(_inputs(), datacolumn="corrected"))
    with pytest.raises(ScriptgenError, match="DATA column"):
        sc.plan_selfcal(eb, plan, {"NGC_3256": 0.25})


def test_rendered_step_presents_the_decisions_and_carries_the_loop():
    _, plain, plan = _selfcal_plan()
    text = script.render(plan, make_environment())
    ast.parse(text)
    assert "def self_calibrate(" in text and "def round_verdict(" in text and "def attempt_verdict(" in text
    assert "self_calibrate(" in text.split("step_title = ")[1]
    assert "Self-calibration of the targets (phase-only)" in text
    assert '"min_flux_ratio": 0.95' in text and "delta_beam_thresh" in text
    assert '"inf_EB"' in text and '"scan,spw"' in text
    assert 'datacolumn="corrected"' in text
    # Steps: self-calibration first, before the continuum images.
    titles = ast.literal_eval(text.split("step_title = ")[1].split("\n}\n")[0] + "\n}")
    assert titles[0].startswith("Self-calibration") and titles[1].startswith("Continuum images")
    # Without --selfcal nothing of it is in the script.
    plain_text = script.render(plain, make_environment())
    assert "self_calibrate" not in plain_text and 'datacolumn="corrected"' not in plain_text


def test_models_are_shallow_for_bright_targets():
    assert sc.model_nsigma(600.0, 100e9)[0] == 40.0
    assert sc.model_nsigma(600.0, 5e9)[0] == 15.0
    assert sc.model_nsigma(30.0, 100e9)[0] == 5.0
    assert sc.model_nsigma(None, 100e9)[0] == 5.0
    _, _, plan = _selfcal_plan()
    (target,) = plan.selfcal
    sigma = plan.noise["NGC_3256 continuum"].sigma_jy * 1.1
    assert float(target.image.threshold[:-2]) == pytest.approx(target.nsigma * sigma, rel=0.01)
    assert target.nsigma > 5 and float(target.image.threshold[:-2]) > float(plan.continuum[0].threshold[:-2])
