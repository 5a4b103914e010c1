"""Antenna-position files in getantposalma's format (heuristics.antenna_positions) and --antpos."""

import json

import pytest

from scriptgen import naming, snapshot
from scriptgen.cli import main
from scriptgen.heuristics import antenna_positions as ap
from scriptgen.render import make_environment
from scriptgen.scripts import calibration
from scriptgen.modes import PlanOptions

from tests.support.ebfactory import tdm_fdm_eb


def _file(eb, offsets, asdm="uid://A002/Xunit/X1", code="antposalma"):
    recorded = {a.name: a.position_m for a in eb.antennas}
    data = {name: [c + d for c, d in zip(recorded[name], off)] for name, off in offsets.items()}
    metadata = {"product_code": code}
    if asdm:
        metadata["asdm"] = asdm
    return json.dumps({"data": data, "metadata": metadata})


def test_a_getantposalma_file_is_read_and_matched_to_its_eb():
    eb = tdm_fdm_eb()
    parsed = ap.parse(_file(eb, {"DA41": (0.002, 0, 0)}), "p.json")
    assert parsed.asdm == "uid://A002/Xunit/X1" == ap.asdm_uid(eb)
    assert ap.assign([parsed], [eb]) == {eb.uid: parsed}
    choice = ap.antpos_choice(eb, parsed)
    assert "largest correction 2.00 mm" in choice.reason


@pytest.mark.parametrize(
    "text, message",
    [
        ("not json", "not JSON"),
        ('{"data": {"DA41": [1, 2, 3]}}', "product_code"),
        ('{"data": {"DA41": [1, 2]}, "metadata": {"product_code": "antposalma"}}', "three finite"),
        ('{"data": {}, "metadata": {"product_code": "antposalma"}}', "no antenna positions"),
        ('[1, 2]', "expected getantposalma"),
    ],
)
def test_bad_files_are_refused_with_why(text, message):
    with pytest.raises(ap.AntposError, match=message):
        ap.parse(text, "p.json")


def test_offsets_instead_of_positions_and_unknown_antennas_are_refused():
    eb = tdm_fdm_eb()
    offsets_only = json.dumps({"data": {"DA41": [0.001, 0, 0]}, "metadata": {"product_code": "antposalma"}})
    with pytest.raises(ap.AntposError, match="absolute ITRF"):
        ap.assign([ap.parse(offsets_only, "p.json")], [eb])
    with pytest.raises(ap.AntposError, match="DV99 are not in"):
        ap.check_against(ap.parse(_file(eb, {"DA41": (0, 0, 0)}).replace("DA41", "DV99"), "p.json"), eb)
    with pytest.raises(ap.AntposError, match="not among the EBs"):
        ap.assign([ap.parse(_file(eb, {"DA41": (0, 0, 0)}, asdm="uid://A002/X9/X9"), "p.json")], [eb])


def test_without_a_file_the_script_fetches_and_goes_on_offline():
    eb = tdm_fdm_eb()
    source = " ".join(calibration.render(eb, make_environment()).replace("(", "( ").split())
    assert 'getantposalma( outfile=antpos_json, overwrite=True, asdm="uid://A002/Xunit/X1"' in source
    assert "continuing WITHOUT antenna position" in source
    assert 'gencal( vis=vis, caltable=antpos_table, caltype="antpos", infile=antpos_json' in source


def test_with_a_file_the_script_writes_it_and_never_fetches():
    eb = tdm_fdm_eb()
    parsed = ap.parse(_file(eb, {"DA42": (0, 0.001, 0)}), "p.json")
    source = calibration.render(eb, make_environment(), options=PlanOptions(antenna_positions={eb.uid: parsed}))
    assert "getantposalma(" not in source and "save_json(" in source
    import ast

    (call,) = [
        node for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "save_json"
        and getattr(node.args[1], "id", "") == "antpos_json"
    ]  # fmt: skip
    written = ast.literal_eval(call.args[0])  # the literal the script writes
    assert written["data"]["DA42"] == list(parsed.positions["DA42"])
    assert written["metadata"]["product_code"] == "antposalma"


def test_the_json_travels_with_the_delivered_tables():
    tables = naming.CalTables("uid___A002_X1_X2.ms")
    assert tables.antpos_json in tables.delivered


def test_cli_antpos_bad_content_is_one_line_exit_2(tmp_path, capsys):
    snap = snapshot.save(tdm_fdm_eb(), tmp_path / "eb.json")
    bad = tmp_path / "antpos.json"
    bad.write_text('{"data": {"DA41": [1, 2, 3]}, "metadata": {"product_code": "other"}}')
    assert main(["generate", str(snap), "--out", str(tmp_path / "out"), "--antpos", str(bad)]) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("scriptgen: error:")]
    assert len(errors) == 1 and "product_code" in errors[0] and "Traceback" not in err


def test_cli_antpos_file_is_used(tmp_path, capsys):
    eb = tdm_fdm_eb()
    snap = snapshot.save(eb, tmp_path / "eb.json")
    given = tmp_path / "antpos.json"
    given.write_text(_file(eb, {"DA41": (0.001, 0, 0)}))
    assert main(["generate", str(snap), "--out", str(tmp_path / "out"), "--antpos", str(given)]) == 0
    assert "antenna positions: antenna positions from" in capsys.readouterr().out
    script = (tmp_path / "out" / naming.calibration_script(naming.ms_name(eb.uid))).read_text()
    assert "getantposalma(" not in script
