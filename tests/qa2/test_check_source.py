"""Check-source QA and OUS noise arithmetic, and the check-source images of the plan (no CASA)."""

from __future__ import annotations

import ast
import dataclasses
import math

import pytest

from scriptgen.heuristics import check_images
from scriptgen.heuristics import check_source as cs
from scriptgen.heuristics.imaging import Beam, auto_mask
from scriptgen.heuristics.imaging_plan import ImagingInputs, plan_imaging
from scriptgen.model import Field, Role, Scan
from scriptgen.qa2 import astrometry as ast_qa
from scriptgen.qa2.criteria import Verdict
from scriptgen.qa2.goal import ScienceGoal
from scriptgen.qa2.measure import Measurement
from scriptgen.qa2.predict import Prediction, combined_sigma, ous_noise_summary
from scriptgen.qa2.report import build_report, report_json, report_text
from scriptgen.render import make_environment
from scriptgen.scripts import imaging as script
from tests.support.ebfactory import tdm_fdm_eb

ARCSEC = math.pi / 180 / 3600


# --- offsets on the sky -------------------------------------------------------


def test_offset_east_is_ra_times_cos_dec_and_north_is_dec():
    ra0, dec0 = math.radians(150.0), math.radians(-35.0)
    east, north = ast_qa.sky_offset_arcsec(ra0 + 1.0 * ARCSEC / math.cos(dec0), dec0 - 0.5 * ARCSEC, ra0, dec0)
    # Exact to the projection's second order (~2e-6" over 1" at dec -35).
    assert east == pytest.approx(1.0, abs=1e-5) and north == pytest.approx(-0.5, abs=1e-5)


def test_offset_across_ra_zero_is_small_and_signed():
    east, north = ast_qa.sky_offset_arcsec(0.2 * ARCSEC, 0.0, 2 * math.pi - 0.3 * ARCSEC, 0.0)
    assert east == pytest.approx(0.5, abs=1e-6) and north == pytest.approx(0.0, abs=1e-9)


# --- the check-source QA line --------------------------------------------------


def _fit(east, north, flux=0.15, dec0=-0.6):
    return ast_qa.PointFit(1.0 + east * ARCSEC / math.cos(dec0), dec0 + north * ARCSEC, flux, flux)


def test_offset_in_units_of_the_geometric_mean_beam():
    beam = Beam(4.0, 1.0, 30.0)  # geometric mean 2"
    c = ast_qa.assess_check_source("J1", "x.image", _fit(0.12, -0.16), 1.0, -0.6, beam)
    assert c.offset_arcsec == pytest.approx(0.2, rel=1e-5)
    assert c.offset_beams == pytest.approx(0.1, rel=1e-5)
    assert c.verdict is Verdict.PASS  # exactly 10 % passes
    assert c.east_arcsec > 0 > c.north_arcsec
    far = ast_qa.assess_check_source("J1", "x.image", _fit(0.3, 0.0), 1.0, -0.6, beam)
    assert far.verdict is Verdict.FAIL and far.offset_beams == pytest.approx(0.15, rel=1e-5)
    assert "beyond 10%" in far.reason


def test_flux_ratio_against_the_band_accuracy():
    beam = Beam(1.0, 1.0, 0.0)
    ok = ast_qa.assess_check_source("J1", "x", _fit(0, 0, 0.156), 1.0, -0.6, beam, catalogue_flux_jy=0.15, band=3)
    assert ok.flux_ratio == pytest.approx(1.04) and ok.flux_verdict is Verdict.PASS and ok.flux_tolerance == 0.05
    low = ast_qa.assess_check_source("J1", "x", _fit(0, 0, 0.135), 1.0, -0.6, beam, catalogue_flux_jy=0.15, band=3)
    assert low.flux_verdict is Verdict.FAIL
    assert ast_qa.assess_check_source("J1", "x", _fit(0, 0, 0.135), 1.0, -0.6, beam, catalogue_flux_jy=0.15,
                                      band=7).flux_verdict is Verdict.PASS  # fmt: skip
    unknown = ast_qa.assess_check_source("J1", "x", _fit(0, 0), 1.0, -0.6, beam)
    assert unknown.flux_ratio is None and "no catalogue flux" in unknown.reason


def test_flux_accuracy_per_band():
    assert [ast_qa.flux_accuracy(b) for b in (3, 4, 5, 6, 7, 8, 9, 10)] == [0.05] * 3 + [0.10] * 2 + [0.20] * 3
    assert ast_qa.flux_accuracy(None) is None and ast_qa.flux_accuracy(11) is None


# --- noise of several EBs -------------------------------------------------------


def test_combined_noise_is_the_inverse_variance_sum():
    assert combined_sigma([2e-4, 2e-4]) == pytest.approx(2e-4 / math.sqrt(2))
    assert combined_sigma([1e-4, 2e-4]) == pytest.approx(1 / math.sqrt(1e8 + 0.25e8))
    assert combined_sigma([3e-4]) == pytest.approx(3e-4)
    from scriptgen.errors import ScriptgenError

    with pytest.raises(ScriptgenError):
        combined_sigma([1e-4, 0.0])
    with pytest.raises(ScriptgenError):
        combined_sigma([])


def test_ous_summary_names_every_eb_and_the_total_time():
    p = Prediction(combined_sigma([2e-4, 2e-4]), "", ("a", "b"), (2e-4, 2e-4), (600.0, 1200.0))
    assert p.n_ebs == 2 and p.time_on_source_s == 1800.0
    text = ous_noise_summary(p)
    assert text.startswith("2 EBs combined, 30.0 min on source") and "0.1414 mJy" in text


def _measurement(rms=1e-4, beam=Beam(2.0, 2.0, 0.0)):
    return Measurement("c.image", "casa", rms, rms, "image", 1000, 0.01, 1, 0.15, beam, 0.4, 100e9, 7.5e9, 3,
                       (64, 64, 1))  # fmt: skip


def test_report_shows_the_check_source_line_and_the_ous_noise():
    c = ast_qa.assess_check_source("J1", "c.image", _fit(0.6, -0.4), 1.0, -0.6, Beam(2.0, 2.0, 0.0),
                                   catalogue_flux_jy=0.15, band=3)  # fmt: skip
    ous = {"n_ebs": 2, "summary": "2 EBs combined, 30.0 min on source in all"}
    r = build_report(_measurement(), ScienceGoal(rms_jy=1e-4), 0.8e-4, astrometry=c, ous=ous)
    text = report_text(r)
    assert "FAIL      check source J1: fitted 0.7211\"" in text and "0.361 beam" in text
    assert "flux accuracy of band 3: 5%" in text and "2 EBs combined" in text
    assert r.verdict == "PASS"  # the science verdict stands on RMS and beam
    data = report_json(r)
    assert data["check_source"]["offset_beams"] == pytest.approx(0.3606, abs=1e-3)
    assert data["check_source"]["verdict"] == "FAIL" and data["flux_accuracy"] == 0.05
    assert data["ous"]["n_ebs"] == 2
    assert report_json(build_report(_measurement(), ScienceGoal()))["check_source"] is None


# --- the check-source image parameters ------------------------------------------


def test_check_image_is_small_with_the_minor_axis_cell():
    p = cs.check_image_params(Beam(3.0, 2.0, 0.0), 1e-4, 0.15, 10)
    assert p.cell_arcsec == pytest.approx(0.4)
    assert p.imsize >= cs.CHECK_IMAGE_BEAMS * 3.0 / 0.4 and p.imsize == 120  # 2^3 x 3 x 5
    # Threshold: the larger of 3 x 1.1 x noise and flux / DR (100 for 10 antennas).
    assert p.threshold_jy == pytest.approx(max(3.3e-4, 0.15 / 100))
    needed = math.log(0.15 / p.threshold_jy) / -math.log(0.9)
    assert p.niter == max(cs.MIN_CHECK_NITER, math.ceil(2 * needed))
    faint = cs.check_image_params(Beam(0.3, 0.3, 0.0), 1e-4, None, 40)
    assert faint.imsize == 80 and faint.niter == cs.DEFAULT_CHECK_NITER
    assert faint.threshold_jy == pytest.approx(3.3e-4)
    with pytest.raises(ValueError):
        cs.check_image_params(Beam(0.0, 0.0, 0.0), 1e-4, None, 10)


def test_check_image_never_exceeds_the_primary_beam_image():
    from scriptgen.heuristics.imaging import fft_friendly_size, pb_width_factor

    # An elongated compact-array beam: 16 major axes (128") would exceed the
    # primary beam to its 0.2 level (1.52 x 26" = 39.5").
    p = cs.check_image_params(Beam(8.0, 2.0, 0.0), 1e-4, 0.15, 10, pb_fwhm_arcsec=26.0)
    assert p.imsize == fft_friendly_size(pb_width_factor() * 26.0 / 0.4) == 100
    assert "primary beam" in p.notes[1]
    # A long-baseline beam is far inside it: 16 beams.
    assert cs.check_image_params(Beam(0.3, 0.3, 0.0), 1e-4, 0.15, 40, pb_fwhm_arcsec=26.0).imsize == 80


def _eb_with_check():
    eb = tdm_fdm_eb()
    check = Field(4, "J1100-0010", "J1100-0010", 2.80, -0.70, False, ("OBSERVE_CHECK_SOURCE",))
    scan = Scan(5, (4,), ("OBSERVE_CHECK_SOURCE",), (9, 11, 13, 15), 910.0, 970.0, 6.0)
    return dataclasses.replace(eb, fields=eb.fields + (check,), scans=eb.scans + (scan,))


def _inputs():
    return ImagingInputs(ms="x.ms.split.cal", datacolumn="data", uv_l80_m=150.0, uv_max_m=300.0,
                         calibrator_flux_jy={4: 0.2})  # fmt: skip


def test_check_fields_then_phase_calibrators_never_targets():
    eb = _eb_with_check()
    assert check_images.qa_field_ids(eb, phase=False) == ((4, Role.CHECK),)
    assert check_images.qa_field_ids(eb, phase=True) == ((4, Role.CHECK), (2, Role.PHASE))


def test_the_script_images_the_check_source_in_its_own_step():
    eb = _eb_with_check()
    plan = plan_imaging(eb, _inputs())
    mask = auto_mask(6, 12.0, 150.0, cube=False)
    checks = check_images.point_source_images(eb, _inputs(), check_images.qa_field_ids(eb, phase=True),
                                              eb_tag=eb.uid, mask=mask)  # fmt: skip
    assert [(c.kind, c.field) for c in checks] == [("check", "4"), ("calibrator", "2")]
    (check, phase) = checks
    assert check.imagename == "uid___A002_Xunit_X1.J1100-0010.check" and check.phasecenter == ""
    assert check.imsize[0] < plan.continuum[0].imsize[0]
    assert check.spw == "9,11,13,15"
    plan = dataclasses.replace(plan, checks=checks)
    text = script.render(plan, make_environment())
    ast.parse(text)
    assert "Check-source images per EB (astrometry QA)" in text
    assert 'imagename="uid___A002_Xunit_X1.J1100-0010.check"' in text
    assert "uid___A002_Xunit_X1.J1100-0010.check.pbcor.fits" in text  # exported like the others
    (line, _) = check_images.describe(checks)
    # 14.6 % fractional bandwidth: mtmfs, so the image to measure is the first Taylor term.
    assert line.endswith(
        "scriptgen qa2 uid___A002_Xunit_X1.J1100-0010.check.image.tt0 --check-source --execblock x.ms.split.cal"
    )
