"""The runner streams the log, follows step banners and stops CASA cleanly.

The child scripts here are plain Python standing in for CASA: what is tested
is the process handling (log, signals, process groups), which does not
depend on what the script computes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scriptgen import runner
from scriptgen.cli.run_view import StepView, clock


def wait_for(predicate, seconds: float = 20.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie (not yet reaped by whoever started it) has stopped too.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ")[-1].startswith("Z")


def test_step_banners_of_every_script_kind():
    assert runner.step_banner("# Step 3: Generation of the Tsys cal table\n") == (3, "Generation of the Tsys cal table")
    assert runner.step_banner("# Step 1 Setting the averaged flux") == (1, "Setting the averaged flux")
    assert runner.step_banner("# 12:03:44  step 4: cube of spw 5") == (4, "cube of spw 5")
    assert runner.step_banner("# Steps are listed below") is None
    assert runner.step_banner("INFO  Step 3: something") is None


def test_the_banners_the_templates_print_are_recognised():
    """The announce() of each example script, run, gives a banner the view follows."""
    examples = Path(__file__).resolve().parents[2] / "examples" / "two_eb_goal"
    for name, call in (
        ("uid___A002_Xsyn_X10.ms.scriptForCalibration.py", "announce(7, 'Split')"),
        ("scriptForFluxCalibration.py", "announce(2, 'Applying')"),
    ):
        source = (examples / name).read_text()
        start = source.index("def announce")
        end = source.index("\n\n\n", start)
        namespace = {"step_title": {2: "Applying"}, "print": lambda m, **k: namespace.setdefault("out", m)}
        body = source[start:end].replace("casalog.post(", "(lambda *a, **k: None)(").replace(
            "from casatasks import casalog", "pass"
        )
        exec(body, namespace)
        eval(call, namespace)
        assert runner.step_banner(namespace["out"]) is not None, (name, namespace["out"])


def test_the_log_is_written_while_the_script_runs(tmp_path):
    script = tmp_path / "s.py"
    script.write_text(
        "import os, time\n"
        "print('# Step 0: first', flush=True)\n"
        "while not os.path.exists('go'):\n"
        "    time.sleep(0.1)\n"
        "print('after go')\n"
    )
    log = tmp_path / "s.py.log"
    seen = []
    import threading

    result = {}
    worker = threading.Thread(
        target=lambda: result.update(run=runner.run_script(script, tmp_path, log=log, on_line=seen.append))
    )
    worker.start()
    assert wait_for(lambda: log.exists() and "# Step 0: first" in log.read_text())
    assert "after go" not in log.read_text()
    (tmp_path / "go").write_text("")
    worker.join(30)
    assert result["run"].ok and log.read_text() == result["run"].output
    assert seen == ["# Step 0: first\n", "after go\n"]


def test_an_interrupt_stops_the_child_group_and_the_log_shows_how_it_ended(tmp_path):
    script = tmp_path / "slow.py"
    script.write_text(
        "import os, subprocess, sys, time\n"
        "grandchild = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
        "open('pids', 'w').write('%d %d' % (os.getpid(), grandchild.pid))\n"
        "try:\n"
        "    print('# Step 0: waiting', flush=True)\n"
        "    time.sleep(120)\n"
        "except KeyboardInterrupt:\n"
        "    print('closing tables', flush=True)\n"
        "    raise\n"
    )

    def ctrl_c(line):
        if runner.step_banner(line):
            raise KeyboardInterrupt

    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        runner.run_script(script, tmp_path, log=tmp_path / "slow.log", on_line=ctrl_c)
    assert time.monotonic() - start < 60
    assert "closing tables" in (tmp_path / "slow.log").read_text()
    child, grandchild = (int(p) for p in (tmp_path / "pids").read_text().split())
    assert wait_for(lambda: gone(child)) and wait_for(lambda: gone(grandchild))


def test_casa_stops_itself_when_the_process_that_started_it_dies(tmp_path):
    script = tmp_path / "orphan.py"
    script.write_text(
        "import os, time\n"
        "open('pid', 'w').write(str(os.getpid()))\n"
        "try:\n"
        "    time.sleep(120)\n"
        "except KeyboardInterrupt:\n"
        "    open('stopped', 'w').write('yes')\n"
    )
    starter = subprocess.Popen(
        [sys.executable, "-c", f"from scriptgen import runner; runner.run_script({str(script)!r}, {str(tmp_path)!r})"],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert wait_for(lambda: (tmp_path / "pid").exists())
    starter.kill()
    starter.wait()
    assert wait_for(lambda: (tmp_path / "stopped").exists(), 30)


def test_timeout_and_stop_all(tmp_path):
    script = tmp_path / "forever.py"
    script.write_text("import time\nprint('hello', flush=True)\ntime.sleep(120)\n")
    run = runner.run_script(script, tmp_path, timeout=2)
    assert not run.ok and run.returncode == -1 and "(timed out)" in run.output and run.seconds < 30
    assert runner.stop_all() == 0


def test_step_view_prints_one_line_per_step_when_not_a_terminal(tmp_path):
    out = tmp_path / "view.txt"
    with open(out, "w") as stream, StepView("s.py", stream) as view:
        view.line("chatter\n")
        view.line("# Step 2: Split\n")
    assert out.read_text().splitlines() == ["[0:00] s.py: step 2: Split"]
    assert clock(3725) == "1:02:05" and clock(65) == "1:05"
