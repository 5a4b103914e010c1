"""The true sky: model visibilities written into MODEL_DATA.

Calibrators are unresolved quasars at their phase centres with power-law
spectra; the target is a point source with an optional Gaussian line, seen
by each mosaic pointing at its offset and through a Gaussian primary beam.
An optional line-only extended source (a circular Gaussian) is seen by each
pointing as the product of source and primary beam, again a Gaussian
(:func:`attenuated_gaussian`; matches ``ft`` of that Gaussian component).
Visibilities are computed directly from UVW with CASA's sign convention
(``V = S exp(+2 pi i (u l + v m + w (n - 1)) / lambda)``, checked against
``ft``), which is exact for point sources and much faster than predicting
through the imager. A solar-system flux calibrator gets CASA's own
Butler-JPL-Horizons 2012 model through ``setjy``, first, because setjy
zeroes the model of every other field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import casa_env
from .config import SyntheticConfig
from .layout import FieldPlan, Layout, primary_beam_fwhm_deg

C = 299792458.0


def power_law(flux_jy: float, spix: float, ref_hz: float, freqs_hz: np.ndarray) -> np.ndarray:
    return flux_jy * (np.asarray(freqs_hz) / ref_hz) ** spix


def gaussian_line(
    freqs_hz: np.ndarray, centre_hz: float, fwhm_hz: float, peak_jy: float
) -> np.ndarray:
    return peak_jy * np.exp(-4 * math.log(2) * ((np.asarray(freqs_hz) - centre_hz) / fwhm_hz) ** 2)


def direction_cosines(ra0: float, dec0: float, ra: float, dec: float) -> tuple[float, float, float]:
    """(l, m, n - 1) of (ra, dec) relative to phase centre (ra0, dec0), radians."""
    dra = ra - ra0
    l = math.cos(dec) * math.sin(dra)
    m = math.sin(dec) * math.cos(dec0) - math.cos(dec) * math.sin(dec0) * math.cos(dra)
    return l, m, math.sqrt(max(0.0, 1 - l * l - m * m)) - 1


def point_source_vis(
    uvw: np.ndarray, freqs_hz: np.ndarray, lmn: tuple[float, float, float], spectrum: np.ndarray
) -> np.ndarray:
    """[chan, row] visibilities of a point source with ``spectrum`` [chan]."""
    l, m, n1 = lmn
    if l == 0 and m == 0:
        return np.repeat(spectrum[:, None], uvw.shape[1], axis=1).astype(np.complex128)
    path = uvw[0] * l + uvw[1] * m + uvw[2] * n1
    phase = 2 * math.pi * np.outer(np.asarray(freqs_hz) / C, path)
    return spectrum[:, None] * np.exp(1j * phase)


@dataclass(frozen=True)
class ExtendedLine:
    """An extended line source as the builder places it: J2000 position
    (radians), circular Gaussian FWHM (radians) and its line in TOPO."""

    ra_rad: float
    dec_rad: float
    fwhm_rad: float
    topo_centre_hz: float
    topo_fwhm_hz: float
    peak_jy: float


def attenuated_gaussian(
    offset_rad: tuple[float, float], fwhm_rad: float, pb_fwhm_rad: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A circular Gaussian source seen through a Gaussian primary beam.

    The product of two Gaussians is a Gaussian, so the apparent source is
    exact (flat sky): with source size t, beam B (both FWHM) and the source
    centre s from the pointing centre, the apparent source has FWHM
    t B / sqrt(t^2 + B^2), sits at s B^2 / (t^2 + B^2) and carries a
    fraction B^2 / (t^2 + B^2) exp(-4 ln 2 |s|^2 / (t^2 + B^2)) of the
    flux. Returns (l, m, FWHM, flux fraction), each per channel (``pb_fwhm_rad``).
    """
    b2 = np.asarray(pb_fwhm_rad, dtype=float) ** 2
    t2 = fwhm_rad**2
    shrink = b2 / (t2 + b2)
    l0, m0 = offset_rad
    fraction = shrink * np.exp(-4 * math.log(2) * (l0 * l0 + m0 * m0) / (t2 + b2))
    return l0 * shrink, m0 * shrink, np.sqrt(t2 * shrink), fraction


def extended_line_vis(
    uvw: np.ndarray, freqs_hz: np.ndarray, pointing_rad: tuple[float, float], dish_m: float, src: ExtendedLine
) -> np.ndarray:
    """[chan, row] visibilities of ``src`` seen by the pointing at ``pointing_rad``.

    The primary beam multiplies the sky before the Fourier transform
    (:func:`attenuated_gaussian`); a Gaussian of FWHM t has visibility
    amplitude exp(-(pi t q)^2 / (4 ln 2)) at uv distance q wavelengths,
    times the phase of its (apparent) centre.
    """
    freqs = np.asarray(freqs_hz, dtype=float)
    l0, m0, _ = direction_cosines(*pointing_rad, src.ra_rad, src.dec_rad)
    pb = np.radians(primary_beam_fwhm_deg(freqs, dish_m))
    l, m, fwhm, fraction = attenuated_gaussian((l0, m0), src.fwhm_rad, pb)
    spectrum = gaussian_line(freqs, src.topo_centre_hz, src.topo_fwhm_hz, src.peak_jy) * fraction
    n1 = np.sqrt(np.maximum(0.0, 1 - l * l - m * m)) - 1
    scale = freqs / C  # wavelengths per metre
    q2 = np.outer(scale**2, uvw[0] ** 2 + uvw[1] ** 2)
    envelope = np.exp(-((math.pi * fwhm[:, None]) ** 2) * q2 / (4 * math.log(2)))
    path = np.outer(l, uvw[0]) + np.outer(m, uvw[1]) + np.outer(n1, uvw[2])
    return (spectrum[:, None] * envelope) * np.exp(2j * math.pi * scale[:, None] * path)


def predict_solar_system(
    ms: Path, fld: FieldPlan, science_spw_ids: tuple[int, ...]
) -> dict[int, float]:
    """Model a solar-system body with setjy; returns its flux per science spw.

    setjy needs the field named after the body; the flux calibrator field
    is named so from the start.
    """
    tasks = casa_env.casatasks()
    result = tasks.setjy(
        vis=str(ms),
        field=str(fld.field_id),
        # Only the science windows: the others' data are filled from them
        # (CH_AVG) or never carry the body (WVR); this is the slow step.
        spw=",".join(map(str, science_spw_ids)),
        standard="Butler-JPL-Horizons 2012",
        usescratch=True,
    )
    fluxes = {}
    per_field = result.get(str(fld.field_id), {})
    for spw_id in science_spw_ids:
        entry = per_field.get(str(spw_id))
        if entry is not None:
            fluxes[spw_id] = float(entry["fluxd"][0])
    return fluxes


def field_spectrum(
    cfg: SyntheticConfig, fld: FieldPlan, freqs_hz: np.ndarray, line_topo_hz: float | None
) -> np.ndarray:
    """True flux density [chan] of the source behind a field."""
    spectrum = power_law(fld.flux_jy, fld.spectral_index, fld.ref_freq_hz, freqs_hz)
    if "target" in fld.roles and cfg.line is not None and line_topo_hz is not None:
        spectrum = spectrum + gaussian_line(
            freqs_hz, line_topo_hz, cfg.line.fwhm_mhz * 1e6, cfg.line.peak_jy
        )
    return spectrum


def write_models(
    ms: Path,
    cfg: SyntheticConfig,
    layout: Layout,
    directions_rad: dict[int, tuple[float, float]],
    sources_rad: dict[int, tuple[float, float]],
    line_topo_hz: float | None,
    dd_of_spw: dict[int, int],
    region_phase_rad: np.ndarray | None = None,
    extended: ExtendedLine | None = None,
    start_mjd_s: float | None = None,
) -> None:
    """Fill MODEL_DATA of every correlator window for every quasar/target field.

    ``directions_rad`` are field phase centres; ``sources_rad`` says where
    the source sits for fields whose source is off their centre (a mosaic's
    pointings, a check source); the others are at their centres. The flux
    calibrator's scale error is applied here, to its model, so that it
    propagates into DATA exactly as a wrong flux-calibrator visibility
    amplitude would. ``region_phase_rad`` [antenna] multiplies the model of
    the second sky region's fields by exp(i (phi_1 - phi_2)): a
    direction-dependent phase that the gains applied later do not carry.
    ``extended``: a line-only Gaussian source added to every target
    pointing of the first sky region, each through its own primary beam.
    With ``cfg.target_phase_error_deg`` the target fields' models carry
    the residual phases of ``faults.target_phase_factor`` (times from
    ``start_mjd_s``), which no calibrator sees.
    """
    from . import faults

    tb = casa_env.casatools().table()
    tb.open(str(ms), nomodify=False)
    try:
        for fld in layout.fields:
            if fld.solar_system:
                continue
            ra0, dec0 = directions_rad[fld.field_id]
            if fld.field_id in sources_rad:
                lmn = direction_cosines(ra0, dec0, *sources_rad[fld.field_id])
                offset_deg = math.degrees(math.hypot(lmn[0], lmn[1]))
            else:
                lmn, offset_deg = (0.0, 0.0, 0.0), 0.0
            scale = cfg.flux_cal_scale_error if "flux" in fld.roles else 1.0
            for spw in layout.spws:
                if spw.role == "wvr":
                    continue
                sel = tb.query(f"FIELD_ID=={fld.field_id} && DATA_DESC_ID=={dd_of_spw[spw.spw_id]}")
                try:
                    if sel.nrows() == 0:
                        continue
                    freqs = np.asarray(spw.chan_freqs_hz())
                    spectrum = scale * field_spectrum(cfg, fld, freqs, line_topo_hz)
                    if offset_deg > 0:
                        fwhm = primary_beam_fwhm_deg(freqs, cfg.dish_m)
                        spectrum = spectrum * np.exp(-4 * math.log(2) * (offset_deg / fwhm) ** 2)
                    uvw = sel.getcol("UVW")
                    vis = point_source_vis(uvw, freqs, lmn, spectrum)
                    if extended is not None and "target" in fld.roles and fld.region == 0:
                        vis = vis + extended_line_vis(uvw, freqs, (ra0, dec0), cfg.dish_m, extended)
                    model = np.repeat(vis[None, :, :], spw.ncorr, axis=0).astype(np.complex64)
                    if spw.ncorr == 4:
                        model[1:3] = 0  # unpolarised sky: no cross-hand signal
                    if region_phase_rad is not None and fld.region == 1:
                        a1, a2 = sel.getcol("ANTENNA1"), sel.getcol("ANTENNA2")
                        model *= np.exp(1j * (region_phase_rad[a1] - region_phase_rad[a2]))[None, None, :]
                    if faults.target_phase_active(cfg) and "target" in fld.roles and start_mjd_s is not None:
                        a1, a2 = sel.getcol("ANTENNA1"), sel.getcol("ANTENNA2")
                        since = sel.getcol("TIME") - start_mjd_s
                        factor = faults.target_phase_factor(cfg, cfg.n_antennas, a1, a2, since)
                        model *= factor[None, None, :].astype(np.complex64)
                    sel.putcol("MODEL_DATA", model)
                finally:
                    sel.close()
    finally:
        tb.close()


def scale_model(ms: Path, field_id: int, factor: float) -> None:
    """Multiply one field's MODEL_DATA (a setjy model) by ``factor``."""
    if factor == 1.0:
        return
    tb = casa_env.casatools().table()
    tb.open(str(ms), nomodify=False)
    try:
        for dd in np.unique(tb.getcol("DATA_DESC_ID")):
            sel = tb.query(f"FIELD_ID=={field_id} && DATA_DESC_ID=={dd}")
            try:
                if sel.nrows():
                    sel.putcol("MODEL_DATA", sel.getcol("MODEL_DATA") * factor)
            finally:
                sel.close()
    finally:
        tb.close()
