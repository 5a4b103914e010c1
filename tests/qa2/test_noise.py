"""Off-source noise on numpy arrays with known noise and sources."""

import numpy as np
import pytest

from scriptgen.qa2.noise import grow_mask, offsource_noise, plane_noise, robust_sigma


def test_robust_sigma_of_gaussian_noise():
    rng = np.random.default_rng(3)
    assert robust_sigma(rng.normal(0, 2.0, 200_000)) == pytest.approx(2.0, rel=0.01)


def test_grow_mask_is_a_disk():
    m = np.zeros((21, 21), bool)
    m[10, 10] = True
    g = grow_mask(m, 3.0)
    assert g.sum() == 29  # lattice points within radius 3
    assert g[10, 13] and not g[10, 14] and not g[12, 13]


def test_bright_sources_do_not_raise_the_noise():
    rng = np.random.default_rng(4)
    plane = rng.normal(0, 1e-4, (256, 256))
    yy, xx = np.mgrid[:256, :256]
    for x0, y0, peak in ((128, 128, 0.5), (60, 200, 0.01), (200, 50, -0.002)):
        plane += peak * np.exp(-4 * np.log(2) * ((xx - x0) ** 2 + (yy - y0) ** 2) / 6.0**2)
    naive = plane.std()
    est = plane_noise(plane, 6.0)
    assert naive > 5e-4  # the sources dominate a plain standard deviation
    assert est.rms == pytest.approx(1e-4, rel=0.03)
    assert 0 < est.masked_fraction < 0.1


def test_nan_pixels_are_outside_the_image():
    rng = np.random.default_rng(5)
    plane = rng.normal(0, 3.0, (128, 128))
    plane[:, :40] = np.nan
    est = plane_noise(plane, 2.0)
    assert est.n_valid == 128 * 88 and est.rms == pytest.approx(3.0, rel=0.04)


def test_cube_noise_is_median_over_planes():
    rng = np.random.default_rng(6)
    cube = rng.normal(0, 1.0, (64, 64, 7))
    cube[:, :, 3] *= 50  # one bad channel
    est = offsource_noise(cube, 2.0)
    assert est.planes == 7 and est.rms == pytest.approx(1.0, rel=0.05)


def test_no_data_gives_nan():
    est = offsource_noise(np.full((8, 8), np.nan), 1.0)
    assert np.isnan(est.rms)
