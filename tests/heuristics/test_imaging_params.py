"""Imaging parameters to archive standard (scriptgen.heuristics.imaging_params)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scriptgen.heuristics import imaging as im
from scriptgen.heuristics import imaging_params as ip


def test_cell_is_a_fifth_of_the_minor_axis():
    cell, why = ip.cell_from_minor(im.Beam(2.0, 0.8, 30.0))
    assert cell == pytest.approx(0.16) and "minor" in why


def test_overlap_of_a_single_pointing_is_one():
    assert ip.mosaic_overlap_factor([(0.0, 0.0)], 27.0)[0] == 1.0


def test_overlap_of_a_hexagonal_mosaic():
    fwhm = 27.0
    step = fwhm / math.sqrt(3)
    hexagon = [(0.0, 0.0)] + [(step * math.cos(a), step * math.sin(a)) for a in np.arange(6) * math.pi / 3]
    factor, why = ip.mosaic_overlap_factor(hexagon, fwhm)
    assert factor == pytest.approx(1.39, abs=0.02) and "mosaicOverlapFactorMS" in why
    # ALMA's standard spacing (about half the primary-beam FWHM): the interior
    # of a large hexagonal grid gets the pipeline's ~1.6.
    step = fwhm / 2
    grid = [
        (step * (i + 0.5 * (j % 2)), step * math.sqrt(3) / 2 * j) for i in range(-4, 5) for j in range(-4, 5)
    ]
    assert ip.mosaic_overlap_factor(grid, fwhm)[0] == pytest.approx(1.62, abs=0.02)


def test_threshold_is_dynamic_range_limited_only_for_bright_targets():
    sigma = 1e-3
    faint, why = ip.dynamic_range_threshold(sigma, 0.05, 3, 43, 12.0)
    assert faint == pytest.approx(im.threshold_jy(sigma)) and "noise-limited" in why
    bright, why = ip.dynamic_range_threshold(sigma, 10.0, 3, 43, 12.0)
    assert bright == pytest.approx(10.0 / 1000) and "dynamic range 1000" in why
    assert ip.dynamic_range_threshold(sigma, 10.0, 6, 10, 7.0)[0] == pytest.approx(10.0 / 200)


def _beams():
    return {
        r: im.Beam(s * 1.2, s / 1.2, 0.0)
        for r, s in {-0.5: 0.6, 0.0: 0.7, 0.5: 0.8, 1.0: 0.9, 2.0: 1.0}.items()
    }


def test_robust_prefers_half_when_its_beam_is_in_range():
    robust, why = ip.choose_robust(_beams(), (0.75, 1.2))
    assert robust == 0.5 and "within" in why


def test_robust_moves_to_meet_a_finer_request():
    robust, why = ip.choose_robust(_beams(), (0.55, 0.72))
    assert robust == 0.0 and "0.700" in why


def test_robust_nearest_when_no_value_reaches_the_range():
    robust, why = ip.choose_robust(_beams(), (1.3, 2.0))
    assert robust == 2.0 and "no robust" in why and "uv taper" in why
    robust, why = ip.choose_robust(_beams(), (0.2, 0.4))
    assert robust == -0.5 and "larger" in why


def test_robust_default_without_a_request():
    assert ip.choose_robust(_beams(), None)[0] == 0.5


def _plan_inputs(**changes):
    import dataclasses

    from tests.heuristics.test_imaging_plan import inputs

    return dataclasses.replace(inputs(), **changes)


def test_plan_uses_the_minor_axis_cubesource_and_the_mosaic_overlap():
    import dataclasses

    from scriptgen.heuristics.imaging_plan import plan_imaging
    from scriptgen.render import make_environment
    from scriptgen.scripts import imaging as script
    from tests.support.ebfactory import tdm_fdm_eb

    beam = im.Beam(3.0, 1.0, 20.0)
    ins = _plan_inputs(beam=beam, beam_freq_hz=100e9)
    eb = tdm_fdm_eb(mosaic=3)
    single = plan_imaging(tdm_fdm_eb(), ins)
    mosaic = plan_imaging(eb, ins)
    cont = single.continuum[0]
    centre = float(cont.notes[0].split(" at ")[1].split(" GHz")[0]) * 1e9
    assert float(cont.cell[:-6]) == pytest.approx(beam.scaled(100e9 / centre).minor / 5, rel=0.01)
    overlap = [n for n in mosaic.continuum[0].notes if "overlap factor" in n]
    assert overlap, mosaic.continuum[0].notes
    # Each of the 3 pointings gets a third of the time; the overlap wins part of it back.
    est = mosaic.noise["NGC_3256 continuum"]
    factor = float(est.bandwidth_note.split("overlap factor ")[1])
    assert 1.3 < factor < 1.7
    single_sigma = single.noise["NGC_3256 continuum"].sigma_jy
    assert est.sigma_jy * factor == pytest.approx(single_sigma * math.sqrt(3), rel=0.02)
    fields = tuple(dataclasses.replace(f, is_ephemeris=True) if f.field_id >= 3 else f for f in eb.fields)
    moving = plan_imaging(dataclasses.replace(eb, fields=fields), ins)
    assert {c.specmode for c in moving.cubes} == {"cubesource"} and {c.outframe for c in moving.cubes} == {""}
    text = script.render(moving, make_environment())
    assert "specmode=\"cubesource\"" in text and "outframe=" not in text


def test_plan_picks_the_robust_for_the_requested_range():
    from scriptgen.heuristics.imaging_plan import plan_imaging
    from tests.support.ebfactory import tdm_fdm_eb

    beams = {r: im.Beam(s, s, 0.0) for r, s in {0.5: 2.0, 0.0: 1.6, -0.5: 1.4, 1.0: 2.3, 2.0: 2.6, -1.0: 1.3}.items()}
    ins = _plan_inputs(beam=beams[0.5], beam_freq_hz=100e9, beams_by_robust=beams)
    plan = plan_imaging(tdm_fdm_eb(), ins, beam_range_arcsec=(1.0, 1.7))
    assert {c.robust for c in plan.continuum + plan.cubes} == {0.0}
    assert any(d.startswith("robust 0:") for d in plan.decisions)
    assert plan_imaging(tdm_fdm_eb(), ins).continuum[0].robust == 0.5
