"""issue 9, "Done when": two EBs of one member OUS observed six months apart, imaged together.

Two pairs of small band 6 EBs (6 x 12 m, one 128-channel FDM window of
1.83 MHz, a 0.25 Jy target with a 0.5 Jy, 12 MHz Gaussian line at LSRK
224.16 GHz), observed at the same sidereal time 183 sidereal days apart
towards RA 18h, Dec -23 (near the ecliptic, where the Earth's orbital
velocity swings the LSRK/TOPO shift by ~60 km/s over half a year):

* ``tuned``: each EB tuned in TOPO at its own start, as ALMA does: the
  TOPO frequencies differ by ~24 channels, the line sits at one channel.
* ``shared``: both EBs on one TOPO tuning: the line falls ~24 channels
  apart in TOPO.

The EBs are uncorrupted (calibrated-looking) and split as the calibration
script's last step does; ``scriptgen imaging A B --execblock rawA rawB``
writes one script, run once per pair (session fixtures) in CASA.
"""

from __future__ import annotations

import math
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.casa

SIDEREAL_DAY_S = 86164.0905
LINE_LSRK_HZ = 224.16e9
LINE_PEAK_JY = 0.5
FIRST_START = "2024-03-20T08:00:00"


def _config(uid: str, seed: int, start: str, tuned: bool):
    from scriptgen.synthetic import LineSpec, SyntheticConfig

    return SyntheticConfig(
        uid=uid, seed=seed, band=6, n_antennas=6, n_spws=1, nchan=128, tdm_tsys=True, tdm_nchan=16,
        corrupt=False, start=start, ra_deg=270.0, dec_deg=-23.0, tuned_at_start=tuned,
        line=LineSpec(centre_ghz=LINE_LSRK_HZ / 1e9, fwhm_mhz=12.0, peak_jy=LINE_PEAK_JY),
        note=f"ous imaging ({'tuned at start' if tuned else 'shared TOPO'})",
    )  # fmt: skip


def _run_pair(tmp_path_factory, tuned: bool):
    from scriptgen import naming
    from scriptgen.ous_imaging import generate_ous_imaging
    from scriptgen.runner import run_script
    from scriptgen.synthetic import build_execblock

    from tests.support.imaging_run import _split_cal

    work = tmp_path_factory.mktemp("ous_tuned" if tuned else "ous_shared")
    later = datetime.fromisoformat(FIRST_START) + timedelta(seconds=183 * SIDEREAL_DAY_S)
    timings = {}
    truths, splits = [], []
    for i, start in enumerate((FIRST_START, later.isoformat(timespec="seconds"))):
        cfg = _config(f"uid___A002_Xous_X{int(tuned)}{i}", 40 + i, start, tuned)
        t = time.perf_counter()
        truth = build_execblock(work / f"{cfg.uid}.ms", cfg)
        timings[f"build EB {i + 1}"] = time.perf_counter() - t
        truths.append(truth)
        splits.append(_split_cal(truth, work))
    t = time.perf_counter()
    # The per-EB QA images are the check-source tests' (test_check_source_casa).
    result = generate_ous_imaging(splits, work, execblocks=[t.ms for t in truths], with_calibrators=False)
    timings["generate"] = time.perf_counter() - t
    done = run_script(work / naming.IMAGING_SCRIPT, work, log=work / "run.log", timeout=3600)
    timings["run scriptForImaging.py"] = done.seconds
    print(f"\nOUS imaging ({'tuned' if tuned else 'shared TOPO'}) wall times: "
          + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))  # fmt: skip
    assert done.returncode == 0, done.output[-4000:]
    return {"work": work, "truths": truths, "result": result, "timings": timings}


@pytest.fixture(scope="session")
def ous_tuned(tmp_path_factory):
    return _run_pair(tmp_path_factory, tuned=True)


@pytest.fixture(scope="session")
def ous_shared(tmp_path_factory):
    return _run_pair(tmp_path_factory, tuned=False)


def _line_channel(truth) -> float:
    spw = next(s for s in truth.spws if s.spw_id == truth.line.spw_id)
    chan0 = spw.centre_hz - spw.chan_width_hz * (spw.nchan - 1) / 2
    return (truth.line.topo_centre_hz - chan0) / spw.chan_width_hz


def _science(truth):
    return next(s for s in truth.spws if s.spw_id == truth.science_spws[0])


def test_tuned_ebs_differ_in_topo_but_keep_the_line_channel(ous_tuned):
    a, b = ous_tuned["truths"]
    shift = abs(_science(a).centre_hz - _science(b).centre_hz) / abs(_science(a).chan_width_hz)
    print(f"\ntuned at start: TOPO tunings {shift:.1f} channels apart; line at channel "
          f"{_line_channel(a):.2f} and {_line_channel(b):.2f}")  # fmt: skip
    assert shift >= 10
    assert _line_channel(a) == pytest.approx(_line_channel(b), abs=0.2)


def test_shared_topo_puts_the_line_channels_apart(ous_shared):
    a, b = ous_shared["truths"]
    assert _science(a).centre_hz == _science(b).centre_hz
    apart = abs(_line_channel(a) - _line_channel(b))
    print(f"\nshared TOPO: line {apart:.1f} channels apart between the EBs")
    assert apart >= 10


def _cube(run):
    cubes = run["result"].plan.cubes
    assert len(cubes) == 1  # one window, one cube for both EBs
    (cube,) = cubes
    archive = run["truths"][0].science_spws[0]
    assert cube.imagename.endswith(f".spw{archive}.cube"), cube.imagename  # the archive id, not the split's 0
    assert isinstance(cube.vis, tuple) and len(cube.vis) == 2
    return cube


def _read_image(path: Path):
    from scriptgen import casa_env

    ia = casa_env.casatools().image()
    ia.open(str(path))
    try:
        data = ia.getchunk(dropdeg=False)  # [x, y, stokes, freq] or [x, y, freq, stokes]
        cs = ia.coordsys()
        axes = cs.axiscoordinatetypes()
        freq_axis = axes.index("Spectral")
        n = data.shape[freq_axis]
        freqs = np.array(
            [cs.toworld([0.0] * freq_axis + [float(k)] + [0.0] * (len(axes) - freq_axis - 1), "n")["numeric"][freq_axis]
             for k in range(n)]
        )  # fmt: skip
        frame = cs.referencecode("spectral")[0]
        cs.done()
    finally:
        ia.close()
    cube = np.moveaxis(data, freq_axis, -1).reshape(data.shape[0], data.shape[1], n)
    return cube, freqs, frame


def _check_cube(run, label):
    cube = _cube(run)
    data, freqs, frame = _read_image(run["work"] / cube.pbcor)
    assert frame == "LSRK"
    nx, ny, n = data.shape
    spectrum = data[nx // 2, ny // 2, :]
    k = int(np.nanargmax(spectrum))
    width = abs(freqs[1] - freqs[0])
    offset = (freqs[k] - LINE_LSRK_HZ) / width
    peak = float(spectrum[k])
    # Noise: flat-noise image, channels more than 3 line FWHM from the line, whole field.
    flat, _, _ = _read_image(run["work"] / cube.image)
    off = np.abs(freqs - LINE_LSRK_HZ) > 3 * 12e6
    measured = float(np.nanstd(flat[:, :, off]))
    predicted = _radiometer_cube_noise(run, width)
    print(f"\n{label}: line peak at {freqs[k] / 1e9:.6f} GHz LSRK ({offset:+.2f} channels from the injected "
          f"{LINE_LSRK_HZ / 1e9:.6f}), peak {peak:.4f} Jy ({peak / LINE_PEAK_JY:.3f} of truth); off-line noise "
          f"{measured * 1e3:.2f} mJy vs radiometer {predicted * 1e3:.2f} mJy ({measured / predicted:.3f}x); "
          f"{n} channels")  # fmt: skip
    assert abs(offset) <= 1.0
    assert peak == pytest.approx(LINE_PEAK_JY, rel=0.15)
    assert 0.6 < measured / predicted <= 1.2


def _radiometer_cube_noise(run, width_hz: float) -> float:
    """Stokes I noise per channel of both EBs' target data (natural weights), from the truth:
    each EB's per-visibility noise over its baselines x integrations x 2 polarisations, scaled
    from the native channel to the cube's channel, combined by inverse variance, times the
    robust 0.5 / natural factor the plan uses."""
    from scriptgen.heuristics import imaging as im

    inverse = 0.0
    for truth in run["truths"]:
        spw = _science(truth)
        n_ant = len(truth.antennas)
        target_s = sum(
            s.end_mjd_s - s.start_mjd_s for s in truth.scans if "OBSERVE_TARGET#ON_SOURCE" in s.intents
        )
        n_vis = n_ant * (n_ant - 1) / 2 * round(target_s / truth.integration_s) * 2
        sigma = truth.noise_jy[spw.spw_id] * math.sqrt(abs(spw.chan_width_hz) / width_hz) / math.sqrt(n_vis)
        inverse += 1 / sigma**2
    return im.ROBUST_NOISE_FACTOR / math.sqrt(inverse)


def test_tuned_ebs_make_one_lsrk_cube_with_the_line_right(ous_tuned):
    _check_cube(ous_tuned, "tuned at start")


def test_shared_topo_ebs_make_one_lsrk_cube_with_the_line_right(ous_shared):
    _check_cube(ous_shared, "shared TOPO")


def test_continuum_flux_within_5_percent(ous_tuned):
    from astropy.io import fits

    from scriptgen import casa_env

    (cont,) = ous_tuned["result"].plan.continuum
    work = ous_tuned["work"]
    target = ous_tuned["truths"][0].target_fields[0]
    ref_hz = fits.getheader(work / cont.fits[0][1])["CRVAL3"]
    expected = target.flux_jy * (ref_hz / target.ref_freq_hz) ** target.spectral_index
    measured = casa_env.casatasks().imfit(imagename=str(work / cont.pbcor))["results"]["component0"]["flux"][
        "value"
    ][0]
    print(
        f"\ncontinuum of both EBs: {measured:.4f} Jy vs truth {expected:.4f} Jy ({measured / expected:.4f})"
    )
    assert measured == pytest.approx(expected, rel=0.05)


def test_cont_dat_is_lsrk_and_excludes_the_line_for_both_runs(ous_tuned, ous_shared):
    from scriptgen.heuristics import ous_grid as og

    for run in (ous_tuned, ous_shared):
        text = (run["work"] / "cont.dat").read_text()
        assert "LSRK" in text
        ranges = og.parse_cont_dat(text)["SynTarget"][run["truths"][0].science_spws[0]]
        assert ranges, text
        for lo, hi in ranges:
            assert not (lo - 6e6 < LINE_LSRK_HZ < hi + 6e6), text


def test_robust_is_chosen_against_the_requested_beam_range(ous_tuned, tmp_path):
    """The PSFs computed at generation predict tclean's beam; a range the
    robust-0.5 beam misses moves robust to the nearest value and says why."""
    from scriptgen import casa_env
    from scriptgen.ous_imaging import generate_ous_imaging

    work = ous_tuned["work"]
    (cont,) = ous_tuned["result"].plan.continuum
    ia = casa_env.casatools().image()
    ia.open(str(work / cont.image))
    try:
        restoring = ia.restoringbeam()
    finally:
        ia.close()
    tclean_size = math.sqrt(restoring["major"]["value"] * restoring["minor"]["value"])
    splits = [work / v for v in cont.vis]
    raws = [t.ms for t in ous_tuned["truths"]]
    t = time.perf_counter()
    fine = generate_ous_imaging(splits, tmp_path / "fine", execblocks=raws, beam_range_arcsec=(0.5, 1.0))
    seconds = time.perf_counter() - t
    why = next(d for d in fine.decisions if d.startswith("robust "))
    chosen = fine.plan.continuum[0].robust
    print(
        f'\nrequested 0.5-1.0": {why} (generation {seconds:.1f} s); tclean\'s robust-0.5 beam {tclean_size:.3f}"'
    )
    # Every PSF is larger than asked: the robust with the smallest beam, and the reason says so.
    table = {
        float(item.split(":")[0].split()[1]): float(item.split(":")[1].strip().rstrip('"'))
        for item in why.split("PSFs of the uv coverage: ")[1].split(" (generation")[0].split(", ")
    }
    assert "no robust" in why and "larger" in why
    assert table[chosen] == min(table.values())
    wide = generate_ous_imaging(
        splits, tmp_path / "wide", execblocks=raws, beam_range_arcsec=(0.5 * tclean_size, 2 * tclean_size)
    )
    assert wide.plan.continuum[0].robust == 0.5
    # The robust-0.5 PSF predicted at generation matches tclean's restoring beam.
    predicted = float(
        next(d for d in ous_tuned["result"].decisions if d.startswith("robust "))
        .split("robust 0.5: ")[1]
        .split('"')[0]
    )
    assert predicted == pytest.approx(tclean_size, rel=0.15)


def test_an_analysts_lsrk_cont_dat_overrides_the_detection(ous_shared, tmp_path):
    """Ranges given in LSRK reach every EB in its own TOPO channels."""
    from scriptgen.heuristics import ous_grid as og
    from scriptgen.ous_imaging import generate_ous_imaging

    work = ous_shared["work"]
    (cont,) = ous_shared["result"].plan.continuum
    archive = ous_shared["truths"][0].science_spws[0]
    mine = tmp_path / "mine.dat"
    mine.write_text(f"Field: SynTarget\n\nSpectralWindow: {archive}\n224.08~224.12GHz LSRK\n")
    result = generate_ous_imaging(
        [work / v for v in cont.vis],
        tmp_path / "out",
        execblocks=[t.ms for t in ous_shared["truths"]],
        cont_ranges=mine,
    )
    ((lo, hi),) = og.parse_cont_dat(result.cont_ranges)["SynTarget"][archive]
    assert (lo, hi) == pytest.approx((224.08e9, 224.12e9))
    selections = result.plan.continuum[0].spw
    assert len(selections) == 2 and selections[0] != selections[1]  # the EBs' TOPO channels differ
    for sel in selections:
        first, last = (int(x) for x in sel.split(":")[1].split("~"))
        assert 19 <= last - first + 1 <= 22  # 40 MHz of 1.83 MHz channels
