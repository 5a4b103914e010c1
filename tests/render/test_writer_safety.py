"""The writer under hostile folders, kill -9 and concurrent runs.

The kill and concurrency tests run real ``scriptgen generate`` processes on
snapshots (no CASA), because atomicity and locking only show between
processes.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from scriptgen import snapshot
from scriptgen.atomicfile import TEMP_SUFFIX
from scriptgen.errors import ScriptgenError
from scriptgen.generate import GenerateOptions, generate
from scriptgen.render import write_outputs
from scriptgen.render.writer import MANIFEST

from tests.support import repetitions
from tests.support.ebfactory import tdm_fdm_eb

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    return env


# --------------------------------------------------------------------------
# Paths: nothing outside the folder, nothing through a link.


def test_a_symlink_in_the_folder_is_never_written_through(tmp_path):
    out, victim = tmp_path / "out", tmp_path / "victim.py"
    out.mkdir()
    victim.write_text("precious\n")
    (out / "a.py").symlink_to(victim)
    with pytest.raises(ScriptgenError, match="symbolic link"):
        write_outputs(out, {"a.py": "generated\n"})
    assert victim.read_text() == "precious\n"


def test_a_linked_subfolder_is_refused(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "sub").symlink_to(elsewhere)
    with pytest.raises(ScriptgenError, match="symbolic link"):
        write_outputs(out, {"sub/a.py": "generated\n"})
    assert not list(elsewhere.iterdir())


@pytest.mark.parametrize("rel", ["../a.py", "/tmp/a.py", "sub/../../a.py", "", "a\x00.py", "a\ud800.py"])
def test_names_escaping_the_folder_are_refused(tmp_path, rel):
    with pytest.raises(ScriptgenError):
        write_outputs(tmp_path / "out", {rel: "x = 1\n"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_hostile_snapshot_uid_writes_nothing_outside(tmp_path):
    eb = replace(tdm_fdm_eb(), uid="../victim/important")
    text = snapshot.dumps(eb)
    (tmp_path / "eb.json").write_text(text)
    proc = subprocess.run(
        [sys.executable, "-m", "scriptgen", "generate", "eb.json", "--out", "out"],
        capture_output=True, text=True, cwd=tmp_path, env=_env(),
    )  # fmt: skip
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if not line.startswith(("...", "    done"))]
    assert len(errors) == 1 and "path separator" in errors[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["eb.json"]


def test_output_folder_that_is_a_file_is_one_line(tmp_path):
    (tmp_path / "out").write_text("")
    with pytest.raises(ScriptgenError, match="not a folder"):
        write_outputs(tmp_path / "out", {"a.py": "x\n"})


def test_a_folder_where_a_file_goes_is_one_line(tmp_path):
    (tmp_path / "a.py").mkdir()
    with pytest.raises(ScriptgenError, match="is a folder"):
        write_outputs(tmp_path, {"a.py": "x\n"})


# --------------------------------------------------------------------------
# What counts as ours.


def test_an_empty_file_is_not_an_edit(tmp_path):
    (tmp_path / "a.py").write_text("")
    report = write_outputs(tmp_path, {"a.py": "generated\n"})
    assert (tmp_path / "a.py").read_text() == "generated\n"
    assert report.written and not report.kept


def test_any_earlier_version_we_wrote_counts_as_ours(tmp_path):
    write_outputs(tmp_path, {"a.py": "v1\n"})
    write_outputs(tmp_path, {"a.py": "v2\n"})
    (tmp_path / "a.py").write_text("v1\n")  # e.g. restored from an old copy
    report = write_outputs(tmp_path, {"a.py": "v3\n"})
    assert (tmp_path / "a.py").read_text() == "v3\n" and not report.kept


def test_an_edited_draft_is_kept_too(tmp_path):
    (tmp_path / "a.py").write_text("mine\n")
    write_outputs(tmp_path, {"a.py": "draft 1\n"})
    assert (tmp_path / "a.py.new").read_text() == "draft 1\n"
    write_outputs(tmp_path, {"a.py": "draft 2\n"})  # our unedited draft: replaced
    assert (tmp_path / "a.py.new").read_text() == "draft 2\n"
    (tmp_path / "a.py.new").write_text("draft 2, edited\n")
    report = write_outputs(tmp_path, {"a.py": "draft 3\n"})
    assert (tmp_path / "a.py.new").read_text() == "draft 2, edited\n"
    assert (tmp_path / "a.py.new1").read_text() == "draft 3\n"
    assert report.kept == [(tmp_path / "a.py", tmp_path / "a.py.new1")]
    assert (tmp_path / "a.py").read_text() == "mine\n"


def test_a_damaged_manifest_makes_nothing_ours(tmp_path):
    write_outputs(tmp_path, {"a.py": "v1\n"})
    (tmp_path / MANIFEST).write_bytes(b"\xff\xfe{{")
    write_outputs(tmp_path, {"a.py": "v2\n"})
    assert (tmp_path / "a.py").read_text() == "v1\n"
    assert (tmp_path / "a.py.new").read_text() == "v2\n"


# --------------------------------------------------------------------------
# kill -9 at random points.

EDIT = "\n# analyst's edit {tag}\n"


def _snapshots(folder: Path) -> tuple[Path, Path]:
    """Two snapshots of the same two EBs that render to different scripts."""
    first = tdm_fdm_eb()
    second = replace(first, uid="uid___A002_Xunit_X2", ms_path="uid___A002_Xunit_X2.ms", start_mjd_s=5000.0,
                     end_mjd_s=5900.0, scans=tuple(replace(s, start_mjd_s=s.start_mjd_s + 5000,
                                                            end_mjd_s=s.end_mjd_s + 5000) for s in first.scans))  # fmt: skip
    paths = []
    for project in ("2099.1.00001.S", "2099.1.00002.S"):
        pair = [replace(eb, project=project) for eb in (first, second)]
        for eb in pair:
            path = folder / f"{project}.{eb.uid}.json"
            snapshot.save(eb, path)
            paths.append(path)
    return (paths[0], paths[1]), (paths[2], paths[3])


def _scripts(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.name.endswith(".py"))


def _edit_all(out: Path, tag: str) -> set[str]:
    edited = set()
    for path in _scripts(out):
        text = path.read_text() + EDIT.format(tag=f"{tag} {path.name}")
        path.write_text(text)
        edited.add(text)
    return edited


def _all_texts(out: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in out.iterdir() if p.is_file() and not p.name.startswith(".")}


def test_kill_9_never_leaves_a_partial_file_or_loses_an_edit(tmp_path):
    """SIGKILL ``generate --force`` at random moments; every file stays whole."""
    rng = random.Random(11)
    old, new = _snapshots(tmp_path)
    reference = tmp_path / "reference"
    complete = set()
    for pair in (old, new):
        result = generate([snapshot.load(p) for p in pair], GenerateOptions(out_dir=reference))
        complete.update(result.files.values())
    # 12 kills catch a writer that leaves partial files (each lands at a
    # random moment of the run); SCRIPTGEN_LONG_TESTS=1 tries 40.
    trials = repetitions(12, long=40)
    killed_mid_run = 0
    start = tmp_path / "start"
    generate([snapshot.load(p) for p in old], GenerateOptions(out_dir=start))
    for trial in range(trials):
        out = tmp_path / f"trial{trial}"
        shutil.copytree(start, out)
        edited = _edit_all(out, f"trial {trial}")
        proc = subprocess.Popen(
            [sys.executable, "-m", "scriptgen", "generate", *map(str, new), "--out", str(out), "--force"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env(),
        )  # fmt: skip
        # Wait for the progress line (imports done), then kill within the
        # rendering and writing that follow.
        proc.stderr.readline()
        time.sleep(rng.uniform(0.0, 0.15))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed_mid_run += proc.returncode == -signal.SIGKILL
        texts = _all_texts(out)
        for name, text in texts.items():
            assert text in complete or text in edited, f"trial {trial}: {name} is partial"
        assert edited <= set(texts.values()), f"trial {trial}: an edit was lost"
        if trial % 4 == 0:
            # The next run completes from whatever state the kill left.
            generate([snapshot.load(p) for p in new], GenerateOptions(out_dir=out, force=True))
            assert edited <= set(_all_texts(out).values())
            assert not list(out.glob(f".*{TEMP_SUFFIX}"))
    assert killed_mid_run >= trials // 2  # most kills landed before the run ended


# --------------------------------------------------------------------------
# Concurrent --force runs.


def test_concurrent_force_runs_lose_no_edit(tmp_path):
    """4 processes x 2 rounds (6 with SCRIPTGEN_LONG_TESTS=1) of ``generate
    --force`` over edited scripts; the second round edits the first's output."""
    old, new = _snapshots(tmp_path)
    out = tmp_path / "out"
    generate([snapshot.load(p) for p in old], GenerateOptions(out_dir=out))
    edited: set[str] = set()
    for round_ in range(repetitions(2, long=6)):
        edited |= _edit_all(out, f"round {round_}")
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "scriptgen", "generate", *map(str, (old, new)[n % 2]), "--out", str(out),
                 "--force", "-q"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env(),
            )  # fmt: skip
            for n in range(4)
        ]
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
    texts = _all_texts(out)
    assert edited <= set(texts.values()), "an analyst's edit was lost"
    backups = [text for name, text in texts.items() if ".orig" in name]
    assert len(backups) == len(set(backups)) == len(edited), "two runs shared a backup"
