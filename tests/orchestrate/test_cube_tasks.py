"""An imaging script's cubes as channel-chunk tasks (no CASA)."""

from pathlib import Path

from scriptgen.orchestrate import cube_tasks, graph, records

SCRIPT = '''
cube_step = 2
chunkable_cubes = {"T.spw0.cube": 480, "T.spw1.cube": 64}
step_title = {0: "Continuum", 1: "Continuum subtraction", 2: "Line cubes (LSRK)", 3: "Calibrators", 4: "Export"}
'''


def test_script_literals_are_read_without_running_it():
    cubes = cube_tasks.read_cube_steps(SCRIPT)
    assert cubes.cube_step == 2 and cubes.largest == 480 and cubes.steps == (0, 1, 2, 3, 4)
    # An edited script without them, or with something else there, stays one task.
    assert cube_tasks.read_cube_steps("step_title = {0: 'x'}") is None
    assert cube_tasks.read_cube_steps(SCRIPT.replace("cube_step = 2", "cube_step = 7")) is None
    assert cube_tasks.read_cube_steps(SCRIPT.replace('{"T.spw0.cube": 480, "T.spw1.cube": 64}', "{}")) is None
    assert cube_tasks.read_cube_steps("cube_step = (") is None


def test_imaging_task_splits_into_before_chunks_and_join(tmp_path):
    (tmp_path / "scriptForImaging.py").write_text(SCRIPT)
    cal = graph.Task("g/a.ms.scriptForCalibration.py", "calibration", tmp_path, "a.ms.scriptForCalibration.py")
    imaging = graph.Task("g/scriptForImaging.py", "imaging", tmp_path, "scriptForImaging.py", depends=(cal.key,))
    tasks, notes = cube_tasks.with_cube_chunks((cal, imaging), lambda cubes: (3, f"3 chunks of {cubes.largest}"))
    assert notes == ["g/scriptForImaging.py: 3 chunks of 480"]
    before, *chunks, join = tasks[1:]
    assert before.steps == (0, 1) and before.depends == (cal.key,) and before.part == "before-cubes"
    assert len(chunks) == 3
    for k, chunk in enumerate(chunks):
        assert chunk.kind == cube_tasks.CUBE_CHUNK and chunk.steps == (2,) and chunk.depends == (before.key,)
        assert dict(chunk.variables) == {"cube_chunks": 3, "cube_chunk": k}
    # The join keeps the imaging task's key (its record means "imaging done").
    assert join.key == imaging.key and join.steps == (2, 3, 4) and join.part == ""
    assert dict(join.variables) == {"cube_chunks": 3, "cube_chunk": "join"}
    assert join.depends == tuple(c.key for c in chunks)
    assert [t.key for t in graph.topological(tasks)] == [t.key for t in tasks]
    # Each part has its own log and record beside the script's.
    logs = {t.log for t in tasks[1:]}
    assert len(logs) == 5 and tmp_path / "scriptForImaging.py.chunk1of3.log" in logs
    assert len({records.record_path(t) for t in tasks}) == len(tasks)


def test_one_chunk_or_no_script_literals_leave_the_task_whole(tmp_path):
    (tmp_path / "scriptForImaging.py").write_text(SCRIPT)
    imaging = graph.Task("g/scriptForImaging.py", "imaging", tmp_path, "scriptForImaging.py")
    assert cube_tasks.with_cube_chunks((imaging,), lambda c: (1, "serial"))[0] == (imaging,)
    (tmp_path / "scriptForImaging.py").write_text("print('edited')\n")
    assert cube_tasks.with_cube_chunks((imaging,), lambda c: (4, "x")) == ((imaging,), [])


def test_no_steps_before_the_cubes(tmp_path):
    (tmp_path / "scriptForImaging.py").write_text(
        'cube_step = 0\nchunkable_cubes = {"c": 48}\nstep_title = {0: "Line cubes (LSRK)", 1: "Export"}\n'
    )
    imaging = graph.Task("g/scriptForImaging.py", "imaging", Path(tmp_path), "scriptForImaging.py", depends=("g/x",))
    tasks, _ = cube_tasks.with_cube_chunks((imaging,), lambda c: (2, ""))
    assert [t.kind for t in tasks] == ["cube chunk", "cube chunk", "imaging"]
    assert tasks[0].depends == ("g/x",) and tasks[-1].steps == (0, 1)


def test_cube_chunks_option(tmp_path, monkeypatch, capsys):
    from scriptgen.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    assert main(["run", "empty", "--cube-chunks", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--cube-chunks must be at least 1" in err[0]
    # One script: the chunks in turn, in its one process (cube_chunks set before it).
    (tmp_path / "s.py").write_text("import sys\nprint('# Step 0: cubes')\nsys.exit(cube_chunks)\n")
    assert main(["run", "s.py", "--cube-chunks", "3"]) == 3
