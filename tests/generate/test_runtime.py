"""The helpers copied into every script (scripts/runtime.py) and the calibration script's own."""

import os

import pytest

from scriptgen.scripts import calibration_runtime
from scriptgen.scripts import runtime as rt


def test_select_steps_defaults_to_all_and_rejects_unknown():
    titles = {0: "a", 1: "b", 2: "c"}
    assert rt.select_steps(titles, []) == [0, 1, 2]
    assert rt.select_steps(titles, None) == [0, 1, 2]
    assert rt.select_steps(titles, [2, 0]) == [2, 0]
    with pytest.raises(SystemExit, match=r"unknown step\(s\) \[7\].*0 \(a\), 1 \(b\), 2 \(c\)"):
        rt.select_steps(titles, [7])


def test_remove_outputs_removes_tables_files_and_flag_versions(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    table = tmp_path / "x.tsys"
    table.mkdir()
    (table / "table.dat").write_text("")
    (tmp_path / "x.tsys.flagversions").mkdir()
    other = tmp_path / "x.json"
    other.write_text("{}")
    rt.remove_outputs("x.tsys", str(other), "absent")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["../victim", "/tmp", ".", "sub/../../victim", ""])
def test_remove_outputs_refuses_names_outside_the_working_folder(tmp_path, monkeypatch, name):
    work = tmp_path / "work"
    work.mkdir()
    victim = tmp_path / "victim"
    victim.mkdir()
    monkeypatch.chdir(work)
    with pytest.raises(RuntimeError, match="refusing to delete"):
        rt.remove_outputs(name)
    assert victim.is_dir() and work.is_dir()


def test_remove_outputs_removes_a_link_not_its_target(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "raw"
    target.mkdir()
    os.symlink(target, "uid")
    rt.remove_outputs("uid")
    assert not os.path.lexists("uid") and target.is_dir()


def test_solve_now_removes_old_tables_unless_applyonly(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rt = calibration_runtime
    table = tmp_path / "t.bandpass"
    table.mkdir()
    assert rt.solve_now(False, str(table)) is True
    assert not table.exists()
    table.mkdir()
    assert rt.solve_now(True, str(table)) is False
    assert table.exists()
    with pytest.raises(RuntimeError, match="missing"):
        rt.solve_now(True, str(tmp_path / "absent"))


def test_flag_versions_are_found_in_flagmanagers_list(tmp_path):
    vis = str(tmp_path / "a.ms")
    assert not rt.has_flag_version(vis, "Original")
    (tmp_path / "a.ms.flagversions").mkdir()
    (tmp_path / "a.ms.flagversions" / "FLAG_VERSION_LIST").write_text("Original : flags at import\n")
    assert rt.has_flag_version(vis, "Original")
    assert not rt.has_flag_version(vis, "Orig")


def test_json_written_is_json_read(tmp_path):
    path = str(tmp_path / "r.json")
    rt.save_json({"b": (1, float("nan")), "a": {2: "x"}}, path)
    assert rt.load_json(path) == {"a": {"2": "x"}, "b": [1, None]}


def test_every_script_carries_the_same_shared_helpers_once():
    from scriptgen.scripts import calibration, flux_equalisation, imaging, restore, script_for_pi

    import inspect

    skeleton = rt.source()
    for module in (calibration, flux_equalisation, restore, script_for_pi, imaging):
        text = rt.source(*module.RUNTIME_FUNCTIONS)
        assert text.startswith(skeleton)
        for func in rt.COMMON:
            assert text.count(f"def {func.__name__}(") <= 1
            if f"def {func.__name__}(" in text:
                assert inspect.getsource(func) in text
    # A helper that calls another brings it along.
    assert "def has_flag_version(" in rt.source(rt.save_flags)
    assert "def plain_data(" in rt.source(rt.save_json)


def test_fluxscale_results_become_plain_json(tmp_path):
    import json

    import numpy as np

    results = {"freq": np.array([1.0, 2.0]), "2": {"0": {"fluxd": np.array([1.5, 0, 0, 0]), "n": np.int64(3)}}}
    path = tmp_path / "f.json"
    rt.save_json(results, str(path))
    assert json.loads(path.read_text()) == {"freq": [1.0, 2.0], "2": {"0": {"fluxd": [1.5, 0, 0, 0], "n": 3}}}


def test_runtime_functions_stand_alone():
    """Copied into scripts: no scriptgen import, CASA imported inside functions only."""
    import inspect

    from scriptgen.scripts.calibration import RUNTIME_FUNCTIONS

    for func in rt.COMMON + RUNTIME_FUNCTIONS:
        source = inspect.getsource(func)
        assert "scriptgen" not in source
