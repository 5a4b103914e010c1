"""The package on disk from a real reduced folder: complete tree, right README, safe."""

import json
import os
import shutil
from pathlib import Path

import pytest

from scriptgen import naming
from scriptgen.cli import main
from scriptgen.errors import ScriptgenError
from scriptgen.package.build import assemble, load_qa2_report
from scriptgen.package.layout import FOLDERS, DeliveryIds

from tests.package.conftest import MS, UID

pytestmark = pytest.mark.casa

IDS = DeliveryIds("2024.1.00001.S", "uid___A001_X9_X1", "uid___A001_X9_X2", "uid___A001_X9_X3")


def snapshot(folder: Path) -> dict[str, tuple[int, float]]:
    out = {}
    for root, _, files in os.walk(folder):
        for f in files:
            p = Path(root) / f
            out[str(p.relative_to(folder))] = (p.stat().st_size, p.stat().st_mtime)
    return out


def test_tree_is_complete_and_readme_right(reduced_workdir, qa2_report_file, tmp_path):
    before = snapshot(reduced_workdir)
    result = assemble(reduced_workdir, tmp_path / "out", IDS, qa2_report=load_qa2_report(qa2_report_file))
    member = tmp_path / "out" / "2024.1.00001.S" / "science_goal.uid___A001_X9_X1" / \
        "group.uid___A001_X9_X2" / "member.uid___A001_X9_X3"
    assert result.member_dir == member
    assert sorted(p.name for p in member.iterdir()) == sorted(["README", *FOLDERS])
    t = naming.CalTables(MS)
    cal = {p.name for p in (member / "calibration").iterdir()}
    expected_cal = {n for n in t.delivered if (reduced_workdir / n).exists()} | {f"{MS}.flagversions"}
    assert cal == expected_cal
    assert t.tsys in cal and t.bandpass in cal and t.flux_inf in cal
    assert (member / "calibration" / t.bandpass / "table.dat").exists()  # tables copied whole
    assert {p.name for p in (member / "script").iterdir()} == {
        naming.calibration_script(MS), naming.IMAGING_SCRIPT, naming.PI_SCRIPT, f"{MS}.snapshot.json"}
    assert {p.name for p in (member / "product").iterdir()} == {
        "target.cont.image.pbcor.fits", "target.cont.pb.fits"}
    assert {p.name for p in (member / "log").iterdir()} == {"casa-20260101-000000.log", t.listobs}
    qa = {p.name for p in (member / "qa").iterdir()}
    assert {"index.html", "qa2_report.json", "qa2_report.txt", f"{t.tsys}.png", f"{t.bandpass}.amp.png",
            f"{t.bandpass}.phase.png", f"{t.phase_inf}.phase.png", f"{t.flux_inf}.amp.png",
            "target.cont.image.pbcor.fits.preview.png"} <= qa
    assert (member / "raw" / "README.raw.txt").read_text().count(UID) == 1
    readme = (member / "README").read_text()
    assert f"Execution blocks   {UID}\n" in readme
    assert "QA2 verdict: PASS (Cycle-2 rule, band 6)" in readme
    assert "cd script" in readme and "casa -c scriptForPI.py" in readme and "python scriptForPI.py" in readme
    for name in (naming.calibration_script(MS), t.bandpass, "target.cont.image.pbcor.fits", "index.html",
                 f"{t.tsys}.png", "README.raw.txt"):
        assert f"   {name}\n" in readme, name
    assert "notes.txt" not in readme and f"   {t.split_cal}\n" not in readme and f"   {MS}\n" not in readme
    index = (member / "qa" / "index.html").read_text()
    assert f'src="{t.tsys}.png"' in index and '<a href="qa2_report.txt">' in index
    # the working folder is untouched
    assert snapshot(reduced_workdir) == before
    assert not result.warnings, result.warnings


def test_existing_package_refused_then_nothing_overwritten_with_force(reduced_workdir, tmp_path):
    out = tmp_path / "out"
    first = assemble(reduced_workdir, out, IDS, plots=False)
    assert any("--qa2-report" in w for w in first.warnings)
    readme = first.member_dir / "README"
    with pytest.raises(ScriptgenError, match="--force"):
        assemble(reduced_workdir, out, IDS, plots=False)
    readme.write_text(readme.read_text() + "analyst's addition\n")
    again = assemble(reduced_workdir, out, IDS, plots=False, force=True)
    assert ("README", "README.orig") in again.backed_up
    assert "analyst's addition" in (first.member_dir / "README.orig").read_text()
    assert f"script/{naming.PI_SCRIPT}" in again.unchanged
    assert not again.copied or all(naming.CalTables(MS).tsys in c or "flag" in c or "." in c for c in again.copied)


def test_move_only_when_asked(reduced_workdir, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(reduced_workdir, work)
    result = assemble(work, tmp_path / "out", IDS, move=True, plots=False)
    t = naming.CalTables(MS)
    assert not (work / t.bandpass).exists() and (result.member_dir / "calibration" / t.bandpass).exists()
    assert f"calibration/{t.bandpass}" in result.moved
    assert (work / MS).exists() and (work / "notes.txt").exists()  # not deliverables: left alone


def test_package_inside_the_working_folder_is_not_rescanned(reduced_workdir, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(reduced_workdir, work)
    assemble(work, work, IDS, plots=False)
    again = assemble(work, work, IDS, plots=False, dry_run=True)
    assert not any(p.source.startswith("2024.1") for p in again.plan.placements)


def test_cli_dry_run_project_default_and_errors(reduced_workdir, tmp_path, capsys):
    args = ["package", str(reduced_workdir), "--out", str(tmp_path / "o"), "--science-goal", "uid://A001/X9/X1",
            "--group", "uid://A001/X9/X2", "--member", "uid://A001/X9/X3"]
    assert main(args + ["--dry-run"]) == 0  # project code read from the EB
    out = capsys.readouterr().out
    assert "2024.1.00001.S/science_goal.uid___A001_X9_X1" in out and "(not delivered)  notes.txt" in out
    assert not (tmp_path / "o").exists()
    assert main(args + ["--project", "2024.1.00001.S", "--no-plots"]) == 0
    assert (tmp_path / "o" / IDS.member_path / "README").exists()
    assert main(args[:-2] + ["--member", "X3"]) == 2
    assert "not an ALMA uid" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"verdict": "PASS"}))
    assert main(args + ["--project", "P", "--qa2-report", str(bad)]) == 2
