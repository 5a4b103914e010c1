"""The task graph of a goal folder, from file names alone."""

from pathlib import Path

import pytest

from scriptgen.errors import ScriptgenError
from scriptgen.orchestrate import graph

WORK = Path("/data/goal")
CAL = ".ms.scriptForCalibration.py"


def keyed(tasks):
    return {t.key.split("/", 1)[1]: t for t in tasks}


def test_ebs_in_parallel_then_flux_then_imaging():
    names = [f"uid___A_X2{CAL}", f"uid___A_X1{CAL}", "scriptForFluxCalibration.py", "scriptForImaging.py",
             "scriptForPI.py", "uid___A_X1.ms.snapshot.json", "notes.txt"]  # fmt: skip
    tasks = keyed(graph.goal_tasks(WORK, names, "goal"))
    assert list(tasks) == [f"uid___A_X1{CAL}", f"uid___A_X2{CAL}", "scriptForFluxCalibration.py", "scriptForImaging.py"]
    cal1, cal2 = tasks[f"uid___A_X1{CAL}"], tasks[f"uid___A_X2{CAL}"]
    assert cal1.depends == cal2.depends == ()
    assert cal1.outputs == ("uid___A_X1.ms.split.cal",) and cal1.kind == "calibration"
    flux = tasks["scriptForFluxCalibration.py"]
    assert flux.depends == (cal1.key, cal2.key)
    assert flux.outputs == ("calibrated.ms", "allFluxes.csv")
    assert tasks["scriptForImaging.py"].depends == (flux.key,)
    # scriptForPI.py is for the PI's delivery, not part of the analyst's run.
    assert "scriptForPI.py" not in tasks


def test_single_eb_imaging_follows_its_calibration_and_runs_in_its_folder():
    tasks = keyed(graph.goal_tasks(WORK, [f"uid___A_X1{CAL}", "imaging/scriptForImaging.py"], "g"))
    imaging = tasks["imaging/scriptForImaging.py"]
    assert imaging.depends == ("g/uid___A_X1" + CAL,)
    assert imaging.cwd == WORK / "imaging" and imaging.log == WORK / "imaging/scriptForImaging.py.log"
    assert tasks[f"uid___A_X1{CAL}"].cwd == WORK


def test_a_folder_without_scripts_is_refused_with_what_was_looked_for():
    with pytest.raises(ScriptgenError, match="holds no script to run.*scriptgen generate"):
        graph.goal_tasks(WORK, ["uid___A_X1.ms.snapshot.json", f"deep/er/{CAL}"], "g")
    # A bare suffix is not an EB's script.
    with pytest.raises(ScriptgenError):
        graph.goal_tasks(WORK, [CAL.lstrip(".")], "g")


def test_labels_are_distinct_and_keys_unique_over_folders():
    assert graph.labels([Path("/a/goal"), Path("/b/goal"), Path("/c/other")]) == ["goal", "goal#2", "other"]


def test_topological_order_and_refusals():
    a = graph.Task("g/a", "calibration", WORK, "a")
    b = graph.Task("g/b", "flux", WORK, "b", depends=("g/a",))
    c = graph.Task("g/c", "imaging", WORK, "c", depends=("g/b",))
    assert [t.key for t in graph.topological([c, b, a])] == ["g/a", "g/b", "g/c"]
    with pytest.raises(ScriptgenError, match="unknown task"):
        graph.topological([b])
    loop = graph.Task("g/a", "calibration", WORK, "a", depends=("g/b",))
    with pytest.raises(ScriptgenError, match="cycle"):
        graph.topological([loop, b])


def test_build_scans_folders_but_not_inside_tables(tmp_path):
    goal = tmp_path / "goal"
    (goal / "uid___A_X1.ms").mkdir(parents=True)
    (goal / "uid___A_X1.ms" / "table.dat").write_text("")
    (goal / "uid___A_X1.ms" / "scriptForImaging.py").write_text("")  # inside a table: not a script
    (goal / f"uid___A_X1{CAL}").write_text("")
    tasks = graph.build([goal])
    assert [t.key for t in tasks] == [f"goal/uid___A_X1{CAL}"]
    with pytest.raises(ScriptgenError, match="not a folder"):
        graph.build([tmp_path / "missing"])
