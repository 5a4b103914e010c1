"""Imaging end to end: a calibrated-looking EB, its generated imaging script, run.

The session fixture ``imaging_eb`` (tests/conftest.py) is uncorrupted: its
DATA column already holds "calibrated" visibilities. The one step between
it and what scriptForImaging.py expects (``<EB>.ms.split.cal``) is the
split of the science windows without the Tsys/WVR scans, done here with
the same task and selection as the calibration script's last step.

The run is expensive (tclean), so it happens once per module and every test
reads its products; the wall times are kept in ``timings`` for the report.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

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


@pytest.fixture(scope="module")
def imaging_run(imaging_eb, tmp_path_factory):
    from scriptgen.imaging_generate import generate_imaging

    truth = imaging_eb
    workdir = tmp_path_factory.mktemp("imaging_run")
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
    proc = subprocess.run(
        [sys.executable, naming.IMAGING_SCRIPT],
        cwd=workdir,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=3600,
    )
    timings["run scriptForImaging.py"] = time.perf_counter() - t
    (workdir / "run.log").write_text(proc.stdout + proc.stderr)
    run = ImagingRun(truth, workdir, split_cal, result, proc.returncode, proc.stdout + proc.stderr, timings)
    print("\nimaging wall times: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    return run
