"""Make CASA images (and FITS exports) whose noise and beam are known.

The pixels are Gaussian noise of a chosen sigma, optionally plus a point
source restored with the beam, so a test knows exactly what QA2 should
measure. Small sizes keep casatools fast on a shared machine.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from scriptgen import casa_env


def gaussian_source(nx: int, ny: int, cell: float, bmaj: float, bmin: float, pa_deg: float,
                    peak: float, x0: float | None = None, y0: float | None = None) -> np.ndarray:
    """A restored point source: an elliptical Gaussian of FWHM (bmaj, bmin), arcsec."""
    x0 = nx / 2 if x0 is None else x0
    y0 = ny / 2 if y0 is None else y0
    yy, xx = np.meshgrid(np.arange(ny), np.arange(nx))
    dx, dy = (xx - x0) * cell, (yy - y0) * cell
    pa = math.radians(pa_deg)
    # PA east of north: the major axis turns from +y (north) towards -x (east)
    u = -dx * math.sin(pa) + dy * math.cos(pa)
    v = dx * math.cos(pa) + dy * math.sin(pa)
    k = 4 * math.log(2)
    return peak * np.exp(-k * ((u / bmaj) ** 2 + (v / bmin) ** 2))


def make_image(path: str | Path, *, sigma: float, bmaj: float, bmin: float, pa: float = 0.0,
               cell: float | None = None, n: int = 128, nchan: int = 1, freq_hz: float = 230e9,
               chan_width_hz: float = 2e9, peak: float = 0.0, seed: int = 1, unit: str = "Jy/beam",
               fits: bool = False, correlated: bool = False) -> Path:
    """Write a CASA image (and ``<path>.fits`` when ``fits``); returns the image path.

    ``correlated`` smooths the noise with the beam (then rescales it to
    ``sigma``), like real interferometric noise; white noise otherwise.
    """
    ct = casa_env.casatools()
    cell = bmin / 5 if cell is None else cell
    rng = np.random.default_rng(seed)
    cube = np.empty((n, n, 1, nchan))
    for k in range(nchan):
        plane = rng.normal(0.0, 1.0, (n, n))
        if correlated:
            kern = gaussian_source(n, n, cell, bmaj, bmin, pa, 1.0)
            plane = np.real(np.fft.ifft2(np.fft.fft2(plane) * np.fft.fft2(np.fft.ifftshift(kern))))
            plane /= plane.std()
        cube[:, :, 0, k] = sigma * plane
        if peak:
            cube[:, :, 0, k] += gaussian_source(n, n, cell, bmaj, bmin, pa, peak)
    cs = ct.coordsys()
    csys = cs.newcoordsys(direction=True, spectral=True, stokes=["I"])
    cs.done()
    csys.setunits(["arcsec", "arcsec", "", "Hz"])
    csys.setincrement([-cell, cell, 1, chan_width_hz])
    csys.setreferencevalue([0.0, -30.0 * 3600, 1, freq_hz - (nchan - 1) / 2 * chan_width_hz])
    csys.setreferencepixel([n / 2, n / 2, 0, 0])
    ia = ct.image()
    path = Path(path)
    ia.fromarray(str(path), pixels=cube, csys=csys.torecord(), overwrite=True)
    csys.done()
    ia.setrestoringbeam(major=f"{bmaj}arcsec", minor=f"{bmin}arcsec", pa=f"{pa}deg")
    ia.setbrightnessunit(unit)
    if fits:
        ia.tofits(str(path) + ".fits", overwrite=True, velocity=False)
    ia.close()
    ia.done()
    return path
