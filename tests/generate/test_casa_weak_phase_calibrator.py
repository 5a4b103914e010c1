"""A weak phase calibrator at band 7: the planner combines windows (issue 12).

The EB's phase calibrator is made faint (``phase_cal_flux_jy``) at band 7,
where Tsys is about twice band 3's: one window over one integration is
predicted below gaincal's minsnr 3. The generated script solves its phases
with ``combine='spw'`` after per-window phase offsets on the bandpass
calibrator; the test runs it and then solves the standard per-window plan's
phase_int on the same data at the same minsnr, and compares the fractions of
flagged solutions. Wall times and figures are printed (``pytest -s``).
"""

from __future__ import annotations

import shutil
import time

import numpy as np
import pytest

from scriptgen import naming
from scriptgen.generate import GenerateOptions, generate
from scriptgen.heuristics import calibration as cal
from scriptgen.heuristics import calibration_snr as csnr
from scriptgen.heuristics.calibrator_fluxes import parse
from scriptgen.inspect import inspect_ms
from scriptgen.runner import run_script

from tests.support.measure import mean_real_per_spw

pytestmark = pytest.mark.casa

#: The phase calibrator's flux: per integration and window the predicted
#: SNR is about 2 (below minsnr 3), combined over four windows about 4.
WEAK_PHASE_FLUX_JY = 0.04
#: Issue 12: target flux within 5 % of the truth.
TARGET_TOLERANCE = 0.05
#: Flagged phase-calibrator solutions: few in the planned tables, most in
#: the per-window per-integration solve the standard plan would make.
COMBINED_FLAGGED_MAX = 0.10
PER_WINDOW_FLAGGED_MIN = 0.40


@pytest.fixture(scope="module")
def weak_phase_eb(tmp_path_factory):
    from scriptgen.synthetic import SyntheticConfig, build_execblock

    cfg = SyntheticConfig(
        uid="uid___A002_Xsyn_X40",
        seed=40,
        band=7,
        phase_cal_flux_jy=WEAK_PHASE_FLUX_JY,
        note="weak phase calibrator (test_casa_weak_phase_calibrator)",
    )
    start = time.perf_counter()
    truth = build_execblock(
        tmp_path_factory.mktemp("weak_phase") / f"{cfg.uid}.ms", cfg
    )
    print(f"\n[timing] build weak_phase_eb: {time.perf_counter() - start:.1f} s")
    return truth


def _flagged_fraction(caltable, field_id: int) -> float:
    from scriptgen import casa_env

    tb = casa_env.casatools().table()
    tb.open(str(caltable))
    try:
        sub = tb.query(f"FIELD_ID=={field_id}")
        try:
            flags = sub.getcol("FLAG")
        finally:
            sub.close()
    finally:
        tb.close()
    return float(np.mean(flags))


@pytest.fixture(scope="module")
def calibrated_weak(weak_phase_eb, tmp_path_factory):
    """The weak EB calibrated by its generated script, then the standard
    plan's per-window phase solves on the same split MS at the same minsnr."""
    truth = weak_phase_eb
    work = tmp_path_factory.mktemp("weak_phase_run")
    ms = work / truth.ms_path.name
    shutil.copytree(truth.ms_path, ms)
    fluxes = work / "calibrator_fluxes.csv"
    fluxes.write_text(truth.calibrator_catalogue())
    start = time.perf_counter()
    eb = inspect_ms(ms)
    generate([eb], GenerateOptions(out_dir=work, calibrator_fluxes=fluxes))
    print(f"[timing] generation: {time.perf_counter() - start:.1f} s")
    script = work / naming.calibration_script(naming.ms_name(eb.uid))
    run = run_script(script, work, timeout=1800)
    print(f"[timing] CASA run of the calibration script: {run.seconds:.1f} s")
    assert run.ok, run.tail(60)

    tables = naming.CalTables(naming.ms_name(eb.uid))
    refant = cal.reference_antenna(eb).refant
    phase_id = truth.fields_with_role("phase")[0].field_id
    # The standard plan's solves: every window alone, from the flags
    # applycal started from (so the script's applycal does not count).
    compare = work / "per_window_phases.py"
    compare.write_text(
        "from casatasks import flagmanager, gaincal\n"
        f"flagmanager(vis={tables.split!r}, mode='restore', versionname='BeforeApplycal')\n"
        f"for caltable, solint in (('per_window.int', 'int'), ('per_window.inf', 'inf')):\n"
        f"    gaincal(vis={tables.split!r}, caltable=caltable, field={str(phase_id)!r}, solint=solint,\n"
        f"            refant={refant!r}, calmode='p', minsnr=3.0, gaintable=[{tables.bandpass!r}])\n"
    )
    other = run_script(compare, work, timeout=900)
    print(f"[timing] CASA run of the per-window comparison: {other.seconds:.1f} s")
    assert other.ok, other.tail(40)
    return truth, eb, work, script, tables, phase_id


def test_the_planner_combines_windows_for_the_weak_phase_calibrator(calibrated_weak):
    truth, eb, work, script, tables, phase_id = calibrated_weak
    catalogue = parse(truth.calibrator_catalogue(), fmt="csv")
    models = cal.flux_models(eb, catalogue)
    plan = csnr.solution_snr_plan(
        eb, cal.bandpass_field(eb), cal.gain_calibrators(eb), catalogue, models
    )
    print(
        "[snr]",
        *plan.predictions,
        plan.phase_int.reason,
        plan.phase_inf.reason,
        sep="\n  ",
    )
    weak = plan.prediction(phase_id)
    assert weak.per_integration_window < 3.0 < weak.per_integration_combined
    assert plan.combined and plan.phase_int.combine and plan.phase_inf.combine
    text = script.read_text()
    assert (
        'combine="spw"' in text and "spw_phase_table" in text and "minsnr=3.0" in text
    )
    assert (work / tables.spw_phase).exists()


def test_combined_solutions_pass_minsnr_where_per_window_ones_fail(calibrated_weak):
    truth, eb, work, script, tables, phase_id = calibrated_weak
    planned = {
        "phase_int": _flagged_fraction(work / tables.phase_int, phase_id),
        "phase_inf": _flagged_fraction(work / tables.phase_inf, phase_id),
    }
    standard = {
        "phase_int": _flagged_fraction(work / "per_window.int", phase_id),
        "phase_inf": _flagged_fraction(work / "per_window.inf", phase_id),
    }
    print(
        f"[flagged] phase calibrator solutions, planned (windows combined): {planned}"
    )
    print(
        f"[flagged] phase calibrator solutions, standard plan (per window): {standard}"
    )
    assert (
        planned["phase_int"] < COMBINED_FLAGGED_MAX
        and planned["phase_inf"] < COMBINED_FLAGGED_MAX
    )
    assert standard["phase_int"] > PER_WINDOW_FLAGGED_MIN


def test_target_flux_within_5_percent(calibrated_weak):
    truth, eb, work, script, tables, phase_id = calibrated_weak
    order = sorted(truth.science_spws)
    for fld in truth.target_fields:
        measured = mean_real_per_spw(work / tables.split_cal, fld.field_id)
        ratios = {order[s]: measured[s] / fld.spw_flux_jy[order[s]] for s in measured}
        print(
            f"[fluxes] {fld.name} measured/true per science spw:",
            {s: round(r, 4) for s, r in ratios.items()},
        )
        assert len(ratios) == len(order)
        assert all(abs(r - 1) < TARGET_TOLERANCE for r in ratios.values()), ratios
