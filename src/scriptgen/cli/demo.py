"""`scriptgen demo`: the whole job on a bundled default, start to finish."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

NAME = "demo"
HELP = "simulate an ALMA-like EB, inspect it, write its scripts and run them"
DESCRIPTION = """\
Show what scriptgen does, on a synthetic execution block it builds itself
(band 3, ten 12 m antennas, four spectral windows, quasar calibrators, one
target; gains, bandpass and Tsys corrupted so calibration has work to do).

  1. simulate   DIR/calibration/uid___A002_Xsyn_X1.ms   (about 20 s)
  2. inspect    print what the EB contains
  3. generate   the calibration script, its snapshot and scriptForPI.py
  4. calibrate  run the calibration script in CASA     (about a minute)

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
        help="stop after writing the scripts (no CASA runs of the scripts)",
    )


def write_calibrator_catalogue(truth, path: Path) -> Path:
    """The quasar fluxes an analyst would look up in the ALMA calibrator catalogue.

    For the demo the catalogue is the simulation's truth: the point is to
    show where such a file goes, not to test the analyst's lookup.
    """
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "flux_jy", "spix", "reffreq_ghz", "note"])
        for fld in truth.fields_with_role("flux"):
            if not fld.solar_system:
                writer.writerow(
                    [fld.source_name, fld.flux_jy, fld.spectral_index, fld.ref_freq_hz / 1e9, "demo catalogue"]
                )
    return path


def _simulate(workdir: Path):
    from ..progress import step
    from ..synthetic import SyntheticConfig, Truth, build_execblock, truth_path

    config = SyntheticConfig(note="scriptgen demo")
    ms = workdir / f"{config.uid}.ms"
    if ms.exists() and truth_path(ms).exists():
        print(f"1. simulate: reusing {ms}")
        return ms, Truth.load(truth_path(ms))
    with step(f"1. simulate: building {ms.name} with casatools' simulator"):
        truth = build_execblock(ms, config)
    return ms, truth


def run(args: argparse.Namespace) -> int:
    from ..generate import GenerateOptions, generate
    from ..inspect import inspect_ms
    from ..inspect.summary import summarise
    from ..naming import calibration_script, ms_name
    from ..progress import step
    from ..runner import run_or_fail

    workdir = Path(args.out).absolute() / "calibration"
    workdir.mkdir(parents=True, exist_ok=True)

    ms, truth = _simulate(workdir)

    with step("2. inspect: reading the MS metadata (never the visibilities)"):
        eb = inspect_ms(ms)
    print(summarise(eb))

    catalogue = write_calibrator_catalogue(truth, workdir / "calibrator_fluxes.csv")
    with step("3. generate: writing the scripts beside the MS"):
        result = generate([eb], GenerateOptions(out_dir=workdir, calibrator_fluxes=catalogue))
    print("\n".join(result.summary_lines()))

    script = workdir / calibration_script(ms_name(eb.uid))
    if args.no_run:
        print()
        print("\n".join(result.run_instructions()))
        return 0

    log = workdir / (script.name + ".log")
    with step(f"4. calibrate: running {script.name} in CASA (log: {log.name})"):
        run_or_fail(script, workdir, log=log)
    print(f"calibrated data: {workdir / (ms.name + '.split.cal')}")
    return 0
