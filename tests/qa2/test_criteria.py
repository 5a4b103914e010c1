"""QA2 rules on numbers whose answer is known, across every band threshold."""

import math

import pytest

from scriptgen.qa2.criteria import (
    Rule,
    Verdict,
    assess,
    beam_area_ratio,
    check_beam_cycle2,
    check_beam_range,
    check_pixel_size,
    check_rms_cycle2,
    check_rms_later,
    cycle2_limits,
    later_cycle_rms_tolerance,
    scale_rms_to_bandwidth,
)

# (band, pass factor, relaxed factor) from the seed document; 1-2 and 10 extrapolated
CYCLE2 = [(1, 1.10, 1.4), (2, 1.10, 1.4), (3, 1.10, 1.4), (4, 1.10, 1.4), (5, 1.10, 1.4),
          (6, 1.10, 1.4), (7, 1.15, 1.5), (8, 1.15, 1.5), (9, 1.20, 1.6), (10, 1.20, 1.6)]


@pytest.mark.parametrize("band,pass_f,semi_f", CYCLE2)
def test_cycle2_limits_by_band(band, pass_f, semi_f):
    lim = cycle2_limits(band)
    assert (lim.rms_pass, lim.rms_semipass) == (pass_f, semi_f)
    assert (lim.beam_pass, lim.beam_semipass) == (0.20, 0.50)


@pytest.mark.parametrize("band,pass_f,semi_f", CYCLE2)
def test_cycle2_rms_verdict_either_side_of_each_threshold(band, pass_f, semi_f):
    req = 1e-4
    assert check_rms_cycle2(0.5 * req, req, band).verdict is Verdict.PASS
    assert check_rms_cycle2(pass_f * req * 0.999, req, band).verdict is Verdict.PASS
    assert check_rms_cycle2(pass_f * req * 1.001, req, band).verdict is Verdict.SEMIPASS
    assert check_rms_cycle2(semi_f * req * 0.999, req, band).verdict is Verdict.SEMIPASS
    assert check_rms_cycle2(semi_f * req * 1.001, req, band).verdict is Verdict.FAIL


def test_band_7_ratio_that_passes_there_but_not_in_band_6():
    assert check_rms_cycle2(1.12e-4, 1e-4, 7).verdict is Verdict.PASS
    assert check_rms_cycle2(1.12e-4, 1e-4, 6).verdict is Verdict.SEMIPASS
    assert check_rms_cycle2(1.45e-4, 1e-4, 8).verdict is Verdict.SEMIPASS
    assert check_rms_cycle2(1.45e-4, 1e-4, 5).verdict is Verdict.FAIL
    assert check_rms_cycle2(1.55e-4, 1e-4, 9).verdict is Verdict.SEMIPASS


@pytest.mark.parametrize(
    "band,tol", [(1, 0.10), (3, 0.10), (6, 0.10), (7, 0.15), (8, 0.15), (9, 0.20), (10, 0.20)]
)
def test_later_cycle_rms_tolerance(band, tol):
    assert later_cycle_rms_tolerance(band) == tol
    assert check_rms_later((1 + tol) * 0.999, 1.0, band).verdict is Verdict.PASS
    assert check_rms_later((1 + tol) * 1.001, 1.0, band).verdict is Verdict.FAIL
    assert check_rms_later(0.3, 1.0, band).verdict is Verdict.PASS


def test_beam_area_is_product_of_axes_over_request_squared():
    assert beam_area_ratio(1.2, 0.8, 1.0) == pytest.approx(0.96)
    assert beam_area_ratio(2.0, 2.0, 1.0) == pytest.approx(4.0)


@pytest.mark.parametrize(
    "bmaj,bmin,verdict",
    [(1.0, 1.0, Verdict.PASS), (1.09, 1.09, Verdict.PASS), (0.9, 0.9, Verdict.PASS),
     (1.1, 1.1, Verdict.SEMIPASS), (0.88, 0.88, Verdict.SEMIPASS), (1.22, 1.22, Verdict.SEMIPASS),
     (1.23, 1.23, Verdict.FAIL), (0.70, 0.70, Verdict.FAIL), (3.0, 0.34, Verdict.PASS)],
)
def test_cycle2_beam_area(bmaj, bmin, verdict):
    # 1.09^2 = 1.188 (<20 %), 1.1^2 = 1.21; 0.9^2 = 0.81, 0.88^2 = 0.774; 1.22^2 = 1.488, 1.23^2 = 1.513
    assert check_beam_cycle2(bmaj, bmin, 1.0).verdict is verdict


def test_beam_range_uses_geometric_mean():
    assert check_beam_range(1.44, 0.64, 0.9, 1.0).verdict is Verdict.PASS  # sqrt = 0.96
    c = check_beam_range(2.0, 1.0, 0.8, 1.2)  # sqrt(2) = 1.414
    assert c.verdict is Verdict.FAIL and "above" in c.reason
    assert check_beam_range(0.5, 0.5, 0.8, 1.2).verdict is Verdict.FAIL
    assert check_beam_range(0.8, 0.8, 0.8, 1.2).verdict is Verdict.PASS  # edges included
    with pytest.raises(ValueError):
        check_beam_range(1, 1, 1.2, 0.8)


def test_assess_takes_the_worst_check_and_picks_the_rule():
    a = assess(band=6, achieved_rms=1.2e-4, bmaj=1.0, bmin=1.0, requested_rms=1e-4, requested_beam=1.0)
    assert a.rule is Rule.CYCLE2 and a.verdict is Verdict.SEMIPASS
    a = assess(band=6, achieved_rms=1.0e-4, bmaj=2.0, bmin=2.0, requested_rms=1e-4, requested_beam=1.0)
    assert a.verdict is Verdict.FAIL
    a = assess(band=6, achieved_rms=1.0e-4, bmaj=1.0, bmin=1.0, requested_rms=1e-4, beam_range=(0.8, 1.2))
    assert a.rule is Rule.LATER and a.verdict is Verdict.PASS
    a = assess(band=9, achieved_rms=1.25e-4, bmaj=1.0, bmin=1.0, requested_rms=1e-4, beam_range=(0.8, 1.2))
    assert a.verdict is Verdict.FAIL and len(a.checks) == 2


def test_assess_only_what_was_requested():
    a = assess(band=3, achieved_rms=5.0, bmaj=1.0, bmin=1.0, requested_beam=1.0)
    assert [c.name for c in a.checks] == ["beam_area_ratio"] and a.verdict is Verdict.PASS
    assert assess(band=3, achieved_rms=1.0, bmaj=1.0, bmin=1.0).verdict is None


def test_assess_refuses_inconsistent_requests():
    with pytest.raises(ValueError):
        assess(band=3, achieved_rms=1.0, bmaj=1, bmin=1, beam_range=(1, 2), rule=Rule.CYCLE2)
    with pytest.raises(ValueError):
        assess(band=3, achieved_rms=1.0, bmaj=1, bmin=1, requested_beam=1.0, rule=Rule.LATER)
    with pytest.raises(ValueError):
        assess(band=3, achieved_rms=1.0, bmaj=None, bmin=None, requested_beam=1.0)
    with pytest.raises(ValueError):
        assess(band=11, achieved_rms=1.0, bmaj=1, bmin=1)
    with pytest.raises(ValueError):
        check_rms_cycle2(-1.0, 1.0, 3)
    with pytest.raises(ValueError):
        check_rms_cycle2(math.nan, 1.0, 3)


@pytest.mark.parametrize(
    "cell,bmaj,bmin,status",
    [(0.2, 1.0, 1.0, "ok"), (0.21, 1.0, 1.0, "ok"), (0.23, 1.0, 1.0, "coarse"),
     (0.17, 1.0, 1.0, "fine"), (0.4, 1.0, 1.0, "undersampled"),
     # elongated beam: anything between bmin/5 = 0.2 and bmaj/5 = 0.3 is fine
     (0.15, 1.5, 1.0, "fine"), (0.3, 1.5, 1.0, "ok"), (0.25, 1.5, 1.0, "ok"),
     (0.45, 2.0, 1.5, "coarse"), (0.34, 1.5, 1.0, "undersampled")],
)
def test_pixel_size_against_beam_over_five(cell, bmaj, bmin, status):
    p = check_pixel_size(cell, bmaj, bmin)
    assert p.status == status, p.reason
    assert p.pixels_across_minor == pytest.approx(bmin / cell)


def test_rms_scaled_to_the_image_bandwidth():
    assert scale_rms_to_bandwidth(1e-3, 4e6, 1e6) == pytest.approx(2e-3)
    assert scale_rms_to_bandwidth(1e-3, 1e6, 4e6) == pytest.approx(0.5e-3)


def test_values_exactly_on_a_limit_pass_it():
    assert check_rms_cycle2(1.1e-4, 1e-4, 3).verdict is Verdict.PASS
    assert check_rms_cycle2(1.4e-4, 1e-4, 3).verdict is Verdict.SEMIPASS
    assert check_rms_later(1.15e-4, 1e-4, 7).verdict is Verdict.PASS
    assert check_beam_cycle2(1.2, 1.0, 1.0).verdict is Verdict.PASS
    assert check_beam_cycle2(1.5, 1.0, 1.0).verdict is Verdict.SEMIPASS
