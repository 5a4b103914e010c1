"""EBs with several phase calibrators, a check source, or two tunings, end to end in CASA.

*Two phase calibrators and a check source.*

Two targets, each bracketed by its own phase calibrator (ALMA's
multi-target scheduling), and a check source observed between scans of the
first phase calibrator. The second target's region carries a per-antenna
phase that the first region does not (``second_target`` in
docs/synthetic.md): taking the wrong calibrator's solutions would cost it
the decorrelation recorded in ``truth.multi_target["wrong_transfer_ratio"]``,
so the 5 % flux test below tells the right calibrator from the wrong one.

*A spectral scan*: two tunings, each a complete block (bandpass, flux and
phase calibrator, target) in its own two windows, one after the other.

The EBs are tiny (6 antennas, 2 windows x 16 channels, short scans); each
is built, classified, generated and calibrated once per session. Wall
times and flux ratios are printed (``pytest -s``).
"""

from __future__ import annotations

import shutil
import time

import pytest

from scriptgen import naming
from scriptgen.generate import GenerateOptions, generate
from scriptgen.heuristics import calibration as cal
from scriptgen.heuristics import ebkind
from scriptgen.inspect import inspect_ms
from scriptgen.runner import run_script

from tests.support.measure import mean_real_per_spw

pytestmark = pytest.mark.casa

FLUX_TOLERANCE = 0.05


@pytest.fixture(scope="session")
def multi_target_eb(tmp_path_factory):
    """Two targets with their own phase calibrators, a check source; 6 antennas, 2 x 16 channels."""
    from scriptgen.synthetic import SyntheticConfig, build_execblock

    cfg = SyntheticConfig(
        uid="uid___A002_Xsyn_X30", note="test_casa_multi_target", seed=30,
        n_antennas=6, n_spws=2, nchan=16, second_target=True, check_source=True,
        bandpass_scan_s=40.0, flux_scan_s=20.0, phase_scan_s=16.0, target_scan_s=30.0,
    )  # fmt: skip
    start = time.perf_counter()
    truth = build_execblock(tmp_path_factory.mktemp("multi_target") / f"{cfg.uid}.ms", cfg)
    print(f"\n[timing] build multi-target EB: {time.perf_counter() - start:.1f} s")
    return truth


@pytest.fixture(scope="session")
def calibrated_multi_target(multi_target_eb, tmp_path_factory):
    truth = multi_target_eb
    work = tmp_path_factory.mktemp("multi_target_run")
    ms = work / truth.ms_path.name
    shutil.copytree(truth.ms_path, ms)
    eb = inspect_ms(ms)
    fluxes = work / "calibrator_fluxes.csv"
    fluxes.write_text(truth.calibrator_catalogue())
    generate([eb], GenerateOptions(out_dir=work, calibrator_fluxes=fluxes))
    script = work / naming.calibration_script(naming.ms_name(eb.uid))
    run = run_script(script, work, timeout=1200)
    print(f"[timing] CASA run multi-target EB, all steps: {run.seconds:.1f} s")
    assert run.ok, run.tail(60)
    return truth, eb, script, work


def test_classified_standard_with_its_phase_calibrators_and_check_source(multi_target_eb):
    truth = multi_target_eb
    eb = inspect_ms(truth.ms_path)
    c = ebkind.classify(eb)
    assert c.kind is ebkind.EbKind.STANDARD and c.mode == "standard"
    phase = ",".join(str(f) for f in sorted(truth.field_ids("phase")))
    (check,) = truth.field_ids("check")
    assert any(f"2 phase calibrators (fields {phase})" in r for r in c.risks), c.risks
    assert any(f"check source(s) (fields {check})" in r for r in c.risks), c.risks


def test_each_target_and_the_check_source_take_their_own_phase_calibrator(multi_target_eb):
    truth = multi_target_eb
    eb = inspect_ms(truth.ms_path)
    chosen = {t: p.phase_field_id for p in cal.phase_transfers(eb) for t in p.target_field_ids}
    expected = {int(k): v for k, v in truth.multi_target["phase_of"].items()}
    assert chosen == expected
    # Two distinct calibrators are in play, and the wrong one would be caught by the flux test.
    assert len(set(expected.values())) == 2
    assert truth.multi_target["wrong_transfer_ratio"] < 1 - 2 * FLUX_TOLERANCE


def test_calibrated_targets_and_check_source_recover_their_fluxes(calibrated_multi_target):
    truth, eb, script, work = calibrated_multi_target
    text = script.read_text()
    tables = naming.CalTables(naming.ms_name(eb.uid))
    # The script's applycal groups: each phase calibrator with its own fields.
    for phase_id in set(truth.multi_target["phase_of"].values()):
        members = sorted(int(k) for k, v in truth.multi_target["phase_of"].items() if v == phase_id)
        fields = ",".join(str(f) for f in [phase_id, *members])
        assert f'field="{fields}",' in text and f'gainfield=["", "{phase_id}", "{phase_id}"]' in text, fields
    order = sorted(truth.science_spws)
    ratios = {}
    for fld in truth.target_fields + truth.fields_with_role("check"):
        measured = mean_real_per_spw(work / tables.split_cal, fld.field_id)
        ratios[fld.name] = {order[s]: round(measured[s] / fld.spw_flux_jy[order[s]], 4) for s in measured}
    print("[fluxes] multi-target EB measured/true per science spw:", ratios)
    assert set(ratios) == {"SynTarget", "SynTarget2", "Jsyn_check"}
    assert all(len(r) == len(order) for r in ratios.values()), ratios
    assert all(abs(x - 1) < FLUX_TOLERANCE for r in ratios.values() for x in r.values()), ratios


@pytest.fixture(scope="session")
def spectral_scan_eb(tmp_path_factory):
    """Two tunings (windows 4 GHz apart), 6 antennas, 2 x 16 channels per tuning."""
    from scriptgen.synthetic import SyntheticConfig, build_execblock

    cfg = SyntheticConfig(
        uid="uid___A002_Xsyn_X31", note="test_casa_multi_target spectral scan", seed=31,
        n_antennas=6, n_spws=2, nchan=16, n_tunings=2, n_target_scans=1,
        bandpass_scan_s=40.0, flux_scan_s=20.0, phase_scan_s=16.0, target_scan_s=30.0,
    )  # fmt: skip
    start = time.perf_counter()
    truth = build_execblock(tmp_path_factory.mktemp("spectral_scan") / f"{cfg.uid}.ms", cfg)
    print(f"\n[timing] build spectral-scan EB: {time.perf_counter() - start:.1f} s")
    return truth


def test_spectral_scan_is_classified_with_its_tunings(spectral_scan_eb):
    truth = spectral_scan_eb
    eb = inspect_ms(truth.ms_path)
    assert [list(t) for t in ebkind.spectral_tunings(eb)] == truth.spectral_tunings
    c = ebkind.classify(eb)
    assert c.kind is ebkind.EbKind.STANDARD and c.mode == "standard"
    listed = "; ".join(",".join(str(i) for i in t) for t in truth.spectral_tunings)
    assert any(f"spectral scan: 2 tunings in one EB (target spws {listed})" in r for r in c.risks), c.risks
    assert not any(r.startswith("CHECK:") for r in c.risks), c.risks


def test_spectral_scan_calibrated_by_its_script_recovers_the_target_in_both_tunings(
    spectral_scan_eb, tmp_path_factory
):
    truth = spectral_scan_eb
    work = tmp_path_factory.mktemp("spectral_scan_run")
    ms = work / truth.ms_path.name
    shutil.copytree(truth.ms_path, ms)
    eb = inspect_ms(ms)
    fluxes = work / "calibrator_fluxes.csv"
    fluxes.write_text(truth.calibrator_catalogue())
    generate([eb], GenerateOptions(out_dir=work, calibrator_fluxes=fluxes))
    script = work / naming.calibration_script(naming.ms_name(eb.uid))
    run = run_script(script, work, timeout=1200)
    print(f"[timing] CASA run spectral-scan EB, all steps: {run.seconds:.1f} s")
    assert run.ok, run.tail(60)
    tables = naming.CalTables(naming.ms_name(eb.uid))
    order = sorted(truth.science_spws)
    ratios = {}
    for fld in truth.target_fields + truth.fields_with_role("phase"):
        measured = mean_real_per_spw(work / tables.split_cal, fld.field_id)
        ratios[fld.name] = {order[s]: round(measured[s] / fld.spw_flux_jy[order[s]], 4) for s in measured}
    print("[fluxes] spectral-scan EB measured/true per science spw:", ratios)
    # Every window of both tunings calibrated, each within 5 % of the truth.
    assert all(sorted(r) == order for r in ratios.values()), ratios
    assert all(abs(x - 1) < FLUX_TOLERANCE for r in ratios.values() for x in r.values()), ratios
