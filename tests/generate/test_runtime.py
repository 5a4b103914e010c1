"""The helpers copied into the calibration script (the parts that need no CASA)."""

import pytest

from scriptgen.scripts import calibration_runtime as rt


def test_select_steps_defaults_to_all_and_rejects_unknown():
    titles = {0: "a", 1: "b", 2: "c"}
    assert rt.select_steps(titles, []) == [0, 1, 2]
    assert rt.select_steps(titles, None) == [0, 1, 2]
    assert rt.select_steps(titles, [2, 0]) == [2, 0]
    with pytest.raises(ValueError, match="unknown step"):
        rt.select_steps(titles, [7])


def test_remove_outputs_removes_tables_files_and_flag_versions(tmp_path):
    table = tmp_path / "x.tsys"
    table.mkdir()
    (table / "table.dat").write_text("")
    (tmp_path / "x.tsys.flagversions").mkdir()
    other = tmp_path / "x.json"
    other.write_text("{}")
    rt.remove_outputs(str(table), str(other), str(tmp_path / "absent"))
    assert list(tmp_path.iterdir()) == []


def test_solve_now_removes_old_tables_unless_applyonly(tmp_path):
    table = tmp_path / "t.bandpass"
    table.mkdir()
    assert rt.solve_now(False, str(table)) is True
    assert not table.exists()
    table.mkdir()
    assert rt.solve_now(True, str(table)) is False
    assert table.exists()
    with pytest.raises(RuntimeError, match="missing"):
        rt.solve_now(True, str(tmp_path / "absent"))


def test_flag_versions_are_found_on_disk(tmp_path):
    vis = str(tmp_path / "a.ms")
    assert not rt.has_flag_version(vis, "Original")
    (tmp_path / "a.ms.flagversions" / "flags.Original").mkdir(parents=True)
    assert rt.has_flag_version(vis, "Original")


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

    for func in RUNTIME_FUNCTIONS:
        source = inspect.getsource(func)
        assert "scriptgen" not in source
