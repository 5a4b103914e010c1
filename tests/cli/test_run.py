"""`scriptgen run` refuses bad input in one line and runs a script with its status."""

from __future__ import annotations

import pytest

from scriptgen.cli import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["missing.py"], "no such script or folder: missing.py"),
        (["{folder}", "--steps", "1"], "--steps is for a single script"),
        (["{script}", "{folder}"], "give one script, or working folders"),
        (["{script}", "--resume"], "are for working folders"),
        (["{script}", "--steps", "a"], "--steps takes step numbers"),
        (["{folder}", "--workers", "0"], "--workers must be at least 1"),
        (["{folder}"], "holds no script to run"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.py").write_text("print('hi')\n")
    (tmp_path / "empty").mkdir()
    args = [a.format(script="s.py", folder="empty") for a in argv]
    assert main(["run", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_a_script_runs_in_its_folder_with_its_exit_status(tmp_path, monkeypatch, capfd):
    folder = tmp_path / "work"
    folder.mkdir()
    script = folder / "s.py"
    script.write_text("import os, sys\nprint('# Step 1: only', os.getcwd())\nsys.exit(mysteps[0] + 2)\n")
    monkeypatch.chdir(tmp_path)
    assert main(["run", "work/s.py", "--steps", "1"]) == 3
    log = (folder / "s.py.log").read_text()
    assert f"# Step 1: only {folder}" in log
    err = capfd.readouterr().err
    assert "step 1: only" in err and "s.py failed (exit 3)" in err
