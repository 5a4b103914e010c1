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
    grid = [(step * (i + 0.5 * (j % 2)), step * math.sqrt(3) / 2 * j) for i in range(-4, 5) for j in range(-4, 5)]
    assert ip.mosaic_overlap_factor(grid, fwhm)[0] == pytest.approx(1.62, abs=0.02)


def test_threshold_is_dynamic_range_limited_only_for_bright_targets():
    sigma = 1e-3
    faint, why = ip.dynamic_range_threshold(sigma, 0.05, 3, 43, 12.0)
    assert faint == pytest.approx(im.threshold_jy(sigma)) and "noise-limited" in why
    bright, why = ip.dynamic_range_threshold(sigma, 10.0, 3, 43, 12.0)
    assert bright == pytest.approx(10.0 / 1000) and "dynamic range 1000" in why
    assert ip.dynamic_range_threshold(sigma, 10.0, 6, 10, 7.0)[0] == pytest.approx(10.0 / 200)


def _beams():
    return {r: im.Beam(s * 1.2, s / 1.2, 0.0) for r, s in {-0.5: 0.6, 0.0: 0.7, 0.5: 0.8, 1.0: 0.9, 2.0: 1.0}.items()}


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
