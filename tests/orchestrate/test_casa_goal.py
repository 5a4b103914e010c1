"""`scriptgen run WORKDIR` on the synthetic two-EB goal, on a 2-worker LocalCluster.

The serial reference is the analyst's run (each calibration script, then
the flux script, one after the other: the session fixture ``analyst_goal``,
shared with the flux and scriptForPI tests). The parallel run must give
the same calibrated data; a stopped run must resume without redoing the
EBs that finished; an EB whose MS is gone must fail alone. Wall times are
printed (``pytest -s``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from scriptgen import naming
from scriptgen.orchestrate.report import REPORT_FILE

from tests.support.casarun import TIMINGS, generate, ms_path
from tests.support.measure import column

pytestmark = pytest.mark.casa


def scriptgen_run(*args, **popen):
    return subprocess.Popen([sys.executable, "-m", "scriptgen", "run", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)  # fmt: skip


def finish(proc, timeout=3600):
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def goal_folder(goal_ebs, root: Path) -> Path:
    root.mkdir()
    copies = [Path(shutil.copytree(ms_path(i), root / ms_path(i).name)) for i in goal_ebs]
    generate(copies, root)
    return root


def report(work: Path) -> dict[str, dict]:
    tasks = json.loads((work / REPORT_FILE).read_text())["tasks"]
    return {t["key"].split("/", 1)[1]: t for t in tasks}


def mtime(path: Path) -> int:
    return path.stat().st_mtime_ns


@pytest.fixture(scope="module")
def serial(analyst_goal):
    state = analyst_goal
    runs = [v for k, v in TIMINGS.items() if k.startswith("goal ")]
    if len(runs) == 3:
        print(f"[timing] serial goal (2 calibrations + flux, one at a time): {sum(runs):.1f} s")
    return state


@pytest.fixture(scope="module")
def parallel(goal_ebs, tmp_path_factory):
    work = goal_folder(goal_ebs, tmp_path_factory.mktemp("run_goal") / "goal")
    start = time.perf_counter()
    code, out, err = finish(scriptgen_run(work, "--workers", 2))
    seconds = time.perf_counter() - start
    print(f"[timing] scriptgen run goal --workers 2: {seconds:.1f} s (2 calibrations in parallel + flux)")
    print(out)
    return {"work": work, "code": code, "out": out, "err": err, "seconds": seconds}


def test_the_goal_runs_on_two_workers_and_reports_every_task(parallel):
    assert parallel["code"] == 0, parallel["err"][-3000:]
    tasks = report(parallel["work"])
    assert [t["status"] for t in tasks.values()] == ["ok", "ok", "ok"]
    assert list(tasks)[-1] == naming.FLUX_SCRIPT
    for task in tasks.values():
        log = Path(task["log"])
        assert log.parent == parallel["work"] and log.stat().st_size > 0
    # The last step's banner: the script ran to its end (its number from the
    # script's own step titles, which an observing mode may change).
    log = (parallel["work"] / list(tasks)[0]).with_suffix(".py.log").read_text()
    last = max(n for n in range(40) if f"# Step {n}: " in log)
    assert f"# Step {last}: Split out corrected column" in log
    assert "ok" in parallel["out"] and naming.FLUX_SCRIPT in parallel["out"]


@pytest.mark.parametrize("data_column", ["DATA", "CORRECTED_DATA", "FLAG"])
def test_parallel_products_equal_the_serial_run(parallel, serial, data_column):
    assert parallel["code"] == 0
    for name in serial["names"]:
        split_cal = naming.CalTables(name).split_cal
        ours, theirs = column(parallel["work"] / split_cal, data_column), column(serial["work"] / split_cal, data_column)
        assert ours.shape == theirs.shape
        if data_column == "FLAG":
            assert np.array_equal(ours, theirs)
        else:
            difference = np.abs(ours - theirs).max() / np.abs(theirs).max()
            print(f"{name} {data_column}: max |parallel - serial| / max |serial| = {difference:.1e}")
            assert difference < 1e-6
    ours, theirs = (column(w / naming.CALIBRATED_MS, "DATA") for w in (parallel["work"], serial["work"]))
    assert ours.shape == theirs.shape and np.abs(ours - theirs).max() <= 1e-6 * np.abs(theirs).max()


def test_resume_after_a_stopped_run_redoes_only_what_did_not_finish(parallel):
    """Stop the flux task half-way (SIGTERM, as a batch system does), then resume."""
    work = parallel["work"]
    assert parallel["code"] == 0
    calibration_logs = sorted(work.glob("*.scriptForCalibration.py.log"))
    before = {log: mtime(log) for log in calibration_logs}
    records = work / ".scriptgen-run"
    cal_records = {p: p.read_text() for p in records.glob("*.scriptForCalibration.py.json")}
    assert len(cal_records) == 2
    shutil.rmtree(work / naming.CALIBRATED_MS)  # the flux task's product is gone: it is not complete
    flux_log = work / (naming.FLUX_SCRIPT + ".log")
    flux_log.unlink()  # the finished run's log; wait for the new one
    proc = scriptgen_run(work, "--workers", 2, "--resume")
    started = time.monotonic()
    while not (flux_log.exists() and "# Step 1" in flux_log.read_text()):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() - started < 1800
        time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    stopping = time.perf_counter()
    code, out, err = finish(proc, timeout=300)
    print(f"[timing] stopping the run with SIGTERM: {time.perf_counter() - stopping:.1f} s")
    assert code == 130, err[-2000:]
    stopped = report(work)
    assert stopped[naming.FLUX_SCRIPT]["status"] == "interrupted"
    assert {stopped[log.name[: -len(".log")]]["status"] for log in calibration_logs} == {"done earlier"}
    record = json.loads((records / (naming.FLUX_SCRIPT + ".json")).read_text())
    assert record["status"] == "incomplete"
    # CASA was stopped (its log kept), and no CASA of this folder is left running.
    assert "# Step 1" in flux_log.read_text()
    assert not [line for line in os.popen("ps -eo args").read().splitlines() if str(work) in line and "exec(" in line]

    code, out, err = finish(scriptgen_run(work, "--workers", 2, "--resume"))
    assert code == 0, err[-3000:]
    resumed = report(work)
    assert resumed[naming.FLUX_SCRIPT]["status"] == "ok"
    assert {resumed[log.name[: -len(".log")]]["status"] for log in calibration_logs} == {"done earlier"}
    assert {log: mtime(log) for log in calibration_logs} == before
    assert {p: p.read_text() for p in cal_records} == cal_records  # not rerun, not rewritten
    assert (work / naming.CALIBRATED_MS / "table.dat").exists()


def test_a_broken_eb_fails_alone(goal_ebs, tmp_path):
    work = goal_folder(goal_ebs, tmp_path / "goal")
    broken, good = sorted(work.glob("*.ms"))
    shutil.rmtree(broken)  # the EB's data is gone (and there is no ASDM to import)
    start = time.perf_counter()
    code, out, err = finish(scriptgen_run(work, "--workers", 2))
    print(f"[timing] goal with one broken EB: {time.perf_counter() - start:.1f} s")
    assert code == 1
    tasks = report(work)
    assert tasks[naming.calibration_script(broken.name)]["status"] == "failed"
    assert tasks[naming.calibration_script(good.name)]["status"] == "ok"
    assert tasks[naming.FLUX_SCRIPT]["status"] == "skipped"
    assert naming.calibration_script(broken.name) in tasks[naming.FLUX_SCRIPT]["note"]
    assert (work / naming.CalTables(good.name).split_cal / "table.dat").exists()
    assert not (work / naming.CALIBRATED_MS).exists()
    assert "failed" in out and "skipped" in out
