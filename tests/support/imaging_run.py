"""Imaging end to end: a calibrated-looking EB, its generated imaging script, run.

The session fixture ``imaging_eb`` (tests/conftest.py) is uncorrupted: its
DATA column already holds "calibrated" visibilities. The one step between
it and what scriptForImaging.py expects (``<EB>.ms.split.cal``) is the
split of the science windows without the Tsys/WVR scans, done here with
the same task and selection as the calibration script's last step.

The run is expensive (tclean), so it happens once per session (the
``imaging_run`` fixture in tests/conftest.py) and every test, imaging and
QA2 alike, reads its products; the wall times are kept in ``timings``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from scriptgen import naming


@dataclass
class ImagingRun:
    truth: object
    workdir: Path
    split_cal: Path
    result: object
    returncode: int
    log: str
    timings: dict[str, float] = field(default_factory=dict)


def _split_cal(truth, workdir: Path) -> Path:
    from scriptgen import casa_env

    casatasks = casa_env.casatasks()
    out = workdir / naming.CalTables(Path(truth.ms).name).split_cal
    casatasks.split(
        vis=str(truth.ms),
        outputvis=str(out),
        spw=",".join(str(s) for s in truth.science_spws),
        intent="*BANDPASS*,*PHASE*,*FLUX*,*TARGET*",
        datacolumn="data",
        keepflags=True,
    )
    return out


def run_imaging(imaging_eb, workdir: Path) -> ImagingRun:
    from scriptgen.imaging_generate import generate_imaging
    from scriptgen.runner import run_script

    truth = imaging_eb
    timings: dict[str, float] = {}
    t = time.perf_counter()
    split_cal = _split_cal(truth, workdir)
    timings["split to .split.cal"] = time.perf_counter() - t
    t = time.perf_counter()
    # Calibrator images are left out here to keep the run short on shared
    # cores (they add ~7 min); their rendering is unit-tested.
    result = generate_imaging(split_cal, workdir, tsys_from=str(truth.ms), with_calibrators=False)
    timings["generate scriptForImaging.py"] = time.perf_counter() - t
    t = time.perf_counter()
    done = run_script(workdir / naming.IMAGING_SCRIPT, workdir, log=workdir / "run.log", timeout=3600)
    timings["run scriptForImaging.py"] = done.seconds
    run = ImagingRun(truth, workdir, split_cal, result, done.returncode, done.output, timings)
    print("\nimaging wall times: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    return run
