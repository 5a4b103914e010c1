"""Imaging heuristics: beam, cell, image size, deconvolver, masks, threshold."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scriptgen.heuristics import imaging as im


def test_beam_matches_the_handbook_table():
    # ALMA Technical Handbook, band 3, C-1: L80 = 107.1 m; beam minor axis 3.33".
    lengths = np.full(1000, 107.1)
    beam = im.estimate_beam_arcsec(lengths, 100e9)
    assert beam == pytest.approx(3.32, abs=0.02)


def test_beam_uses_a_percentile_not_the_longest_baseline():
    lengths = np.concatenate([np.full(990, 100.0), np.full(10, 5000.0)])  # one far pad
    assert im.estimate_beam_arcsec(lengths, 100e9) == pytest.approx(
        im.estimate_beam_arcsec(np.full(10, 100.0), 100e9)
    )
    with pytest.raises(ValueError):
        im.estimate_beam_arcsec([0.0, float("nan")], 100e9)


def test_beam_scales_with_wavelength():
    lengths = np.linspace(20, 300, 500)
    assert im.estimate_beam_arcsec(lengths, 200e9) == pytest.approx(
        im.estimate_beam_arcsec(lengths, 100e9) / 2
    )


@pytest.mark.parametrize("beam,cell", [(3.32, 0.664), (1.0, 0.2), (0.1234, 0.0246), (12.345, 2.46)])
def test_cell_is_a_fifth_of_the_beam_rounded_down(beam, cell):
    got = im.cell_arcsec(beam)
    assert got == pytest.approx(cell)
    assert got <= beam / 5 + 1e-12
    assert got > 0.99 * beam / 5


def test_quantity_strings_are_casa_quantities():
    assert im.quantity(0.664, "arcsec") == "0.664arcsec"
    assert im.quantity(1.23456e-4, "Jy") == "0.0001235Jy"


def test_fft_friendly_sizes():
    assert im.fft_friendly_size(100) == 100
    assert im.fft_friendly_size(101) == 108
    assert im.fft_friendly_size(127) == 128
    assert im.fft_friendly_size(241) == 250
    assert im.fft_friendly_size(10) == 64  # minimum
    for n in range(64, 2000, 7):
        size = im.fft_friendly_size(n)
        assert size >= n and size % 2 == 0
        m = size
        for p in (2, 3, 5):
            while m % p == 0:
                m //= p
        assert m == 1


def test_primary_beam_and_its_0_2_width():
    # 1.13 * 2.998 mm / 12 m = 58.3"
    assert im.pb_fwhm_arcsec(100e9, 12.0) == pytest.approx(58.26, abs=0.05)
    assert im.pb_fwhm_arcsec(100e9, 7.0) == pytest.approx(58.26 * 12 / 7, abs=0.1)
    assert im.pb_width_factor(0.2) == pytest.approx(1.524, abs=1e-3)
    assert im.pb_width_factor(0.5) == pytest.approx(1.0)


def test_single_field_image_covers_pb_to_0_2():
    pb = im.pb_fwhm_arcsec(100e9, 12.0)
    nx, ny = im.image_size(0.6, pb)
    assert nx == ny
    assert nx * 0.6 >= 1.524 * pb
    assert (nx - 20) * 0.6 < 1.524 * pb  # not wastefully large


def test_mosaic_image_adds_the_pointing_spread():
    pb = 58.3
    nx, ny = im.image_size(0.6, pb, [(-30.0, 0.0), (0.0, 0.0), (30.0, 0.0)])
    assert nx * 0.6 >= 60 + 1.524 * pb
    assert ny < nx


def test_mosaic_centre_is_the_middle_of_the_extent_even_across_ra_zero():
    d = math.radians(1 / 60)
    pointings = [(2 * math.pi - d, 0.0), (d, 0.0), (3 * d, 0.0)]
    (ra, dec), offsets = im.mosaic_centre(pointings)
    assert ra == pytest.approx(d)
    assert [round(o[0], 3) for o in offsets] == [-120.0, 0.0, 120.0]


def test_deconvolver_switches_at_ten_percent():
    assert im.fractional_bandwidth([(90e9, 92e9), (102e9, 104e9)]) == pytest.approx(14 / 97)
    assert im.choose_deconvolver(0.145) == ("mtmfs", 2)
    assert im.choose_deconvolver(0.05) == ("hogbom", 1)


def test_threshold_is_at_least_three_sigma_of_robust_noise():
    assert im.threshold_jy(1e-4) == pytest.approx(3 * 1.1e-4)
    with pytest.raises(ValueError):
        im.threshold_jy(1e-4, nsigma=1.0)


def test_auto_mask_for_small_and_large_arrays():
    small = im.auto_mask(10, 12.0, 150.0, cube=False)
    assert small.sidelobethreshold == 1.5 and small.negativethreshold == 0.0
    assert im.auto_mask(43, 12.0, 150.0, cube=True).sidelobethreshold == 2.0
    assert im.auto_mask(43, 12.0, 150.0, cube=True).negativethreshold == 15.0
    assert im.auto_mask(43, 12.0, 1500.0, cube=False).sidelobethreshold == 3.0
    assert im.auto_mask(10, 7.0, 30.0, cube=False).sidelobethreshold == 1.25


def test_psf_beam_of_a_gaussian_uv_distribution():
    # Natural weighting of Gaussian-distributed uv points gives a Gaussian PSF
    # of sigma_l = 1 / (2 pi sigma_u): FWHM 3.87" for sigma_u = 20 000 lambda.
    rng = np.random.default_rng(0)
    u = rng.normal(0, 2e4, 20000)
    v = rng.normal(0, 1e4, 20000)
    beam = im.psf_beam(u, v, robust=5.0)  # robust 5 = natural
    assert beam.minor == pytest.approx(3.865, rel=0.03)
    assert beam.major == pytest.approx(7.730, rel=0.03)
    assert min(beam.pa_deg, 180 - beam.pa_deg) < 3  # elongated north-south
    assert beam.size == pytest.approx(math.sqrt(beam.major * beam.minor))
    assert 0 <= beam.sidelobe < 0.2
    # Uniform-ish weighting sharpens it.
    assert im.psf_beam(u, v, robust=-2.0).minor < beam.minor


def test_psf_sidelobes_of_a_sparse_snapshot_are_high():
    # Six antennas, one instant: a handful of uv points, strong sidelobes.
    rng = np.random.default_rng(2)
    xy = rng.uniform(-60, 60, (6, 2))
    pairs = [(i, j) for i in range(6) for j in range(i + 1, 6)]
    u = np.array([xy[i, 0] - xy[j, 0] for i, j in pairs]) / 3e-3
    v = np.array([xy[i, 1] - xy[j, 1] for i, j in pairs]) / 3e-3
    assert im.psf_beam(u, v).sidelobe > 0.3


def test_auto_mask_lowers_the_sidelobe_threshold_for_high_sidelobes():
    mask = im.auto_mask(10, 12.0, 60.0, cube=True, sidelobe_level=0.72)
    assert mask.sidelobethreshold * 0.72 <= im.MAX_SIDELOBE_MASK_FRACTION
    assert mask.sidelobethreshold == pytest.approx(0.97)
    assert "0.72" in mask.reason and mask.minbeamfrac == 0.1
    assert im.auto_mask(10, 12.0, 60.0, cube=True, sidelobe_level=0.3).sidelobethreshold == 1.5


def test_calibrator_dynamic_range_by_array_size():
    assert im.calibrator_dynamic_range(10) == 100.0
    assert im.calibrator_dynamic_range(43) == 1000.0
