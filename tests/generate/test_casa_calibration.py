"""The generated calibration script, run in CASA on synthetic EBs.

Wall times of each generation and CASA run are printed (``pytest -s``)
and attached to the test report as properties.
"""

from __future__ import annotations

import ast
import shutil
import time

import pytest

from scriptgen import naming
from scriptgen.generate import GenerateOptions, generate
from scriptgen.inspect import inspect_ms
from scriptgen.runner import run_script

from tests.support.measure import mean_real_per_spw, phase_scatter

pytestmark = pytest.mark.casa

#: Issue 3: target within 5 %, phase calibrator within 3 % of the truth.
TARGET_TOLERANCE = 0.05
PHASE_TOLERANCE = 0.03


def _generate(ms, truth, out_dir, timings, label):
    start = time.perf_counter()
    eb = inspect_ms(ms)
    # A solar-system flux calibrator needs no catalogue (CASA models it), and
    # a header-only file is refused as a mistake: pass one only for quasars.
    catalogue = truth.calibrator_catalogue()
    fluxes = None
    if len(catalogue.splitlines()) > 1:
        fluxes = out_dir / "calibrator_fluxes.csv"
        fluxes.write_text(catalogue)
    result = generate([eb], GenerateOptions(out_dir=out_dir, calibrator_fluxes=fluxes))
    seconds = time.perf_counter() - start
    timings.append((f"generation ({label}, inspect + render)", seconds))
    print(f"\n[timing] generation {label}: {seconds:.2f} s (render {result.seconds:.2f} s)")
    return eb, out_dir / naming.calibration_script(naming.ms_name(eb.uid))


def _run(script, cwd, timings, label, **kwargs):
    run = run_script(script, cwd, timeout=1200, **kwargs)
    timings.append((f"CASA run ({label})", run.seconds))
    print(f"[timing] CASA run {label}: {run.seconds:.1f} s")
    assert run.ok, run.tail(60)
    return run


def _recovered(truth, split_cal, field_id):
    """Measured / true flux per science window of one field."""
    measured = mean_real_per_spw(split_cal, field_id)
    order = sorted(truth.science_spws)
    fld = truth.field(field_id)
    return {order[s]: measured[s] / fld.spw_flux_jy[order[s]] for s in measured}


def _check_fluxes(truth, split_cal):
    ratios = {}
    for fld in truth.target_fields:
        ratios[fld.name] = r = _recovered(truth, split_cal, fld.field_id)
        assert r and all(abs(x - 1) < TARGET_TOLERANCE for x in r.values()), f"target {fld.name}: {r}"
    for fld in truth.fields_with_role("phase"):
        ratios[fld.name] = r = _recovered(truth, split_cal, fld.field_id)
        assert r and all(abs(x - 1) < PHASE_TOLERANCE for x in r.values()), f"phase cal {fld.name}: {r}"
    print("[fluxes] measured/true per science spw:", {k: {s: round(x, 4) for s, x in v.items()} for k, v in ratios.items()})
    return ratios


@pytest.fixture(scope="module")
def timings():
    collected = []
    yield collected
    print("\n[timing summary]")
    for label, seconds in collected:
        print(f"  {label}: {seconds:.1f} s")


@pytest.fixture(scope="module")
def calibrated_standard(standard_eb, standard_calibrated, timings):
    """standard_eb calibrated by its generated script, every step: the
    session's shared run (tests/conftest.py), also read by tests/scripts/script_for_pi."""
    run = standard_calibrated
    timings.append(("CASA run (standard_eb, all steps)", run["seconds"]))
    return standard_eb, run["eb"], run["work"], run["script"], run["run"]


def test_all_steps_recover_target_and_phase_calibrator_fluxes(calibrated_standard):
    truth, eb, work, script, proc = calibrated_standard
    tables = naming.CalTables(naming.ms_name(eb.uid))
    assert "Step 15: Split out corrected column" in proc.output
    for name in (tables.tsys, tables.wvr, tables.bandpass, tables.phase_inf, tables.flux_inf, tables.fluxscale_results):
        assert (work / name).exists(), name
    _check_fluxes(truth, work / tables.split_cal)


def test_review_of_a_fault_free_eb_proposes_nothing(calibrated_standard):
    """No false alarms: standard_eb has no injected fault (issue 12)."""
    from scriptgen.review.report import proposed_template, review_eb, write_review

    truth, eb, work, _, _ = calibrated_standard
    ms = naming.ms_name(eb.uid)
    review = review_eb(work, ms)
    write_review(work, review)
    print("[review] fault-free findings:", [(f.kind, f.antenna, f.spw, f.value) for f in review.findings])
    assert truth.faults == []
    tables = naming.CalTables(ms)
    assert {tables.tsys, tables.bandpass, tables.phase_inf} <= set(review.read)
    assert review.proposals == ()
    assert not [f for f in review.findings if f.kind in ("tsys", "phase_jump", "wvr")]
    assert review.suggestions == ()
    assert not (work / proposed_template(ms)).exists()
    # WVR kept without a bad radiometer, fluxscale within the catalogue's
    # tolerance, the reference antenna present throughout: no script change.
    print("[review] fault-free WVR:", review.wvr["reason"])
    print("[review] fault-free fluxscale/catalogue:", [(c["field"], c["spw"], c["ratio"]) for c in review.fluxscale_checks])
    assert review.wvr["apply"] and review.wvr["bad_antennas"] == () and review.wvr["action"] == ""
    assert review.fluxscale_checks and all(c["ok"] for c in review.fluxscale_checks)
    assert review.refant["missing"] == {}
    assert review.script_edits == () and review.script_diff == ""
    assert not [f for f in review.findings if f.kind in ("refant", "fluxscale")]


def test_fluxscale_results_are_saved_as_json(calibrated_standard):
    import json

    truth, eb, work, _, _ = calibrated_standard
    results = json.loads((work / naming.CalTables(naming.ms_name(eb.uid)).fluxscale_results).read_text())
    (phase,) = truth.field_ids("phase")
    fluxes = [results[str(phase)][str(s)]["fluxd"][0] for s in range(len(truth.science_spws))]
    true = [truth.field(phase).spw_flux_jy[s] for s in sorted(truth.science_spws)]
    assert all(abs(f / t - 1) < PHASE_TOLERANCE for f, t in zip(fluxes, true))


def test_the_phase_calibrator_is_not_self_calibrated(calibrated_standard, tmp_path, timings):
    """The phase calibrator's calibrated phases carry the phase-transfer error.

    The script gives the phase calibrator the scan-averaged phases its
    targets get (issue 8), so within each scan its phases keep the
    atmospheric wander that linear interpolation between scans misses: their
    scatter exceeds the thermal scatter measured from the same data. The
    same data calibrated with the calibrator's own per-integration phases
    (the old choice) scatter less, and no more than thermal noise. If the
    script still self-calibrated the phase calibrator, the two would be equal.
    """
    from scriptgen import casa_env

    truth, eb, work, _, _ = calibrated_standard
    tables = naming.CalTables(naming.ms_name(eb.uid))
    (phase,) = truth.field_ids("phase")
    transfer, thermal, n = phase_scatter(work / tables.split, phase)

    selfcal_ms = tmp_path / "selfcal.ms"
    shutil.copytree(work / tables.split, selfcal_ms)
    start = time.perf_counter()
    casa_env.casatasks().applycal(
        vis=str(selfcal_ms),
        field=str(phase),
        gaintable=[str(work / t) for t in (tables.bandpass, tables.phase_int, tables.flux_inf)],
        gainfield=["", str(phase), str(phase)],
        interp=["linear,linear", "linear", "linear"],
        calwt=True,
        flagbackup=False,
    )
    timings.append(("applycal with per-integration phases (phase calibrator)", time.perf_counter() - start))
    selfcal, selfcal_thermal, _ = phase_scatter(selfcal_ms, phase)
    excess = (transfer**2 - thermal**2) ** 0.5 if transfer > thermal else 0.0
    print(
        f"[phase calibrator] phase RMS with phase transfer {transfer:.3f} deg, self-calibrated "
        f"{selfcal:.3f} deg, thermal {thermal:.3f} deg (self-cal data {selfcal_thermal:.3f}), "
        f"excess over thermal {excess:.3f} deg, {n} samples"
    )
    # The sample variance of n phases is known to sqrt(2/n): with ~10^4
    # samples, 5 % in variance is many standard errors.
    assert transfer**2 > 1.05 * thermal**2
    assert selfcal**2 < 1.02 * selfcal_thermal**2
    assert transfer > 1.03 * selfcal


def test_applyonly_reapplies_the_delivered_tables(calibrated_standard, tmp_path, timings):
    """What scriptForPI relies on: raw MS + delivered tables -> the same calibrated data."""
    truth, eb, work, script, _ = calibrated_standard
    tables = naming.CalTables(naming.ms_name(eb.uid))
    shutil.copytree(truth.ms_path, tmp_path / tables.ms)
    for name in tables.delivered:
        source = work / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        elif source.exists():
            shutil.copy(source, tmp_path / name)
    shutil.copy(script, tmp_path / script.name)
    proc = _run(tmp_path / script.name, tmp_path, timings, "standard_eb, applyonly", applyonly=True)
    assert "applyonly: using the delivered" in proc.output
    assert not (tmp_path / tables.ampli_inf).exists()  # nothing was re-solved
    import numpy as np

    for fld in truth.fields:
        a = mean_real_per_spw(work / tables.split_cal, fld.field_id)
        b = mean_real_per_spw(tmp_path / tables.split_cal, fld.field_id)
        assert a.keys() == b.keys()
        assert np.allclose(list(a.values()), list(b.values()), rtol=1e-5), fld.name


def test_mysteps_runs_some_steps_then_the_rest_then_reruns(standard_eb, copy_ms, tmp_path, timings):
    ms = copy_ms(standard_eb.ms_path)
    eb, script = _generate(ms, standard_eb, tmp_path, timings, "standard_eb (mysteps)")
    tables = naming.CalTables(naming.ms_name(eb.uid))
    titles = ast.literal_eval(script.read_text().split("step_title = ", 1)[1].split("\n}\n", 1)[0] + "\n}")
    split_step = next(n for n, t in titles.items() if t == "Split out science SPWs")
    last = max(titles)

    _run(script, tmp_path, timings, f"mysteps 0-{split_step}", mysteps=range(split_step + 1))
    assert (tmp_path / tables.split).is_dir()
    assert not (tmp_path / tables.bandpass).exists()

    _run(script, tmp_path, timings, f"mysteps {split_step + 1}-{last}", mysteps=range(split_step + 1, last + 1))
    _check_fluxes(standard_eb, tmp_path / tables.split_cal)

    gains = next(n for n, t in titles.items() if t == "Gain calibration")
    _run(script, tmp_path, timings, f"rerun mysteps {gains}-{last}", mysteps=range(gains, last + 1))
    _check_fluxes(standard_eb, tmp_path / tables.split_cal)


def test_tdm_tsys_fdm_science_maps_each_window_to_its_baseband_and_runs(tdm_fdm_eb, copy_ms, tmp_path, timings):
    ms = copy_ms(tdm_fdm_eb.ms_path)
    eb, script = _generate(ms, tdm_fdm_eb, tmp_path, timings, "tdm_fdm_eb")
    source = script.read_text()
    spwmap = ast.literal_eval(source.split("tsys_spwmap = ", 1)[1].split("\n", 1)[0])
    baseband = {s.spw_id: s.baseband for s in tdm_fdm_eb.spws}
    kind = {s.spw_id: s.kind for s in tdm_fdm_eb.spws}
    for spw in tdm_fdm_eb.science_spws:
        assert spwmap[spw] == tdm_fdm_eb.tsys_map[spw]
        assert baseband[spwmap[spw]] == baseband[spw] and spwmap[spw] != spw
        assert spwmap[spw] in tdm_fdm_eb.tsys_spws and "TDM" in str(kind[spwmap[spw]]).upper()
    _run(script, tmp_path, timings, "tdm_fdm_eb, all steps")
    _check_fluxes(tdm_fdm_eb, tmp_path / naming.CalTables(naming.ms_name(eb.uid)).split_cal)


def test_7m_mosaic_with_a_solar_system_flux_calibrator(mosaic_7m_eb, copy_ms, tmp_path, timings):
    """No WVR on 7 m; Ceres through Butler-JPL-Horizons 2012; three mosaic pointings."""
    ms = copy_ms(mosaic_7m_eb.ms_path)
    eb, script = _generate(ms, mosaic_7m_eb, tmp_path, timings, "mosaic_7m_eb")
    source = script.read_text()
    assert "Skipped: no 12 m antenna" in source and "wvrgcal(" not in source
    assert 'standard="Butler-JPL-Horizons 2012"' in source
    proc = _run(script, tmp_path, timings, "mosaic_7m_eb, all steps")
    assert "Step 15" in proc.output
    split_cal = tmp_path / naming.CalTables(naming.ms_name(eb.uid)).split_cal
    ratios = {}
    for fld in mosaic_7m_eb.fields_with_role("phase"):
        ratios[fld.name] = r = _recovered(mosaic_7m_eb, split_cal, fld.field_id)
        assert r and all(abs(x - 1) < PHASE_TOLERANCE for x in r.values()), f"phase cal {fld.name}: {r}"
    for fld in mosaic_7m_eb.target_fields:
        assert mean_real_per_spw(split_cal, fld.field_id), f"pointing {fld.name} has no calibrated data"
    print("[fluxes] mosaic_7m_eb measured/true:", ratios)
