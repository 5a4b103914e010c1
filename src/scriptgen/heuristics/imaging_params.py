"""Imaging parameters to archive standard: cell, mosaic overlap, threshold, robust.

Each function returns its value with the sentence the script's comments
show. Pure: no CASA, no I/O.

* cell: a fifth of the beam's **minor** axis (ALMA pipeline
  ``imageparams_base.cell``; NAASC imaging guides: 5-8 pixels across the
  narrowest part of the beam), so an elongated beam is still sampled.
* mosaic overlap: inside a mosaic each sky point is seen by several
  pointings; the pipeline divides the single-pointing noise prediction by
  an overlap factor (``mosaicOverlapFactorMS``, ~1.6 inside a Nyquist mosaic).
* threshold: bright targets are dynamic-range limited (ALMA pipeline
  ``imageparams_alma.dr_correction``): clean to max(3 x noise, peak / DR).
* robust: chosen from PSFs computed for a few robust values from the uv
  coverage, to land the beam in the PI's requested range.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from . import imaging as im

#: Robust values whose PSFs are computed before imaging, in order of preference
#: after the default 0.5 (the pipeline's default; lower = sharper, noisier).
ROBUST_CANDIDATES = (0.5, 0.0, 1.0, -0.5, 2.0, -1.0)


def cell_from_minor(beam: im.Beam) -> tuple[float, str]:
    """Cell (arcsec) = beam minor axis / 5, and why."""
    cell = beam.minor / im.CELLS_PER_BEAM
    return cell, (
        f'cell {cell:.3f}" = minor axis {beam.minor:.3f}" / {im.CELLS_PER_BEAM} (ALMA pipeline '
        f"imageparams_base.cell: {im.CELLS_PER_BEAM} pixels across the narrowest part of the beam; "
        f'beam {beam.major:.3f}" x {beam.minor:.3f}")'
    )


def mosaic_overlap_factor(
    offsets_arcsec: Sequence[tuple[float, float]], pb_fwhm_arcsec: float
) -> tuple[float, str]:
    """Noise gain of a mosaic over one pointing, at its best-covered pointing centre.

    Rule: with equal time per pointing and Gaussian primary beams B_i,
    a linear mosaic's noise at sky position x is sigma_1 / sqrt(sum_i
    B_i(x)^2), sigma_1 being one pointing's noise at its centre. The factor
    is sqrt(sum_i B_i^2) evaluated at each pointing centre, maximised (the
    interior of the mosaic, where QA2 measures). One pointing: 1. A
    7-pointing hexagon spaced FWHM / sqrt 3 gives 1.39; the interior of a
    large hexagonal grid at ALMA's standard spacing (~FWHM / 2) 1.62, the
    pipeline's ~1.6 (mosaicOverlapFactorMS).
    """
    if len(offsets_arcsec) < 2:
        return 1.0, "single pointing: no mosaic overlap"
    k = 4 * math.log(2) / pb_fwhm_arcsec**2
    best = 1.0
    for x0, y0 in offsets_arcsec:
        total = sum(math.exp(-2 * k * ((x - x0) ** 2 + (y - y0) ** 2)) for x, y in offsets_arcsec)
        best = max(best, math.sqrt(total))
    return best, (
        f"mosaic of {len(offsets_arcsec)} pointings: noise divided by the overlap factor {best:.2f} = "
        f"sqrt(sum of the pointings' squared primary beams (FWHM {pb_fwhm_arcsec:.1f}\")) at the "
        "best-covered pointing centre (ALMA pipeline mosaicOverlapFactorMS)"
    )


#: Dynamic range a clean can reach, by array (stated rule, after the ALMA
#: pipeline's dynamic-range correction, imageparams_alma.dr_correction): the
#: 12 m array with many antennas reaches ~1000 at bands 3-7, less at high
#: frequency where phase noise grows; few antennas or the 7 m array ~100-200.
def dynamic_range_limit(band: int | None, n_antennas: int, dish_m: float) -> float:
    if dish_m < 10 or n_antennas < 16:
        return 100.0 if n_antennas < 10 else 200.0
    return 1000.0 if (band or 0) <= 7 else 500.0


def dynamic_range_threshold(
    sigma_jy: float, peak_jy: float | None, band: int | None, n_antennas: int, dish_m: float
) -> tuple[float, str]:
    """Clean threshold max(3 x 1.1 x sigma, peak / DR) and why."""
    thermal = im.threshold_jy(sigma_jy)
    if not peak_jy or peak_jy <= 0:
        return (
            thermal,
            f"threshold {thermal * 1e3:.3g} mJy = {im.THRESHOLD_NSIGMA:g} x {im.ROBUST_NOISE_FACTOR} x noise",
        )
    dr = dynamic_range_limit(band, n_antennas, dish_m)
    limit = peak_jy / dr
    if limit <= thermal:
        return thermal, (
            f"threshold {thermal * 1e3:.3g} mJy = {im.THRESHOLD_NSIGMA:g} x {im.ROBUST_NOISE_FACTOR} x noise "
            f"(noise-limited: peak ~{peak_jy:.3g} Jy / dynamic range {dr:g} = {limit * 1e3:.3g} mJy is below it)"
        )
    return limit, (
        f"threshold {limit * 1e3:.3g} mJy = peak ~{peak_jy:.3g} Jy / dynamic range {dr:g} (bright target, "
        f"dynamic-range limited; ALMA pipeline dr_correction): above {im.THRESHOLD_NSIGMA:g} x "
        f"{im.ROBUST_NOISE_FACTOR} x noise = {thermal * 1e3:.3g} mJy"
    )


def choose_robust(
    beams: Mapping[float, im.Beam], beam_range_arcsec: tuple[float, float] | None
) -> tuple[float, str]:
    """The robust whose beam (geometric mean of the axes) meets the requested range.

    ``beams``: robust -> beam fitted to the PSF of the uv coverage. Without
    a range, 0.5. Within the range, the first of ``ROBUST_CANDIDATES``
    (0.5 first: the pipeline's default trade of resolution and noise). If
    none is within, the robust whose beam is nearest to the range (in the
    ratio sense), and the reason says that QA2 will flag the resolution and
    that a uv taper (too large a beam is not fixable by weighting) or more
    data is the remedy.
    """
    table = ", ".join(f'robust {r:g}: {b.size:.3f}"' for r, b in sorted(beams.items()))
    if not beam_range_arcsec or not beams:
        return (
            im.ROBUST,
            f"robust {im.ROBUST} (no requested resolution range); PSFs: {table or 'not computed'}",
        )
    low, high = beam_range_arcsec
    order = [r for r in ROBUST_CANDIDATES if r in beams] + sorted(
        r for r in beams if r not in ROBUST_CANDIDATES
    )
    for r in order:
        if low <= beams[r].size <= high:
            return r, (
                f'robust {r:g}: its beam {beams[r].size:.3f}" is within the requested {low:g}-{high:g}" '
                f"(first of the preference order {list(ROBUST_CANDIDATES)}); PSFs of the uv coverage: {table}"
            )

    def miss(r: float) -> float:
        s = beams[r].size
        return math.log(low / s) if s < low else math.log(s / high)

    best = min(order, key=miss)
    side = "smaller" if beams[best].size < low else "larger"
    remedy = (
        "a uv taper would enlarge it"
        if side == "smaller"
        else "no weighting reaches it: more extended-configuration data"
    )
    return best, (
        f'robust {best:g}: no robust gives a beam within {low:g}-{high:g}"; its beam {beams[best].size:.3f}" is '
        f"the nearest ({side}; {remedy}); PSFs of the uv coverage: {table}"
    )
