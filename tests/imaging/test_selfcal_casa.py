"""issue 9 item 5: ``scriptgen imaging --selfcal`` in CASA.

Two small band 3 EBs (10 x 12 m, one 16-channel window, two 60 s target
scans of 6 s integrations, uncorrupted so that DATA is already "calibrated"), split as the
calibration script's last step does, imaged with ``--selfcal``; only the
self-calibration step runs (the later steps are the ones tests/imaging
covers, here they would only repeat the final image):

* ``bright``: a 0.25 Jy target whose visibilities carry residual phase
  errors the phase calibrator does not see (``target_phase_error_deg``:
  per-antenna offsets up to +-60 deg and a +-30 deg, 120 s wander): the
  rounds must raise the image's peak S/N and bring the peak back towards
  the true flux.
* ``faint``: a 0.3 mJy target, noise-limited: the script must decline
  before solving anything, and say so.
"""

from __future__ import annotations

import json
import time

import pytest

pytestmark = pytest.mark.casa

BRIGHT_JY = 0.25


def _config(uid: str, seed: int, flux_jy: float, phase_deg: float):
    from scriptgen.synthetic import SyntheticConfig

    return SyntheticConfig(
        uid=uid, seed=seed, n_spws=1, nchan=16, corrupt=False, target_flux_jy=flux_jy,
        integration_s=6.0, atm_scan_s=12.0,
        target_phase_error_deg=phase_deg, target_phase_period_s=120.0,
        note=f"selfcal test ({flux_jy} Jy, phase errors {phase_deg} deg)",
    )  # fmt: skip


def _selfcal_run(tmp_path_factory, name: str, cfg):
    from scriptgen import naming
    from scriptgen.imaging_generate import generate_imaging
    from scriptgen.runner import run_script
    from scriptgen.synthetic import build_execblock

    from tests.support.imaging_run import _split_cal

    work = tmp_path_factory.mktemp(f"selfcal_{name}")
    timings = {}
    t = time.perf_counter()
    truth = build_execblock(work / f"{cfg.uid}.ms", cfg)
    timings["build"] = time.perf_counter() - t
    split = _split_cal(truth, work)
    t = time.perf_counter()
    result = generate_imaging(split, work, tsys_from=str(truth.ms), with_calibrators=False, selfcal=True)
    timings["generate"] = time.perf_counter() - t
    done = run_script(work / naming.IMAGING_SCRIPT, work, mysteps=[0], log=work / "run.log", timeout=3600)
    timings["self-calibration step"] = done.seconds
    record_path = work / "selfcal.json"
    record = json.loads(record_path.read_text()) if record_path.exists() else {}
    print(f"\nselfcal {name}: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    return {"truth": truth, "result": result, "run": done, "record": record, "timings": timings, "work": work}


@pytest.fixture(scope="module")
def bright(tmp_path_factory):
    return _selfcal_run(tmp_path_factory, "bright", _config("uid___A002_Xsyn_Xsc1", 31, BRIGHT_JY, 60.0))


@pytest.fixture(scope="module")
def faint(tmp_path_factory):
    return _selfcal_run(tmp_path_factory, "faint", _config("uid___A002_Xsyn_Xsc2", 32, 3e-4, 0.0))


def test_injected_phases_are_on_the_target_only(bright):
    (fault,) = [f for f in bright["truth"].faults if f["kind"] == "target_phase"]
    offsets = list(fault["offset_deg"].values())
    assert offsets[0] == 0.0 and max(abs(v) for v in offsets) > 20


def test_selfcal_raises_the_peak_snr_of_a_target_with_residual_phase_errors(bright):
    assert bright["run"].returncode == 0, bright["run"].output[-3000:]
    (record,) = bright["record"].values()
    assert record["decision"] == "applied"
    assert record["rounds_kept"] >= 1 and record["rounds"][0]["kept"]
    initial, final = record["initial"], record["final"]
    # The decorrelated image is artefact-limited; phase solutions remove that.
    assert final["snr"] / initial["snr"] > 2.0, (initial, final)
    # ... and restore the peak towards the truth (decorrelation lowered it).
    assert abs(final["peak"] - BRIGHT_JY) < abs(initial["peak"] - BRIGHT_JY)
    assert final["peak"] == pytest.approx(BRIGHT_JY, rel=0.1)
    # Every round's decision is printed and recorded; the first failing round stops the loop.
    log = bright["run"].output
    for number, r in enumerate(record["rounds"], start=1):
        assert f"round {number} ({r['solint']}): {r['verdict']}" in log
    assert all(r["kept"] for r in record["rounds"][:-1])
    print(
        f"\nbright: S/N {initial['snr']:.1f} -> {final['snr']:.1f} (x{record['snr_gain']:.2f}), peak "
        f"{initial['peak']:.4f} -> {final['peak']:.4f} Jy, rounds kept {record['rounds_kept']} of "
        f"{len(record['rounds'])}: " + "; ".join(f"{r['solint']} {r['verdict']}" for r in record["rounds"])
    )


def test_faint_target_is_declined_before_any_solving(faint):
    assert faint["run"].returncode == 0, faint["run"].output[-3000:]
    (record,) = faint["record"].values()
    assert record["decision"] == "declined" and record["rounds"] == []
    assert record["attempt"].startswith("declined: noise-limited")
    assert "declined: noise-limited" in faint["run"].output
    assert not list(faint["work"].glob("*.selfcal.r1*"))
    # The generation already predicted it and said so.
    assert any("declined: noise-limited" in d for d in faint["result"].decisions)
    print(f"\nfaint: {record['attempt']}")
