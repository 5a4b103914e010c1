"""Emitted scripts started with plain python on a machine where CASA has no data."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys

import pytest

from scriptgen.render import casa_guard


def guarded_script(tmp_path):
    script = tmp_path / "probe.py"
    script.write_text(inspect.getsource(casa_guard.require_casa) + "\nrequire_casa('probe.py')\nprint('CASA ok')\n")
    return script


def fresh_env(home, **extra):
    """A new user's environment: a HOME without ~/.casa, no CASASITECONFIG."""
    env = {k: v for k, v in os.environ.items() if k not in ("CASASITECONFIG", "XDG_CACHE_HOME")}
    env.update(HOME=str(home), **extra)
    return env


def test_without_casa_data_the_script_says_how_to_run_it_in_one_line(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    proc = subprocess.run([sys.executable, str(guarded_script(tmp_path))], cwd=tmp_path, env=fresh_env(home),
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "CASA cannot start" in lines[0] and "scriptgen run probe.py" in lines[0]
    assert "Traceback" not in proc.stderr and "SEVERE" not in proc.stderr


def test_the_fix_names_scriptgens_site_config_when_there_is_one(tmp_path):
    home = tmp_path / "home"
    config = home / ".cache" / "scriptgen" / "casasiteconfig.py"
    config.parent.mkdir(parents=True)
    config.write_text("# not a usable config: CASA still fails, the message names the fix\n")
    proc = subprocess.run([sys.executable, str(guarded_script(tmp_path))], cwd=tmp_path, env=fresh_env(home),
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 1
    assert f"CASASITECONFIG={config} python probe.py" in proc.stderr


@pytest.mark.casa
def test_with_casa_configured_the_script_goes_on(tmp_path):
    from scriptgen import casa_env

    config = casa_env.configure()
    home = tmp_path / "home"
    home.mkdir()
    env = fresh_env(home, **({"CASASITECONFIG": str(config)} if config else {}))
    proc = subprocess.run([sys.executable, str(guarded_script(tmp_path))], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "CASA ok\n"
