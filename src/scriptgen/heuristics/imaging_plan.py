"""The imaging plan: every tclean, uvcontsub and exportfits call, decided.

:func:`plan_imaging` joins the EB's metadata (an :class:`ExecBlock` of the
calibrated MS), what was measured in its visibilities
(:class:`ImagingInputs`: uv distances and target spectra, read by
:mod:`scriptgen.imaging_inputs`) and the user's options into an
:class:`ImagingPlan` that the template only prints. Each decision carries
the sentence the script's comments show ("cell 0.66arcsec = beam 3.3"/5,
beam = 0.574 lambda / L80 with L80 = 107 m").

Pure: no CASA, no I/O; unit-tested on hand-made EBs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import astropy.units as u
from astropy.coordinates import Angle

from .. import derive, naming
from ..errors import ScriptgenError
from ..model import ExecBlock, Role
from . import imaging as im
from . import contsub as cs
from . import imaging_params as ip
from . import linefree as lf
from . import pointing_lines as pl
from . import sensitivity as sens
from .ous_grid import EbWindow, common_grid
from .rest_frequency import cube_rest_frequency
from .selection import Use, selection

__all__ = ["CubeOptions", "ImageSpec", "ImagingInputs", "ImagingPlan", "plan_imaging"]


@dataclass(frozen=True)
class ImagingInputs:
    """What the imaging plan needs from the visibilities themselves.

    ``spectra``: target source name -> spw id -> amplitude of the
    vector-averaged visibilities per channel (NaN where all flagged).
    ``uv_l80_m``: 80th percentile of the projected baseline lengths of the
    target rows. ``datacolumn``: the column holding calibrated data.
    """

    ms: str
    datacolumn: str
    uv_l80_m: float
    uv_max_m: float
    spectra: Mapping[str, Mapping[int, tuple[float, ...]]] = field(default_factory=dict)
    beam: im.Beam | None = None
    beam_freq_hz: float = 0.0
    #: Calibrator field id -> amplitude of its vector-averaged visibilities
    #: (its flux for a point source at the phase centre).
    calibrator_flux_jy: Mapping[int, float] = field(default_factory=dict)
    #: Robust -> beam fitted to the PSF of the uv coverage at ``beam_freq_hz``
    #: (a few robust values, for the choice of robust against the PI's range).
    beams_by_robust: Mapping[float, im.Beam] = field(default_factory=dict)
    #: Target source name -> LSRK/TOPO frequency ratio at the EB's start
    #: towards it (absent: not measured). With it each LSRK cube gets its own
    #: explicit channel grid (start/width/nchan), which channel-chunked cubes
    #: need to tile.
    lsrk_over_topo: Mapping[str, float] = field(default_factory=dict)
    #: Target source name -> spw id -> field id -> amplitude of the vector
    #: average of that pointing's short baselines per channel (line finding
    #: that sees extended and offset emission, ``pointing_lines``); empty:
    #: the all-baseline spectra only. ``pointing_note`` says which baselines.
    pointing_spectra: Mapping[str, Mapping[int, Mapping[int, tuple[float, ...]]]] = field(default_factory=dict)
    pointing_note: str = ""

    def beam_at(self, freq_hz: float, robust: float | None = None) -> tuple[im.Beam, str]:
        """The expected restoring beam at ``freq_hz`` and how it was estimated."""
        if robust is not None and robust != im.ROBUST and robust in self.beams_by_robust and self.beam_freq_hz > 0:
            beam = self.beams_by_robust[robust].scaled(self.beam_freq_hz / freq_hz)
            return beam, (
                f"beam {beam.major:.2f}\" x {beam.minor:.2f}\" (PA {beam.pa_deg:.0f} deg): Gaussian fit to "
                f"the PSF of the target's uv coverage with robust {robust:g} weighting, computed at generation"
            )
        if self.beam is not None and self.beam_freq_hz > 0:
            beam = self.beam.scaled(self.beam_freq_hz / freq_hz)
            how = (
                f"beam {beam.major:.2f}\" x {beam.minor:.2f}\" (PA {beam.pa_deg:.0f} deg): Gaussian fit to "
                "the PSF of the target's uv coverage with robust 0.5 weighting, computed at generation"
            )
            return beam, how
        size = im.beam_from_l80_arcsec(self.uv_l80_m, freq_hz)
        return im.Beam(size, size, 0.0), (
            f"beam {size:.2f}\" ~ {im.BEAM_L80_FACTOR} lambda / L80 (ALMA Technical Handbook, robust 0.5), "
            f"L80 = {self.uv_l80_m:.1f} m"
        )


@dataclass(frozen=True)
class CubeOptions:
    """What the user asked of the cubes: rest frequency and channel width.

    Both are CASA quantity strings (``'230.538GHz'``, ``'2km/s'``,
    ``'1MHz'``) or empty for "native": the window's centre frequency as the
    velocity reference and the data's own channels.
    """

    rest_freq: str = ""
    chan_width: str = ""
    #: Rest frequencies the analyst gave for single windows (spw id, quantity).
    rest_freq_per_spw: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class ImageSpec:
    """One tclean call and the products exported from it."""

    kind: str  # 'continuum', 'cube', 'calibrator' or 'check'
    title: str
    vis: str
    imagename: str
    field: str
    spw: str
    specmode: str
    deconvolver: str
    nterms: int
    cell: str
    imsize: tuple[int, int]
    phasecenter: str
    gridder: str
    robust: float
    threshold: str
    niter: int
    mask: im.AutoMask
    datacolumn: str = "data"
    outframe: str = ""
    restfreq: str = ""
    width: str = ""
    notes: tuple[str, ...] = ()
    #: Cubes of several EBs: the common LSRK grid's first channel and channel
    #: count (empty / -1: tclean's default, the data's own range).
    start: str = ""
    nchan: int = -1

    @property
    def suffix(self) -> str:
        """tclean's extension for the first Taylor term of mtmfs images."""
        return ".tt0" if self.deconvolver == "mtmfs" else ""

    @property
    def image(self) -> str:
        return f"{self.imagename}.image{self.suffix}"

    @property
    def pbcor(self) -> str:
        return f"{self.imagename}.image{self.suffix}.pbcor"

    @property
    def pb(self) -> str:
        return f"{self.imagename}.pb{self.suffix}"

    @property
    def mask_image(self) -> str:
        return f"{self.imagename}.mask"

    @property
    def fits(self) -> tuple[tuple[str, str], ...]:
        """(CASA image, FITS file) pairs to export: pbcor image, pb, mask."""
        return (
            (self.pbcor, f"{self.imagename}.pbcor.fits"),
            (self.pb, f"{self.imagename}.pb.fits"),
            (self.mask_image, f"{self.imagename}.mask.fits"),
        )


@dataclass(frozen=True)
class ContSub:
    """The uvcontsub call: which data, and the line-free channels per field/spw."""

    vis: str
    outputvis: str
    field: str
    fitspec: dict
    fitorder: int
    datacolumn: str
    notes: tuple[str, ...]
    #: The windows uvcontsub fits (those with line-free channels somewhere).
    spw: str = ""


@dataclass(frozen=True)
class ImagingPlan:
    ms: str
    uid: str
    continuum: tuple[ImageSpec, ...]
    contsub: ContSub | None
    cubes: tuple[ImageSpec, ...]
    calibrators: tuple[ImageSpec, ...]
    line_free: Mapping[str, tuple[lf.LineFree, ...]]
    noise: Mapping[str, sens.NoiseEstimate]
    header: tuple[str, ...]
    decisions: tuple[str, ...]
    #: Several EBs: one uvcontsub per EB (each in its own TOPO channels).
    contsubs: tuple[ContSub, ...] = ()
    #: The restoring beam expected for each continuum image (keyed like
    #: ``noise``: "<source> continuum"), from the PSF of the uv coverage.
    expected_beams: Mapping[str, im.Beam] = field(default_factory=dict)
    #: Point-source QA images per EB: check sources (and, for several EBs,
    #: each EB's phase calibrator), from heuristics.check_images.
    checks: tuple[ImageSpec, ...] = ()
    #: ``--selfcal``: one :class:`scriptgen.heuristics.selfcal.SelfcalTarget`
    #: per target, run before the continuum images (empty: no self-calibration).
    selfcal: tuple = ()

    @property
    def images(self) -> tuple[ImageSpec, ...]:
        return self.continuum + self.cubes + self.calibrators + self.checks


#: Iteration cap: the threshold, not niter, should stop clean; this only
#: bounds the run time if the mask grows onto noise.
NITER = 100_000


def _chan0_and_width(eb: ExecBlock, spw_id: int) -> tuple[float, float]:
    spw = eb.spw(spw_id)
    return spw.centre_freq_hz - (spw.nchan - 1) / 2 * spw.chan_width_hz, spw.chan_width_hz


def channel_axes(eb: ExecBlock, spw_ids: Sequence[int]) -> dict[int, tuple[float, float]]:
    """spw -> (frequency of channel 0, channel width), Hz, TOPO."""
    return {s: _chan0_and_width(eb, s) for s in spw_ids}


def _own_grid(eb: ExecBlock, spw_id: int, ratio: float, chan_width: str, ref_hz: float):
    """The cube's explicit LSRK grid from the EB's own window, or None.

    The same grid an OUS of one EB gets (:func:`ous_grid.common_grid`): the
    window's channels placed in LSRK with the Doppler ratio at the EB's
    start, native width or a requested frequency width. None when the
    ratio was not measured or the width is a velocity (tclean's own grid then).
    """
    if ratio <= 0:
        return None
    width_hz = None
    if chan_width:
        width_hz = _parse_width_hz(chan_width, ref_hz) if chan_width.strip().endswith("Hz") else None
        if width_hz is None:
            return None
    f0, w = _chan0_and_width(eb, spw_id)
    window = EbWindow("", spw_id, spw_id, f0, w, eb.spw(spw_id).nchan, ratio)
    grid = common_grid([window], width_hz)
    reason = (
        f"explicit LSRK grid: {grid.nchan} channels of {grid.width_hz / 1e6:.6f} MHz from "
        f"{grid.start_hz / 1e9:.6f} GHz (the window's channels at the EB's start, LSRK/TOPO "
        f"{ratio:.8f}), so channel chunks of the cube tile it exactly"
    )
    return replace(grid, reason=reason)


def _range_freqs(eb: ExecBlock, spw_id: int, a: int, b: int) -> tuple[float, float]:
    f0, w = _chan0_and_width(eb, spw_id)
    lo, hi = sorted((f0 + a * w - w / 2, f0 + b * w + w / 2))
    return lo, hi


def _field_selection(ids: Sequence[int]) -> str:
    return selection(Use.FIELD, (), ids).value or ""


def _spw_selection(windows: Sequence[lf.LineFree]) -> str:
    parts = []
    for w in windows:
        if not w.line_free:
            continue
        chans = lf.selection(w.line_free, w.nchan)
        parts.append(f"{w.spw_id}:{chans}" if chans else str(w.spw_id))
    return ",".join(parts)


def _format_direction(ra_rad: float, dec_rad: float) -> str:
    ra = Angle(ra_rad, u.rad).wrap_at(360 * u.deg)
    dec = Angle(dec_rad, u.rad)
    return "J2000 {} {}".format(
        ra.to_string(unit=u.hourangle, sep="hms", precision=4, pad=True),
        dec.to_string(unit=u.deg, sep="dms", precision=3, alwayssign=True, pad=True),
    )


def _geometry(eb: ExecBlock, field_ids: Sequence[int], cell_arcsec: float, pb_arcsec: float):
    """phasecenter, imsize and gridder for one source, with the reasons."""
    fields = [eb.field(f) for f in field_ids]
    ephemeris = any(f.is_ephemeris for f in fields)
    if len(fields) > 1:
        centre, offsets = im.mosaic_centre([(f.ra_rad, f.dec_rad) for f in fields])
        imsize = im.image_size(cell_arcsec, pb_arcsec, offsets)
        spread = max(math.hypot(*o) for o in offsets)
        phasecenter = "TRACKFIELD" if ephemeris else _format_direction(*centre)
        note = (
            f"mosaic of {len(fields)} pointings (up to {spread:.1f}\" from the centre): "
            "gridder 'mosaic', image spans the pointings plus the primary beam to the "
            f"{im.PB_LEVEL} level ({im.pb_width_factor():.2f} x PB FWHM {pb_arcsec:.1f}\")"
        )
        return phasecenter, imsize, "mosaic", note
    imsize = im.image_size(cell_arcsec, pb_arcsec)
    note = (
        f"imsize {imsize[0]} covers the primary beam to the {im.PB_LEVEL} level: "
        f"{im.pb_width_factor():.2f} x PB FWHM {pb_arcsec:.1f}\" (1.13 lambda/D) = "
        f"{im.pb_width_factor() * pb_arcsec:.1f}\", rounded up to an FFT-friendly size"
    )
    return ("TRACKFIELD" if ephemeris else ""), imsize, "standard", note


_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z/]+)\s*$")


def _quantity(text: str, what: str) -> u.Quantity:
    match = _QUANTITY.match(text)
    if not match:
        raise ScriptgenError(f"{what} {text!r} is not a quantity like '230.538GHz' or '2km/s'")
    try:
        return float(match.group(1)) * u.Unit(match.group(2))
    except ValueError:
        raise ScriptgenError(f"{what} {text!r}: unknown unit {match.group(2)!r}") from None


def _parse_width_hz(width: str, ref_hz: float) -> float | None:
    """A channel-width quantity in Hz (velocity widths via dnu = nu dv / c)."""
    if not width:
        return None
    q = _quantity(width, "channel width")
    if q.unit.is_equivalent(u.Hz):
        return abs(float(q.to(u.Hz).value))
    return abs(float(q.to(u.m / u.s).value)) / im.SPEED_OF_LIGHT * ref_hz


def check_quantity(value: str, units: Sequence[u.UnitBase], what: str) -> str:
    """Normalise a user quantity ('230.538 GHz' -> '230.538GHz'), refusing nonsense early."""
    if not value:
        return ""
    q = _quantity(value, what)
    if not any(q.unit.is_equivalent(unit) for unit in units) or q.value <= 0:
        kinds = " or ".join(str(unit.physical_type) for unit in units)
        raise ScriptgenError(f"{what} {value!r} must be a positive {kinds}")
    return value.replace(" ", "")


def plan_imaging(
    eb: ExecBlock,
    inputs: ImagingInputs,
    *,
    cube: CubeOptions = CubeOptions(),
    cont_ranges: Mapping[str, Mapping[int, lf.LineFree]] | None = None,
    tsys_k: float | Mapping[int, float] | None = None,
    tsys_note: str = "",
    tsys_label: str | None = None,
    with_calibrators: bool = True,
    beam_range_arcsec: tuple[float, float] | None = None,
) -> ImagingPlan:
    """Decide every image of ``eb``'s calibrated MS (see module docstring).

    ``cont_ranges`` (from a user's file) replaces the detected line-free
    channels for the sources and windows it names. ``tsys_k`` replaces
    SYSCAL Tsys (a split MS has none); ``tsys_note`` says where it came from.
    """
    science = derive.science_spws(eb)
    if not science:
        raise ScriptgenError(f"{inputs.ms} has no science windows to image")
    goal = eb.science_goal
    if beam_range_arcsec is None and goal is not None and goal.min_resolution_arcsec and goal.max_resolution_arcsec:
        beam_range_arcsec = (goal.min_resolution_arcsec, goal.max_resolution_arcsec)
    robust, robust_why = ip.choose_robust(inputs.beams_by_robust, beam_range_arcsec)
    targets = derive.target_fields(eb)
    if not targets:
        raise ScriptgenError(f"{inputs.ms} has no OBSERVE_TARGET fields to image")
    n_ant = len(eb.antennas)
    dish = sens.dish_diameter_m(eb)
    decisions: list[str] = []
    decisions.append(robust_why)
    header = [
        f"MS {inputs.ms}: {n_ant} antennas of {dish:g} m, science spws {list(science)}, "
        f"calibrated data in the {inputs.datacolumn.upper()} column",
        f"projected baselines: 80th percentile L80 = {inputs.uv_l80_m:.1f} m, "
        f"longest {inputs.uv_max_m:.1f} m",
    ]
    if tsys_note:
        header.append(tsys_note)

    # Group target fields by source: a mosaic is one image.
    sources: dict[str, list[int]] = {}
    for fid in targets:
        sources.setdefault(eb.field(fid).source_name, []).append(fid)

    line_free: dict[str, tuple[lf.LineFree, ...]] = {}
    for name in sources:
        user = (cont_ranges or {}).get(name, {})
        spectra = inputs.spectra.get(name, {})
        windows = []
        for spw_id in science:
            if spw_id in user:
                windows.append(user[spw_id])
            elif spw_id in spectra and inputs.pointing_spectra.get(name, {}).get(spw_id):
                found, why = pl.combined_line_free(
                    spw_id, spectra[spw_id], inputs.pointing_spectra[name][spw_id], inputs.pointing_note
                )
                windows.append(found)
                decisions.append(f"{name} {why}")
            elif spw_id in spectra:
                windows.append(lf.line_free(spw_id, spectra[spw_id]))
            else:
                nchan = eb.spw(spw_id).nchan
                windows.append(lf.LineFree(spw_id, nchan, ((0, nchan - 1),), (), 0.0, "no spectrum"))
        line_free[name] = tuple(windows)
        for w in windows:
            if w.lines:
                decisions.append(
                    f"{name} spw {w.spw_id}: line (or flagged) channels {lf.selection(w.lines)} "
                    f"excluded from the continuum ({w.source})"
                )
            if not w.line_free:
                decisions.append(f"{name} spw {w.spw_id}: no line-free channels; left out of the continuum")

    sidelobe = inputs.beam.sidelobe if inputs.beam is not None else 0.0
    mask_cont = im.auto_mask(n_ant, dish, inputs.uv_l80_m, cube=False, sidelobe_level=sidelobe)
    mask_cube = im.auto_mask(n_ant, dish, inputs.uv_l80_m, cube=True, sidelobe_level=sidelobe)
    noise: dict[str, sens.NoiseEstimate] = {}
    expected_beams: dict[str, im.Beam] = {}
    continuum: list[ImageSpec] = []
    cubes: list[ImageSpec] = []
    contsub_windows: dict[str, tuple[lf.LineFree, ...]] = {}
    contsub_vis = naming.contsub_ms(inputs.ms)

    for name, fids in sources.items():
        windows = line_free[name]
        usable = [w for w in windows if w.line_free]
        field_sel = _field_selection(fids)
        if usable:
            ranges = [_range_freqs(eb, w.spw_id, a, b) for w in usable for a, b in w.line_free]
            lows = [eb.spw(w.spw_id).min_freq_hz for w in usable]
            highs = [eb.spw(w.spw_id).max_freq_hz for w in usable]
            centre_hz = (min(lows) + max(highs)) / 2
            frac = im.fractional_bandwidth(ranges)
            deconv, nterms = im.choose_deconvolver(frac)
            beam, beam_note = inputs.beam_at(centre_hz, robust)
            cell, cell_why = ip.cell_from_minor(beam)
            pb = im.pb_fwhm_arcsec(min(lows), dish)
            phasecenter, imsize, gridder, geo_note = _geometry(eb, fids, cell, pb)
            bws = {w.spw_id: w.n_line_free * abs(eb.spw(w.spw_id).chan_width_hz) for w in usable}
            est = sens.expected_noise(eb, bws, field_ids=fids, tsys_k=tsys_k, tsys_label=tsys_label)
            overlap, overlap_why = _overlap(eb, fids, pb)
            est = _with_overlap(est, overlap)
            noise[f"{name} continuum"] = est
            expected_beams[f"{name} continuum"] = beam
            peak = _continuum_peak(inputs.spectra.get(name, {}))
            thr, thr_why = ip.dynamic_range_threshold(est.sigma_jy, peak, derive.band(eb), n_ant, dish)
            notes = (
                f"{cell_why} at {centre_hz / 1e9:.3f} GHz; {beam_note}",
                geo_note,
                f"fractional bandwidth {frac:.3f}: "
                + (
                    f"mtmfs with nterms=2 (above {im.MTMFS_FRACTIONAL_BANDWIDTH:.0%}, a spectral slope matters)"
                    if deconv == "mtmfs"
                    else f"single-term mfs (at most {im.MTMFS_FRACTIONAL_BANDWIDTH:.0%})"
                ),
                f"expected noise (natural weighting, {est.bandwidth_hz / 1e6:.1f} MHz line-free): "
                + est.describe(),
                f"{thr_why} (noise {est.sigma_jy * 1e3:.4g} mJy; {overlap_why}; x{im.ROBUST_NOISE_FACTOR} "
                "for robust weighting vs natural)",
                f"auto-multithresh: {mask_cont.reason}",
            )
            continuum.append(
                ImageSpec(
                    kind="continuum",
                    title=f"{name!r} continuum",
                    vis=inputs.ms,
                    imagename=naming.continuum_image(name),
                    field=field_sel,
                    spw=_spw_selection(usable),
                    specmode="mfs",
                    deconvolver=deconv,
                    nterms=nterms,
                    cell=im.quantity(cell, "arcsec", 3),
                    imsize=tuple(imsize),
                    phasecenter=phasecenter,
                    gridder=gridder,
                    robust=robust,
                    threshold=im.quantity(thr, "Jy", 3),
                    niter=NITER,
                    mask=mask_cont,
                    datacolumn=inputs.datacolumn,
                    notes=notes,
                )
            )
            decisions.append(
                f"{name} continuum: cell {im.quantity(cell, 'arcsec', 3)}, imsize {imsize}, {deconv}"
                f"{' nterms=2' if nterms == 2 else ''}, gridder {gridder}, threshold "
                f"{im.quantity(thr, 'Jy', 3)} (expected noise {est.sigma_jy * 1e3:.3g} mJy)"
            )
        # Continuum subtraction: decided for every field at once below (heuristics.contsub).
        contsub_windows[field_sel] = windows

        # Cubes, one per science window, from the continuum-subtracted data.
        for w in windows:
            spw = eb.spw(w.spw_id)
            ref_hz = spw.centre_freq_hz
            rest, rest_why = cube_rest_frequency(
                eb, name, w.spw_id, requested=cube.rest_freq, per_window=dict(cube.rest_freq_per_spw)
            )
            width_hz = _parse_width_hz(cube.chan_width, ref_hz) or abs(spw.chan_width_hz)
            beam, _ = inputs.beam_at(ref_hz, robust)
            cell, cell_why = ip.cell_from_minor(beam)
            pb = im.pb_fwhm_arcsec(spw.min_freq_hz, dish)
            phasecenter, imsize, gridder, geo_note = _geometry(eb, fids, cell, pb)
            est = sens.expected_noise(eb, width_hz, field_ids=fids, spw_ids=(w.spw_id,), tsys_k=tsys_k, tsys_label=tsys_label)
            overlap, overlap_why = _overlap(eb, fids, pb)
            est = _with_overlap(est, overlap)
            noise[f"{name} spw {w.spw_id} channel"] = est
            thr, thr_why = ip.dynamic_range_threshold(
                est.sigma_jy, _line_peak(inputs.spectra.get(name, {}).get(w.spw_id)), derive.band(eb), n_ant, dish
            )
            ephemeris = any(eb.field(f).is_ephemeris for f in fids)
            vis = contsub_vis if w.line_free else inputs.ms
            notes = (
                (
                    "cube in the moving target's rest frame (specmode 'cubesource', no outframe: "
                    "ALMA pipeline cleanbase), rest frequency "
                    if ephemeris
                    else "cube in LSRK (ALMA does not Doppler-track: the data are TOPO), rest frequency "
                )
                + rest_why
                + ", channel width "
                + (f"{cube.chan_width} as requested" if cube.chan_width else "native"),
                f"{cell_why} at {ref_hz / 1e9:.3f} GHz; {geo_note}",
                "expected noise per channel: " + est.describe() + f"; {overlap_why}",
                f"{thr_why} (noise {est.sigma_jy * 1e3:.4g} mJy); auto-multithresh: {mask_cube.reason}",
            )
            if not w.line_free:
                notes += ("no line-free channels in this window: imaged without continuum subtraction",)
            grid = None if ephemeris else _own_grid(eb, w.spw_id, inputs.lsrk_over_topo.get(name, 0.0), cube.chan_width, ref_hz)
            if grid is not None:
                notes += (grid.reason,)
            cubes.append(
                ImageSpec(
                    kind="cube",
                    title=f"{name!r} spw {w.spw_id} cube",
                    vis=vis,
                    imagename=naming.cube_image(name, w.spw_id),
                    # uvcontsub keeps the field ids (mstransform reindex=False):
                    # ids select the same fields in the contsub MS.
                    field=field_sel,
                    spw=str(w.spw_id),
                    specmode="cubesource" if ephemeris else "cube",
                    deconvolver="hogbom",
                    nterms=1,
                    cell=im.quantity(cell, "arcsec", 3),
                    imsize=tuple(imsize),
                    phasecenter=phasecenter,
                    gridder=gridder,
                    robust=robust,
                    threshold=im.quantity(thr, "Jy", 3),
                    niter=NITER,
                    mask=mask_cube,
                    datacolumn="data" if w.line_free else inputs.datacolumn,
                    # Moving targets: the source's own rest frame (ALMA pipeline cleanbase).
                    outframe="" if ephemeris else "LSRK",
                    restfreq=rest,
                    # Exact to the double (not rounded to 1 Hz): chunk starts add
                    # up to thousands of widths.
                    width=f"{grid.width_hz!r}Hz" if grid else cube.chan_width,
                    notes=notes,
                    start=f"{grid.start_hz!r}Hz" if grid else "",
                    nchan=grid.nchan if grid else -1,
                )
            )

    contsub = None
    fit = cs.contsub_choice(contsub_windows)
    if fit is not None:
        contsub = ContSub(
            vis=inputs.ms,
            outputvis=contsub_vis,
            field=",".join(fit.fitspec),
            fitspec=fit.fitspec,
            fitorder=cs.FIT_ORDER,
            datacolumn=inputs.datacolumn,
            notes=fit.notes + ("the output keeps the field and window ids (uvcontsub does not reindex), so the cubes select the same ids",),
            spw=fit.spw,
        )

    calibrators: list[ImageSpec] = []
    if with_calibrators:
        roles = derive.calibrator_roles(eb)
        seen: set[int] = set()
        for role in (Role.BANDPASS, Role.PHASE):
            for fid in roles.get(role, ()):
                if fid in seen or fid in targets:
                    continue
                seen.add(fid)
                calibrators.append(
                    _calibrator_image(
                        eb, inputs, fid, role.value, science, dish, n_ant, tsys_k, mask_cont, tsys_label
                    )
                )

    return ImagingPlan(
        ms=inputs.ms,
        uid=eb.uid,
        continuum=tuple(continuum),
        contsub=contsub,
        cubes=tuple(cubes),
        calibrators=tuple(calibrators),
        line_free=line_free,
        noise=noise,
        header=tuple(header),
        decisions=tuple(decisions),
        expected_beams=expected_beams,
    )


def _overlap(eb: ExecBlock, field_ids: Sequence[int], pb_arcsec: float) -> tuple[float, str]:
    """Mosaic overlap factor of a source's pointings (1 for one pointing)."""
    if len(field_ids) < 2:
        return 1.0, "single pointing"
    _, offsets = im.mosaic_centre([(eb.field(f).ra_rad, eb.field(f).dec_rad) for f in field_ids])
    return ip.mosaic_overlap_factor(offsets, pb_arcsec)


def _with_overlap(est: sens.NoiseEstimate, factor: float) -> sens.NoiseEstimate:
    """The single-pointing prediction divided by the mosaic overlap factor."""
    if factor == 1.0:
        return est
    note = f"{est.bandwidth_note}; " if est.bandwidth_note else ""
    return replace(
        est, sigma_jy=est.sigma_jy / factor, bandwidth_note=f"{note}divided by the mosaic overlap factor {factor:.2f}"
    )


def _continuum_peak(spectra: Mapping[int, Sequence[float]]) -> float | None:
    """The target's continuum flux seen in its averaged spectra (median over
    channels and windows): the peak a dynamic-range limit applies to."""
    values = [v for spec in spectra.values() for v in spec if v == v]
    if not values:
        return None
    values.sort()
    return float(values[len(values) // 2])


def _line_peak(spectrum: Sequence[float] | None) -> float | None:
    """The brightest line above the continuum in an averaged spectrum (what a
    continuum-subtracted cube's peak will be), for the dynamic-range limit."""
    values = sorted(v for v in (spectrum or ()) if v == v)
    if not values:
        return None
    return values[-1] - values[len(values) // 2]


def _calibrator_image(
    eb: ExecBlock,
    inputs: ImagingInputs,
    fid: int,
    role: str,
    science: Sequence[int],
    dish: float,
    n_ant: int,
    tsys_k,
    mask: im.AutoMask,
    tsys_label: str | None = None,
) -> ImageSpec:
    fld = eb.field(fid)
    lows = [eb.spw(s).min_freq_hz for s in science]
    highs = [eb.spw(s).max_freq_hz for s in science]
    centre_hz = (min(lows) + max(highs)) / 2
    frac = im.fractional_bandwidth([(eb.spw(s).min_freq_hz, eb.spw(s).max_freq_hz) for s in science])
    deconv, nterms = im.choose_deconvolver(frac)
    beam, _ = inputs.beam_at(centre_hz)
    cell, _ = ip.cell_from_minor(beam)
    pb = im.pb_fwhm_arcsec(min(lows), dish)
    phasecenter, imsize, gridder, geo_note = _geometry(eb, (fid,), cell, pb)
    bws = {s: eb.spw(s).bandwidth_hz for s in science}
    est = sens.expected_noise(eb, bws, field_ids=(fid,), tsys_k=tsys_k, tsys_label=tsys_label)
    thermal = im.threshold_jy(est.sigma_jy)
    flux = inputs.calibrator_flux_jy.get(fid)
    dr = im.calibrator_dynamic_range(n_ant)
    thr = max(thermal, flux / dr) if flux else thermal
    thr_note = (
        f"threshold {im.quantity(thr, 'Jy', 3)}: the larger of 3 x 1.1 x the expected noise "
        f"({im.quantity(thermal, 'Jy', 3)}) and the calibrator's {flux:.3g} Jy / {dr:g} (dynamic range "
        "a QA image of a bright point source needs; deeper only costs major cycles)"
        if flux
        else f"threshold {im.quantity(thr, 'Jy', 3)} = 3 x 1.1 x the expected noise"
    )
    return ImageSpec(
        kind="calibrator",
        title=f"{role} calibrator {fld.name!r}",
        vis=inputs.ms,
        imagename=naming.calibrator_image(fld.name, role),
        field=str(fid),
        spw=",".join(str(s) for s in science),
        specmode="mfs",
        deconvolver=deconv,
        nterms=nterms,
        cell=im.quantity(cell, "arcsec", 3),
        imsize=tuple(imsize),
        phasecenter=phasecenter,
        gridder=gridder,
        robust=im.ROBUST,
        threshold=im.quantity(thr, "Jy", 3),
        niter=NITER,
        mask=mask,
        datacolumn=inputs.datacolumn,
        notes=(
            "all channels of every window (calibrators have no lines); a point source at the "
            "centre with flat residuals shows the calibration worked",
            "expected noise: " + est.describe(),
            thr_note,
        ),
    )
