"""`scriptgen demo`, the README's main job, run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from scriptgen import naming

pytestmark = pytest.mark.casa

UID = "uid___A002_Xsyn_X1"


def _demo(out, *extra):
    return subprocess.run(
        [sys.executable, "-m", "scriptgen", "demo", "--out", str(out), *extra],
        capture_output=True,
        text=True,
        timeout=1800,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return out, _demo(out)


def test_demo_runs_from_simulation_to_delivery(demo):
    out, proc = demo
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    work = out / "calibration"
    assert (work / naming.CalTables(naming.ms_name(UID)).split_cal / "table.dat").exists()
    for step in ("1. simulate", "4. calibrate", "6. image", "8. package"):
        assert step in proc.stderr + proc.stdout
    # CASA's simulator chatter goes to its log, not the terminal.
    assert "NewMSSimulator" not in proc.stdout + proc.stderr


def test_demo_image_passes_qa2_against_its_science_goal(demo):
    out, _ = demo
    report = json.loads((out / "calibration" / "qa2.json").read_text())
    assert report["verdict"] == "PASS"
    assert 0.9 < report["achieved_over_predicted"] < 1.5


def test_demo_delivery_is_complete(demo):
    out, _ = demo
    (member,) = (out / "delivery").glob("*/science_goal.*/group.*/member.*")
    readme = (member / "README").read_text()
    assert "QA2 verdict: PASS" in readme and UID in readme and naming.PI_SCRIPT in readme
    assert (member / "product" / "SynTarget.cont.pbcor.fits").exists()
    assert (member / "script" / naming.calibration_script(naming.ms_name(UID))).exists()
    assert (member / "qa" / "index.html").exists()


def test_rerunning_the_demo_keeps_an_edited_script(demo):
    out, _ = demo
    script = out / "calibration" / naming.calibration_script(naming.ms_name(UID))
    script.write_text(script.read_text() + "# analyst's note\n")
    proc = _demo(out, "--no-run")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "reusing" in proc.stdout
    assert script.read_text().endswith("# analyst's note\n")
    assert script.with_name(script.name + ".new").exists()
