"""Predicted noise for QA2 from hand-made EBs (radiometer equation, no CASA)."""

import math

import pytest

from scriptgen import derive
from scriptgen.heuristics.sensitivity import expected_noise
from scriptgen.qa2.goal import ScienceGoal
from scriptgen.qa2.image import Beam
from scriptgen.qa2.measure import Measurement
from scriptgen.qa2.predict import predict_noise
from scriptgen.qa2.report import build_report, report_json, report_text
from tests.support.ebfactory import tdm_fdm_eb


def measurement(rms, nchan=1, width=None):
    return Measurement(
        image="x.image", kind="casa", rms_jy=rms, robust_rms_jy=rms, rms_from="image", pixels_used=1000,
        masked_fraction=0.0, planes=nchan, peak_jy=10 * rms, beam=Beam(1.0, 1.0, 0.0), cell_arcsec=0.2,
        freq_hz=100e9, chan_width_hz=width, band=3, shape=(100, 100, nchan),
    )


def test_continuum_uses_every_science_window_and_eb_combination():
    eb = tdm_fdm_eb()
    full = {s: eb.spw(s).bandwidth_hz for s in derive.science_spws(eb)}
    one = expected_noise(eb, full).sigma_jy
    p1 = predict_noise([eb], measurement(1e-3))
    assert p1.sigma_jy == pytest.approx(one)
    p2 = predict_noise([eb, eb], measurement(1e-3))
    assert p2.sigma_jy == pytest.approx(one / math.sqrt(2))
    assert "every science window" in p2.bandwidth_note and len(p2.per_eb) == 2


def test_cube_uses_channel_width_and_ratio_is_reported():
    eb = tdm_fdm_eb()
    m = measurement(1e-3, nchan=10, width=1e6)
    p = predict_noise([eb], m)
    assert p.sigma_jy == pytest.approx(expected_noise(eb, 1e6).sigma_jy)
    r = build_report(m, ScienceGoal(rms_jy=1e-3), p.sigma_jy)
    assert r.achieved_over_predicted == pytest.approx(1e-3 / p.sigma_jy)
    assert report_json(r)["achieved_over_predicted"] == pytest.approx(1e-3 / p.sigma_jy)
    assert "achieved / predicted RMS" in report_text(r)
    given = predict_noise([eb], m, bandwidth_hz=4e6)
    assert given.sigma_jy == pytest.approx(p.sigma_jy / 2)
