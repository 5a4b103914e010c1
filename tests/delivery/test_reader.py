"""Reading a delivery and refusing a broken one before any CASA work (no CASA).

Deliveries here are hand-made folders: tables are empty directories (the
reader checks that they are there, not what is in them), raw data an
``ASDM.xml`` or ``table.dat`` marker, fields known from the EB's snapshot
or, failing that, from the library's own selections.
"""

from __future__ import annotations

import ast
import shutil
import tarfile
from pathlib import Path

import pytest

from scriptgen import naming
from scriptgen.cli import main
from scriptgen.delivery import read_delivery
from scriptgen.errors import ScriptgenError
from scriptgen.restore_generate import generate_from_delivery

UID = "uid___A002_Xsyn_X1"
SNAPSHOT = Path(__file__).resolve().parents[2] / "examples" / "single_eb" / f"{UID}.ms.snapshot.json"

LIBRARY = (
    "# Apply file for uid___A002_Xsyn_X1.ms\n"
    "caltable='uid___A002_Xsyn_X1.ms.tsys' field='3' spw='1,3,5,7' tinterp='linear' fldmap='3' calwt=True\n"
    "caltable='uid___A002_Xsyn_X1.ms.hifa_gfluxscale.g' field='3' spw='1,3,5,7' tinterp='linear' fldmap=[0,1,2,2] "
    "calwt=True\n"
)
MANIFEST = """<?xml version="1.0" ?>
<piperesults name="pipeline-20240101T000000">
  <ous name="uid://A001/X1/X3">
    <casaversion name="6.5.4-9"/>
    <pipeline_version name="2023.1.0.124"/>
  </ous>
</piperesults>
"""


def make_delivery(root: Path, *, raw: str = "asdm", library: str = LIBRARY, snapshot: bool = False) -> Path:
    for folder in ("raw", "calibration", "script"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    if raw == "asdm":
        (root / "raw" / f"{UID}.asdm.sdm").mkdir()
        (root / "raw" / f"{UID}.asdm.sdm" / "ASDM.xml").write_text("<ASDM/>")
    elif raw == "ms":
        (root / "raw" / f"{UID}.ms").mkdir()
        (root / "raw" / f"{UID}.ms" / "table.dat").write_text("")
    for table in ("uid___A002_Xsyn_X1.ms.tsys", "uid___A002_Xsyn_X1.ms.hifa_gfluxscale.g"):
        (root / "calibration" / table).mkdir()
    (root / "calibration" / f"{UID}.ms.calapply.txt").write_text(library)
    if snapshot:
        shutil.copy2(SNAPSHOT, root / "script" / SNAPSHOT.name)
    return root


def flag_versions_folder(folder: Path, *versions: str) -> None:
    folder.mkdir()
    (folder / "FLAG_VERSION_LIST").write_text("".join(f"{v} : saved\n" for v in versions))
    for v in versions:
        (folder / f"flags.{v}").mkdir()


def one_line_error(argv, capsys) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_a_pipeline_eb_is_read_with_its_flags_and_versions(tmp_path):
    root = make_delivery(tmp_path / "d")
    flag_versions_folder(root / "calibration" / f"{UID}.ms.flagversions", "Original", "Pipeline_Final", "later")
    (root / "calibration" / f"{UID}.flagtemplate.txt").write_text("mode='manual' field='3' antenna='DA41'\n")
    (root / "calibration" / "flux.csv").write_text("field,flux\n")
    (root / "calibration" / f"{UID}.pipeline_manifest.xml").write_text(MANIFEST)
    delivery = read_delivery(root)
    (eb,) = delivery.ebs
    assert (eb.uid, eb.calibrated_by, eb.raw, eb.raw_kind) == (UID, "pipeline", f"{UID}.asdm.sdm", "asdm")
    assert eb.flag_versions.version == "Pipeline_Final"  # the pipeline's final flags, not the last saved
    assert eb.flag_template == f"{UID}.flagtemplate.txt"
    assert eb.library.tables == ("uid___A002_Xsyn_X1.ms.tsys", "uid___A002_Xsyn_X1.ms.hifa_gfluxscale.g")
    assert set(eb.delivered) == set(eb.library.tables) | {eb.flag_template, f"{UID}.ms.flagversions"}
    assert delivery.goal_files == ("flux.csv",)
    assert (delivery.casa_version, delivery.pipeline_version) == ("6.5.4-9", "2023.1.0.124")
    assert delivery.version_source == f"calibration/{UID}.pipeline_manifest.xml"


def test_flag_versions_in_a_tarball_are_read_without_unpacking(tmp_path):
    root = make_delivery(tmp_path / "d", raw="")
    (root / "raw" / UID).mkdir()
    (root / "raw" / UID / "ASDM.xml").write_text("<ASDM/>")
    staging = tmp_path / "staging"
    staging.mkdir()
    flag_versions_folder(staging / f"{UID}.ms.flagversions", "Original", "Applycal_1")
    with tarfile.open(root / "calibration" / f"{UID}.ms.flagversions.tgz", "w:gz") as tar:
        tar.add(staging / f"{UID}.ms.flagversions", arcname=f"{UID}.ms.flagversions")
    (eb,) = read_delivery(root).ebs
    assert eb.raw == UID
    assert (eb.flag_versions.name, eb.flag_versions.version) == (f"{UID}.ms.flagversions.tgz", "Applycal_1")
    assert read_delivery(root).casa_version == "unknown"


def test_a_library_naming_a_missing_table(tmp_path, capsys):
    root = make_delivery(tmp_path / "d")
    shutil.rmtree(root / "calibration" / "uid___A002_Xsyn_X1.ms.hifa_gfluxscale.g")
    line = one_line_error(["generate", "--from-delivery", str(root)], capsys)
    assert "names uid___A002_Xsyn_X1.ms.hifa_gfluxscale.g, which is not in calibration/" in line
    assert not (root / "script" / naming.PI_SCRIPT).exists()


def test_a_flag_template_with_a_field_the_snapshot_does_not_know(tmp_path, capsys):
    root = make_delivery(tmp_path / "d", snapshot=True)
    template = root / "calibration" / f"{UID}.flagtemplate.txt"
    template.write_text("# QA2\nmode='manual' field='Jsyn_phase' antenna='DA41'\nmode='manual' field='J0000+000'\n")
    line = one_line_error(["generate", "--from-delivery", str(root)], capsys)
    assert f"{UID}.flagtemplate.txt:3: flags field 'J0000+000'" in line and "snapshot" in line
    template.write_text("mode='manual' field='Jsyn_phase,3,0~2,Jsyn_*' antenna='DA41'\n")
    generate_from_delivery(root)  # names, ids, id ranges and patterns of known fields pass


def test_a_flag_template_checked_against_the_library_fields(tmp_path, capsys):
    root = make_delivery(tmp_path / "d")  # an ASDM and no snapshot: only the library knows fields
    (root / "calibration" / f"{UID}.flagtemplate.txt").write_text("mode='manual' field='7'\n")
    line = one_line_error(["generate", "--from-delivery", str(root)], capsys)
    assert "flags field '7'" in line and "calibration library" in line


def test_an_eb_without_raw_data(tmp_path, capsys):
    root = make_delivery(tmp_path / "d", raw="")
    line = one_line_error(["generate", "--from-delivery", str(root)], capsys)
    assert line.endswith(f"(expected {UID}.asdm.sdm, {UID} or {UID}.ms)")
    assert "no raw data for " + UID in line


@pytest.mark.parametrize(
    "argv, message",
    [
        (["generate", "--from-delivery", "MISSING"], "is not a folder"),
        (["generate", "x.ms", "--from-delivery", "D"], "takes no EBs"),
        (["generate", "x.ms"], "give the EBs and --out"),
    ],
)
def test_command_line_misuse(argv, message, tmp_path, capsys):
    root = make_delivery(tmp_path / "d")
    argv = [str(tmp_path / "missing") if a == "MISSING" else str(root) if a == "D" else a for a in argv]
    assert message in one_line_error(argv, capsys)


def test_a_folder_that_is_not_a_delivery(tmp_path):
    (tmp_path / "raw").mkdir()
    with pytest.raises(ScriptgenError, match="calibration/ is missing"):
        read_delivery(tmp_path)


def script_globals(text: str) -> dict:
    """The top-level literal assignments of an emitted script."""
    out = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    return out


def test_a_mixed_delivery_gives_one_script_restoring_both(tmp_path, capsys):
    root = make_delivery(tmp_path / "d")
    other = "uid___A002_Xsyn_X9"
    (root / "raw" / f"{other}.ms").mkdir()
    (root / "raw" / f"{other}.ms" / "table.dat").write_text("")
    (root / "script" / naming.calibration_script(f"{other}.ms")).write_text("# analyst script\n")
    assert main(["generate", "--from-delivery", str(root)]) == 0
    out = capsys.readouterr().out
    assert f"{other}: {other}.ms.scriptForCalibration.py (rerun with applyonly)" in out
    assert "CASA unknown, pipeline unknown" in out
    text = (root / "script" / naming.PI_SCRIPT).read_text()
    found = script_globals(text)
    assert found["ebs"][UID]["calibrated_by"] == "pipeline"
    assert found["ebs"][other] == {
        "calibrated_by": "script",
        "ms": f"{other}.ms",
        "split_cal": f"{other}.ms.split.cal",
        "delivered": list(naming.CalTables(f"{other}.ms").delivered),
        "calibration_script": f"{other}.ms.scriptForCalibration.py",
    }
    assert found["callib_1"][1] == {
        "caltable": "uid___A002_Xsyn_X1.ms.hifa_gfluxscale.g",
        "field": "3",
        "spw": "1,3,5,7",
        "tinterp": "linear",
        "fldmap": [0, 1, 2, 2],
        "calwt": True,
    }
    assert "docallib=True" in text and "import pipeline" not in text


def test_an_eb_both_pipeline_and_script_calibrated_is_refused(tmp_path):
    root = make_delivery(tmp_path / "d")
    (root / "script" / naming.calibration_script(f"{UID}.ms")).write_text("#\n")
    with pytest.raises(ScriptgenError, match="both a calibration library and"):
        read_delivery(root)


def test_delivered_values_reach_the_script_only_as_literals(tmp_path, capsys):
    odd = "uid.g\\n); import os; {x} \u00e9"
    root = make_delivery(tmp_path / "d", library=f'caltable="{odd}" calwt=True\n')
    (root / "calibration" / odd).mkdir()
    generate_from_delivery(root)
    found = script_globals((root / "script" / naming.PI_SCRIPT).read_text())
    assert found["callib_1"] == [{"caltable": odd, "calwt": True}]
    # A quote could not be written back into a cal-library line: refused.
    (root / "calibration" / f"{UID}.ms.calapply.txt").write_text('caltable="it\'s.g"\n')
    assert "cannot carry" in one_line_error(["generate", "--from-delivery", str(root)], capsys)


def test_the_versions_that_made_the_calibration_reach_the_script(tmp_path):
    root = make_delivery(tmp_path / "d")
    (root / "calibration" / "member.uid___A001_X1_X3.hifa_calimage.pipeline_manifest.xml").write_text(MANIFEST)
    result = generate_from_delivery(root)
    assert "calibration made with CASA 6.5.4-9, pipeline 2023.1.0.124" in result.summary_lines()[-1]
    found = script_globals((root / "script" / naming.PI_SCRIPT).read_text())
    assert (found["made_with_casa"], found["made_with_pipeline"]) == ("6.5.4-9", "2023.1.0.124")
    # A scriptForPI.py someone edited is kept; the new draft goes beside it.
    script = root / "script" / naming.PI_SCRIPT
    script.write_text(script.read_text() + "# my edit\n")
    generate_from_delivery(root)
    assert script.read_text().endswith("# my edit\n")
    assert (root / "script" / (naming.PI_SCRIPT + ".new")).is_file()


def test_a_flux_script_without_the_pipeline_ebs_fluxscale_results_is_refused(tmp_path, capsys):
    root = make_delivery(tmp_path / "d")
    (root / "script" / naming.FLUX_SCRIPT).write_text("# flux script\n")
    line = one_line_error(["generate", "--from-delivery", str(root)], capsys)
    assert f"needs the fluxscale results {UID}.ms.split.fluxscale.json of the pipeline-calibrated {UID}" in line
    (root / "calibration" / f"{UID}.ms.split.fluxscale.json").write_text("{}\n")
    assert read_delivery(root).flux_script == naming.FLUX_SCRIPT
