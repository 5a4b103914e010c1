"""Measure an image for QA2: noise, beam, cell, band.

Reading (CASA or FITS) is in :mod:`.image` and the noise algorithm in
:mod:`.noise`; this module joins them and converts to Jy/beam.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import derive
from ..errors import ScriptgenError
from .image import Beam, ImageData, read_image
from .noise import offsource_noise

__all__ = ["Measurement", "measure", "measure_data", "jy_per_beam_scale", "MASKED_WARNING"]

#: Above this fraction of pixels masked as emission, the image is mostly
#: source or sidelobes and its "noise" says little about the thermal noise.
MASKED_WARNING = 0.5


@dataclass(frozen=True)
class Measurement:
    """What was measured on an image, in Jy/beam, arcsec and Hz.

    ``rms_from`` says which image the noise comes from (``residual`` or
    ``image``); ``warnings`` lists what may make the numbers misleading
    (a primary-beam-corrected image, a missing beam, an unknown unit).
    """

    image: str
    kind: str
    rms_jy: float
    robust_rms_jy: float
    rms_from: str
    pixels_used: int
    masked_fraction: float
    planes: int
    peak_jy: float
    beam: Beam | None
    cell_arcsec: float
    freq_hz: float | None
    chan_width_hz: float | None
    band: int | None
    shape: tuple[int, int, int]
    warnings: tuple[str, ...] = ()


def jy_per_beam_scale(unit: str) -> tuple[float, str | None]:
    """Factor turning pixel values into Jy/beam, and a warning if unsure."""
    import astropy.units as u

    text = unit.strip()
    if not text:
        return 1.0, "image has no brightness unit; assumed Jy/beam"
    try:
        parsed = u.Unit(text.replace("JY", "Jy").replace("BEAM", "beam"), parse_strict="raise")
        return float(parsed.to(u.Jy / u.beam)), None
    except (ValueError, u.UnitConversionError):
        return 1.0, f"brightness unit {unit!r} is not Jy/beam; values used as they are"


def measure_data(image: ImageData, residual: ImageData | None = None) -> Measurement:
    """Measure already-read images (the pure part, used by the tests too)."""
    warnings: list[str] = []
    scale, warn = jy_per_beam_scale(image.unit)
    if warn:
        warnings.append(warn)
    if image.beam is None:
        warnings.append("image has no restoring beam (a dirty or model image?)")
    if ".pbcor" in Path(image.path).name.lower() and residual is None:
        warnings.append(
            "image looks primary-beam corrected: its noise rises off-centre; "
            "measure the uncorrected image or pass --residual"
        )
    total = max(image.planes_read) + 1 if image.planes_read else image.nchan
    if image.nchan < total:
        warnings.append(f"large cube: measured on {image.nchan} evenly spaced channels of {total}")
    beam_for_mask = image.beam.major if image.beam else 5 * image.cell_arcsec
    radius_pix = beam_for_mask / image.cell_arcsec
    noise_image = image
    noise_scale = scale
    if residual is not None:
        if residual.data.shape != image.data.shape:
            raise ScriptgenError(
                f"residual {residual.path} has shape {residual.data.shape[:3]}, image {image.data.shape[:3]}"
            )
        noise_scale, warn = jy_per_beam_scale(residual.unit or image.unit)
        if warn:
            warnings.append(warn)
        noise_image = residual
    noise = offsource_noise(noise_image.data, radius_pix)
    if not math.isfinite(noise.rms):
        raise ScriptgenError(f"{noise_image.path} has too few unmasked pixels to measure the noise")
    if noise.masked_fraction > MASKED_WARNING:
        warnings.append(
            f"{noise.masked_fraction:.0%} of the pixels were masked as emission, so the noise rests on "
            f"{noise.n_used} pixels; an image (or residual) full of sidelobes was probably not cleaned"
        )
    finite = image.data[np.isfinite(image.data)]
    peak = float(np.max(finite)) * scale if finite.size else float("nan")
    band = derive.band_from_frequency(image.freq_hz) if image.freq_hz else None
    return Measurement(
        image=image.path,
        kind=image.kind,
        rms_jy=noise.rms * noise_scale,
        robust_rms_jy=noise.robust_rms * noise_scale,
        rms_from="residual" if residual is not None else "image",
        pixels_used=noise.n_used,
        masked_fraction=noise.masked_fraction,
        planes=noise.planes,
        peak_jy=peak,
        beam=image.beam,
        cell_arcsec=image.cell_arcsec,
        freq_hz=image.freq_hz,
        chan_width_hz=image.chan_width_hz,
        band=band,
        shape=tuple(int(n) for n in image.data.shape[:3]),
        warnings=tuple(warnings),
    )


def measure(image: str | Path, residual: str | Path | None = None) -> Measurement:
    """Read and measure ``image`` (noise from ``residual`` when given)."""
    img = read_image(image)
    res = read_image(residual) if residual is not None else None
    return measure_data(img, res)
