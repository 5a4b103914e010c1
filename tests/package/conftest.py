"""A small reduced working folder: a synthetic EB, real calibration tables, images.

Built once per session (~10 s): a 5-antenna, 2-window band 6 EB from
:mod:`scriptgen.synthetic`, then CASA's own gencal/bandpass/gaincal make the
tables a calibration script would (named by :class:`scriptgen.naming.CalTables`),
flagmanager saves a flag version, and casatools writes FITS images of known
noise. Scripts and logs are small text stand-ins with the right names: the
packager moves files, it does not read scripts. Tests must not change this
folder; they package it (a copy) or copy it first.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scriptgen import casa_env, derive, naming
from scriptgen.model import Role

from tests.support.images import make_image

UID = "uid___A002_Xqa2_X1"
MS = naming.ms_name(UID)


def make_tables(workdir: Path, ms: str) -> None:
    """Solve the tables a calibration script writes, on the raw MS (cheap, enough to plot)."""
    from scriptgen.inspect import inspect_ms

    tasks = casa_env.casatasks()
    eb = inspect_ms(workdir / ms)
    spw = ",".join(str(s) for s in derive.science_spws(eb))
    bp = eb.field(derive.fields_with_role(eb, Role.BANDPASS)[0]).name
    ph = eb.field(derive.fields_with_role(eb, Role.PHASE)[0]).name
    t = naming.CalTables(ms)
    vis = str(workdir / ms)
    tab = lambda name: str(workdir / name)  # noqa: E731
    tasks.gencal(vis=vis, caltable=tab(t.tsys), caltype="tsys")
    tasks.bandpass(vis=vis, caltable=tab(t.bandpass), field=bp, spw=spw, solint="inf", combine="scan",
                   refant="0", solnorm=True)
    tasks.gaincal(vis=vis, caltable=tab(t.phase_int), field=f"{bp},{ph}", spw=spw, solint="int", calmode="p",
                  refant="0", gaintable=[tab(t.bandpass)])
    tasks.gaincal(vis=vis, caltable=tab(t.phase_inf), field=f"{bp},{ph}", spw=spw, solint="inf", calmode="p",
                  refant="0", gaintable=[tab(t.bandpass)])
    tasks.gaincal(vis=vis, caltable=tab(t.ampli_inf), field=f"{bp},{ph}", spw=spw, solint="inf", calmode="a",
                  refant="0", gaintable=[tab(t.bandpass), tab(t.phase_int)])
    shutil.copytree(workdir / t.ampli_inf, workdir / t.flux_inf)
    (workdir / t.fluxscale_results).write_text(json.dumps({"1": {"fluxd": [1.0, 0, 0, 0]}}) + "\n")
    tasks.flagmanager(vis=vis, mode="save", versionname="Original")


@pytest.fixture(scope="session")
def reduced_workdir(tmp_path_factory) -> Path:
    """The working folder after a reduction (see module docstring)."""
    from scriptgen.synthetic import SyntheticConfig, build_execblock

    work = tmp_path_factory.mktemp("reduced")
    cfg = SyntheticConfig(band=6, n_antennas=5, n_spws=2, nchan=16, n_target_scans=1, target_scan_s=30,
                          bandpass_scan_s=30, uid=UID)
    build_execblock(work / MS, cfg)
    make_tables(work, MS)
    shutil.copytree(work / MS, work / naming.CalTables(MS).split_cal)  # stands in for the calibrated data
    for name in (naming.calibration_script(MS), naming.IMAGING_SCRIPT, naming.PI_SCRIPT):
        (work / name).write_text(f"# {name}: stand-in\n")
    (work / f"{MS}.snapshot.json").write_text("{}\n")
    (work / "casa-20260101-000000.log").write_text("log\n")
    (work / naming.CalTables(MS).listobs).write_text("listobs\n")
    images = work / "images"
    images.mkdir()
    im = make_image(images / "target.cont.image", sigma=1e-4, bmaj=1.2, bmin=0.8, pa=30, n=96, peak=3e-3,
                    correlated=True, fits=True, freq_hz=224e9)
    shutil.move(str(im) + ".fits", images / "target.cont.image.pbcor.fits")
    make_image(images / "target.cont.pb", sigma=0.0, bmaj=1.2, bmin=0.8, n=96, peak=1.0, fits=True, freq_hz=224e9)
    (work / "notes.txt").write_text("analyst's notes, not delivered\n")
    return work


@pytest.fixture(scope="session")
def qa2_report_file(reduced_workdir, tmp_path_factory) -> Path:
    """A real 'scriptgen qa2 --json' report on the working folder's image."""
    from scriptgen.cli import main

    out = tmp_path_factory.mktemp("qa2") / "qa2.json"
    image = reduced_workdir / "images" / "target.cont.image"
    assert main(["qa2", str(image), "--rms", "0.1mJy", "--beam", "1arcsec", "--json", str(out)]) == 0
    return out
