"""Kinds of EB on real (synthetic) MeasurementSets: classified, refused or calibrated.

* a Cycle 0 EB (flux calibrator CALIBRATE_AMPLI, observed 2012) is
  calibrated end to end by its generated script (setjy and fluxscale on
  the AMPLI field, wvrgcal toffset=-1) and recovers the target flux;
* full-polarisation and total-power EBs built by the builder are refused
  by ``generate`` with one line;
* the ``.split.cal`` that calibration wrote is refused by ``generate``, and
  ``imaging`` refuses the raw EB.

The EBs are small (few antennas, windows, channels) to keep CI time down.
Wall times and flux ratios are printed (``pytest -s``).
"""

from __future__ import annotations

import json
import shutil
import time

import pytest

from scriptgen import naming
from scriptgen.cli import main
from scriptgen.generate import GenerateOptions, generate
from scriptgen.heuristics import ebkind
from scriptgen.inspect import inspect_ms
from scriptgen.runner import run_script

from tests.support.measure import mean_real_per_spw

pytestmark = pytest.mark.casa

TARGET_TOLERANCE = 0.05


def _build(tmp_path_factory, name, **options):
    from scriptgen.synthetic import SyntheticConfig, build_execblock

    cfg = SyntheticConfig(uid=f"uid___A002_Xsyn_{name}", note=f"test_casa_kinds {name}", **options)
    start = time.perf_counter()
    truth = build_execblock(tmp_path_factory.mktemp(name) / f"{cfg.uid}.ms", cfg)
    print(f"\n[timing] build {name}: {time.perf_counter() - start:.1f} s")
    return truth


@pytest.fixture(scope="module")
def ampli_eb(tmp_path_factory):
    """Cycle 0: CALIBRATE_AMPLI flux calibrator, 2012-06-01, 6 antennas, 2 x 32 channels."""
    return _build(
        tmp_path_factory, "X20", seed=20, flux_intent="AMPLI", start="2012-06-01T03:00:00",
        n_antennas=6, n_spws=2, nchan=32,
    )  # fmt: skip


@pytest.fixture(scope="module")
def calibrated_ampli(ampli_eb, tmp_path_factory):
    work = tmp_path_factory.mktemp("ampli_run")
    ms = work / ampli_eb.ms_path.name
    shutil.copytree(ampli_eb.ms_path, ms)
    eb = inspect_ms(ms)
    fluxes = work / "calibrator_fluxes.csv"
    fluxes.write_text(ampli_eb.calibrator_catalogue())
    result = generate([eb], GenerateOptions(out_dir=work, calibrator_fluxes=fluxes))
    script = work / naming.calibration_script(naming.ms_name(eb.uid))
    run = run_script(script, work, timeout=1200)
    print(f"[timing] CASA run AMPLI EB, all steps: {run.seconds:.1f} s")
    assert run.ok, run.tail(60)
    return ampli_eb, eb, result, script, work


def test_ampli_eb_is_standard_with_its_risks(ampli_eb):
    eb = inspect_ms(ampli_eb.ms_path)
    assert eb.has_cross_correlations is True
    c = ebkind.classify(eb)
    assert c.kind is ebkind.EbKind.STANDARD and c.mode == "standard"
    assert any("CALIBRATE_AMPLI" in r for r in c.risks) and any("2013-01-21" in r for r in c.risks)


def test_ampli_eb_calibrated_by_its_script_recovers_the_target(calibrated_ampli):
    truth, eb, result, script, work = calibrated_ampli
    text = script.read_text()
    (flux_field,) = truth.field_ids("flux")
    assert f'reference="{flux_field}"' in text and "toffset=-1," in text
    assert "CALIBRATE_AMPLI" in text
    tables = naming.CalTables(naming.ms_name(eb.uid))
    results = json.loads((work / tables.fluxscale_results).read_text())
    assert str(flux_field) not in results  # the AMPLI field was the reference, not a transfer field
    order = sorted(truth.science_spws)
    ratios = {}
    for fld in truth.target_fields:
        measured = mean_real_per_spw(work / tables.split_cal, fld.field_id)
        ratios[fld.name] = {order[s]: measured[s] / fld.spw_flux_jy[order[s]] for s in measured}
    print("[fluxes] AMPLI EB target measured/true per science spw:", ratios)
    assert ratios and all(abs(x - 1) < TARGET_TOLERANCE for r in ratios.values() for x in r.values()), ratios


def test_the_split_cal_is_refused_by_generate(calibrated_ampli, tmp_path, capsys):
    truth, eb, _, _, work = calibrated_ampli
    split_cal = work / naming.CalTables(naming.ms_name(eb.uid)).split_cal
    assert ebkind.classify(inspect_ms(split_cal)).kind is ebkind.EbKind.SPLIT_MS
    assert main(["generate", str(split_cal), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "split or calibrated MS" in err and "importasdm" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
    # Renamed, its content still gives it away.
    renamed = tmp_path / f"{eb.uid}.ms"
    shutil.copytree(split_cal, renamed)
    c = ebkind.classify(inspect_ms(renamed))
    assert c.kind is ebkind.EbKind.SPLIT_MS and "no CH_AVG" in c.refusal


def test_imaging_refuses_the_raw_eb_unless_forced(ampli_eb, tmp_path, capsys):
    assert main(["imaging", str(ampli_eb.ms_path), "--out", str(tmp_path / "img")]) == 2
    err = capsys.readouterr().err
    assert "looks like a raw EB" in err and "--force" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "name, options, words",
    [
        ("X21", {"full_polarisation": True, "corrupt": False}, "full polarisation EB (CALIBRATE_POLARIZATION"),
        ("X22", {"total_power": True}, "total power EB (the main table holds only autocorrelations)"),
    ],
)
def test_full_pol_and_total_power_ebs_are_refused(tmp_path_factory, tmp_path, capsys, name, options, words):
    truth = _build(
        tmp_path_factory, name, seed=21, n_antennas=4, n_spws=1, nchan=8, n_target_scans=1, **options
    )  # fmt: skip
    assert main(["inspect", str(truth.ms_path), "--json", str(tmp_path / "eb.json")]) == 0
    out = capsys.readouterr().out
    assert "REFUSED" in out and words in out
    saved = json.loads((tmp_path / "eb.json").read_text())
    assert saved["preflight"]["refusal"].startswith(words.split(" (")[0])
    assert main(["generate", str(truth.ms_path), "--out", str(tmp_path / "out")]) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("scriptgen: error:")]
    assert len(errors) == 1 and words in errors[0]
    assert not (tmp_path / "out").exists()
    # the snapshot still loads and is refused the same way
    assert main(["generate", str(tmp_path / "eb.json"), "--out", str(tmp_path / "out")]) == 2


def _flag_fraction_per_channel(ms, field_id, spw_id):
    from scriptgen import casa_env

    tb = casa_env.casatools().table()
    tb.open(str(ms))
    try:
        sub = tb.query(f"FIELD_ID=={field_id} && DATA_DESC_ID=={spw_id} && ANTENNA1!=ANTENNA2")
        try:
            return sub.getcol("FLAG").mean(axis=(0, 2))
        finally:
            sub.close()
    finally:
        tb.close()


def test_neptune_lines_flagged_and_fluxscale_on_short_baselines(tmp_path_factory, tmp_path):
    """Band 6, Neptune flux calibrator: CO 2-1 (226.98-234.52 GHz) reaches into the 225-227 GHz
    window; Neptune (2.4") is resolved on the 102 m baselines at 227 GHz."""
    truth = _build(
        tmp_path_factory, "X23", seed=23, band=6, flux_calibrator="Neptune", n_spws=2, nchan=32,
    )  # fmt: skip
    work = tmp_path
    ms = work / truth.ms_path.name
    shutil.copytree(truth.ms_path, ms)
    eb = inspect_ms(ms)
    generate([eb], GenerateOptions(out_dir=work))
    script = work / naming.calibration_script(naming.ms_name(eb.uid))
    text = script.read_text()
    assert "hifa_fluxcalflag" in text and "antenna=" in text.split("fluxscale(", 1)[1].split("save_json", 1)[0]
    run = run_script(script, work, timeout=1200)
    print(f"[timing] CASA run Neptune EB, all steps: {run.seconds:.1f} s")
    assert run.ok, run.tail(60)
    tables = naming.CalTables(naming.ms_name(eb.uid))
    (flux_field,) = truth.field_ids("flux")
    # Split window 1 is the 225-227 GHz window (lower sideband: channel 0 is
    # its top, 226.94-227.0 GHz), which CO 2-1 reaches with the Doppler
    # margin. That channel is also a TDM edge channel, so the flagging is
    # checked as the command the script ran, and that it left data.
    flag_call = text.split("hifa_fluxcalflag", 1)[1].split("setjy(", 1)[0]
    assert f'field="{flux_field}"' in flag_call and 'spw="1:0~0"' in flag_call
    on_neptune = _flag_fraction_per_channel(work / tables.split, flux_field, 1)
    assert on_neptune[0] == 1.0 and on_neptune[len(on_neptune) // 2] < 1.0
    order = sorted(truth.science_spws)
    ratios = {}
    for fld in truth.target_fields + truth.fields_with_role("phase"):
        measured = mean_real_per_spw(work / tables.split_cal, fld.field_id)
        ratios[fld.name] = {order[s]: measured[s] / fld.spw_flux_jy[order[s]] for s in measured}
    print("[fluxes] Neptune EB measured/true per science spw:", ratios)
    assert all(abs(x - 1) < TARGET_TOLERANCE for r in ratios.values() for x in r.values()), ratios
