"""Names in CASA selections: ids, safe names, or a one-line refusal (no CASA).

Table-driven over hostile names, one per selection metacharacter: the
calibration script must then select the antennas by id (refant), leave a
comma name out of the wvrgcal tie, select every field by id, and still
compile; so must the imaging script (its cubes select the
continuum-subtracted MS by id too: uvcontsub keeps the ids).
"""

from __future__ import annotations

import ast
import io
import json
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import replace

import numpy as np
import pytest

from scriptgen import snapshot
from scriptgen.cli import main
from scriptgen.heuristics import calibration as cal
from scriptgen.heuristics import solar_system as solar
from scriptgen.heuristics.imaging_plan import ImagingInputs, plan_imaging
from scriptgen.heuristics.selection import METACHARACTERS, Use, name_problem, selection
from scriptgen.render import make_environment
from scriptgen.scripts import calibration
from scriptgen.scripts import imaging as imaging_script
from tests.support.ebfactory import tdm_fdm_eb

from tests.heuristics.variants import with_antennas

#: One hostile name per metacharacter, plus white space and all digits.
HOSTILE = [f"J1058+0133{c}Jtarget" for c in sorted(METACHARACTERS)] + [
    "3C*",
    " DA41",
    "DA41 ",
    "12",
    "/DA.*/",
]
#: Names real ALMA data have: kept as they are.
SAFE = ["DA41", "DV01", "CM10", "PM03", "J1058+0133", "NGC_3256", "Sgr_B2-N", "3C279"]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_have_a_problem(name):
    assert name_problem(name)


@pytest.mark.parametrize("name", SAFE)
def test_real_names_are_safe(name):
    assert name_problem(name) is None


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("use", [Use.REFANT, Use.ANTENNA])
def test_antenna_lists_fall_back_to_ids(use, name):
    chosen = selection(use, ["DA42", name, "DA43"], [1, 7, 2])
    assert chosen.by_id and chosen.value == "1,7,2"
    assert repr(name) in chosen.reason


@pytest.mark.parametrize("use", [Use.REFANT, Use.ANTENNA])
def test_safe_antenna_lists_keep_their_names(use):
    chosen = selection(use, ["DA42", "DV01"], [1, 7])
    assert not chosen.by_id and chosen.value == "DA42,DV01"


@pytest.mark.parametrize("name", HOSTILE + SAFE)
def test_fields_are_always_ids(name):
    chosen = selection(Use.FIELD, [name, "x"], [3, 4])
    assert chosen.by_id and chosen.value == "3,4"


@pytest.mark.parametrize("name", HOSTILE)
def test_wvrgcal_tie_and_statsource(name):
    # wvrgcal splits tie entries on commas and matches each piece as a name.
    tie = selection(Use.WVR_TIE, ["J1130-1449", name])
    stat = selection(Use.WVR_STATSOURCE, [name])
    if "," in name or name != name.strip():
        assert tie.value is None and "not tied" in tie.reason
        assert stat.value == "" and "all sources" in stat.reason
    else:
        assert tie.value == f"J1130-1449,{name}"
        assert stat.value == name


def _with_antenna_name(eb, antenna_id, name):
    return replace(eb, antennas=tuple(replace(a, name=name) if a.antenna_id == antenna_id else a for a in eb.antennas))


def _with_target_name(eb, name):
    return replace(eb, fields=tuple(replace(f, name=name, source_name=name) if f.field_id >= 3 else f for f in eb.fields))


def _refant_literal(source: str) -> str:
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["refant"]:
            return ast.literal_eval(node.value)
    raise AssertionError("no refant assignment")


@pytest.mark.parametrize("name", HOSTILE)
def test_calibration_script_selects_hostile_antennas_by_id(name):
    # Antenna 2 is the one nearest the centre: first in the refant list.
    eb = _with_antenna_name(tdm_fdm_eb(), 2, name)
    source = calibration.render(eb, make_environment())
    compile(source, "cal.py", "exec")
    refant = _refant_literal(source)
    assert refant.split(",")[0] == "2" and all(item.isdigit() for item in refant.split(","))
    assert "ids, not names" in " ".join(source.replace("#", " ").split())


def test_calibration_script_keeps_safe_antenna_names():
    refant = _refant_literal(calibration.render(tdm_fdm_eb(), make_environment()))
    assert refant.split(",")[0] == "DA43" and not any(item.isdigit() for item in refant.split(","))


@pytest.mark.parametrize("name", HOSTILE)
def test_calibration_script_with_hostile_target_names_compiles(name):
    eb = _with_target_name(tdm_fdm_eb(), name)
    source = calibration.render(eb, make_environment())
    compile(source, "cal.py", "exec")
    wvr = cal.wvr_choice(eb)
    if "," in name or name != name.strip():
        assert wvr.tie == () and wvr.statsource == ""
    else:
        assert wvr.tie == (f"J1130-1449,{name}",) and wvr.statsource == name
    # Every field selection of the script is ids, whatever the names.
    for call in ast.walk(ast.parse(source)):
        if isinstance(call, ast.keyword) and call.arg in ("field", "reference", "transfer"):
            if isinstance(call.value, ast.Constant):
                assert set(call.value.value) <= set("0123456789,"), ast.unparse(call)


@pytest.mark.parametrize("name", HOSTILE)
def test_fluxscale_antennas_of_a_resolved_body_fall_back_to_ids(name):
    positions = [(2225000.0 + x, -5440000.0, -2480000.0) for x in (-1500, -10, -5, 0, 5, 10, 1500)]
    eb = with_antennas(tdm_fdm_eb(), positions)
    eb = replace(eb, fields=tuple(replace(f, name="Venus", source_name="Venus") if f.field_id == 1 else f for f in eb.fields))
    eb = _with_antenna_name(eb, 3, name)
    choice = solar.fluxscale_antennas(eb, 1)
    chosen = choice.antenna.split(",")
    assert choice.resolved and "3" in chosen and all(item.isdigit() for item in chosen)
    assert "ids, not names" in choice.reason


def _imaging_inputs(source):
    rng = np.random.default_rng(1)
    spectra = {s: tuple(0.25 + rng.normal(0, 1e-3, 960)) for s in (9, 11, 13, 15)}
    return ImagingInputs(ms="x.ms.split.cal", datacolumn="data", uv_l80_m=150.0, uv_max_m=300.0, spectra={source: spectra})


@pytest.mark.parametrize("name", HOSTILE + ["NGC_3256"])
def test_imaging_selects_every_field_by_id_whatever_its_name(name):
    eb = _with_target_name(tdm_fdm_eb(mosaic=2), name)
    plan = plan_imaging(eb, _imaging_inputs(name))
    assert plan.cubes and plan.contsub is not None
    assert {c.field for c in plan.continuum + plan.cubes} == {"3,4"}
    assert plan.contsub.field == "3,4"
    source = imaging_script.render(plan, make_environment())
    compile(source, "imaging.py", "exec")
    for call in ast.walk(ast.parse(source)):
        if isinstance(call, ast.keyword) and call.arg == "field":
            assert set(ast.literal_eval(call.value)) <= set("0123456789,"), ast.unparse(call)


@pytest.mark.parametrize("name", ["3C*", "DA41,DA42", "12"])
def test_generate_from_a_snapshot_with_hostile_antenna_names(tmp_path, name):
    eb = _with_antenna_name(tdm_fdm_eb(), 2, name)
    snap = tmp_path / "eb.json"
    snap.write_text(json.dumps(snapshot.to_dict(eb)), encoding="utf-8")
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        status = main(["generate", str(snap), "--out", str(tmp_path / "out"), "-q"])
    assert status == 0, err.getvalue()
    (script,) = (tmp_path / "out").glob("*.scriptForCalibration.py")
    source = script.read_text(encoding="utf-8")
    compile(source, script.name, "exec")
    assert all(item.isdigit() for item in _refant_literal(source).split(","))


def test_ous_imaging_selects_each_eb_by_its_own_ids():
    from scriptgen.ous_imaging import _field_ids

    same = [{"3C*": (3,)}, {"3C*": (3,)}]
    assert _field_ids(same, "3C*") == "3"
    differ = [{"a,b": (3, 4)}, {"a,b": (2, 5)}]
    assert _field_ids(differ, "a,b") == ("3,4", "2,5")


@pytest.mark.parametrize("name", HOSTILE)
def test_review_flag_proposals_name_hostile_antennas_by_id(name):
    from scriptgen.delivery.syntax import instruction_lines
    from scriptgen.heuristics.review import FlagProposal

    line = FlagProposal(name, "1", 5e9, 5e9 + 10, "review: Tsys", antenna_id=4).line()
    assert "antenna='4'" in line and name not in line
    assert instruction_lines(line)
    safe = FlagProposal("DA41", "1", 5e9, 5e9 + 10, "review: Tsys", antenna_id=4).line()
    assert "antenna='DA41'" in safe
