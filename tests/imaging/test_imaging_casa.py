"""issue 4, first 'Done when': the generated imaging script runs and its images are right.

One run (see conftest.py) of scriptForImaging.py on the ``imaging_eb``
fixture (0.25 Jy continuum target, 0.5 Jy Gaussian line at LSRK 102.8 GHz,
10 x 12 m antennas, 4 x 128 channels), then checks of its products.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from scriptgen.heuristics import linefree as lf

pytestmark = pytest.mark.casa

C = 299_792_458.0


def _science_index(truth, spw_id: int) -> int:
    """A split renumbers the science windows 0..n-1 in their original order."""
    return list(truth.science_spws).index(spw_id)


def _target(truth):
    (fld,) = truth.target_fields
    return fld


def _fits(run, name: str) -> Path:
    path = run.workdir / name
    assert path.is_file(), f"{name} missing; script log tail:\n{run.log[-3000:]}"
    return path


def test_script_runs(imaging_run):
    assert imaging_run.returncode == 0, imaging_run.log[-5000:]
    print(f"\ntimings: {imaging_run.timings}")


def test_fits_products_have_ra_dec_freq_stokes_axes(imaging_run):
    plan = imaging_run.result.plan
    pairs = [pair for image in plan.continuum + plan.cubes for pair in image.fits]
    assert pairs
    for _, fits_name in pairs:
        header = fits.getheader(_fits(imaging_run, fits_name))
        ctypes = [header.get(f"CTYPE{i}", "").split("-")[0] for i in range(1, header["NAXIS"] + 1)]
        assert ctypes == ["RA", "DEC", "FREQ", "STOKES"], (fits_name, ctypes)
    cube_header = fits.getheader(_fits(imaging_run, plan.cubes[0].fits[0][1]))
    assert cube_header["NAXIS3"] > 1
    assert cube_header.get("SPECSYS") == "LSRK"


def test_continuum_flux_within_5_percent_of_truth(imaging_run):
    from scriptgen import casa_env

    truth = imaging_run.truth
    target = _target(truth)
    cont = imaging_run.result.plan.continuum[0]
    image = str(imaging_run.workdir / cont.pbcor)
    header = fits.getheader(_fits(imaging_run, cont.fits[0][1]))
    ref_hz = header["CRVAL3"]
    expected = target.flux_jy * (ref_hz / target.ref_freq_hz) ** target.spectral_index
    fit = casa_env.casatasks().imfit(imagename=image)
    comp = fit["results"]["component0"]
    measured = comp["flux"]["value"][0]
    print(f"\ncontinuum: imfit {measured:.4f} Jy vs truth {expected:.4f} Jy at {ref_hz / 1e9:.3f} GHz "
          f"(ratio {measured / expected:.4f})")
    assert measured == pytest.approx(expected, rel=0.05)


def test_line_channels_are_excluded_from_the_continuum(imaging_run):
    truth = imaging_run.truth
    line = truth.line
    index = _science_index(truth, line.spw_id)
    spw = next(s for s in truth.spws if s.spw_id == line.spw_id)
    chan0 = spw.centre_hz - (spw.nchan - 1) / 2 * spw.chan_width_hz
    half = line.spec.fwhm_mhz * 1e6  # +-1 FWHM: 6 % of the peak at the edges
    lo, hi = sorted(((line.topo_centre_hz - half - chan0) / spw.chan_width_hz,
                     (line.topo_centre_hz + half - chan0) / spw.chan_width_hz))
    line_chans = set(range(math.floor(lo), math.ceil(hi) + 1))
    text = (imaging_run.workdir / "cont.dat").read_text()
    nchan = {i: next(w.nchan for w in truth.spws if w.spw_id == s) for i, s in enumerate(truth.science_spws)}
    ranges = lf.parse_cont_ranges(text, nchan=nchan)[target_name(truth)][index].line_free
    used = {c for a, b in ranges for c in range(a, b + 1)}
    assert not used & line_chans, (sorted(used & line_chans), ranges)
    # ...and most of the window is still used for the continuum.
    assert len(used) > 0.6 * spw.nchan
    # The continuum image's spw selection is exactly the file's ranges.
    sel = imaging_run.result.plan.continuum[0].spw
    assert f"{index}:{lf.selection(ranges)}" in sel


def target_name(truth) -> str:
    return _target(truth).source_name


def test_line_in_the_cube_at_the_injected_frequency(imaging_run):
    truth = imaging_run.truth
    index = _science_index(truth, truth.line.spw_id)
    cube = next(c for c in imaging_run.result.plan.cubes if c.spw == str(index))
    path = _fits(imaging_run, cube.fits[0][1])
    with fits.open(path) as hdul:
        data = hdul[0].data  # [stokes, freq, dec, ra]
        header = hdul[0].header
    stokes_i = np.nan_to_num(data[0])
    # Search inside the half-power primary beam only: primary-beam correction
    # amplifies the noise towards the image edge.
    pb = np.nan_to_num(fits.getdata(_fits(imaging_run, cube.fits[1][1]))[0])
    peak_map = np.where(pb.max(axis=0) > 0.5, stokes_i.max(axis=0), -np.inf)
    y, x = np.unravel_index(np.argmax(peak_map), peak_map.shape)
    spectrum = stokes_i[:, y, x]
    k = int(np.argmax(spectrum))
    freqs = header["CRVAL3"] + (np.arange(spectrum.size) + 1 - header["CRPIX3"]) * header["CDELT3"]
    # Sub-channel centre: intensity-weighted over the channels above half peak.
    above = spectrum > spectrum[k] / 2
    centre = float(np.sum(freqs[above] * spectrum[above]) / np.sum(spectrum[above]))
    want = truth.line.spec.centre_ghz * 1e9
    width = abs(header["CDELT3"])
    print(f"\nline: peak {spectrum[k]:.3f} Jy/beam at {centre / 1e9:.5f} GHz LSRK "
          f"(truth {want / 1e9:.5f} GHz, channel {width / 1e6:.2f} MHz)")
    assert header.get("SPECSYS") == "LSRK"
    assert abs(centre - want) < width
    # Continuum subtracted: the line peak stands on ~0, at its injected height
    # (smoothed a little by the 15.6 MHz channels: FWHM 60 MHz loses < 3 %).
    assert spectrum[k] == pytest.approx(truth.line.spec.peak_jy, rel=0.15)
    off = np.concatenate([spectrum[: max(k - 15, 1)], spectrum[k + 15 :]])
    assert abs(np.median(off)) < 0.05 * truth.line.spec.peak_jy


def test_cell_is_a_fifth_of_the_beam_minor_axis(imaging_run):
    """issue 9: the pipeline's cell, a fifth of the minor axis (imageparams_base.cell)."""
    cont = imaging_run.result.plan.continuum[0]
    header = fits.getheader(_fits(imaging_run, cont.fits[0][1]))
    cell = abs(header["CDELT2"]) * 3600
    bmaj, bmin = header["BMAJ"] * 3600, header["BMIN"] * 3600
    print(f"\ncell {cell:.3f}\" vs restoring beam {bmaj:.2f}\" x {bmin:.2f}\" "
          f"(minor / 5 = {bmin / 5:.3f}\", ratio {cell / (bmin / 5):.3f})")
    assert cell == pytest.approx(bmin / 5, rel=0.10)


def test_achieved_over_predicted_noise(imaging_run):
    """Reported, loosely bounded: the residual rms against the radiometer equation."""
    cont = imaging_run.result.plan.continuum[0]
    suffix = cont.suffix
    from scriptgen import casa_env

    stats = casa_env.casatasks().imstat(
        imagename=str(imaging_run.workdir / f"{cont.imagename}.residual{suffix}"), algorithm="chauvenet"
    )
    achieved = float(stats["rms"][0])
    est = imaging_run.result.plan.noise[f"{target_name(imaging_run.truth)} continuum"]
    ratio_natural = achieved / est.sigma_jy
    print(f"\nnoise: residual rms {achieved * 1e3:.4f} mJy/beam; predicted {est.sigma_jy * 1e3:.4f} "
          f"(natural) -> achieved/predicted {ratio_natural:.3f} ({ratio_natural / 1.1:.3f} against the "
          "robust-0.5 prediction x1.1)")
    assert 0.6 < ratio_natural < 2.0
