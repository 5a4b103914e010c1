"""A check source with a known catalogue error, imaged and measured in CASA.

The builder puts the check source ``Jsyn_check`` off its field centre (the
catalogue position) by ``check_offset_arcsec`` (east, north): the source
appears at that offset from the phase centre. The EB is uncorrupted (its
DATA column is calibrated-looking), small (10 antennas, two 16-channel
windows, one 60 s check-source scan), and only the imaging script's check-source step is run; then
``scriptgen qa2 --check-source`` must report the offset within 10 % of the
beam of the truth, with the right sign, and the flux within 5 %.

The offset is made a sizeable fraction of the beam (about 0.23 beam) so that
a sign error (0.46 beam off) or a fit that ignored the offset (0.23 beam
off) fails the test. Wall times and figures are printed (``pytest -s``).
"""

from __future__ import annotations

import json
import time

import pytest

from scriptgen import naming
from scriptgen.qa2.astrometry import sky_offset_arcsec

pytestmark = pytest.mark.casa

#: Catalogue error of the check source (east, north), arcsec: about a
#: quarter of the band-6 beam of a few compact 12 m antennas in a short EB
#: (~4"; the builder allows up to 1").
OFFSET_ARCSEC = (0.8, -0.55)


@pytest.fixture(scope="session")
def check_source_run(tmp_path_factory):
    from scriptgen.cli import main
    from scriptgen.imaging_generate import generate_imaging
    from scriptgen.runner import run_script
    from scriptgen.synthetic import SyntheticConfig, build_execblock

    cfg = SyntheticConfig(
        uid="uid___A002_Xsyn_X90", note="test_check_source_casa", seed=90,
        band=6, n_antennas=10, n_spws=2, nchan=16, corrupt=False, check_source=True,
        check_offset_arcsec=OFFSET_ARCSEC, n_target_scans=1,
        # One 60 s check-source scan (it takes the phase-calibrator scan length): SNR ~40.
        bandpass_scan_s=20.0, flux_scan_s=10.0, phase_scan_s=60.0, target_scan_s=30.0,
    )  # fmt: skip
    work = tmp_path_factory.mktemp("check_source")
    times = {}
    t = time.perf_counter()
    truth = build_execblock(work / f"{cfg.uid}.ms", cfg)
    times["build EB"] = time.perf_counter() - t
    t = time.perf_counter()
    # The uncorrupted raw EB is imaged directly (its DATA are calibrated-looking).
    result = generate_imaging(truth.ms_path, work, allow_raw=True)
    times["generate scriptForImaging.py"] = time.perf_counter() - t
    titles = {s["title"]: i for i, s in enumerate(_steps(result.plan))}
    step = titles["Check-source images per EB (astrometry QA)"]
    t = time.perf_counter()
    run = run_script(work / naming.IMAGING_SCRIPT, work, mysteps=[step], log=work / "run.log", timeout=1800)
    times["run the check-source step"] = run.seconds
    assert run.ok, run.tail(60)
    (check,) = truth.fields_with_role("check")
    (spec,) = result.plan.checks
    out = work / "qa2_check.json"
    t = time.perf_counter()
    code = main(["qa2", str(work / spec.image), "--check-source", "--execblock", str(truth.ms_path),
                 "--check-flux", f"{_true_flux(check, work / spec.image)}Jy", "--json", str(out)])  # fmt: skip
    times["qa2 --check-source"] = time.perf_counter() - t
    print("\ncheck-source wall times: " + ", ".join(f"{k} {v:.1f} s" for k, v in times.items()))
    return truth, check, result, json.loads(out.read_text()), code


def _steps(plan):
    from scriptgen.scripts.imaging import _steps

    return _steps(plan)


def _true_flux(check, image) -> float:
    """The check source's model flux at the image's frequency."""
    from scriptgen.qa2.measure import measure

    freq = measure(image).freq_hz
    return check.flux_jy * (freq / check.ref_freq_hz) ** check.spectral_index


def test_the_check_source_gets_one_small_image_of_its_own_field(check_source_run):
    truth, check, result, report, _ = check_source_run
    (spec,) = result.plan.checks
    assert spec.field == str(check.field_id) and spec.kind == "check"
    # Smaller than the target's image (16 beams, at most the primary beam to 0.2).
    (target,) = result.plan.continuum
    assert spec.imsize[0] <= target.imsize[0], (spec.imsize, target.imsize)
    assert spec.image.startswith(f"{truth.uid}.Jsyn_check.check")


def test_reported_offset_is_the_catalogue_error_within_a_tenth_of_the_beam(check_source_run):
    truth, check, result, report, code = check_source_run
    c = report["check_source"]
    assert c is not None and c["source"] == "Jsyn_check"
    beam = (c["beam_arcsec"]["major"] * c["beam_arcsec"]["minor"]) ** 0.5
    true_east, true_north = truth.multi_target["check_offset_arcsec"]
    # The exact offset the builder made: it scales each position's RA offset
    # from the sky centre by its own 1/cos(dec), which moves the source
    # ~0.01" east of check_offset_arcsec here (1.5 deg from the centre).
    import math

    exact = sky_offset_arcsec(
        math.radians(check.source_ra_deg), math.radians(check.source_dec_deg),
        math.radians(check.ra_deg), math.radians(check.dec_deg),
    )  # fmt: skip
    assert exact == pytest.approx((true_east, true_north), abs=0.02)
    error = math.hypot(c["offset_east_arcsec"] - true_east, c["offset_north_arcsec"] - true_north)
    error_exact = math.hypot(c["offset_east_arcsec"] - exact[0], c["offset_north_arcsec"] - exact[1])
    true_beams = math.hypot(true_east, true_north) / beam
    print(
        f"[check source] measured offset east {c['offset_east_arcsec']:+.3f}\" north {c['offset_north_arcsec']:+.3f}\" "
        f"({c['offset_beams']:.3f} beam); true {true_east:+.3f}\" {true_north:+.3f}\" ({true_beams:.3f} beam); "
        f"error {error:.3f}\" = {error / beam:.3f} beam (beam {beam:.3f}\"); against the exact offset "
        f"{exact[0]:+.4f}\" {exact[1]:+.4f}\": {error_exact:.4f}\" = {error_exact / beam:.4f} beam; "
        f"flux ratio {c['flux_ratio']:.4f}"
    )
    # The offset is detectable and the test can fail: well above the tolerance.
    assert true_beams > 0.2
    assert error <= 0.10 * beam, (c, beam)
    assert error_exact <= 0.10 * beam, (c, exact, beam)
    # So the catalogue error shows up as a FAIL of the 10 % astrometry criterion.
    assert c["verdict"] == "FAIL" and c["offset_beams"] > 0.1


def test_check_source_flux_within_five_percent(check_source_run):
    _, _, _, report, _ = check_source_run
    c = report["check_source"]
    assert abs(c["flux_ratio"] - 1) < 0.05, c
    # Band 6: ALMA's 10 % flux accuracy.
    assert c["flux_verdict"] == "PASS" and report["flux_accuracy"] == 0.10
