"""The extended line source of the builder: config, and its sky model (no CASA)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scriptgen.errors import ScriptgenError
from scriptgen.synthetic import ExtendedLineSpec, SyntheticConfig
from scriptgen.synthetic import sky


def _spec(**kw):
    base = dict(offset_arcsec=(30.0, 0.0), fwhm_arcsec=10.0, centre_ghz=90.66, fwhm_mhz=11.0, peak_jy=0.5)
    return ExtendedLineSpec(**{**base, **kw})


def test_config_round_trips_through_json():
    cfg = SyntheticConfig(mosaic_pointings=3, target_scan_s=60.0, extended_line=_spec())
    again = SyntheticConfig.from_json(cfg.to_json())
    assert again == cfg and isinstance(again.extended_line.offset_arcsec, tuple)


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"fwhm_arcsec": 0.0}, "size"),
        ({"offset_arcsec": (700.0, 0.0)}, "within 600"),
        ({"peak_jy": -1.0}, "peak"),
        ({"fwhm_mhz": 0.0}, "FWHM"),
    ],
)
def test_bad_extended_lines_are_refused(kw, message):
    with pytest.raises(ScriptgenError, match=message):
        _spec(**kw)


def test_extended_line_needs_one_target_region():
    with pytest.raises(ScriptgenError, match="one target region"):
        SyntheticConfig(second_target=True, extended_line=_spec())


def test_attenuated_gaussian_is_the_product_of_source_and_beam():
    """Numerically: integrate source x primary beam on a grid and compare
    flux, centre and size with the closed form."""
    arcsec = math.radians(1 / 3600)
    t, b, s = 20 * arcsec, 64 * arcsec, (40 * arcsec, 10 * arcsec)
    l, m, fwhm, fraction = sky.attenuated_gaussian(s, t, np.array([b]))
    x = np.linspace(-60, 140, 801) * arcsec
    xx, yy = np.meshgrid(x, x - 50 * arcsec)
    k = 4 * math.log(2)
    source = np.exp(-k * ((xx - s[0]) ** 2 + (yy - s[1]) ** 2) / t**2)
    seen = source * np.exp(-k * (xx**2 + yy**2) / b**2)
    assert seen.sum() / source.sum() == pytest.approx(fraction[0], rel=1e-3)
    assert (seen * xx).sum() / seen.sum() == pytest.approx(l[0], rel=1e-3)
    assert (seen * yy).sum() / seen.sum() == pytest.approx(m[0], rel=1e-3)
    # Second moment of a Gaussian: sigma^2 = FWHM^2 / (8 ln 2).
    var = (seen * (xx - l[0]) ** 2).sum() / seen.sum()
    assert math.sqrt(var * 8 * math.log(2)) == pytest.approx(fwhm[0], rel=1e-3)


def test_extended_line_visibilities_fall_with_uv_distance_and_carry_the_offset_phase():
    arcsec = math.radians(1 / 3600)
    src = sky.ExtendedLine(ra_rad=0.0 + 30 * arcsec, dec_rad=0.0, fwhm_rad=20 * arcsec,
                           topo_centre_hz=90.66e9, topo_fwhm_hz=11e6, peak_jy=0.8)  # fmt: skip
    uvw = np.array([[0.0, 15.0, 60.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    freqs = np.array([90.66e9, 90.70e9])
    vis = sky.extended_line_vis(uvw, freqs, (0.0, 0.0), 12.0, src)
    pb = np.radians(sky.primary_beam_fwhm_deg(freqs[0], 12.0))
    fraction = sky.attenuated_gaussian((30 * arcsec, 0.0), 20 * arcsec, np.array([pb]))[3][0]
    assert abs(vis[0, 0]) == pytest.approx(0.8 * fraction, rel=1e-6)  # zero spacing: the flux seen
    assert abs(vis[0, 0]) > abs(vis[0, 1]) > 10 * abs(vis[0, 2])  # resolved out on long baselines
    assert abs(vis[1, 0]) < 1e-3 * abs(vis[0, 0])  # off the line: nothing
    # The apparent centre, pulled toward the pointing, sets the phase on the 15 m baseline.
    l_app = sky.attenuated_gaussian((30 * arcsec, 0.0), 20 * arcsec, np.array([pb]))[0][0]
    expected = 2 * math.pi * 15.0 * freqs[0] / sky.C * l_app
    assert np.angle(vis[0, 1] * np.exp(-1j * expected)) == pytest.approx(0.0, abs=1e-6)
