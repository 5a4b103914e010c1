"""Noise of an image away from its emission: pure numpy, testable without CASA.

An analyst measures QA2 noise in a box free of emission. We do the same
without asking for a box: pixels brighter than ``clip`` robust sigma (either
sign: a bright source's negative sidelobes are not noise either) are masked,
the mask is grown by one beam so the faint wings of a source go too, and
the noise is re-estimated on what is left until it settles.

The value reported is the standard deviation of the unmasked pixels (what
``imstat`` on an empty region gives, so it matches an analyst's number and
does not flatter non-Gaussian residuals); the MAD-based sigma that drives
the masking is reported beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["NoiseEstimate", "robust_sigma", "grow_mask", "offsource_noise", "plane_noise"]

#: 1 / Phi^-1(3/4): turns a median absolute deviation into a Gaussian sigma.
MAD_TO_SIGMA = 1.482602218505602


def robust_sigma(values: np.ndarray) -> float:
    """Gaussian-equivalent sigma from the median absolute deviation."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return float("nan")
    return float(MAD_TO_SIGMA * np.median(np.abs(values - np.median(values))))


def grow_mask(mask: np.ndarray, radius_pix: float) -> np.ndarray:
    """Dilate a 2-D boolean mask by a disk of ``radius_pix`` (FFT convolution)."""
    if radius_pix < 0.5 or not mask.any():
        return mask.copy()
    r = int(math.ceil(radius_pix))
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    disk = (xx * xx + yy * yy) <= radius_pix * radius_pix
    shape = (mask.shape[0] + 2 * r + 1, mask.shape[1] + 2 * r + 1)
    conv = np.fft.irfft2(
        np.fft.rfft2(mask.astype(float), shape) * np.fft.rfft2(disk.astype(float), shape), shape
    )
    return conv[r : r + mask.shape[0], r : r + mask.shape[1]] > 0.5


@dataclass(frozen=True)
class NoiseEstimate:
    """Noise of one plane (or the median over a cube's planes).

    ``rms`` is the standard deviation of the off-source pixels,
    ``robust_rms`` the MAD-based sigma, ``n_used``/``n_valid`` how many
    pixels the estimate rests on out of those with data, ``planes`` how many
    planes were measured.
    """

    rms: float
    robust_rms: float
    n_used: int
    n_valid: int
    planes: int = 1

    @property
    def masked_fraction(self) -> float:
        return 1.0 - self.n_used / self.n_valid if self.n_valid else 1.0


def plane_noise(
    plane: np.ndarray, beam_radius_pix: float, *, clip: float = 4.0, iterations: int = 6
) -> NoiseEstimate:
    """Off-source noise of one 2-D plane; NaN pixels count as having no data."""
    plane = np.asarray(plane, dtype=float)
    valid = np.isfinite(plane)
    n_valid = int(valid.sum())
    if n_valid < 10:
        return NoiseEstimate(float("nan"), float("nan"), 0, n_valid)
    use = valid.copy()
    sigma = robust_sigma(plane[use])
    centre = float(np.median(plane[use]))
    for _ in range(iterations):
        if not sigma > 0:
            break
        bright = valid & (np.abs(plane - centre) > clip * sigma)
        use = valid & ~grow_mask(bright, beam_radius_pix)
        if use.sum() < 10:
            use = valid & ~bright
        new_sigma = robust_sigma(plane[use])
        centre = float(np.median(plane[use]))
        if abs(new_sigma - sigma) <= 0.005 * sigma:
            sigma = new_sigma
            break
        sigma = new_sigma
    values = plane[use]
    return NoiseEstimate(float(np.std(values)), sigma, int(use.sum()), n_valid)


def offsource_noise(cube: np.ndarray, beam_radius_pix: float, *, clip: float = 4.0) -> NoiseEstimate:
    """Noise of a (nx, ny, nplanes) array: the median over planes with data.

    For a cube the per-channel noise is what a PI's request refers to; the
    median keeps a few line or edge channels from deciding it.
    """
    cube = np.asarray(cube, dtype=float)
    if cube.ndim == 2:
        cube = cube[:, :, None]
    estimates = [plane_noise(cube[:, :, k], beam_radius_pix, clip=clip) for k in range(cube.shape[2])]
    good = [e for e in estimates if math.isfinite(e.rms)]
    if not good:
        return NoiseEstimate(float("nan"), float("nan"), 0, int(np.isfinite(cube).sum()), 0)
    if len(good) == 1:
        return good[0]
    return NoiseEstimate(
        float(np.median([e.rms for e in good])),
        float(np.median([e.robust_rms for e in good])),
        int(sum(e.n_used for e in good)),
        int(sum(e.n_valid for e in good)),
        len(good),
    )
