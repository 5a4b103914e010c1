"""scriptForPI restores a pipeline-calibrated delivery, and a mixed one, with plain casatasks.

Reference: ``standard_eb`` calibrated once by its generated
scriptForCalibration.py. From its tables a pipeline-shaped delivery is
built as the pipeline ships one: ``raw/`` holds the untouched EB (an MS:
our synthetic EBs are not ASDMs), ``calibration/`` the tables, a
calibration library naming them with the selections, field maps and spw
maps the reference calibration used (applied in one pass to the MS, as the
pipeline applies), the final flag version (``Pipeline_Final`` in a
``.flagversions.tgz``, holding the deterministic flags the reference set)
and a flag template with one real extra flag. ``scriptgen generate
--from-delivery`` writes scriptForPI.py, which must rebuild the reference's
calibrated data: same DATA, and the reference's FLAG plus exactly the
template's flag.

The mixed delivery adds a second EB (the same data under another uid)
delivered with its scriptForCalibration.py and the reference's tables, and
uses the pipeline's ``applycal(...)`` spelling for the first EB's library:
one scriptForPI restores both.
"""

from __future__ import annotations

import ast
import re
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest

from scriptgen import casa_env, naming
from scriptgen.cli import main

from tests.support.casarun import TIMINGS, generate, run_script
from tests.support.measure import column

pytestmark = pytest.mark.casa

UID = "uid___A002_Xsyn_X1"
OTHER_UID = "uid___A002_Xsyn_X9"


def _literal(script: str, pattern: str):
    match = re.search(pattern, script)
    assert match, f"the calibration script no longer has {pattern!r}"
    return ast.literal_eval(match.group(1))


def calibration_choices(script: str) -> dict:
    """What the reference calibration script applied, read from its text."""
    science = _literal(script, r'split\(\s*vis=vis,\s*outputvis=split_vis,\s*spw=("[\d,]+")')
    science_ids = [int(s) for s in science.split(",")]
    # The split renumbers the science windows 0, 1, ...: the tables solved
    # on it map each MS window to its position.
    split_map = [science_ids.index(i) if i in science_ids else 0 for i in range(max(science_ids) + 1)]
    # The phase calibrator and its targets take its scan-averaged phases
    # together (one applycal, field="<phase>,<targets>").
    target = re.search(
        r'field="([\d,]+)",\s*gaintable=\[bandpass_table, phase_inf_table, flux_inf_table\],\s*'
        r'gainfield=\["", "(\d+)", "(\d+)"\]',
        script,
    )
    assert target, "the calibration script no longer applies phase_inf to the phase calibrator's group this way"
    return {
        "science": science,
        "tsys_spwmap": _literal(script, r"tsys_spwmap = (\[[\d, ]*\])"),
        "tsys_fields": dict(_literal(script, r"tsys_field_groups = (\[.*\])")),
        "calibrators": _literal(script, r"for calibrator in (\[.*\]):"),
        "target": target.group(1),
        "phase_field": target.group(2),
        "split_map": split_map,
        "edges": _literal(script, r'flagdata\(\s*vis=split_vis,\s*mode="manual",\s*spw=("[^"]+")'),
    }


def callib_text(choices: dict) -> str:
    """The reference calibration as a CASA cal library (one line per table and selection)."""
    t = naming.CalTables(naming.ms_name(UID))
    spw, smap = choices["science"], choices["split_map"]
    lines = ["# Cal library for the reference calibration of " + UID]
    for field, tsys_field in choices["tsys_fields"].items():
        lines.append(
            f"caltable='{t.tsys}' field='{field}' spw='{spw}' tinterp='linear' finterp='linear' "
            f"fldmap='{tsys_field}' spwmap={choices['tsys_spwmap']} calwt=True"
        )
    lines.append(f"caltable='{t.wvr}' spw='{spw}' tinterp='nearest' calwt=True")
    lines.append(f"caltable=\"{t.bandpass}\" spw='{spw}' tinterp='linear' finterp='linear' spwmap={smap} calwt=True")
    for cal in choices["calibrators"]:
        for table in (t.phase_int, t.flux_inf):
            lines.append(
                f"caltable='{table}' field='{cal}' spw='{spw}' tinterp='linear' fldmap='{cal}' "
                f"spwmap={smap} calwt=True  # own solutions"
            )
    # The target takes the phase calibrator's solutions: fldmap as a list is
    # index-based like spwmap (MS field id -> caltable field id).
    fldmap = list(range(len(choices["tsys_fields"])))
    for field in choices["target"].split(","):
        fldmap[int(field)] = int(choices["phase_field"])
    for table in (t.phase_inf, t.flux_inf):
        lines.append(
            f"caltable='{table}' field='{choices['target']}' spw='{spw}' tinterp='linear' "
            f"fldmap={fldmap} spwmap={smap} calwt=True"
        )
    return "\n".join(lines) + "\n"


def applycal_text(choices: dict) -> str:
    """The same calibration in the pipeline's export spelling (one applycal line per field)."""
    t = naming.CalTables(naming.ms_name(UID))
    spw, smap = choices["science"], choices["split_map"]
    lines = [f"# Apply file for {UID}.ms"]
    for field, tsys_field in choices["tsys_fields"].items():
        own = field in choices["calibrators"]
        gains = [t.phase_int, t.flux_inf] if own else [t.phase_inf, t.flux_inf]
        gainfield = field if own else choices["phase_field"]
        tables = [f"/pipeline/run/{t.tsys}", t.wvr, t.bandpass] + gains
        lines.append(
            f"applycal(vis='{UID}.ms', field='{field}', intent='', spw='{spw}', antenna='', "
            f"gaintable={tables}, gainfield=['{tsys_field}', '', '', '{gainfield}', '{gainfield}'], "
            f"spwmap=[{choices['tsys_spwmap']}, [], {smap}, {smap}, {smap}], "
            f"interp=['linear,linear', 'nearest', 'linear,linear', 'linear', 'linear'], "
            f"calwt=[True, True, True, True, True])"
        )
    return "\n".join(lines) + "\n"


def final_flag_versions(pristine: Path, scratch: Path, choices: dict, dest: Path) -> None:
    """``<ms>.flagversions.tgz`` with ``Pipeline_Final``: the deterministic flags the reference set."""
    from casatasks import flagdata, flagmanager

    ms = scratch / naming.ms_name(UID)
    shutil.copytree(pristine, ms)
    science = [int(s) for s in choices["science"].split(",")]
    # The split-stage edge flags, renumbered to the MS's windows.
    edges = ",".join(
        f"{science[int(part.split(':')[0])]}:{part.split(':', 1)[1]}" for part in choices["edges"].split(",")
    )
    flagdata(vis=str(ms), mode="manual", autocorr=True, flagbackup=False)
    flagdata(vis=str(ms), mode="manual", intent="*CALIBRATE_ATMOSPHERE*", flagbackup=False)
    flagdata(vis=str(ms), mode="shadow", flagbackup=False)
    flagdata(vis=str(ms), mode="manual", spw=edges, flagbackup=False)
    flagmanager(vis=str(ms), mode="save", versionname="Pipeline_Final", comment="final pipeline flags")
    with tarfile.open(dest, "w:gz") as tar:
        tar.add(str(ms) + ".flagversions", arcname=ms.name + ".flagversions")


def names_in(vis: Path, subtable: str) -> list[str]:
    tb = casa_env.casatools().table()
    tb.open(str(vis / subtable))
    try:
        return [str(n) for n in tb.getcol("NAME")]
    finally:
        tb.close()


def template_mask(vis: Path, field_name: str, antenna_name: str) -> np.ndarray:
    """Per-row True where the template flags ``vis``, in :func:`column`'s order, broadcast to FLAG."""
    field_id = names_in(vis, "FIELD").index(field_name)
    ant = names_in(vis, "ANTENNA").index(antenna_name)
    tb = casa_env.casatools().table()
    tb.open(str(vis))
    try:
        parts = []
        for dd in sorted(set(int(d) for d in tb.getcol("DATA_DESC_ID"))):
            sel = tb.query(f"DATA_DESC_ID=={dd}", sortlist="TIME,ANTENNA1,ANTENNA2")
            try:
                rows = (sel.getcol("FIELD_ID") == field_id) & (
                    (sel.getcol("ANTENNA1") == ant) | (sel.getcol("ANTENNA2") == ant)
                )
                shape = sel.getcol("FLAG").shape  # (npol, nchan, nrow)
                parts.append(np.broadcast_to(rows, shape).ravel())
            finally:
                sel.close()
        return np.concatenate(parts)
    finally:
        tb.close()


@pytest.fixture(scope="module")
def reference(standard_calibrated, tmp_path_factory):
    """The shared calibration of ``standard_eb``, what it applied, and the flags the delivery adds."""
    work = standard_calibrated["work"]
    ms = work / standard_calibrated["ms"]
    assert ms.name == naming.ms_name(UID)
    choices = calibration_choices((work / naming.calibration_script(ms.name)).read_text())
    # The extra flag of the template: one antenna on the phase calibrator.
    fields = names_in(ms, "FIELD")
    flag = {"field": fields[int(choices["phase_field"])], "antenna": names_in(ms, "ANTENNA")[3]}
    scratch = tmp_path_factory.mktemp("restore_flags")
    flagversions = scratch / f"{ms.name}.flagversions.tgz"
    final_flag_versions(standard_calibrated["pristine"], scratch, choices, flagversions)
    return {
        "work": work,
        "seconds": standard_calibrated["seconds"],
        "choices": choices,
        "flag": flag,
        "flagversions": flagversions,
        "pristine": standard_calibrated["pristine"],
    }


def lay_out_pipeline_eb(reference: dict, root: Path, library: str) -> None:
    for folder in ("raw", "calibration", "script"):
        (root / folder).mkdir(exist_ok=True)
    shutil.copytree(reference["pristine"], root / "raw" / naming.ms_name(UID))
    t = naming.CalTables(naming.ms_name(UID))
    for table in (t.tsys, t.wvr, t.bandpass, t.phase_int, t.phase_inf, t.flux_inf):
        shutil.copytree(reference["work"] / table, root / "calibration" / table)
    (root / "calibration" / f"{UID}.ms.calapply.txt").write_text(library)
    shutil.copy2(reference["flagversions"], root / "calibration" / reference["flagversions"].name)
    flag = reference["flag"]
    (root / "calibration" / f"{UID}.flagtemplate.txt").write_text(
        "# Flag template: QA2 flags\n"
        f"mode='manual' field='{flag['field']}' antenna='{flag['antenna']}' reason='QA2: test flag'\n"
    )


def assert_reproduces(ours: Path, theirs: Path, flag: dict | None) -> None:
    for data_column in ("DATA", "FLAG"):
        a, b = column(ours, data_column), column(theirs, data_column)
        assert a.shape == b.shape, data_column
        if data_column == "DATA":
            difference = np.abs(a - b).max() / np.abs(b).max()
            print(f"{ours.name} DATA: max |restored - reference| / max |reference| = {difference:.2e}")
            assert difference < 1e-5
        elif flag is None:
            assert np.array_equal(a, b)
        else:
            mask = template_mask(theirs, flag["field"], flag["antenna"])
            assert mask.any() and not b[mask].all(), "the template must flag something the reference kept"
            assert np.array_equal(a, b | mask)


@pytest.fixture(scope="module")
def pipeline_delivery(reference, tmp_path_factory):
    root = tmp_path_factory.mktemp("pipeline_delivery")
    lay_out_pipeline_eb(reference, root, callib_text(reference["choices"]))
    assert main(["generate", "--from-delivery", str(root)]) == 0
    seconds = run_script(root / "script" / naming.PI_SCRIPT, root / "script", "restore pipeline delivery (1 EB)")
    print(f"[timing] restore {seconds:.1f} s against the reference calibration's {reference['seconds']:.1f} s")
    return {"root": root, "seconds": seconds}


def test_the_script_needs_only_casatasks(pipeline_delivery):
    text = (pipeline_delivery["root"] / "script" / naming.PI_SCRIPT).read_text()
    imported = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert imported <= {"os", "shutil", "sys", "tarfile", "fnmatch", "casatools", "casatasks"}, imported
    assert "docallib=True" in text
    assert 'made_with_casa = "unknown"' in text  # no manifest: the header says so


def test_the_pipeline_delivery_reproduces_the_reference(pipeline_delivery, reference):
    split_cal = naming.CalTables(naming.ms_name(UID)).split_cal
    assert_reproduces(
        pipeline_delivery["root"] / "calibrated" / split_cal, reference["work"] / split_cal, reference["flag"]
    )
    assert (pipeline_delivery["root"] / "calibrated" / naming.CALIBRATED_FINAL_MS).is_dir()
    assert TIMINGS["restore pipeline delivery (1 EB)"] < reference["seconds"]


@pytest.fixture(scope="module")
def mixed_delivery(reference, tmp_path_factory):
    root = tmp_path_factory.mktemp("mixed_delivery")
    lay_out_pipeline_eb(reference, root, applycal_text(reference["choices"]))
    # The second EB: the same data under another uid, calibrated by its
    # scriptForCalibration.py with the reference's tables.
    scratch = tmp_path_factory.mktemp("mixed_scripts")
    other = scratch / naming.ms_name(OTHER_UID)
    shutil.copytree(reference["pristine"], other)
    generate([other], scratch)
    shutil.copy2(scratch / naming.calibration_script(other.name), root / "script")
    shutil.copytree(reference["pristine"], root / "raw" / other.name)
    ours, theirs = naming.CalTables(other.name), naming.CalTables(naming.ms_name(UID))
    for mine, source in zip(ours.delivered, theirs.delivered):
        if (reference["work"] / source).is_dir():
            shutil.copytree(reference["work"] / source, root / "calibration" / mine)
        elif (reference["work"] / source).is_file():
            shutil.copy2(reference["work"] / source, root / "calibration" / mine)
    assert main(["generate", "--from-delivery", str(root)]) == 0
    run_script(root / "script" / naming.PI_SCRIPT, root / "script", "restore mixed delivery (2 EBs)")
    return root


def test_a_mixed_delivery_restores_both_ebs(mixed_delivery, reference):
    theirs = reference["work"] / naming.CalTables(naming.ms_name(UID)).split_cal
    calibrated = mixed_delivery / "calibrated"
    assert_reproduces(calibrated / naming.CalTables(naming.ms_name(UID)).split_cal, theirs, reference["flag"])
    assert_reproduces(calibrated / naming.CalTables(naming.ms_name(OTHER_UID)).split_cal, theirs, None)
