"""The QA images of point sources per EB: check sources and phase calibrators.

One image per check source (OBSERVE_CHECK_SOURCE) and, when asked, per
phase calibrator of each EB, so that ``scriptgen qa2`` can measure the
astrometric offset and flux of each (issue 9 item 4; ALMA pipeline
hif_makeimages with intent CHECK, one image per EB). Their parameters are
decided by :func:`scriptgen.heuristics.check_source.check_image_params`.
Pure: no CASA.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import derive, naming
from ..model import ExecBlock, Role
from . import check_source as cs
from . import imaging as im
from . import sensitivity as sens
from .imaging_plan import ImageSpec, ImagingInputs, _geometry

__all__ = ["describe", "point_source_images", "qa_field_ids"]

def qa_field_ids(eb: ExecBlock, *, phase: bool) -> tuple[tuple[int, Role], ...]:
    """(field id, role) of the check sources, then (if ``phase``) the phase
    calibrators, never a target field and each field once."""
    roles = derive.calibrator_roles(eb)
    targets = set(derive.target_fields(eb))
    out: list[tuple[int, Role]] = []
    wanted = (Role.CHECK, Role.PHASE) if phase else (Role.CHECK,)
    for role in wanted:
        for fid in roles.get(role, ()):
            if fid not in targets and fid not in {f for f, _ in out}:
                out.append((fid, role))
    return tuple(out)


def point_source_images(
    eb: ExecBlock,
    inputs: ImagingInputs,
    fields: Sequence[tuple[int, Role]],
    *,
    eb_tag: str,
    mask: im.AutoMask,
    tsys_k=None,
    tsys_label: str | None = None,
) -> tuple[ImageSpec, ...]:
    """One mfs image per (field, role) of ``eb``'s calibrated MS ``inputs.ms``.

    ``eb_tag`` goes into the image names (one image per EB); every
    science window in full (quasars have no lines); the field's own phase
    centre, which is its catalogue position, is the image centre.
    """
    science = derive.science_spws(eb)
    lows = [eb.spw(s).min_freq_hz for s in science]
    highs = [eb.spw(s).max_freq_hz for s in science]
    centre_hz = (min(lows) + max(highs)) / 2
    frac = im.fractional_bandwidth([(eb.spw(s).min_freq_hz, eb.spw(s).max_freq_hz) for s in science])
    deconv, nterms = im.choose_deconvolver(frac)
    beam, beam_note = inputs.beam_at(centre_hz)
    dish = sens.dish_diameter_m(eb)
    pb = im.pb_fwhm_arcsec(min(lows), dish)
    out = []
    for fid, role in fields:
        fld = eb.field(fid)
        bws = {s: eb.spw(s).bandwidth_hz for s in science}
        est = sens.expected_noise(eb, bws, field_ids=(fid,), tsys_k=tsys_k, tsys_label=tsys_label)
        flux = inputs.calibrator_flux_jy.get(fid)
        p = cs.check_image_params(beam, est.sigma_jy, flux, len(eb.antennas), pb)
        phasecenter, _, gridder, _ = _geometry(eb, (fid,), p.cell_arcsec, pb)
        what = "check source" if role is Role.CHECK else "phase calibrator"
        out.append(
            ImageSpec(
                kind="check" if role is Role.CHECK else "calibrator",
                title=f"{what} {fld.name!r} of {eb_tag}",
                vis=inputs.ms,
                imagename=naming.point_source_image(eb_tag, fld.name, role.value),
                field=str(fid),
                spw=",".join(str(s) for s in science),
                specmode="mfs",
                deconvolver=deconv,
                nterms=nterms,
                cell=im.quantity(p.cell_arcsec, "arcsec", 3),
                imsize=(p.imsize, p.imsize),
                phasecenter=phasecenter,
                gridder=gridder,
                robust=im.ROBUST,
                threshold=im.quantity(p.threshold_jy, "Jy", 3),
                niter=p.niter,
                mask=mask,
                datacolumn=inputs.datacolumn,
                notes=(
                    "astrometry and flux QA (scriptgen qa2 fits its position against the field's catalogue "
                    "position, the image centre); all channels of every window",
                    f"{p.notes[0]} at {centre_hz / 1e9:.3f} GHz; {beam_note}",
                    *p.notes[1:],
                    "expected noise: " + est.describe(),
                ),
            )
        )
    return tuple(out)


def describe(images: Sequence[ImageSpec]) -> tuple[str, ...]:
    """One decision line per QA image: what it is and how to measure it."""
    return tuple(
        f"{i.title}: {i.imagename} (cell {i.cell}, imsize {i.imsize[0]}, niter {i.niter}, threshold "
        f"{i.threshold}); measure it with: scriptgen qa2 {i.image} --check-source --execblock {i.vis}"
        for i in images
    )
