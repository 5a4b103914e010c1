"""What --resume may skip: complete records, unchanged scripts, products that open."""

from __future__ import annotations

import time

import pytest

from scriptgen import casa_env
from scriptgen.orchestrate import records
from scriptgen.orchestrate.execute import resumable
from scriptgen.orchestrate.graph import Task


def make_task(tmp_path, name="a.py", outputs=(), depends=()):
    (tmp_path / name).write_text(f"# {name}\n")
    return Task(f"g/{name}", "calibration", tmp_path, name, tuple(outputs), tuple(depends))


def complete(task, outputs):
    records.write_record(
        task, records.COMPLETE, script_sha256=records.script_digest(task.path), outputs=list(outputs)
    )


def test_only_a_complete_record_of_the_same_script_with_its_products_counts(tmp_path):
    task = make_task(tmp_path, outputs=("out.txt",))
    assert records.completion(task) == (False, "never completed")
    records.write_record(task, "running")
    assert records.completion(task) == (False, "last run running")
    records.mark_unfinished(task)
    assert records.completion(task) == (False, "last run incomplete")
    (tmp_path / "out.txt").write_text("x")
    complete(task, ["out.txt"])
    assert records.completion(task)[0]
    (tmp_path / "out.txt").unlink()
    assert records.completion(task) == (False, "out.txt is missing")
    (tmp_path / "out.txt").write_text("x")
    task.path.write_text("# edited by the analyst\n")
    assert records.completion(task) == (False, "script changed since it ran")


def test_a_table_without_table_dat_is_not_a_product(tmp_path):
    task = make_task(tmp_path)
    (tmp_path / "x.ms.split.cal").mkdir()
    complete(task, ["x.ms.split.cal"])
    assert records.completion(task) == (False, "x.ms.split.cal has no table.dat")


def test_resume_skips_a_task_only_when_everything_before_it_is_skipped(tmp_path):
    a = make_task(tmp_path, "a.py")
    b = make_task(tmp_path, "b.py")
    flux = make_task(tmp_path, "flux.py", depends=(a.key, b.key))
    for task in (a, flux):
        complete(task, [])
    # b never finished: the flux task must run again after it, though complete.
    assert list(resumable([a, b, flux])) == [a.key]
    complete(b, [])
    assert list(resumable([a, b, flux])) == [a.key, b.key, flux.key]


def test_products_written_since_a_time(tmp_path):
    (tmp_path / "old.image").mkdir()
    (tmp_path / "old.image" / "table.dat").write_text("")
    since = time.time()
    time.sleep(0.05)
    (tmp_path / "new.image").mkdir()
    (tmp_path / "new.image" / "table.dat").write_text("")
    (tmp_path / "new.fits").write_text("")
    (tmp_path / "script.py.log").write_text("")
    (tmp_path / ".scriptgen-run").mkdir()
    assert records.written_since(tmp_path, since) == ["new.fits", "new.image"]


@pytest.mark.casa
def test_a_real_table_opens_and_a_damaged_one_does_not(tmp_path):
    tb = casa_env.casatools().table()
    path = tmp_path / "t.tab"
    desc = {"A": {"valueType": "int", "dataManagerType": "StandardStMan", "option": 0, "maxlen": 0, "comment": ""}}
    tb.create(str(path), desc)
    tb.addrows(3)
    tb.close()
    assert records.product_problem(path) is None
    (path / "table.dat").write_bytes(b"\0" * 16)  # what a run killed while writing may leave
    assert records.product_problem(path) == "t.tab does not open as a CASA table"
