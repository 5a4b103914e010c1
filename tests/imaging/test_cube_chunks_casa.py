"""issue 10 item 3: a cube made in channel chunks equals the serial cube.

A small line EB (one 32-channel window, 5 antennas, a 0.08 Jy Gaussian line
on a 0.02 Jy continuum target; built here, it fits no existing fixture's
size) is imaged by its generated scriptForImaging.py twice: once serially
(one tclean), once by ``scriptgen run FOLDER --workers 2 --cube-chunks 2``,
which gives each channel chunk its own Dask worker and CASA process and then
joins them. The joined cube must have the serial cube's shape, its
frequency axis exactly, one common beam, and per-channel peaks within a
fraction of the channel noise.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from scriptgen import naming

pytestmark = pytest.mark.casa

NCHAN = 32

#: Allowed per-channel peak difference, in units of that channel's rms (the
#: serial residual's): the chunks clean the same planes with the same mask
#: rules, but tclean's major-cycle thresholds follow the peak residual over
#: the planes it holds, so the stopping points differ slightly.
PEAK_TOLERANCE_RMS = 0.5


def small_line_config():
    from scriptgen.synthetic import LineSpec, SyntheticConfig

    return SyntheticConfig(
        uid="uid___A002_Xsyn_X32",
        seed=32,
        n_spws=1,
        nchan=NCHAN,
        n_antennas=5,
        integration_s=5.0,
        n_target_scans=1,
        target_flux_jy=0.02,
        corrupt=False,
        line=LineSpec(centre_ghz=90.5, fwhm_mhz=300.0, peak_jy=0.08),
        note="cube chunks test",
    )


@pytest.fixture(scope="module")
def cube_runs(tmp_path_factory):
    from scriptgen import casa_env
    from scriptgen.imaging_generate import generate_imaging
    from scriptgen.runner import run_script
    from scriptgen.synthetic import build_execblock
    from tests.support.imaging_run import _split_cal

    root = tmp_path_factory.mktemp("cube_chunks")
    with casa_env.casa_output_to(casa_env.new_logfile("cube-chunks-test")):
        truth = build_execblock(root / "uid___A002_Xsyn_X32.ms", small_line_config())
    serial, chunked = root / "serial", root / "chunked"
    serial.mkdir()
    chunked.mkdir()
    split_cal = _split_cal(truth, serial)
    result = generate_imaging(split_cal, serial, tsys_from=str(truth.ms), with_calibrators=False)
    shutil.copytree(split_cal, chunked / split_cal.name)
    shutil.copy(serial / naming.IMAGING_SCRIPT, chunked / naming.IMAGING_SCRIPT)
    done = run_script(serial / naming.IMAGING_SCRIPT, serial, log=serial / "run.log", timeout=3600)
    assert done.ok, done.output[-3000:]
    started = time.perf_counter()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    run = subprocess.run(
        [sys.executable, "-m", "scriptgen", "run", str(chunked), "--workers", "2", "--cube-chunks", "2"],
        capture_output=True, text=True, env=env, timeout=3600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    print(f"\nwhole imaging script: serial {done.seconds:.0f} s, 'scriptgen run --workers 2 --cube-chunks 2' "
          f"{time.perf_counter() - started:.0f} s (LocalCluster start included)")  # fmt: skip
    (cube,) = result.plan.cubes
    return serial, chunked, cube, run


def _read(path: Path):
    from scriptgen import casa_env

    ia = casa_env.casatools().image()
    ia.open(str(path))
    try:
        data = ia.getchunk(dropdeg=False)
        cs = ia.coordsys()
        freqs = np.array([cs.toworld([0, 0, 0, k])["numeric"][3] for k in range(data.shape[3])])
        units = cs.units()[3]
        beam = ia.restoringbeam()
        cs.done()
    finally:
        ia.close()
    return data, freqs, units, beam


def test_chunked_cube_equals_serial_within_noise(cube_runs):
    serial, chunked, cube, run = cube_runs
    report = json.loads((chunked / "scriptgen-run.json").read_text())
    kinds = [t["kind"] for t in report["tasks"]]
    assert kinds.count("cube chunk") == 2 and all(t["status"] == "ok" for t in report["tasks"]), report
    # Each chunk ran in its own CASA process, with its own log.
    assert (chunked / f"{naming.IMAGING_SCRIPT}.chunk0of2.log").is_file()
    assert (chunked / f"{naming.IMAGING_SCRIPT}.chunk1of2.log").is_file()

    a, fa, ua, beam_a = _read(serial / f"{cube.imagename}.image")
    b, fb, ub, beam_b = _read(chunked / f"{cube.imagename}.image")
    assert a.shape == b.shape and a.shape[3] == NCHAN == cube.nchan
    assert ua == ub and np.array_equal(fa, fb), (fa - fb)
    assert beam_a == beam_b, (beam_a, beam_b)  # one common beam, the serial cube's
    residual, _, _, _ = _read(serial / f"{cube.imagename}.residual")
    rms = np.array([np.nanstd(residual[:, :, 0, k]) for k in range(NCHAN)])
    # A channel without data (an edge channel the EB's LSRK drift leaves
    # uncovered) is blank in both.
    blank = ~(rms > 0)
    assert blank.sum() <= 1 and np.array_equal(a[..., blank], b[..., blank], equal_nan=True)
    a, b, rms = a[..., ~blank], b[..., ~blank], rms[~blank]
    peak_a = np.nanmax(a, axis=(0, 1, 2))
    peak_b = np.nanmax(b, axis=(0, 1, 2))
    ratio = np.abs(peak_a - peak_b) / rms
    whole = np.nanmax(np.abs(a - b), axis=(0, 1, 2)) / rms
    print(
        f"\nchunked vs serial: per-channel peak difference max {ratio.max():.2e} rms (median {np.median(ratio):.2e}); "
        f"largest pixel difference {whole.max():.2e} rms; peak {peak_a.max():.4f} Jy/beam, rms {np.median(rms) * 1e3:.2f} mJy"
    )
    assert ratio.max() < PEAK_TOLERANCE_RMS, ratio
    # The line is there (not two empty cubes agreeing).
    assert peak_a.max() > 10 * np.median(rms)


def test_joined_products_and_exports(cube_runs):
    serial, chunked, cube, _ = cube_runs
    for product in ("image", "image.pbcor", "pb", "psf", "residual", "model", "mask"):
        data, _, _, _ = _read(chunked / f"{cube.imagename}.{product}")
        assert data.shape[3] == NCHAN, product
    for _, fits_name in cube.fits:
        assert (chunked / fits_name).is_file(), fits_name
    # The chunks' own products are gone after the join.
    assert not list(chunked.glob(f"{cube.imagename}.chunk*"))
    pb_a, _, _, _ = _read(serial / f"{cube.imagename}.pbcor".replace(".pbcor", ".image.pbcor"))
    pb_b, _, _, _ = _read(chunked / f"{cube.imagename}.image.pbcor")
    assert np.array_equal(np.isnan(pb_a), np.isnan(pb_b))
