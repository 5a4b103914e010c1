"""The analyst's loop in CASA: faults injected, found by review, fixed by
accepting its proposals and rerunning from the analyst-flags step.

One faulty EB is built and calibrated once for the module (about 4 minutes
on a shared 2-core machine: build, full run, review, rerun from the
analyst-flags step); figures are printed (``pytest -s``). Accepting the
review means both of its outputs: the proposed flag template, and the
script diff (applied with ``patch``) for what flags cannot express.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import replace

import pytest

from scriptgen import naming
from scriptgen.generate import GenerateOptions, generate
from scriptgen.inspect import inspect_ms
from scriptgen.review.report import (
    proposed_diff,
    proposed_template,
    review_eb,
    write_review,
)
from scriptgen.runner import run_script

from tests.support.measure import mean_real_per_spw
from tests.support.measure import phase_scatter_deg

pytestmark = pytest.mark.casa

#: Bad Tsys on antenna 3 in the second window's baseband from 150 s (the
#: target's Tsys scan) to the end; a 120 deg phase jump on antenna 6 in the
#: middle of the second target scan (250-310 s); a radiometer adding 1 K rms
#: of noise on antenna 5.
FAULTS = dict(
    tsys_fault_antenna=3,
    tsys_fault_spw=1,
    tsys_fault_factor=5.0,
    tsys_fault_start_s=150.0,
    phase_jump_antenna=6,
    phase_jump_deg=120.0,
    phase_jump_s=265.0,
    wvr_noise_antenna=5,
    wvr_noise_k=1.0,
)


def _ratios(truth, split_cal, field_id):
    measured = mean_real_per_spw(split_cal, field_id)
    order = sorted(truth.science_spws)
    return {
        order[s]: measured[s] / truth.field(field_id).spw_flux_jy[order[s]]
        for s in measured
    }


def _measure(truth, split_cal):
    (target,) = truth.field_ids("target")
    (phase,) = truth.field_ids("phase")
    order = sorted(truth.science_spws)
    scatter = phase_scatter_deg(split_cal, phase)
    target_scatter = phase_scatter_deg(split_cal, target)
    return {
        "target_flux_ratio": _ratios(truth, split_cal, target),
        "phase_cal_phase_scatter_deg": {order[s]: v for s, v in scatter.items()},
        "target_phase_scatter_deg": {order[s]: v for s, v in target_scatter.items()},
    }


@pytest.fixture(scope="module")
def fault_loop(tmp_path_factory):
    from scriptgen.synthetic import SyntheticConfig, build_execblock

    times = {}
    work = tmp_path_factory.mktemp("review_fault")
    cfg = SyntheticConfig(
        uid="uid___A002_Xsyn_X40", seed=40, note="review fault EB", **FAULTS
    )
    start = time.perf_counter()
    raw = build_execblock(tmp_path_factory.mktemp("review_raw") / f"{cfg.uid}.ms", cfg)
    times["build"] = time.perf_counter() - start
    ms = work / raw.ms_path.name
    shutil.copytree(raw.ms_path, ms)
    truth = replace(raw, ms=str(ms))
    eb = inspect_ms(ms)
    fluxes = work / "calibrator_fluxes.csv"
    fluxes.write_text(truth.calibrator_catalogue())
    generate([eb], GenerateOptions(out_dir=work, calibrator_fluxes=fluxes))
    script = work / naming.calibration_script(ms.name)
    run = run_script(script, work, timeout=1200)
    assert run.ok, run.tail(60)
    times["calibration, all steps"] = run.seconds
    tables = naming.CalTables(ms.name)
    before = _measure(truth, work / tables.split_cal)
    start = time.perf_counter()
    first = review_eb(work, ms.name)
    write_review(work, first)
    times["review"] = time.perf_counter() - start
    # Accepting the proposals: the proposed file becomes the flag template,
    # and the script diff is applied as an analyst would, with patch.
    shutil.copy(work / proposed_template(ms.name), work / tables.flag_template)
    patch = subprocess.run(
        ["patch", "-p0", "-i", proposed_diff(ms.name)],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert patch.returncode == 0, patch.stdout + patch.stderr
    compile(script.read_text(), script.name, "exec")
    step = next(
        n for n, line in enumerate(_titles(script)) if "analyst's flags" in line
    )
    rerun = run_script(
        script, work, mysteps=list(range(step, len(_titles(script)))), timeout=1200
    )
    assert rerun.ok, rerun.tail(60)
    times["rerun from the analyst-flags step"] = rerun.seconds
    after = _measure(truth, work / tables.split_cal)
    second = review_eb(work, ms.name)
    print(
        f"\n[review] findings: {[(f.kind, f.antenna, f.spw, f.start_mjd_s, f.stop_mjd_s) for f in first.findings]}"
    )
    print(f"[review] truth faults: {truth.faults}")
    print(f"[review] first diff:\n{first.script_diff}")
    for label, r in (("before", first), ("after", second)):
        print(
            f"[review] WVR {label}: improvement {r.wvr.get('improvement')}, "
            f"bad {r.wvr.get('bad_antennas')}, rms with/without (deg): "
            + ", ".join(
                f"{a} {w:.2f}/{o:.2f}"
                for a, w, o in zip(
                    r.wvr["antennas"], r.wvr["rms_with_deg"], r.wvr["rms_without_deg"]
                )
            )
        )
        print(
            f"[review] fluxscale/catalogue {label}: "
            + ", ".join(
                f"{c['field']} spw {c['spw']} {c['ratio']:.3f}" for c in r.fluxscale_checks
            )
        )
    print(f"[review] before: {before}")
    print(f"[review] after:  {after}")
    print(f"[timing] {times}")
    return truth, first, second, before, after, rerun, raw, work, script


def _titles(script):
    import ast

    tree = ast.parse(script.read_text())
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and getattr(node.targets[0], "id", "") == "step_title"
        ):
            titles = ast.literal_eval(node.value)
            return [titles[k] for k in sorted(titles)]
    raise AssertionError("no step_title in the script")


def test_review_names_the_bad_tsys_antenna_window_and_time(fault_loop):
    truth, first, *_ = fault_loop
    (fault,) = [f for f in truth.faults if f["kind"] == "tsys"]
    found = [f for f in first.findings if f.kind == "tsys"]
    assert [f.antenna for f in found] == [fault["antenna"]]
    assert set(found[0].spw.split(",")) == {str(s) for s in fault["science_spws"]}
    # From the start of the first bad Tsys measurement to the end of the EB.
    assert abs(found[0].start_mjd_s - fault["start_mjd_s"]) < 1.0
    assert abs(found[0].stop_mjd_s - truth.end_mjd_s) < 5.0


def test_review_names_the_phase_jump_antenna_and_time(fault_loop):
    truth, first, *_ = fault_loop
    (fault,) = [f for f in truth.faults if f["kind"] == "phase_jump"]
    found = [f for f in first.findings if f.kind == "phase_jump"]
    assert [f.antenna for f in found] == [fault["antenna"]]
    assert found[0].start_mjd_s < fault["time_mjd_s"] < found[0].stop_mjd_s
    # No wider than the gap between two phase-calibrator scans (90 s here).
    assert found[0].stop_mjd_s - found[0].start_mjd_s < 100.0


def test_proposals_are_flag_template_lines_with_reasons(fault_loop):
    _, first, *_ = fault_loop
    assert len(first.proposals) == 2
    for p in first.proposals:
        line = p.line()
        assert (
            line.startswith("mode='manual' antenna=")
            and "timerange=" in line
            and "reason='review: " in line
        )


def test_accepting_the_proposals_improves_target_flux_and_phase_scatter(fault_loop):
    truth, _, second, before, after, *_ = fault_loop
    # The analyst-flags step applied the accepted template.
    versions = second.flagged[truth.ms_path.name]
    assert versions["AnalystFlags"] > versions["Apriori"]
    (fault,) = [f for f in truth.faults if f["kind"] == "tsys"]
    (spw,) = fault["science_spws"]
    # Every window of the phase calibrator: the noisy radiometer's phase
    # noise went with wvrflag.
    for s, value in after["phase_cal_phase_scatter_deg"].items():
        assert value < before["phase_cal_phase_scatter_deg"][s], s
    err = {
        k: {s: abs(r - 1) for s, r in d["target_flux_ratio"].items()}
        for k, d in (("before", before), ("after", after))
    }
    # The bad-Tsys window: its target flux was off by far more than 5 %.
    assert err["before"][spw] > 0.05 and err["after"][spw] < 0.05
    assert max(err["after"].values()) < max(err["before"].values())
    assert all(e < 0.05 for e in err["after"].values())
    # The noisy (bad-Tsys) antenna no longer widens the phase calibrator's
    # phases in its window; the phase jump no longer decorrelates the
    # target in any window.
    assert (
        after["phase_cal_phase_scatter_deg"][spw]
        < before["phase_cal_phase_scatter_deg"][spw]
    )
    for s, value in after["target_phase_scatter_deg"].items():
        assert value < before["target_phase_scatter_deg"][s], s
    # Accepted lines are not proposed again, nor the accepted script change.
    assert second.proposals == ()
    assert second.script_diff == ""


def test_scriptforpi_replays_the_accepted_flags(fault_loop, tmp_path):
    """The delivery (raw MS + delivered tables, now with the flag template)
    rerun with applyonly, as scriptForPI does: the same flags and data."""
    import numpy as np

    truth, *_, raw, work, script = fault_loop
    tables = naming.CalTables(truth.ms_path.name)
    shutil.copytree(raw.ms_path, tmp_path / tables.ms)
    for name in tables.delivered:
        source = work / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        elif source.exists():
            shutil.copy(source, tmp_path / name)
    assert (tmp_path / tables.flag_template).exists()
    shutil.copy(script, tmp_path / script.name)
    run = run_script(tmp_path / script.name, tmp_path, applyonly=True, timeout=1200)
    assert run.ok, run.tail(60)
    print(f"[timing] applyonly replay: {run.seconds:.1f} s")
    for fld in truth.fields:
        a = mean_real_per_spw(work / tables.split_cal, fld.field_id)
        b = mean_real_per_spw(tmp_path / tables.split_cal, fld.field_id)
        assert a.keys() == b.keys()
        assert np.allclose(list(a.values()), list(b.values()), rtol=1e-5), fld.name
    mine, replayed = _flags(work / tables.split_cal), _flags(
        tmp_path / tables.split_cal
    )
    assert mine.keys() == replayed.keys()
    for dd in mine:
        assert np.array_equal(mine[dd], replayed[dd]), dd


def _flags(ms):
    """FLAG per data description, rows in (time, antenna1, antenna2) order."""
    import numpy as np

    from scriptgen import casa_env

    tb = casa_env.casatools().table()
    tb.open(str(ms))
    try:
        out = {}
        for dd in sorted(set(int(d) for d in tb.getcol("DATA_DESC_ID"))):
            sel = tb.query(f"DATA_DESC_ID=={dd}", sortlist="TIME,ANTENNA1,ANTENNA2")
            try:
                out[dd] = np.asarray(sel.getcol("FLAG"))
            finally:
                sel.close()
    finally:
        tb.close()
    return out


def test_review_names_a_noisy_radiometer_after_the_wvr_step(fault_loop, tmp_path):
    """Only steps 0-4 (through WVR) run: the review works on part of a run
    (the fault loop's raw EB, so no second build). Without per-integration
    phases to compare it falls back on the WVR table alone."""
    truth, *_, raw, _, _ = fault_loop
    shutil.copytree(raw.ms_path, tmp_path / raw.ms_path.name)
    eb = inspect_ms(tmp_path / raw.ms_path.name)
    generate([eb], GenerateOptions(out_dir=tmp_path))
    script = tmp_path / naming.calibration_script(raw.ms_path.name)
    wvr_step = next(n for n, t in enumerate(_titles(script)) if "WVR cal table" in t)
    run = run_script(script, tmp_path, mysteps=list(range(wvr_step + 1)), timeout=1200)
    assert run.ok, run.tail(60)
    print(f"[timing] wvr EB: steps 0-{wvr_step} {run.seconds:.1f} s")
    review = review_eb(tmp_path, truth.ms_path.name)
    (fault,) = [f for f in truth.faults if f["kind"] == "wvr_noise"]
    found = [f for f in review.findings if f.kind == "wvr"]
    print(f"[review] wvr findings: {[(f.antenna, f.value) for f in found]}")
    assert [f.antenna for f in found] == [fault["antenna"]]
    assert any(f"wvrflag=['{fault['antenna']}']" in s for s in review.suggestions)
    assert review.wvr == {}
    assert review.proposals == ()


def test_review_names_the_bad_radiometer_by_comparing_phase_rms(fault_loop):
    """The hifa_wvrgcalflag comparison: the phase calibrator's phases with
    and without WVR; only the noisy radiometer's antenna is worse with it,
    WVR is kept, and the diff adds it to wvrgcal's wvrflag."""
    truth, first, *_ = fault_loop
    (fault,) = [f for f in truth.faults if f["kind"] == "wvr_noise"]
    name, a = fault["antenna"], fault["antenna_id"]
    assert first.wvr["bad_antennas"] == (name,)
    assert first.wvr["apply"]
    assert [f.antenna for f in first.findings if f.kind == "wvr"] == [name]
    assert any(f"wvrflag=['{name}']" in s for s in first.suggestions)
    assert f'+            wvrflag=["{name}"],' in first.script_diff
    with_wvr, without = first.wvr["rms_with_deg"], first.wvr["rms_without_deg"]
    assert with_wvr[a] > 2 * without[a]
    others = [w / o for i, (w, o) in enumerate(zip(with_wvr, without)) if i != a and o > 0]
    assert all(abs(r - 1) < 0.2 for r in others)


def test_accepting_the_wvr_proposal_improves_the_bad_antennas_phases(fault_loop):
    truth, first, second, *_ = fault_loop
    (fault,) = [f for f in truth.faults if f["kind"] == "wvr_noise"]
    a = fault["antenna_id"]
    before, after = first.wvr["rms_with_deg"][a], second.wvr["rms_with_deg"][a]
    # Its correction is now interpolated from its neighbours: its phases are
    # as good as without WVR, and nothing is proposed any more.
    assert after < 0.5 * before
    assert after < 1.2 * second.wvr["rms_without_deg"][a]
    assert second.wvr["bad_antennas"] == () and second.wvr["apply"]


def test_fluxscale_agrees_with_the_catalogue_and_the_reference_is_continuous(fault_loop):
    _, first, second, *_ = fault_loop
    for review in (first, second):
        assert review.fluxscale_checks
        assert {c["field"] for c in review.fluxscale_checks} == {"Jsyn_bandpass", "Jsyn_phase"}
        assert all(c["ok"] for c in review.fluxscale_checks)
        assert review.refant["missing"] == {}
        assert not [f for f in review.findings if f.kind in ("refant", "fluxscale")]


def test_a_reference_antenna_flagged_in_part_of_the_gains_is_replaced(
    fault_loop, tmp_path
):
    """The first reference antenna flagged in the second half of the EB and
    the per-scan phases solved again as the script does: CASA moves to the
    next antenna of the list there (recorded in the table's ANTENNA2); the
    review names it and proposes, as a diff that patch applies, an antenna
    present in every solution."""
    from scriptgen import casa_env
    from scriptgen.heuristics.review import casa_time
    from scriptgen.review.script_edits import current_refant

    truth, *_, work, script = fault_loop
    ms = truth.ms_path.name
    tables = naming.CalTables(ms)
    for name in (tables.split, tables.bandpass):
        shutil.copytree(work / name, tmp_path / name)
    shutil.copy(script, tmp_path / script.name)
    refants = current_refant(script.read_text())
    start = time.perf_counter()
    tasks = casa_env.casatasks()
    mid = (truth.start_mjd_s + truth.end_mjd_s) / 2
    split = str(tmp_path / tables.split)
    tasks.flagdata(
        vis=split,
        mode="manual",
        antenna=refants[0],
        timerange=f"{casa_time(mid)}~{casa_time(truth.end_mjd_s + 60)}",
        flagbackup=False,
    )
    calibrators = [
        str(f) for role in ("bandpass", "flux", "phase") for f in truth.field_ids(role)
    ]
    tasks.gaincal(
        vis=split,
        caltable=str(tmp_path / tables.phase_inf),
        field=",".join(calibrators),
        solint="inf",
        refant=",".join(refants),
        calmode="p",
        gaintable=[str(tmp_path / tables.bandpass)],
    )
    review = review_eb(tmp_path, ms)
    write_review(tmp_path, review)
    print(f"[timing] refant check (flagdata, gaincal, review): {time.perf_counter() - start:.1f} s")
    print(f"[review] refant: {review.refant}")
    (found,) = [f for f in review.findings if f.kind == "refant"]
    assert found.antenna == refants[0]
    assert set(review.refant["missing"]) == {tables.phase_inf}
    assert found.start_mjd_s >= mid - 60
    proposed = review.refant["proposed_refant"].split(",")
    assert proposed[0] != refants[0] and set(proposed) == set(refants)
    patch = subprocess.run(
        ["patch", "-p0", "-i", proposed_diff(ms)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert patch.returncode == 0, patch.stdout + patch.stderr
    patched = (tmp_path / script.name).read_text()
    compile(patched, script.name, "exec")
    assert current_refant(patched) == tuple(proposed)
