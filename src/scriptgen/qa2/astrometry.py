"""Check-source QA: fitted position against the catalogue, and flux ratio.

A check source is a quasar whose catalogue position and flux are known; it
is observed with the target's phase solutions, so its image tells how well
phase transfer worked. The seed's astrometric accuracy is 10 % of the
synthesized beam (a Gaussian fit locates a point source to a small fraction
of the beam at good SNR; a larger offset means a phase-transfer error or a
catalogue error). The ALMA pipeline's check-source QA
(hif_makeimages/checksource) reports the same two numbers: the separation
of the fitted position from the reference direction and the fraction of the
reference flux recovered.

Sign convention: the offset is fitted minus catalogue, (east, north) on the
sky. A catalogue position that is wrong by -d makes the source appear at
+d from the phase centre: the offset reported is where the source is seen
relative to where the catalogue puts it.

The arithmetic (offsets on the tangent plane, beams, verdicts) is pure;
:func:`fit_point_source` reads a CASA image with casatools.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from ..errors import ScriptgenError
from ..heuristics.imaging import Beam
from .criteria import Verdict

__all__ = [
    "ASTROMETRY_TOLERANCE_BEAMS",
    "AstrometryCheck",
    "PointFit",
    "assess_check_source",
    "flux_accuracy",
    "fit_point_source",
    "sky_offset_arcsec",
]

RAD_TO_ARCSEC = 180 / math.pi * 3600

#: Astrometric accuracy of ALMA (seed document): 10 % of the synthesized beam.
ASTROMETRY_TOLERANCE_BEAMS = 0.10


def flux_accuracy(band: int | None) -> float | None:
    """ALMA's absolute flux accuracy in ``band`` (seed; ALMA Technical
    Handbook): 5 % in bands 3-5, 10 % in 6-7, 20 % in 8-10; bands 1-2 as 3.
    None for an unknown band."""
    if band is None or not 1 <= band <= 10:
        return None
    if band <= 5:
        return 0.05
    if band <= 7:
        return 0.10
    return 0.20


def sky_offset_arcsec(ra_rad: float, dec_rad: float, ra0_rad: float, dec0_rad: float) -> tuple[float, float]:
    """(east, north) offset of (ra, dec) from (ra0, dec0) in arcsec.

    The direction cosines (l, m) of the orthographic (SIN) projection about
    (ra0, dec0), the projection of interferometer images: exact at any
    declination and across RA = 0.
    """
    dra = ra_rad - ra0_rad
    east = math.cos(dec_rad) * math.sin(dra)
    north = math.sin(dec_rad) * math.cos(dec0_rad) - math.cos(dec_rad) * math.sin(dec0_rad) * math.cos(dra)
    return east * RAD_TO_ARCSEC, north * RAD_TO_ARCSEC


@dataclass(frozen=True)
class PointFit:
    """A Gaussian fitted to the source: J2000 position (rad), integrated and
    peak flux (Jy, Jy/beam), and the fit's position errors (arcsec, 0 when
    the fitter gave none)."""

    ra_rad: float
    dec_rad: float
    flux_jy: float
    peak_jy: float
    ra_error_arcsec: float = 0.0
    dec_error_arcsec: float = 0.0


@dataclass(frozen=True)
class AstrometryCheck:
    """One check source's QA line: offset in arcsec and beams, flux ratio."""

    source: str
    image: str
    east_arcsec: float
    north_arcsec: float
    offset_arcsec: float
    beam: Beam
    offset_beams: float
    verdict: Verdict
    flux_jy: float
    catalogue_flux_jy: float | None
    flux_ratio: float | None
    flux_tolerance: float | None
    flux_verdict: Verdict | None
    reason: str

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "image": self.image,
            "offset_east_arcsec": self.east_arcsec,
            "offset_north_arcsec": self.north_arcsec,
            "offset_arcsec": self.offset_arcsec,
            "beam_arcsec": {"major": self.beam.major, "minor": self.beam.minor, "pa_deg": self.beam.pa_deg},
            "offset_beams": self.offset_beams,
            "tolerance_beams": ASTROMETRY_TOLERANCE_BEAMS,
            "verdict": self.verdict.value,
            "flux_jy": self.flux_jy,
            "catalogue_flux_jy": self.catalogue_flux_jy,
            "flux_ratio": self.flux_ratio,
            "flux_tolerance": self.flux_tolerance,
            "flux_verdict": None if self.flux_verdict is None else self.flux_verdict.value,
            "reason": self.reason,
        }


def assess_check_source(
    source: str,
    image: str,
    fit: PointFit,
    catalogue_ra_rad: float,
    catalogue_dec_rad: float,
    beam: Beam,
    *,
    catalogue_flux_jy: float | None = None,
    band: int | None = None,
) -> AstrometryCheck:
    """The offset of ``fit`` from the catalogue position, in arcsec and in
    beams, and its flux against the catalogue flux when known.

    The beam unit is the geometric mean of the restoring beam's axes (the
    beam "size" QA2 compares elsewhere); PASS when the offset is at most
    :data:`ASTROMETRY_TOLERANCE_BEAMS` of it. The flux ratio is judged
    against ALMA's flux accuracy of ``band`` (:func:`flux_accuracy`).
    """
    if not (beam.major > 0 and beam.minor > 0):
        raise ScriptgenError(f"{image} has no restoring beam: cannot express the offset in beams")
    east, north = sky_offset_arcsec(fit.ra_rad, fit.dec_rad, catalogue_ra_rad, catalogue_dec_rad)
    offset = math.hypot(east, north)
    size = beam.size
    in_beams = offset / size
    verdict = Verdict.PASS if in_beams <= ASTROMETRY_TOLERANCE_BEAMS + 1e-9 else Verdict.FAIL
    reason = (
        f"check source {source}: fitted {offset:.4g}\" from its catalogue position "
        f"(east {east:+.4g}\", north {north:+.4g}\") = {in_beams:.3f} beam "
        f"({size:.4g}\" geometric mean), {'within' if verdict is Verdict.PASS else 'beyond'} "
        f"{ASTROMETRY_TOLERANCE_BEAMS:.0%} of the beam"
    )
    ratio = tol = flux_verdict = None
    if catalogue_flux_jy and catalogue_flux_jy > 0:
        ratio = fit.flux_jy / catalogue_flux_jy
        tol = flux_accuracy(band)
        reason += f"; flux {fit.flux_jy:.4g} Jy = {ratio:.3f} x catalogue {catalogue_flux_jy:.4g} Jy"
        if tol is not None:
            flux_verdict = Verdict.PASS if abs(ratio - 1) <= tol + 1e-9 else Verdict.FAIL
            reason += f" ({'within' if flux_verdict is Verdict.PASS else 'outside'} the {tol:.0%} flux accuracy of band {band})"
    else:
        reason += f"; flux {fit.flux_jy:.4g} Jy (no catalogue flux known)"
    return AstrometryCheck(
        source, image, east, north, offset, beam, in_beams, verdict, fit.flux_jy, catalogue_flux_jy, ratio, tol,
        flux_verdict, reason,
    )


#: Half-width of the fit box around the brightest pixel, in beam major axes:
#: the main lobe and no sidelobes.
FIT_BOX_BEAMS = 1.5


def fit_point_source(image: str | Path, beam: Beam, cell_arcsec: float) -> PointFit:
    """Fit an elliptical Gaussian (casatools image.fitcomponents, as imfit
    does) in a box around the brightest pixel of ``image``."""
    from .. import casa_env

    ct = casa_env.casatools()
    ia = ct.image()
    try:
        try:
            ia.open(str(image))
        except RuntimeError as exc:
            raise ScriptgenError(f"cannot open CASA image {image}: {str(exc).splitlines()[0]}") from None
        stats = ia.statistics(robust=False, verbose=False)
        peak_pix = [int(v) for v in stats["maxpos"]]
        shape = list(ia.shape())
        half = max(3, int(math.ceil(FIT_BOX_BEAMS * beam.major / cell_arcsec)))
        x0, x1 = max(0, peak_pix[0] - half), min(shape[0] - 1, peak_pix[0] + half)
        y0, y1 = max(0, peak_pix[1] - half), min(shape[1] - 1, peak_pix[1] + half)
        result = ia.fitcomponents(box=f"{x0},{y0},{x1},{y1}", chans="0", stokes="I")
    finally:
        ia.close()
        ia.done()
    if not result or not result.get("converged", [False])[0]:
        raise ScriptgenError(f"the Gaussian fit to the source in {image} did not converge")
    comp = result["results"]["component0"]
    direction = comp["shape"]["direction"]
    ra = _to_rad(direction["m0"])
    dec = _to_rad(direction["m1"])
    errors = direction.get("error", {})
    flux = float(comp["flux"]["value"][0])
    flux_unit = comp["flux"].get("unit", "Jy")
    flux *= {"Jy": 1.0, "mJy": 1e-3, "uJy": 1e-6}.get(flux_unit, 1.0)
    peak = float(comp.get("peak", {}).get("value", float("nan")))
    return PointFit(
        ra, dec, flux, peak,
        _error_arcsec(errors.get("longitude")), _error_arcsec(errors.get("latitude")),
    )  # fmt: skip


def _to_rad(q: dict) -> float:
    unit = q["unit"]
    factor = {"rad": 1.0, "deg": math.pi / 180}.get(unit)
    if factor is None:
        raise ScriptgenError(f"unexpected unit {unit!r} in the fitted direction")
    return float(q["value"]) * factor


def _error_arcsec(q: dict | None) -> float:
    if not q:
        return 0.0
    factor = {"arcsec": 1.0, "rad": RAD_TO_ARCSEC, "deg": 3600.0, "mas": 1e-3}.get(q.get("unit", ""), 0.0)
    return float(q.get("value", 0.0)) * factor


def image_object(image: str | Path) -> tuple[str, tuple[float, float] | None]:
    """The field name tclean recorded in ``image`` (OBJECT) and the image's
    reference direction (rad), the phase centre it was made at."""
    from .. import casa_env

    ct = casa_env.casatools()
    ia = ct.image()
    try:
        try:
            ia.open(str(image))
        except RuntimeError as exc:
            raise ScriptgenError(f"cannot open CASA image {image}: {str(exc).splitlines()[0]}") from None
        cs = ia.coordsys()
        try:
            types = list(cs.axiscoordinatetypes())
            ref = cs.referencevalue(format="q")["quantity"]
            axes = [i for i, t in enumerate(types) if t == "Direction"]
            direction = (_to_rad(ref[f"*{axes[0] + 1}"]), _to_rad(ref[f"*{axes[1] + 1}"])) if len(axes) == 2 else None
        finally:
            cs.done()
    finally:
        ia.close()
        ia.done()
    # The image tool has no getter for OBJECT; it is the table keyword imageinfo.
    tb = ct.table()
    try:
        tb.open(str(image))
        info = tb.getkeyword("imageinfo") if "imageinfo" in tb.getkeywords() else {}
    finally:
        tb.close()
    name = str(info.get("objectname", "") or "")
    return name, direction
