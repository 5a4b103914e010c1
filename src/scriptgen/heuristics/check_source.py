"""The image of a check source (or a phase calibrator) made for astrometry QA.

A check source is a quasar near the target observed with the target's phase
solutions: its image shows how well phase transfer worked. ALMA judges it by
the offset of its fitted position from its catalogue position (the seed:
within 10 % of the synthesized beam) and by its flux against the catalogue
(ALMA pipeline checksource: separation from the reference direction and the
fraction of the reference flux recovered).

Such an image only needs a point source at its centre: a few beams across,
enough pixels across the beam for a Gaussian fit, cleaned to the thermal
noise or to the dynamic range the array reaches, whichever is higher. Pure:
no CASA, unit-tested.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import imaging as im
from . import imaging_params as ip

__all__ = ["CheckImageParams", "check_image_params", "CHECK_IMAGE_BEAMS", "CLEAN_GAIN"]

#: The image spans this many beam major axes: room for the source even with a
#: catalogue error of a beam or two, and for an off-source noise measurement
#: around it, without the primary-beam-sized image a target gets.
CHECK_IMAGE_BEAMS = 16

#: Smallest image: auto-multithresh and the noise statistics need some sky.
MIN_CHECK_IMSIZE = 64

#: tclean's loop gain (its default): each minor-cycle iteration removes this
#: fraction of the residual peak.
CLEAN_GAIN = 0.1

#: niter bounds the run if the mask grows onto noise; a point source needs
#: ln(peak / threshold) / -ln(1 - gain) iterations. Twice that, at least this.
MIN_CHECK_NITER = 100

#: niter when the flux is unknown: a point source of any ALMA check source
#: flux reaches any sensible threshold well within it.
DEFAULT_CHECK_NITER = 1000


@dataclass(frozen=True)
class CheckImageParams:
    """cell, imsize, niter and threshold of a point-source QA image, with reasons."""

    cell_arcsec: float
    imsize: int
    niter: int
    threshold_jy: float
    notes: tuple[str, ...]


def check_image_params(
    beam: im.Beam,
    expected_noise_jy: float,
    flux_jy: float | None,
    n_antennas: int,
    pb_fwhm_arcsec: float | None = None,
) -> CheckImageParams:
    """Decide the imaging parameters of one check-source (or phase-calibrator) image.

    ``beam`` is the expected restoring beam (the PSF of the uv coverage),
    ``expected_noise_jy`` the radiometer-equation noise (natural
    weighting), ``flux_jy`` the source's flux seen in its visibilities (None
    when unknown), ``pb_fwhm_arcsec`` the primary beam (caps the image size).
    """
    if not (beam.major > 0 and beam.minor > 0):
        raise ValueError(f"beam axes must be positive, got {beam.major} x {beam.minor}")
    if not expected_noise_jy > 0:
        raise ValueError("expected noise must be positive")
    cell, cell_why = ip.cell_from_minor(beam)
    span = CHECK_IMAGE_BEAMS * beam.major
    span_why = f"{CHECK_IMAGE_BEAMS} beam major axes"
    if pb_fwhm_arcsec and im.pb_width_factor() * pb_fwhm_arcsec < span:
        # A compact array's beam can be a sizeable part of the primary beam:
        # never larger than a target image (the primary beam to its 0.2 level).
        span = im.pb_width_factor() * pb_fwhm_arcsec
        span_why = f"the primary beam to the {im.PB_LEVEL} level (less than {CHECK_IMAGE_BEAMS} beams)"
    imsize = im.fft_friendly_size(span / cell, MIN_CHECK_IMSIZE)
    size_why = (
        f"imsize {imsize} spans {span_why} ({imsize * cell:.1f}\"): a point source at the centre needs "
        f"no more; rounded up to an FFT-friendly size, at least {MIN_CHECK_IMSIZE}"
    )
    thermal = im.threshold_jy(expected_noise_jy)
    dr = im.calibrator_dynamic_range(n_antennas)
    if flux_jy and flux_jy > 0:
        threshold = max(thermal, flux_jy / dr)
        thr_why = (
            f"threshold {im.quantity(threshold, 'Jy', 3)}: the larger of 3 x 1.1 x the expected noise "
            f"({im.quantity(thermal, 'Jy', 3)}) and the source's {flux_jy:.3g} Jy / {dr:g} (the dynamic "
            f"range {n_antennas} antennas reach on a point source)"
        )
        needed = math.log(max(flux_jy / threshold, 1.0)) / -math.log(1 - CLEAN_GAIN)
        niter = max(MIN_CHECK_NITER, int(math.ceil(2 * needed)))
        niter_why = (
            f"niter {niter}: twice the {needed:.0f} iterations a point source needs from "
            f"{flux_jy:.3g} Jy down to the threshold at loop gain {CLEAN_GAIN:g} (at least {MIN_CHECK_NITER})"
        )
    else:
        threshold = thermal
        thr_why = f"threshold {im.quantity(threshold, 'Jy', 3)} = 3 x 1.1 x the expected noise (flux unknown)"
        niter = DEFAULT_CHECK_NITER
        niter_why = f"niter {niter}: the flux is unknown; ample for a point source"
    return CheckImageParams(cell, imsize, niter, threshold, (cell_why, size_why, thr_why, niter_why))
