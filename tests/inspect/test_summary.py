"""The printed summary, from hand-made EBs (no CASA needed)."""

from __future__ import annotations

import dataclasses

import pytest

from scriptgen import snapshot
from scriptgen.cli import main
from scriptgen.inspect.summary import format_freq, format_ra_dec, summarise
from tests.support.ebfactory import tdm_fdm_eb


def test_summary_answers_the_analysts_questions():
    text = summarise(tdm_fdm_eb(), notes=("a note",))
    # Science windows map to the TDM Tsys window of their baseband.
    assert "Tsys map  science -> Tsys spw: 9->1, 11->3, 13->5, 15->7" in text
    assert "WVR       yes (spw 0" in text
    assert "Tsys      yes, in SYSCAL for spws 1,3,5,7" in text
    assert "bandpass 0; flux 1; phase 2; target 3" in text
    assert "- a note" in text
    # The spw table marks use and kind.
    line = next(row for row in text.splitlines() if row.strip().startswith("9 "))
    assert "FDM" in line and "sci" in line and "960" in line


def test_summary_of_an_all_7m_eb_says_why_no_wvr():
    text = summarise(tdm_fdm_eb(diameter=7.0, mosaic=3))
    assert "WVR       no (spw 0 present but no 12 m antenna" in text
    assert "mosaic: NGC_3256 = fields 3,4,5" in text
    assert "6 x 7 m" in text


def test_formatting_helpers():
    assert format_freq(-488.28125e3) == "-488.281 kHz"
    assert format_freq(15.625e6) == "15.625 MHz"
    assert format_freq(90.5e9) == "90.5 GHz"
    ra, dec = format_ra_dec(2.873219192274799, 0.027337673850404514)
    assert (ra, dec) == ("10:58:29.600", "+01:33:58.80")


def test_cli_summarises_a_snapshot(tmp_path, capsys):
    path = snapshot.save(tdm_fdm_eb(), tmp_path / "eb.json")
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Execution block uid___A002_Xunit_X1")


def test_cli_json_for_several_inputs_writes_one_file_per_eb(tmp_path, capsys):
    a = snapshot.save(tdm_fdm_eb(), tmp_path / "a.json")
    b = snapshot.save(dataclasses.replace(tdm_fdm_eb(mosaic=2), uid="uid___B"), tmp_path / "b.json")
    out_dir = tmp_path / "snaps"
    assert main(["inspect", str(a), str(b), "--json", str(out_dir), "-q"]) == 0
    assert capsys.readouterr().out == ""
    assert sorted(p.name for p in out_dir.iterdir()) == ["uid___A002_Xunit_X1.json", "uid___B.json"]
    assert snapshot.load(out_dir / "uid___B.json") == snapshot.load(b)


def test_cli_refuses_two_inputs_with_the_same_uid(tmp_path, capsys):
    a = snapshot.save(tdm_fdm_eb(), tmp_path / "a.json")
    assert main(["inspect", str(a), str(a), "--json", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "same EB name" in err


@pytest.mark.parametrize("flag", ["--help"])
def test_help_teaches_with_examples(flag, capsys):
    with pytest.raises(SystemExit):
        main(["inspect", flag])
    out = capsys.readouterr().out
    assert "examples:" in out and "--json" in out and "--lenient" in out
