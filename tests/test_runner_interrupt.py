"""A script run can be interrupted without leaving CASA processes or losing its log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")

# The "script" starts a helper process (as CASA starts casaplotserver and
# friends), records both pids, says so in its output and works for a long time.
SCRIPT = """\
import os, subprocess, sys, time
helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
open("pids", "w").write(f"{os.getpid()} {helper.pid}")
print("started the long step", flush=True)
time.sleep(300)
"""

PARENT = """\
import sys
from scriptgen.runner import run_script
run_script(sys.argv[1], sys.argv[2], log=sys.argv[3])
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _wait_for(predicate, seconds: float = 60.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_sigterm_stops_the_whole_script_group_and_keeps_the_live_log(tmp_path):
    script, log = tmp_path / "long.py", tmp_path / "long.log"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(script), str(tmp_path), str(log)], env=env)
    try:
        assert _wait_for(lambda: (tmp_path / "pids").exists() and log.exists() and "long step" in log.read_text())
        # The log is written while the script runs, not at the end.
        script_pid, helper_pid = map(int, (tmp_path / "pids").read_text().split())
        parent.send_signal(signal.SIGTERM)
        parent.wait(timeout=60)
        assert _wait_for(lambda: not _alive(script_pid) and not _alive(helper_pid), 30)
        assert "started the long step" in log.read_text()
    finally:
        if parent.poll() is None:
            parent.kill()
