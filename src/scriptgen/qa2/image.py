"""Read what QA2 needs from an image: pixels, restoring beam, cell, frequency.

Accepts a CASA image (a directory, read with casatools) or a FITS file
(astropy), so that a delivered product can be checked on a machine without
CASA. Both end up as the same :class:`ImageData`: a (nx, ny, nchan) array of
the first Stokes plane with masked pixels as NaN, and the beam in arcsec.

Per-channel beams (cubes made with a varying beam) are summarised by their
median axes: QA2 asks about the resolution of the product as a whole.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ScriptgenError
# One beam type for what the imaging heuristics predict and what QA2 measures.
from ..heuristics.imaging import Beam

__all__ = ["Beam", "ImageData", "read_image", "read_casa_image", "read_fits_image", "is_fits"]

_ANGLE_TO_ARCSEC = {
    "rad": 180 / math.pi * 3600,
    "deg": 3600.0,
    "'": 60.0,
    "arcmin": 60.0,
    '"': 1.0,
    "arcsec": 1.0,
    "mas": 1e-3,
}


@dataclass(frozen=True, eq=False)
class ImageData:
    """One image, reduced to what QA2 and the previews use.

    ``data`` is (nx, ny, nchan), x increasing with pixel index as stored;
    ``cell_arcsec`` the absolute pixel size (the larger of the two axes if
    they differ); ``freq_hz`` the frequency of the central channel and
    ``chan_width_hz`` the absolute width of one plane (for an mfs continuum
    image, the width CASA records, which spans all the selected windows).
    """

    path: str
    kind: str  # "casa" or "fits"
    data: np.ndarray
    beam: Beam | None
    cell_arcsec: float
    freq_hz: float | None
    chan_width_hz: float | None
    unit: str
    per_channel_beams: int = 0
    planes_read: tuple[int, ...] = (0,)

    @property
    def nchan(self) -> int:
        """Planes held in ``data`` (a sample of a large cube's channels)."""
        return int(self.data.shape[2])


def is_fits(path: str | Path) -> bool:
    path = Path(path)
    if path.is_dir():
        return False
    try:
        with open(path, "rb") as fh:
            return fh.read(9) == b"SIMPLE  ="
    except OSError:
        return False


#: Planes read from a cube at most: noise is the median over planes, and a
#: few dozen evenly spaced channels give it as well as thousands do, without
#: reading a many-gigabyte cube into memory.
MAX_PLANES = 64


def sample_planes(nchan: int, max_planes: int | None = MAX_PLANES) -> list[int]:
    """Evenly spaced channel indices (all of them for a small cube)."""
    if max_planes is None or nchan <= max_planes:
        return list(range(nchan))
    return sorted({int(round(x)) for x in np.linspace(0, nchan - 1, max_planes)})


def read_image(path: str | Path, max_planes: int | None = MAX_PLANES) -> ImageData:
    """A CASA image directory or a FITS file; anything else is a ScriptgenError.

    Of a cube with more than ``max_planes`` channels only that many evenly
    spaced channels are read (``planes_read`` says which).
    """
    path = Path(path)
    if not path.exists():
        raise ScriptgenError(f"image {path} does not exist")
    if is_fits(path):
        return read_fits_image(path, max_planes)
    if path.is_dir() and (path / "table.dat").exists():
        return read_casa_image(path, max_planes)
    raise ScriptgenError(f"{path} is neither a CASA image nor a FITS file")


def _median_beam(beams: list[Beam]) -> Beam | None:
    beams = [b for b in beams if b.major > 0 and b.minor > 0]
    if not beams:
        return None
    return Beam(
        float(np.median([b.major for b in beams])),
        float(np.median([b.minor for b in beams])),
        float(np.median([b.pa_deg for b in beams])),
    )


def _arcsec(q: dict) -> float:
    unit = q["unit"]
    if unit not in _ANGLE_TO_ARCSEC:
        raise ScriptgenError(f"unexpected angle unit {unit!r} in image")
    return float(q["value"]) * _ANGLE_TO_ARCSEC[unit]


def _casa_beam(record: dict) -> Beam:
    pa = record["positionangle"]
    pa_deg = float(pa["value"]) * (180 / math.pi if pa["unit"] == "rad" else 1.0)
    return Beam(_arcsec(record["major"]), _arcsec(record["minor"]), pa_deg)


def read_casa_image(path: str | Path, max_planes: int | None = MAX_PLANES) -> ImageData:
    """Read a CASA image with casatools.image (tool closed on every path)."""
    from .. import casa_env

    ct = casa_env.casatools()
    ia = ct.image()
    try:
        try:
            ia.open(str(path))
        except RuntimeError as exc:
            raise ScriptgenError(f"cannot open CASA image {path}: {str(exc).splitlines()[0]}") from None
        cs = ia.coordsys()
        try:
            types = list(cs.axiscoordinatetypes())
            incr = cs.increment(format="q")["quantity"]
            refval = cs.referencevalue(format="n")["numeric"]
            refpix = cs.referencepixel()["numeric"]
            units = list(cs.units())
        finally:
            cs.done()
        shape = list(ia.shape())
        if types.count("Direction") != 2:
            raise ScriptgenError(f"{path} has no two-axis sky coordinate")
        dir_axes = [i for i, t in enumerate(types) if t == "Direction"]
        cell = max(abs(_arcsec(incr[f"*{i + 1}"])) for i in dir_axes)
        spec = types.index("Spectral") if "Spectral" in types else None
        planes = sample_planes(shape[spec] if spec is not None else 1, max_planes)
        if spec is None or len(planes) == shape[spec]:
            pixels = np.asarray(ia.getchunk(dropdeg=False), dtype=float)
            mask = np.asarray(ia.getchunk(getmask=True, dropdeg=False), dtype=bool)
        else:
            chunks, masks = [], []
            for k in planes:
                blc, trc = [0] * len(shape), [n - 1 for n in shape]
                blc[spec] = trc[spec] = k
                chunks.append(np.asarray(ia.getchunk(blc=blc, trc=trc, dropdeg=False), dtype=float))
                masks.append(np.asarray(ia.getchunk(blc=blc, trc=trc, getmask=True, dropdeg=False), dtype=bool))
            pixels = np.concatenate(chunks, axis=spec)
            mask = np.concatenate(masks, axis=spec)
        pixels = np.where(mask, pixels, np.nan)
        freq = width = None
        if spec is not None:
            to_hz = {"Hz": 1.0, "kHz": 1e3, "MHz": 1e6, "GHz": 1e9}.get(units[spec], 1.0)
            step = float(incr[f"*{spec + 1}"]["value"]) * to_hz
            centre = (shape[spec] - 1) / 2.0
            freq = (float(refval[spec]) + (centre - float(refpix[spec])) * float(incr[f"*{spec + 1}"]["value"])) * to_hz
            width = abs(step)
        cube = _to_xyc(pixels, dir_axes, spec, types.index("Stokes") if "Stokes" in types else None)
        rb = ia.restoringbeam()
        per_chan = 0
        if "beams" in rb:
            beams = [_casa_beam(b) for chan in rb["beams"].values() for b in chan.values()]
            per_chan = len(rb["beams"])
            beam = _median_beam(beams)
        elif rb:
            beam = _casa_beam(rb)
        else:
            beam = None
        unit = ia.brightnessunit()
    finally:
        ia.close()
        ia.done()
    return ImageData(str(path), "casa", cube, beam, cell, freq, width, unit, per_chan, tuple(planes))


def _to_xyc(pixels: np.ndarray, dir_axes: list[int], spec: int | None, stokes: int | None) -> np.ndarray:
    """Reorder any axis order to (x, y, chan), keeping the first Stokes plane."""
    index: list[object] = [slice(None)] * pixels.ndim
    if stokes is not None:
        index[stokes] = slice(0, 1)
    arr = pixels[tuple(index)]
    order = dir_axes + ([spec] if spec is not None else [])
    rest = [i for i in range(arr.ndim) if i not in order]
    arr = np.transpose(arr, order + rest)
    arr = arr.reshape(arr.shape[0], arr.shape[1], -1) if spec is not None else arr.reshape(arr.shape[0], arr.shape[1], 1)
    return arr


def read_fits_image(path: str | Path, max_planes: int | None = MAX_PLANES) -> ImageData:
    """Read a FITS image as CASA's exportfits writes it (BMAJ/BMIN or a BEAMS table)."""
    import warnings

    from astropy.io import fits
    from astropy.wcs import WCS, FITSFixedWarning

    try:
        hdul = fits.open(path, memmap=True)
    except OSError as exc:
        raise ScriptgenError(f"cannot read FITS file {path}: {exc}") from None
    with hdul:
        hdu = hdul[0]
        if hdu.data is None:
            raise ScriptgenError(f"FITS file {path} has no image in its primary HDU")
        header = hdu.header
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FITSFixedWarning)
            wcs = WCS(header)
        raw = hdu.data
        # numpy order is the reverse of FITS axis order
        naxis = raw.ndim
        ctypes = [str(header.get(f"CTYPE{i + 1}", "")).upper() for i in range(naxis)]
        sky = [i for i, c in enumerate(ctypes) if c.startswith(("RA", "DEC", "GLON", "GLAT"))]
        if len(sky) != 2:
            raise ScriptgenError(f"FITS file {path} has no two-axis sky coordinate")
        spec = next((i for i, c in enumerate(ctypes) if c.startswith(("FREQ", "VRAD", "VELO", "FELO"))), None)
        stokes = next((i for i, c in enumerate(ctypes) if c.startswith("STOKES")), None)
        to_np = lambda i: naxis - 1 - i  # noqa: E731
        nchan_all = raw.shape[to_np(spec)] if spec is not None else 1
        planes = sample_planes(nchan_all, max_planes)
        if spec is not None and len(planes) < nchan_all:
            index: list[object] = [slice(None)] * naxis
            index[to_np(spec)] = planes
            data = np.array(raw[tuple(index)], dtype=float)
        else:
            data = np.array(raw, dtype=float)  # a copy: the file is closed below
        cube = _to_xyc(
            data, [to_np(i) for i in sky], to_np(spec) if spec is not None else None, to_np(stokes) if stokes is not None else None
        )
        cdelt = np.abs(wcs.wcs.get_cdelt()) * np.sqrt((wcs.wcs.get_pc() ** 2).sum(axis=0))
        cell = float(max(cdelt[sky[0]], cdelt[sky[1]])) * 3600.0
        freq = width = None
        if spec is not None and ctypes[spec].startswith("FREQ"):
            n = nchan_all
            crval = float(header[f"CRVAL{spec + 1}"])
            crpix = float(header.get(f"CRPIX{spec + 1}", 1.0))
            step = float(wcs.wcs.get_cdelt()[spec] * wcs.wcs.get_pc()[spec, spec])
            scale = {"HZ": 1.0, "KHZ": 1e3, "MHZ": 1e6, "GHZ": 1e9}.get(str(header.get(f"CUNIT{spec + 1}", "Hz")).strip().upper(), 1.0)
            freq = (crval + ((n + 1) / 2.0 - crpix) * step) * scale
            width = abs(step) * scale
        elif header.get("RESTFRQ"):
            freq = float(header["RESTFRQ"])
        beam = None
        per_chan = 0
        if "BMAJ" in header and "BMIN" in header:
            beam = Beam(float(header["BMAJ"]) * 3600, float(header["BMIN"]) * 3600, float(header.get("BPA", 0.0)))
        elif "BEAMS" in hdul:
            table = hdul["BEAMS"].data
            scale = {"deg": 3600.0, "arcsec": 1.0}.get(str(hdul["BEAMS"].header.get("TUNIT1", "arcsec")).strip(), 1.0)
            beams = [Beam(float(r["BMAJ"]) * scale, float(r["BMIN"]) * scale, float(r["BPA"])) for r in table]
            per_chan = len(beams)
            beam = _median_beam(beams)
        unit = str(header.get("BUNIT", "")).strip()
    return ImageData(str(path), "fits", cube, beam, cell, freq, width, unit, per_chan, tuple(planes))
