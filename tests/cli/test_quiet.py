"""``-q`` means the same for every command: no progress or explanations."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scriptgen import snapshot
from scriptgen.cli import COMMANDS, build_parser, main

from tests.support.ebfactory import tdm_fdm_eb

SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_accepts_q(command):
    required = {"generate": ["x.json", "--out", "o"], "imaging": ["x.ms", "--out", "o"], "qa2": ["i.fits"],
                "qaplots": ["w", "--out", "o"], "simulate": ["x.ms"], "inspect": ["x.ms"],
                "package": ["w", "--out", "o", "--science-goal", "a", "--group", "b", "--member", "c"], "demo": [],
                "run": ["x.py"], "review": ["w"]}
    args = build_parser().parse_args([command, "-q", *required[command]])  # fmt: skip
    assert args.quiet is True


def _generate(tmp_path, *extra):
    # A subprocess: progress lines go to the process's real stderr.
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    snap = snapshot.save(tdm_fdm_eb(), tmp_path / "eb.json")
    return subprocess.run(
        [sys.executable, "-m", "scriptgen", "generate", str(snap), "--out", str(tmp_path / "out"), *extra],
        capture_output=True, text=True, env=env,
    )  # fmt: skip


def test_generate_quiet_prints_only_what_was_written(tmp_path):
    quiet = _generate(tmp_path, "-q")
    assert quiet.returncode == 0 and quiet.stderr == ""
    lines = quiet.stdout.splitlines()
    assert len(lines) == 3 and all(line.startswith("wrote ") for line in lines)
    loud = _generate(tmp_path)
    assert "reading 1 execution block" in loud.stderr and "reference antenna" in loud.stdout.lower()


def test_generate_quiet_keeps_preflight_risks_as_warnings(tmp_path):
    """-q drops the preflight report but not its risks: they are warnings."""
    from tests.modes.band_to_band.ebs import diffgain_eb

    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    snap = snapshot.save(diffgain_eb("b2b"), tmp_path / "eb.json")
    quiet = subprocess.run(
        [sys.executable, "-m", "scriptgen", "generate", str(snap), "--out", str(tmp_path / "out"), "-q"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert quiet.returncode == 0, quiet.stderr
    assert "warning: " in quiet.stderr and "DIFFGAIN" in quiet.stderr
    assert "preflight" not in quiet.stdout
