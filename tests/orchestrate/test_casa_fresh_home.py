"""A new user's machine: no ~/.casa, no CASASITECONFIG.

`scriptgen run SCRIPT` must work there (scriptgen's offline CASA set-up
reaches the script); plain `python SCRIPT` must say in one line how to run
it instead of casaconfig's traceback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scriptgen import naming

from tests.support.casarun import generate, ms_path

pytestmark = pytest.mark.casa


def test_scriptgen_run_works_on_a_fresh_machine_and_plain_python_names_the_fix(goal_ebs, tmp_path):
    work = tmp_path / "eb"
    work.mkdir()
    ms = Path(shutil.copytree(ms_path(goal_ebs[0]), work / ms_path(goal_ebs[0]).name))
    generate([ms], work)
    script = naming.calibration_script(ms.name)
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("CASASITECONFIG", "XDG_CACHE_HOME")}
    env["HOME"] = str(home)

    proc = subprocess.run([sys.executable, "-m", "scriptgen", "run", script, "--steps", "0,1"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=1200)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = (work / (script + ".log")).read_text()
    assert "# Step 1: Listobs" in log and "# Step 2" not in log
    assert (work / naming.CalTables(ms.name).listobs).stat().st_size > 0
    assert "step 1: Listobs" in proc.stderr and f"log: {work / (script + '.log')}" in proc.stderr
    assert not (home / ".casa").exists()

    plain = subprocess.run([sys.executable, script], cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert plain.returncode == 1
    lines = plain.stderr.strip().splitlines()
    assert len(lines) == 1, plain.stderr
    siteconfig = home / ".cache" / "scriptgen" / "casasiteconfig.py"
    assert f"scriptgen run {script}" in lines[0] and f"CASASITECONFIG={siteconfig} python {script}" in lines[0]
    assert plain.stdout == ""
