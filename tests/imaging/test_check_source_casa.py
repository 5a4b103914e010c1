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
    titles = {s.title: s.number for s in _steps(result.plan)}
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


# --- two EBs of one OUS ------------------------------------------------------


@pytest.fixture(scope="session")
def ous_check_run(check_source_run, tmp_path_factory):
    """A second EB of the same OUS a day later (same sources and catalogue
    error); both imaged together: the combined continuum and, per EB, the
    check source and the phase calibrator. Only those two steps are run."""
    import shutil

    from scriptgen.cli import main
    from scriptgen.ous_imaging import generate_ous_imaging
    from scriptgen.runner import run_script
    from scriptgen.synthetic import build_execblock

    first = check_source_run[0]
    cfg = dataclasses_replace(first.config, uid="uid___A002_Xsyn_X91", seed=91, start="2024-03-16T02:56:00",
                              ra_deg=first.target_fields[0].source_ra_deg, note="test_check_source_casa (2/2)")  # fmt: skip
    work = tmp_path_factory.mktemp("check_source_ous")
    times = {}
    t = time.perf_counter()
    second = build_execblock(work / f"{cfg.uid}.ms", cfg)
    times["build second EB"] = time.perf_counter() - t
    shutil.copytree(first.ms_path, work / first.ms_path.name)
    t = time.perf_counter()
    result = generate_ous_imaging([work / first.ms_path.name, second.ms_path], work, allow_raw=True)
    times["generate OUS scriptForImaging.py"] = time.perf_counter() - t
    titles = {s.title: s.number for s in _steps(result.plan)}
    steps = [titles["Continuum images of the targets"], titles["Check-source images per EB (astrometry QA)"]]
    run = run_script(work / naming.IMAGING_SCRIPT, work, mysteps=steps, log=work / "run.log", timeout=3000)
    times["run continuum + QA-image steps"] = run.seconds
    assert run.ok, run.tail(60)
    reports = {}
    t = time.perf_counter()
    for spec in result.plan.checks:
        out = work / f"{spec.imagename}.qa2.json"
        main(["qa2", str(work / spec.image), "--check-source", "--execblock", str(work / spec.vis),
              "--json", str(out), "--quiet"])  # fmt: skip
        reports[spec.imagename] = json.loads(out.read_text())
    (cont,) = result.plan.continuum
    out = work / "qa2_continuum.json"
    main(["qa2", str(work / cont.image), "--execblock", str(work / first.ms_path.name),
          "--execblock", str(second.ms_path), "--json", str(out), "--quiet"])  # fmt: skip
    reports["continuum"] = json.loads(out.read_text())
    times["qa2 of 5 images"] = time.perf_counter() - t
    print("\nOUS check-source wall times: " + ", ".join(f"{k} {v:.1f} s" for k, v in times.items()))
    return first, second, result, reports


def dataclasses_replace(obj, **changes):
    import dataclasses

    return dataclasses.replace(obj, **changes)


def test_ous_images_each_ebs_check_source_and_phase_calibrator(ous_check_run):
    first, second, result, reports = ous_check_run
    made = sorted((c.imagename, c.vis, c.kind) for c in result.plan.checks)
    assert made == [
        ("uid___A002_Xsyn_X90.Jsyn_check.check", "uid___A002_Xsyn_X90.ms", "check"),
        ("uid___A002_Xsyn_X90.Jsyn_phase.phase", "uid___A002_Xsyn_X90.ms", "calibrator"),
        ("uid___A002_Xsyn_X91.Jsyn_check.check", "uid___A002_Xsyn_X91.ms", "check"),
        ("uid___A002_Xsyn_X91.Jsyn_phase.phase", "uid___A002_Xsyn_X91.ms", "calibrator"),
    ]
    import math

    for name, r in reports.items():
        if name == "continuum":
            continue
        c = r["check_source"]
        beam = (c["beam_arcsec"]["major"] * c["beam_arcsec"]["minor"]) ** 0.5
        truth = first if name.startswith(first.uid) else second
        (fld,) = [f for f in truth.fields if f.name == c["source"]]
        exact = sky_offset_arcsec(*(math.radians(x) for x in (fld.source_ra_deg if fld.source_ra_deg is not None
                                                                else fld.ra_deg,
                                                                fld.source_dec_deg if fld.source_dec_deg is not None
                                                                else fld.dec_deg, fld.ra_deg, fld.dec_deg)))  # fmt: skip
        error = math.hypot(c["offset_east_arcsec"] - exact[0], c["offset_north_arcsec"] - exact[1])
        print(f"[OUS QA image] {name}: offset {c['offset_east_arcsec']:+.3f}\" {c['offset_north_arcsec']:+.3f}\" "
              f"({c['offset_beams']:.3f} beam), true {exact[0]:+.3f}\" {exact[1]:+.3f}\", error {error / beam:.4f} beam")  # fmt: skip
        assert error <= 0.10 * beam, (name, c)
        if c["source"] == "Jsyn_phase":
            assert c["verdict"] == "PASS"  # the phase calibrator sits at its catalogue position


def test_ous_noise_is_predicted_from_both_ebs(ous_check_run):
    _, _, _, reports = ous_check_run
    r = reports["continuum"]
    ous = r["ous"]
    assert ous["n_ebs"] == 2
    per_eb = ous["per_eb_predicted_rms_jy_per_beam"]
    combined = sum(s**-2 for s in per_eb) ** -0.5
    assert r["predicted_rms_jy_per_beam"] == pytest.approx(combined, rel=1e-9)
    assert ous["time_on_source_s"] == pytest.approx(sum(ous["per_eb_time_on_source_s"]))
    print(f"[OUS noise] achieved {r['measured']['rms_jy_per_beam'] * 1e3:.4g} mJy, predicted "
          f"{combined * 1e3:.4g} mJy (EBs {[round(s * 1e3, 4) for s in per_eb]} mJy): "
          f"achieved/predicted {r['achieved_over_predicted']:.3f}")  # fmt: skip
    # Robust weighting and the bright target raise it above 1; a factor 2 is a reduction problem.
    assert 0.8 < r["achieved_over_predicted"] < 2.0
