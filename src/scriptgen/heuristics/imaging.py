"""Imaging decisions: beam, cell, image size, deconvolver, masks, thresholds.

Each function answers one question an analyst answers by hand when writing
``scriptForImaging.py`` and returns a value tclean accepts directly
(``'0.42arcsec'``, ``[320, 320]``, ``'mtmfs'``). Every number that is not
physics carries its reason next to it. Pure functions: the uv distances
come from :mod:`scriptgen.imaging_inputs` (which reads the MS), never from
here, so all of it is unit-tested without CASA.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "AutoMask",
    "BEAM_L80_FACTOR",
    "CELLS_PER_BEAM",
    "MTMFS_FRACTIONAL_BANDWIDTH",
    "PB_LEVEL",
    "ROBUST",
    "SPEED_OF_LIGHT",
    "Beam",
    "auto_mask",
    "psf_beam",
    "beam_from_l80_arcsec",
    "l80_m",
    "cell_arcsec",
    "choose_deconvolver",
    "estimate_beam_arcsec",
    "fft_friendly_size",
    "fractional_bandwidth",
    "image_size",
    "mosaic_centre",
    "pb_fwhm_arcsec",
    "pb_width_factor",
    "quantity",
    "threshold_jy",
]

SPEED_OF_LIGHT = 299_792_458.0
RAD_TO_ARCSEC = 180.0 / math.pi * 3600.0

#: Synthesized beam FWHM ~ 0.574 lambda / L80, L80 the 80th percentile of
#: the projected baseline lengths: the relation the ALMA Technical Handbook
#: gives for Briggs robust 0.5 (Cycle 7 onwards). Checked against its table
#: (band 3, C-1: L80 = 107 m gives 3.32", the tabulated minor axis is 3.33").
#: A percentile rather than the longest baseline keeps one outlying pad from
#: shrinking the cell, and using *projected* lengths includes the source's
#: declination.
BEAM_L80_FACTOR = 0.574
BEAM_PERCENTILE = 80.0

#: Pixels across the beam (ALMA QA2 and pipeline convention: beam / 5), so
#: that the beam is Nyquist sampled with margin for clean's point models.
CELLS_PER_BEAM = 5

#: The image covers the primary beam down to this response (ALMA pipeline's
#: pblimit), so sources anywhere in the useful field are imaged.
PB_LEVEL = 0.2

#: Primary beam FWHM = 1.13 lambda / D for ALMA's tapered illumination
#: (12 m and 7 m antennas alike).
PB_FWHM_FACTOR = 1.13

#: Briggs robust 0.5: ALMA's default compromise between natural weighting's
#: sensitivity and uniform weighting's resolution.
ROBUST = 0.5

#: Noise of a robust 0.5 image relative to natural weighting. It depends on
#: the uv coverage; ~1.1 is typical of ALMA configurations and keeps the
#: clean threshold from being set below the real noise.
ROBUST_NOISE_FACTOR = 1.1

#: Clean down to this many times the expected noise: below ~3 sigma without
#: a tight mask clean starts modelling noise (measured on these machines:
#: a 1 sigma threshold over-cleans).
THRESHOLD_NSIGMA = 3.0

#: Above this fractional bandwidth a single flat-spectrum model (mfs) leaves
#: errors of order alpha * dnu/nu at the band edges: 10 % and a dust-like
#: alpha of 3 give +-15 % flux errors across the band, visible in any image
#: with a dynamic range above ~100. Below it the error is under the thermal
#: noise of typical ALMA continuum images. mtmfs with nterms=2 models the
#: spectral slope and costs about twice the memory and time.
MTMFS_FRACTIONAL_BANDWIDTH = 0.10

#: FFT sizes tclean grids fastest: products of 2, 3 and 5 only, and even.
_FFT_PRIMES = (2, 3, 5)


def quantity(value: float, unit: str, digits: int = 4) -> str:
    """A CASA quantity string, with a fixed number of significant digits."""
    return f"{float(f'{value:.{digits}g}'):g}{unit}"


def pb_fwhm_arcsec(freq_hz: float, dish_m: float) -> float:
    """Primary beam FWHM of an ALMA antenna at ``freq_hz``."""
    if freq_hz <= 0 or dish_m <= 0:
        raise ValueError("frequency and dish diameter must be positive")
    return PB_FWHM_FACTOR * SPEED_OF_LIGHT / freq_hz / dish_m * RAD_TO_ARCSEC


def pb_width_factor(level: float = PB_LEVEL) -> float:
    """Full width of a Gaussian primary beam at ``level``, in units of its FWHM.

    sqrt(ln(1/level) / ln 2): 1.52 for the 0.2 level, i.e. the image must be
    about 1.5 times the PB FWHM across.
    """
    if not 0 < level < 1:
        raise ValueError("primary beam level must be between 0 and 1")
    return math.sqrt(math.log(1.0 / level) / math.log(2.0))


def l80_m(uv_lengths_m: Iterable[float] | np.ndarray) -> float:
    """80th percentile of the projected baseline lengths (see BEAM_L80_FACTOR)."""
    lengths = np.asarray(
        uv_lengths_m if isinstance(uv_lengths_m, np.ndarray) else list(uv_lengths_m), dtype=float
    )
    lengths = lengths[np.isfinite(lengths) & (lengths > 0)]
    if lengths.size == 0:
        raise ValueError("no baselines to estimate a beam from")
    return float(np.percentile(lengths, BEAM_PERCENTILE))


def beam_from_l80_arcsec(l80: float, freq_hz: float) -> float:
    """Synthesized beam FWHM (robust 0.5) for a given L80 and frequency."""
    if l80 <= 0 or freq_hz <= 0:
        raise ValueError("L80 and frequency must be positive")
    return BEAM_L80_FACTOR * SPEED_OF_LIGHT / freq_hz / l80 * RAD_TO_ARCSEC


def estimate_beam_arcsec(uv_lengths_m: Iterable[float] | np.ndarray, freq_hz: float) -> float:
    """Synthesized beam FWHM for robust 0.5 from the projected baselines.

    ``uv_lengths_m`` are the projected baseline lengths sqrt(u^2 + v^2) of
    the visibilities (one per row, so long-observed baselines count more, as
    they do in the image); see :data:`BEAM_L80_FACTOR`.
    """
    return beam_from_l80_arcsec(l80_m(uv_lengths_m), freq_hz)


@dataclass(frozen=True)
class Beam:
    """An elliptical Gaussian beam (FWHM axes in arcsec, PA in degrees E of N)."""

    major: float
    minor: float
    pa_deg: float
    #: Highest |PSF| outside the main lobe (0 when unknown); drives automasking.
    sidelobe: float = 0.0

    @property
    def size(self) -> float:
        """Geometric mean of the axes: the beam 'size' QA2 compares (area-equivalent)."""
        return math.sqrt(self.major * self.minor)

    def scaled(self, factor: float) -> "Beam":
        return Beam(self.major * factor, self.minor * factor, self.pa_deg, self.sidelobe)


#: Main-lobe level the Gaussian is fitted above; tclean's psfcutoff default.
PSF_CUTOFF = 0.35

#: Image size of the PSF computed at generation time; with the cell below it
#: spans ~25 beams, enough for the main lobe and a robust-weighting density.
PSF_NPIX = 256


def psf_beam(
    u_lambda: np.ndarray,
    v_lambda: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    robust: float = ROBUST,
    first_guess_arcsec: float | None = None,
    field_of_view_arcsec: float | None = None,
) -> Beam:
    """The restoring beam tclean will fit, computed from the uv coverage.

    The 0.574 lambda/L80 rule holds for full ALMA configurations and long
    tracks; a short snapshot with a handful of antennas gives an elongated,
    larger beam. So we do what tclean does, in miniature: grid the weights
    (with their Hermitian partners), apply Briggs weighting with the
    gridded density (robust R: f^2 = (5 10^-R)^2 / (sum W^2 / sum w)),
    Fourier transform to the PSF and fit an elliptical Gaussian to its main
    lobe above 0.35 (tclean's psfcutoff), by linear least squares on
    log(PSF).

    ``u_lambda``/``v_lambda`` are in wavelengths. ``first_guess_arcsec``
    sets the PSF pixel (guess/10); ``field_of_view_arcsec`` sets the uv
    cell of the weighting density, as the image size does in tclean.
    """
    u = np.asarray(u_lambda, dtype=float)
    v = np.asarray(v_lambda, dtype=float)
    w = np.ones_like(u) if weights is None else np.asarray(weights, dtype=float)
    keep = np.isfinite(u) & np.isfinite(v) & (w > 0) & (np.hypot(u, v) > 0)
    u, v, w = u[keep], v[keep], w[keep]
    if u.size == 0:
        raise ValueError("no uv points to compute a PSF from")
    if first_guess_arcsec is None:
        first_guess_arcsec = BEAM_L80_FACTOR / float(np.percentile(np.hypot(u, v), BEAM_PERCENTILE)) * RAD_TO_ARCSEC
    u = np.concatenate([u, -u])
    v = np.concatenate([v, -v])
    w = np.concatenate([w, w])
    # Briggs weighting on a density grid of cell 1/FOV.
    fov = (field_of_view_arcsec or 25 * first_guess_arcsec) / RAD_TO_ARCSEC
    du = 1.0 / fov
    iu = np.round(u / du).astype(np.int64)
    iv = np.round(v / du).astype(np.int64)
    keys = iu * 4_000_003 + iv
    _, inverse = np.unique(keys, return_inverse=True)
    density = np.bincount(inverse, weights=w)
    f2 = (5 * 10 ** (-robust)) ** 2 / (np.sum(density**2) / np.sum(w))
    w = w / (1 + density[inverse] * f2)
    # PSF on a grid with pixel = guess / 10.
    cell = first_guess_arcsec / 10 / RAD_TO_ARCSEC
    n = PSF_NPIX
    duv = 1.0 / (n * cell)
    gu = np.round(u / duv).astype(np.int64) % n
    gv = np.round(v / duv).astype(np.int64) % n
    grid = np.zeros((n, n))
    np.add.at(grid, (gv, gu), w)
    psf = np.fft.fftshift(np.real(np.fft.ifft2(grid)))
    psf /= psf[n // 2, n // 2]
    # Main lobe: pixels above the cutoff connected to the centre (flood fill).
    lobe = np.zeros_like(psf, dtype=bool)
    stack = [(n // 2, n // 2)]
    while stack:
        y, x = stack.pop()
        if 0 <= y < n and 0 <= x < n and not lobe[y, x] and psf[y, x] > PSF_CUTOFF:
            lobe[y, x] = True
            stack += [(y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)]
    ys, xs = np.nonzero(lobe)
    if ys.size < 6:
        raise ValueError("PSF main lobe is unresolved at the chosen pixel size")
    # Sky offsets in arcsec: x = -l (RA increases to the left), y = m.
    l = (xs - n // 2) * first_guess_arcsec / 10
    m = (ys - n // 2) * first_guess_arcsec / 10
    design = np.column_stack([l * l, 2 * l * m, m * m])
    coeffs, *_ = np.linalg.lstsq(design, -np.log(psf[ys, xs]), rcond=None)
    a, b, c = coeffs
    evals, evecs = np.linalg.eigh(np.array([[a, b], [b, c]]))
    if np.any(evals <= 0):
        raise ValueError("PSF main lobe is not a Gaussian-like peak")
    fwhm = 2 * np.sqrt(np.log(2) / evals)  # small eigenvalue -> major axis
    major, minor = float(fwhm[0]), float(fwhm[1])
    vec = evecs[:, 0]  # direction (l, m) of the major axis
    pa = math.degrees(math.atan2(vec[0], vec[1])) % 180.0
    return Beam(major, minor, pa, _sidelobe_level(psf))


def _sidelobe_level(psf: np.ndarray) -> float:
    """Highest |PSF| outside the main lobe (bounded by its first zero)."""
    n = psf.shape[0]
    lobe = np.zeros_like(psf, dtype=bool)
    stack = [(n // 2, n // 2)]
    while stack:
        y, x = stack.pop()
        if 0 <= y < n and 0 <= x < n and not lobe[y, x] and psf[y, x] > 0:
            lobe[y, x] = True
            stack += [(y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)]
    outside = np.abs(psf[~lobe])
    return float(outside.max()) if outside.size else 0.0


def cell_arcsec(beam_arcsec: float) -> float:
    """Pixel size: beam / 5, rounded *down* to 3 significant digits.

    Rounding down keeps at least five pixels per beam and makes the literal
    in the script short and stable across tiny changes of the data.
    """
    if beam_arcsec <= 0:
        raise ValueError("beam must be positive")
    raw = beam_arcsec / CELLS_PER_BEAM
    scale = 10 ** (math.floor(math.log10(raw)) - 2)
    return math.floor(raw / scale + 1e-9) * scale


def _is_smooth(n: int) -> bool:
    for p in _FFT_PRIMES:
        while n % p == 0:
            n //= p
    return n == 1


def fft_friendly_size(n: float, minimum: int = 64) -> int:
    """Smallest even size >= n whose only prime factors are 2, 3 and 5.

    ``minimum`` keeps tiny images (a compact array at high frequency)
    large enough for automasking and noise statistics to work.
    """
    size = max(int(math.ceil(n - 1e-9)), minimum)
    if size % 2:
        size += 1
    while not _is_smooth(size):
        size += 2
    return size


def image_size(
    cell: float,
    pb_fwhm: float,
    offsets_arcsec: Sequence[tuple[float, float]] = ((0.0, 0.0),),
    level: float = PB_LEVEL,
) -> list[int]:
    """[nx, ny] pixels covering every pointing's primary beam to ``level``.

    ``offsets_arcsec`` are the pointings' (east, north) offsets from the
    image centre (one (0, 0) for a single field); the image spans their
    extent plus the primary beam width at ``level`` in each direction. All
    in arcsec, ``cell`` included.
    """
    width = pb_width_factor(level) * pb_fwhm
    xs = [o[0] for o in offsets_arcsec]
    ys = [o[1] for o in offsets_arcsec]
    span_x = 2 * max(abs(x) for x in xs) + width
    span_y = 2 * max(abs(y) for y in ys) + width
    return [fft_friendly_size(span_x / cell), fft_friendly_size(span_y / cell)]


def mosaic_centre(
    positions_rad: Sequence[tuple[float, float]],
) -> tuple[tuple[float, float], list[tuple[float, float]]]:
    """Centre (ra, dec in rad) of a set of pointings and their offsets (arcsec).

    The centre is the middle of the pointings' extent (not their mean), so
    the image is symmetric about it. RA offsets are scaled by cos(dec) and
    taken across the 0/2pi wrap correctly.
    """
    if not positions_rad:
        raise ValueError("no pointings")
    ra0 = positions_rad[0][0]
    dra = [math.remainder(ra - ra0, 2 * math.pi) for ra, _ in positions_rad]
    decs = [dec for _, dec in positions_rad]
    ra_c = (ra0 + (max(dra) + min(dra)) / 2) % (2 * math.pi)
    dec_c = (max(decs) + min(decs)) / 2
    offsets = [
        (
            math.remainder(ra - ra_c, 2 * math.pi) * math.cos(dec) * RAD_TO_ARCSEC,
            (dec - dec_c) * RAD_TO_ARCSEC,
        )
        for ra, dec in positions_rad
    ]
    return (ra_c, dec_c), offsets


def fractional_bandwidth(ranges_hz: Iterable[tuple[float, float]]) -> float:
    """(highest - lowest frequency) / centre over all the given ranges."""
    edges = [f for r in ranges_hz for f in r]
    if not edges:
        raise ValueError("no frequency ranges")
    low, high = min(edges), max(edges)
    return (high - low) / ((high + low) / 2)


def choose_deconvolver(frac_bw: float) -> tuple[str, int]:
    """('mfs'-style 'hogbom', 1) or ('mtmfs', 2); see MTMFS_FRACTIONAL_BANDWIDTH."""
    if frac_bw > MTMFS_FRACTIONAL_BANDWIDTH:
        return "mtmfs", 2
    return "hogbom", 1


def threshold_jy(expected_natural_jy: float, nsigma: float = THRESHOLD_NSIGMA) -> float:
    """Clean threshold: ``nsigma`` x the expected robust-0.5 noise.

    The radiometer equation gives the naturally weighted noise; robust 0.5
    is noisier by :data:`ROBUST_NOISE_FACTOR`. ``nsigma`` below 3 is refused
    (see :data:`THRESHOLD_NSIGMA`).
    """
    if nsigma < 3.0:
        raise ValueError("a clean threshold below 3 sigma over-cleans; use nsigma >= 3")
    if expected_natural_jy <= 0:
        raise ValueError("expected noise must be positive")
    return nsigma * ROBUST_NOISE_FACTOR * expected_natural_jy


#: Dynamic range to which calibrator images (made for QA) are cleaned. A
#: snapshot with few antennas rarely reaches more than ~100 before residual
#: calibration errors and PSF sidelobes dominate; full arrays reach 1000s.
#: Cleaning a 1 Jy calibrator to its thermal noise instead took 7 of the
#: 14 minutes of a 10-antenna test run.
CALIBRATOR_DYNAMIC_RANGE = {16: 100.0, 10_000: 1000.0}


def calibrator_dynamic_range(n_antennas: int) -> float:
    """Dynamic range worth cleaning a calibrator image to (see above)."""
    for max_ant, dr in sorted(CALIBRATOR_DYNAMIC_RANGE.items()):
        if n_antennas <= max_ant:
            return dr
    return max(CALIBRATOR_DYNAMIC_RANGE.values())


@dataclass(frozen=True)
class AutoMask:
    """tclean auto-multithresh parameters and why they were chosen."""

    sidelobethreshold: float
    noisethreshold: float
    lownoisethreshold: float
    minbeamfrac: float
    negativethreshold: float
    reason: str


#: Arrays this small have PSF sidelobes too high for the 12 m defaults: with
#: 10 antennas the default sidelobe threshold masked nothing, 1.5 worked
#: (measured on these machines, casa-simulation-facts); 8 antennas stayed
#: dirty even then.
SMALL_ARRAY_ANTENNAS = 16

#: Projected baseline (80th percentile) above which a 12 m configuration is
#: "extended" for masking purposes: longer baselines give lower sidelobes
#: relative to the noise and higher thresholds avoid masking them.
EXTENDED_L80_M = 400.0


#: auto-multithresh first masks emission brighter than sidelobethreshold x
#: (PSF sidelobe level) x peak. With a snapshot of few antennas the sidelobes
#: reach ~0.7 of the peak (measured here: 0.72 with 10 antennas, 2 min), and
#: 1.5 x 0.72 > 1 masks nothing at all; so the product is capped at this
#: fraction of the peak, low enough to catch the source, still above the
#: sidelobes.
MAX_SIDELOBE_MASK_FRACTION = 0.7

#: With the threshold that close to the peak, the first mask of a point
#: source is the part above ~0.7-0.8 of it: 0.25-0.35 beam areas, which
#: pruning at the 12 m default minbeamfrac 0.3 removed (measured: a 0.5 Jy
#: line in 10-antenna cubes stayed uncleaned); 0.1 (the ACA value) keeps it.
HIGH_SIDELOBE_MINBEAMFRAC = 0.1


def auto_mask(
    n_antennas: int, dish_m: float, l80_m: float, *, cube: bool, sidelobe_level: float = 0.0
) -> AutoMask:
    """auto-multithresh settings for this array and PSF (see the constants above)."""
    base = _auto_mask_table(n_antennas, dish_m, l80_m, cube=cube)
    if sidelobe_level > 0 and base.sidelobethreshold * sidelobe_level > MAX_SIDELOBE_MASK_FRACTION:
        lowered = math.floor(MAX_SIDELOBE_MASK_FRACTION / sidelobe_level * 100) / 100
        return AutoMask(
            lowered,
            base.noisethreshold,
            base.lownoisethreshold,
            min(base.minbeamfrac, HIGH_SIDELOBE_MINBEAMFRAC),
            base.negativethreshold,
            f"{base.reason}; PSF sidelobes reach {sidelobe_level:.2f} of the peak, so "
            f"sidelobethreshold {lowered} (x {sidelobe_level:.2f} = {lowered * sidelobe_level:.2f} "
            f"of the peak; higher would mask nothing) and minbeamfrac {HIGH_SIDELOBE_MINBEAMFRAC} "
            "(the first mask is only the top of the peak, smaller than 0.3 beams)",
        )
    return base


def _auto_mask_table(n_antennas: int, dish_m: float, l80_m: float, *, cube: bool) -> AutoMask:
    """auto-multithresh settings for this array.

    Starting points are the values CASA's automasking guide gives for ALMA
    (12 m compact, 12 m extended, 7 m); small arrays get the measured
    sidelobe threshold of 1.5. For cubes, negative features deeper than
    15 sigma (absorption) are masked too; for continuum they are not.
    """
    negative = 15.0 if cube else 0.0
    if dish_m < 10.0:
        return AutoMask(1.25, 5.0, 2.0, 0.1, negative, "7 m array: ACA automasking values")
    if n_antennas <= SMALL_ARRAY_ANTENNAS:
        return AutoMask(
            1.5,
            4.25,
            1.5,
            0.3,
            negative,
            f"{n_antennas} antennas: PSF sidelobes are high, so sidelobethreshold 1.5 "
            "(the 12 m default finds nothing with 10 antennas)",
        )
    if l80_m > EXTENDED_L80_M:
        return AutoMask(3.0, 5.0, 1.5, 0.3, negative, "12 m extended configuration values")
    return AutoMask(2.0, 4.25, 1.5, 0.3, negative, "12 m compact configuration values")
