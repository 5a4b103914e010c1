"""Every command that reads CASA data fails on a damaged MS with one line.

Run as a subprocess: CASA echoes its SEVERE messages to file descriptor 2,
which only a real process shows.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.casa


@pytest.fixture(scope="module")
def damaged_ms(standard_eb, tmp_path_factory):
    ms = tmp_path_factory.mktemp("damaged") / "damaged.ms"
    shutil.copytree(standard_eb.ms_path, ms)
    (ms / "SPECTRAL_WINDOW" / "table.f0").unlink()
    return ms


@pytest.mark.parametrize(
    "command",
    [["inspect"], ["generate", "--out", "OUT"], ["imaging", "--out", "OUT"], ["qa2", "--rms", "1mJy"]],
    ids=lambda c: c[0],
)
def test_damaged_input_is_one_line_and_exit_2(command, damaged_ms, tmp_path):
    args = [str(tmp_path / "out") if a == "OUT" else a for a in command]
    proc = subprocess.run(
        [sys.executable, "-m", "scriptgen", args[0], str(damaged_ms), *args[1:]],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if not line.startswith("...")]
    assert len(errors) == 1, proc.stderr
    assert errors[0].startswith("scriptgen: error: ")
    assert "Traceback" not in proc.stderr and "SEVERE" not in proc.stderr
