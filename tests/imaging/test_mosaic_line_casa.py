"""issue 9, "Done when": a mosaic with an offset extended line source keeps
the line out of the continuum ranges; and the robust chosen against a
requested beam range on a real MS.

One small band 3 EB (10 x 12 m, 7-pointing mosaic in a row spaced
lambda / (sqrt 3 D) ~ 31", one 64-channel FDM window of 3.66 MHz,
calibrated-looking): the 0.25 Jy continuum point source at the mosaic
centre, and a line-only Gaussian source of 20" FWHM (the beam is ~7") under
the second pointing east of the centre (61" out, 4" north), 0.8 Jy total
at the peak of an 11 MHz line at LSRK 90.66 GHz. The long baselines resolve
it and five of seven pointings barely see it, so the all-baseline average
over every pointing does not show it; the short baselines of the pointing
over it do. Only the inspection-level line finding of ``scriptgen imaging``
runs (both the single-MS path, cont.dat in channels, and the OUS path,
cont.dat in LSRK GHz); no tclean but one PSF.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

pytestmark = pytest.mark.casa

LINE_LSRK_GHZ = 90.66
LINE_FWHM_MHZ = 11.0


def _config():
    from scriptgen.synthetic import ExtendedLineSpec, SyntheticConfig

    return SyntheticConfig(
        uid="uid___A002_Xsyn_X90", seed=90, band=3, n_antennas=10, n_spws=1, nchan=64, tdm_tsys=True,
        tdm_nchan=16, corrupt=False, mosaic_pointings=7, target_scan_s=84.0, n_target_scans=2,
        bandpass_scan_s=20.0, flux_scan_s=10.0, phase_scan_s=10.0, atm_scan_s=4.0,
        extended_line=ExtendedLineSpec(
            offset_arcsec=(61.2, 4.0), fwhm_arcsec=20.0, centre_ghz=LINE_LSRK_GHZ, fwhm_mhz=LINE_FWHM_MHZ,
            peak_jy=0.8,
        ),
        note="offset extended line mosaic (issue 9)",
    )  # fmt: skip


@pytest.fixture(scope="session")
def line_mosaic(tmp_path_factory):
    """The EB, both generators' outputs (inspection only) and wall times."""
    from scriptgen.imaging_generate import generate_imaging
    from scriptgen.ous_imaging import generate_ous_imaging
    from scriptgen.synthetic import build_execblock

    work = tmp_path_factory.mktemp("line_mosaic")
    cfg = _config()
    timings = {}
    t = time.perf_counter()
    truth = build_execblock(work / f"{cfg.uid}.ms", cfg)
    timings["build"] = time.perf_counter() - t
    t = time.perf_counter()
    # An unsplit, uncorrupted EB: its DATA are the sky plus noise, imaged on purpose.
    single = generate_imaging(truth.ms, work / "single", with_calibrators=False, allow_raw=True)
    timings["scriptgen imaging (one MS)"] = time.perf_counter() - t
    t = time.perf_counter()
    ous = generate_ous_imaging([truth.ms], work / "ous", allow_raw=True)
    timings["scriptgen imaging (OUS path)"] = time.perf_counter() - t
    print("\nline mosaic wall times: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    return {"work": work, "truth": truth, "single": single, "ous": ous, "timings": timings}


def _line_channels(truth) -> tuple[float, float, float]:
    """(centre channel, first, last) of the line's TOPO FWHM in the science window."""
    ext = truth.extended_line
    spw = next(s for s in truth.spws if s.spw_id == ext["spw_id"])
    chan0 = spw.centre_hz - spw.chan_width_hz * (spw.nchan - 1) / 2
    centre = (ext["topo_centre_hz"] - chan0) / spw.chan_width_hz
    half = ext["topo_fwhm_hz"] / 2 / abs(spw.chan_width_hz)
    return centre, centre - half, centre + half


def test_the_truth_records_the_extended_line_source(line_mosaic):
    truth = line_mosaic["truth"]
    ext = truth.extended_line
    assert ext["spw_id"] == truth.science_spws[0]
    assert ext["lsrk_centre_hz"] == pytest.approx(LINE_LSRK_GHZ * 1e9)
    assert ext["fwhm_arcsec"] == 20.0 and ext["offset_arcsec"] == [61.2, 4.0]
    # LSRK -> TOPO towards RA ~10h in March: tens of km/s, a few MHz.
    assert 0 < abs(ext["topo_centre_hz"] - ext["lsrk_centre_hz"]) < 20e6
    nearest = min(ext["pointings"].items(), key=lambda kv: kv[1]["offset_arcsec"])
    fields = {f.field_id: f for f in truth.target_fields}
    assert fields[int(nearest[0])].ra_deg > fields[min(fields)].ra_deg  # east of the centre
    assert nearest[1]["offset_arcsec"] == pytest.approx(4.0, abs=0.3)
    # A 20" source through a ~64" beam at its centre: 1 / (1 + (20/64)^2) of its flux.
    assert nearest[1]["flux_fraction"] == pytest.approx(0.911, abs=0.01)


def test_the_line_stays_out_of_the_continuum_ranges(line_mosaic):
    """Single-MS cont.dat (channels) and OUS cont.dat (LSRK GHz): every range
    avoids the line's channels (FWHM) and the decisions say which pointing saw it."""
    from scriptgen import naming
    from scriptgen.heuristics import linefree as lf
    from scriptgen.heuristics import ous_grid as og

    truth = line_mosaic["truth"]
    spw = truth.science_spws[0]
    centre, first, last = _line_channels(truth)
    work = line_mosaic["work"]
    single = lf.parse_cont_ranges((work / "single" / naming.CONT_RANGES).read_text())["SynTarget"][spw]
    ous = og.parse_cont_dat((work / "ous" / naming.CONT_RANGES).read_text())["SynTarget"][spw]
    print(f"\nline: channel {centre:.2f} (FWHM {first:.2f}-{last:.2f}), LSRK {LINE_LSRK_GHZ} GHz +- "
          f"{LINE_FWHM_MHZ / 2} MHz\nsingle-MS cont.dat: {single.line_free}\n"
          f"OUS cont.dat (GHz LSRK): {[(round(a / 1e9, 5), round(b / 1e9, 5)) for a, b in ous]}")  # fmt: skip
    assert single.line_free and ous
    for a, b in single.line_free:
        assert b < math.floor(first) or a > math.ceil(last), single.line_free
    lo, hi = (LINE_LSRK_GHZ * 1e9 - LINE_FWHM_MHZ * 1e6 / 2, LINE_LSRK_GHZ * 1e9 + LINE_FWHM_MHZ * 1e6 / 2)
    for a, b in ous:
        assert b < lo or a > hi, ous
    # Most of the window is still continuum.
    assert single.n_line_free >= 40
    why = next(d for d in line_mosaic["single"].decisions if "short-baseline spectra of pointing" in d)
    near = min(truth.extended_line["pointings"].items(), key=lambda kv: kv[1]["offset_arcsec"])[0]
    assert f"pointing(s) [{near}]" in why, why


def test_an_all_baseline_average_over_the_pointings_misses_the_line(line_mosaic):
    """Control: the spectrum the line finding used to rely on alone (and the
    channel-wise maximum of the pointings' short-baseline spectra) keep the
    line's channels as continuum; the short baselines of its own pointing do not."""
    from scriptgen import derive
    from scriptgen.heuristics import linefree as lf
    from scriptgen.heuristics import ous_grid as og
    from scriptgen.heuristics.sensitivity import dish_diameter_m
    from scriptgen.imaging_inputs import read_imaging_inputs
    from scriptgen.inspect import inspect_ms
    from scriptgen.ous_inputs import short_baseline_spectra

    truth = line_mosaic["truth"]
    spw = truth.science_spws[0]
    centre, _, _ = _line_channels(truth)
    eb = inspect_ms(truth.ms)
    fields = tuple(derive.target_fields(eb))
    inputs = read_imaging_inputs(truth.ms, eb, {"SynTarget": fields}, (spw,))

    def covers(lines):
        return any(a <= round(centre) <= b for a, b in lines)

    plain = lf.line_free(spw, inputs.spectra["SynTarget"][spw])
    limit, _ = og.short_baseline_limit_m(inputs.uv_l80_m, dish_diameter_m(eb))
    short = short_baseline_spectra(truth.ms, fields, (spw,), limit)[spw]
    maximum = lf.line_free(spw, og.max_over_pointings(list(short.values())))
    near = int(min(truth.extended_line["pointings"].items(), key=lambda kv: kv[1]["offset_arcsec"])[0])
    own = lf.line_free(spw, short[near])
    print(f"\nall baselines, all pointings: lines {plain.lines} (sigma {plain.sigma:.4f} Jy); "
          f"max over pointings: {maximum.lines}; pointing {near} short baselines (<= {limit:.1f} m): "
          f"{own.lines} (sigma {own.sigma:.4f} Jy)")  # fmt: skip
    assert not covers(plain.lines), plain.lines
    assert not covers(maximum.lines), maximum.lines
    assert covers(own.lines), own.lines
    # The line stands out in its pointing's short baselines far above that noise.
    peak = np.nanmax(np.asarray(short[near])[int(centre) - 1 : int(centre) + 2])
    base = np.nanmedian(np.asarray(short[near]))
    assert (peak - base) / own.sigma > 6


def test_a_requested_beam_range_moves_robust_off_0_5(line_mosaic, tmp_path):
    """The PSFs of the uv coverage for each robust; a range around the
    largest beam (robust 2, natural-like), which robust 0.5's misses, gives
    that robust, and tclean's PSF with it is the beam predicted."""
    from scriptgen import casa_env
    from scriptgen.imaging_generate import generate_imaging

    truth = line_mosaic["truth"]
    why = next(d for d in line_mosaic["single"].decisions if d.startswith("robust "))
    table = {
        float(item.split(":")[0].split()[1]): float(item.split(":")[1].strip().rstrip('"'))
        for item in why.split("PSFs: ")[1].split(", ")
    }
    wanted = max(table, key=table.get)
    runner_up = max(v for r, v in table.items() if r != wanted)
    assert wanted != 0.5 and table[wanted] > runner_up, table
    # Only robust ``wanted``'s beam is in this range.
    low, high = 0.5 * (table[wanted] + runner_up), table[wanted] * 1.2
    t = time.perf_counter()
    result = generate_imaging(
        truth.ms, tmp_path / "ranged", with_calibrators=False, allow_raw=True, beam_range_arcsec=(low, high)
    )
    seconds = time.perf_counter() - t
    chosen_why = next(d for d in result.decisions if d.startswith("robust "))
    (cont,) = result.plan.continuum
    print(f'\nrequested {low:.2f}-{high:.2f}"; PSF beams (geometric mean) by robust: '
          + ", ".join(f'{r:g}: {s:.2f}"' for r, s in sorted(table.items()))
          + f"; chosen robust {cont.robust:g} (generation {seconds:.1f} s)\n{chosen_why}")  # fmt: skip
    assert cont.robust == wanted, chosen_why
    assert "within the requested" in chosen_why
    # tclean's own PSF (no residual, no clean) with that robust: its beam is in the range.
    psf = tmp_path / "psf"
    t = time.perf_counter()
    casa_env.casatasks().tclean(
        vis=str(truth.ms), imagename=str(psf), field=",".join(str(f.field_id) for f in truth.target_fields),
        spw=str(truth.science_spws[0]), specmode="mfs", gridder="mosaic", imsize=list(cont.imsize),
        cell=cont.cell, phasecenter=cont.phasecenter, weighting="briggs", robust=cont.robust,
        niter=0, calcres=False, calcpsf=True, datacolumn="data",
    )  # fmt: skip
    ia = casa_env.casatools().image()
    ia.open(str(psf) + ".psf")
    try:
        beam = ia.restoringbeam()
    finally:
        ia.close()
    size = math.sqrt(beam["major"]["value"] * beam["minor"]["value"])
    print(f'tclean PSF (robust {cont.robust:g}): {size:.2f}" ({time.perf_counter() - t:.1f} s)')
    assert size == pytest.approx(table[wanted], rel=0.15)


def test_the_extended_source_model_matches_casa_ft(line_mosaic, copy_ms):
    """The builder's visibilities of the source seen by a pointing (apparent
    Gaussian through the primary beam) equal what CASA's ``ft`` predicts for
    a Gaussian component of that apparent flux, position and size, at the
    line-centre channel, on the nearest pointing and on the mosaic centre."""
    from scriptgen import casa_env
    from scriptgen.synthetic import sky

    truth = line_mosaic["truth"]
    ms = copy_ms(truth.ms)
    ext = truth.extended_line
    spw = next(s for s in truth.spws if s.spw_id == ext["spw_id"])
    chan0 = spw.centre_hz - spw.chan_width_hz * (spw.nchan - 1) / 2
    k = int(round((ext["topo_centre_hz"] - chan0) / spw.chan_width_hz))
    freq = chan0 + k * spw.chan_width_hz
    src = sky.ExtendedLine(
        math.radians(ext["ra_deg"]), math.radians(ext["dec_deg"]), math.radians(ext["fwhm_arcsec"] / 3600),
        ext["topo_centre_hz"], ext["topo_fwhm_hz"], ext["peak_jy"],
    )  # fmt: skip
    near = int(min(ext["pointings"].items(), key=lambda kv: kv[1]["offset_arcsec"])[0])
    centre = sorted(ext["pointings"], key=int)[len(ext["pointings"]) // 2]
    ct, tasks = casa_env.casatools(), casa_env.casatasks()
    tb = ct.table()
    tb.open(str(ms / "DATA_DESCRIPTION"))
    dd = list(tb.getcol("SPECTRAL_WINDOW_ID")).index(spw.spw_id)
    tb.close()
    for fid in (near, int(centre)):
        fld = truth.field(fid)
        pointing = (math.radians(fld.ra_deg), math.radians(fld.dec_deg))
        l0, m0, _ = sky.direction_cosines(*pointing, src.ra_rad, src.dec_rad)
        pb = math.radians(sky.primary_beam_fwhm_deg(freq, 12.0))
        l, m, fwhm, fraction = (float(v[0]) for v in sky.attenuated_gaussian((l0, m0), src.fwhm_rad, np.array([pb])))
        flux = float(sky.gaussian_line(np.array([freq]), src.topo_centre_hz, src.topo_fwhm_hz, src.peak_jy)[0])
        # The apparent centre back to J2000 (inverse of direction_cosines).
        dec = math.asin(m * math.cos(pointing[1]) + math.sqrt(1 - l * l - m * m) * math.sin(pointing[1]))
        ra = pointing[0] + math.atan2(l, math.sqrt(1 - l * l - m * m) * math.cos(pointing[1]) - m * math.sin(pointing[1]))
        cl_path = str(ms) + f".{fid}.cl"
        cl = ct.componentlist()
        cl.addcomponent(
            flux=flux * fraction, fluxunit="Jy", polarization="Stokes", dir=f"J2000 {ra}rad {dec}rad",
            shape="Gaussian", majoraxis=f"{math.degrees(fwhm) * 3600}arcsec",
            minoraxis=f"{math.degrees(fwhm) * 3600}arcsec", positionangle="0deg",
        )  # fmt: skip
        cl.rename(cl_path)
        cl.close()
        tasks.ft(vis=str(ms), field=str(fid), spw=f"{spw.spw_id}:{k}", complist=cl_path, usescratch=True)
        tb.open(str(ms))
        try:
            sel = tb.query(f"FIELD_ID=={fid} && DATA_DESC_ID=={dd} && ANTENNA1!=ANTENNA2")
            model = sel.getcol("MODEL_DATA")[0, k]
            uvw = sel.getcol("UVW")
            sel.close()
        finally:
            tb.close()
        mine = sky.extended_line_vis(uvw, np.array([freq]), pointing, 12.0, src)[0]
        scale = np.max(np.abs(model))
        worst = float(np.max(np.abs(mine - model)) / scale)
        print(f"\nfield {fid}: |V| up to {scale:.4f} Jy; builder vs ft max difference {worst:.2e} of it")
        assert scale > 1e-3 and worst < 1e-3
