"""`scriptgen demo`: the whole job on a bundled default, start to finish."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "demo"
HELP = "simulate an ALMA-like EB, inspect it, write its scripts and run them"
DESCRIPTION = """\
Show what scriptgen does, on a synthetic execution block it builds itself
(band 3, ten 12 m antennas, four spectral windows, quasar calibrators, one
10 mJy target; gains, bandpass and Tsys corrupted so calibration has work to do).

  1. simulate   DIR/calibration/uid___A002_Xsyn_X1.ms   (about 20 s)
  2. inspect    print what the EB contains
  3. generate   the calibration script, its snapshot and scriptForPI.py
  4. calibrate  run the calibration script in CASA     (about a minute)
  5. imaging    write scriptForImaging.py from the calibrated data
  6. image      run it: continuum, continuum subtraction, cubes, FITS
                (a few minutes: tclean is the slow part)
  7. qa2        measure noise and beam against a science goal
  8. package    lay out the ALMA delivery tree in DIR/delivery

Every step says what it does and how long it took. Rerunning reuses the
simulated EB; a script you edited in DIR is never overwritten.

examples:
  scriptgen demo                       # into ./scriptgen-demo
  scriptgen demo --out /tmp/demo --no-run
"""

DEFAULT_DIR = "scriptgen-demo"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default=DEFAULT_DIR, metavar="DIR", help=f"working folder (default ./{DEFAULT_DIR})")
    parser.add_argument(
        "--no-run",
        action="store_true",
        help="stop after writing the calibration scripts (no CASA runs of the scripts)",
    )
    parser.add_argument(
        "--no-imaging",
        action="store_true",
        help="stop after calibration (skip imaging, QA2 and packaging)",
    )


def _simulate(workdir: Path):
    from ..progress import step
    from ..synthetic import SyntheticConfig, build_execblock

    # A faint target (10 mJy) keeps the image limited by thermal noise, as
    # most ALMA science targets are; a bright one would be limited by the
    # residual phase errors of phase referencing instead.
    config = SyntheticConfig(target_flux_jy=0.01, note="scriptgen demo")
    ms = workdir / f"{config.uid}.ms"
    reusable = _reusable(ms, config)
    if reusable is not None:
        print(f"1. simulate: reusing {ms}")
        return ms, reusable
    from ..casa_env import casa_output_to, new_logfile

    log = new_logfile("simulate")
    with step(f"1. simulate: building {ms.name} with casatools' simulator (CASA log: {log})"):
        with casa_output_to(log):
            # overwrite: whatever an interrupted earlier run left is replaced.
            truth = build_execblock(ms, config, overwrite=True)
    return ms, truth


def _reusable(ms: Path, config):
    """The truth of an earlier run's EB when that EB is whole, else None.

    An earlier demo may have been interrupted while the simulator wrote
    (leaving no truth file or a cut-short one) or later while a script
    wrote into the MS; reusing such an MS would fail in every rerun. So the
    truth must load and match today's recipe, and the MS must be readable
    by the inspector; otherwise it is rebuilt.
    """
    from ..errors import ScriptgenError
    from ..synthetic import Truth, truth_path

    if not (ms.exists() and truth_path(ms).exists()):
        return None
    try:
        truth = Truth.load(truth_path(ms))
        if truth.config != config:
            return None
        from ..inspect import inspect_ms

        inspect_ms(ms)
    except (ScriptgenError, ValueError, KeyError, TypeError, OSError) as exc:
        print(f"1. simulate: not reusing {ms.name} ({' '.join(str(exc).split())[:120]}); rebuilding")
        return None
    return truth


def run(args: argparse.Namespace) -> int:
    """The demo; with ``-q`` its narration is dropped and only errors show."""
    import contextlib
    import os

    if not args.quiet:
        return _demo(args)
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        return _demo(args)


def _demo(args: argparse.Namespace) -> int:
    from ..errors import ScriptgenError
    from ..generate import GenerateOptions, generate
    from ..inspect import inspect_ms
    from ..inspect.summary import summarise
    from ..naming import calibration_script, ms_name
    from ..progress import step

    workdir = Path(args.out).absolute() / "calibration"
    try:
        workdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScriptgenError(f"cannot use {workdir} as the demo's folder: {exc.strerror or exc}") from None

    ms, truth = _simulate(workdir)

    with step("2. inspect: reading the MS metadata (never the visibilities)"):
        eb = inspect_ms(ms)
    print(summarise(eb))

    # The quasar fluxes an analyst would look up in the ALMA calibrator
    # catalogue; for the demo the catalogue is the simulation's truth.
    catalogue = workdir / "calibrator_fluxes.csv"
    catalogue.write_text(truth.calibrator_catalogue(note="demo catalogue"))
    with step("3. generate: writing the scripts beside the MS"):
        result = generate([eb], GenerateOptions(out_dir=workdir, calibrator_fluxes=catalogue))
    print("\n".join(result.summary_lines()))

    script = workdir / calibration_script(ms_name(eb.uid))
    if args.no_run:
        print()
        print("\n".join(result.run_instructions()))
        return 0

    with step(f"4. calibrate: running {script.name} in CASA, as 'scriptgen run' does"):
        _run(script)
    split_cal = workdir / (ms.name + ".split.cal")
    print(f"calibrated data: {split_cal}")
    if args.no_imaging:
        return 0

    plan = _image(workdir, ms, split_cal)
    report = _qa2(workdir, ms, plan)
    _package(Path(args.out).absolute() / "delivery", workdir, report)
    return 0


def _image(workdir: Path, ms: Path, split_cal: Path):
    from ..imaging_generate import generate_imaging
    from ..naming import IMAGING_SCRIPT
    from ..progress import step

    with step("5. imaging: choosing cell, image size, continuum ranges and threshold"):
        # Calibrator images are QA extras; the demo skips them to save minutes.
        result = generate_imaging(split_cal, workdir, tsys_from=str(ms), with_calibrators=False)
    print("\n".join(f"  {line}" for line in result.decisions))
    print("\n".join(result.report.lines()))
    with step(f"6. image: running {IMAGING_SCRIPT} in CASA, as 'scriptgen run' does"):
        _run(workdir / IMAGING_SCRIPT)
    return result.plan


def _run(script: Path) -> None:
    """Run an emitted script exactly as 'scriptgen run SCRIPT' does (log beside it)."""
    from ..errors import ScriptgenError
    from .run import run_one

    status = run_one(script)
    if status != 0:
        raise ScriptgenError(f"{script.name} failed (exit {status}); its log is {script}.log")


def demo_goal(plan) -> dict:
    """The science goal the demo judges against.

    A real one comes from the proposal, where the observing tool sized the
    observation to reach the requested noise. The demo therefore asks for
    the continuum noise the radiometer equation predicts for this EB, with
    the cost of robust 0.5 weighting over natural weighting the imaging
    heuristics assume, and a resolution range of 0.8-1.25 times what the
    array gives: the size (geometric mean of the axes, what QA2 compares) of
    the beam the imaging heuristics expect from the PSF of the uv coverage.
    """
    from ..heuristics.imaging import ROBUST_NOISE_FACTOR

    key, noise = next((key, est) for key, est in plan.noise.items() if key.endswith("continuum"))
    beam = plan.expected_beams[key].size
    return {
        "rms": f"{noise.sigma_jy * ROBUST_NOISE_FACTOR * 1e3:.4g} mJy",
        "beam_range": [f"{0.8 * beam:.3g} arcsec", f"{1.25 * beam:.3g} arcsec"],
        "rule": "later",
    }


def _qa2(workdir: Path, ms: Path, plan) -> Path:
    import json

    from . import main

    goal = workdir / "science_goal.json"
    goal.write_text(json.dumps(demo_goal(plan), indent=1) + "\n")
    image = plan.continuum[0]
    stem = workdir / (image.imagename + ".image" + image.suffix)
    residual = workdir / (image.imagename + ".residual" + image.suffix)
    report = workdir / "qa2.json"
    print(f"... 7. qa2: {stem.name} against {goal.name}", flush=True)
    main(["qa2", str(stem), "--residual", str(residual), "--goal", str(goal),
          "--execblock", str(ms), "--json", str(report)])  # fmt: skip
    return report


def _package(out: Path, workdir: Path, report: Path) -> None:
    from . import main
    from ..errors import ScriptgenError

    print(f"... 8. package: laying out the delivery in {out}", flush=True)
    status = main(["package", str(workdir), "--out", str(out), "--force",
                   "--science-goal", "uid://A001/Xdemo/X1", "--group", "uid://A001/Xdemo/X2",
                   "--member", "uid://A001/Xdemo/X3", "--qa2-report", str(report)])  # fmt: skip
    if status != 0:
        raise ScriptgenError("packaging failed (see the message above)")
