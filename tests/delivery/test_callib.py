"""The calibration-library reader on hand-written text (no CASA)."""

from __future__ import annotations

import pytest

from scriptgen.delivery import parse_calapply
from scriptgen.delivery.callib import CalLibraryError, casa_intents
from scriptgen.delivery.syntax import SyntaxProblem, parse_pairs
from scriptgen.errors import ScriptgenError
from scriptgen.scripts.restore_runtime import callib_line


def test_a_cal_library_line_reads_every_key():
    lib = parse_calapply(
        "# comment line\n\n"
        "caltable='/old/run/x.ms.tsys' field='3' intent='*OBSERVE_TARGET*' spw='1,3,5,7' obs='0' "
        "tinterp='linear' finterp='linearflag' fldmap=[0,1,2,2] spwmap=[0,1,2,3] calwt=True\n",
        "lib.txt",
    )
    (app,) = lib.applications
    assert lib.syntax == "callib"
    assert app.caltable == "x.ms.tsys"  # the path is dropped: tables sit beside the MS
    assert (app.field, app.intent, app.spw, app.obs) == ("3", "*OBSERVE_TARGET*", "1,3,5,7", "0")
    assert (app.tinterp, app.finterp, app.fldmap, app.spwmap, app.calwt) == (
        "linear",
        "linearflag",
        (0, 1, 2, 2),
        (0, 1, 2, 3),
        True,
    )
    assert app.origin == "lib.txt:3"


def test_quoting_edge_cases():
    lib = parse_calapply(
        'caltable="a b.tbl" field = "J1058+015,3C279" fldmap=\'nearest\'   calwt=F  # trailing comment\n'
        "caltable='c#1.tbl', spw='0:0~3;60~63', tinterp='nearest', calwt=False,\n"
        "caltable='d.tbl' field='' spwmap=[ ] calwt=T\n",
        "lib.txt",
    )
    a, c, d = lib.applications
    assert a.caltable == "a b.tbl" and a.field == "J1058+015,3C279" and a.fldmap == "nearest" and a.calwt is False
    assert c.caltable == "c#1.tbl" and c.spw == "0:0~3;60~63"  # '#' inside quotes is not a comment
    assert d.field == "" and d.spwmap == () and d.calwt is True
    assert lib.tables == ("a b.tbl", "c#1.tbl", "d.tbl")


@pytest.mark.parametrize(
    "line, message",
    [
        ("caltable='x.tbl", "unclosed ' quote"),
        ("caltable=x.tbl", "unquoted value"),
        ("caltable='x.tbl' spwmap=[0,1", r"unclosed \["),
        ("caltable='x.tbl' caltable='y.tbl'", "given twice"),
        ("caltable 'x.tbl'", "expected '='"),
    ],
)
def test_syntax_errors_name_file_and_line(line, message):
    with pytest.raises(SyntaxProblem, match=message) as info:
        parse_calapply("# header\n" + line + "\n", "lib.txt")
    assert "lib.txt:2" in str(info.value)


@pytest.mark.parametrize(
    "line, message",
    [
        ("field='3' calwt=True", "no caltable"),
        ("caltable='x' antenna='DA41'", "key 'antenna' is not supported"),
        ("caltable='x' calwt='yes'", "calwt must be True or False"),
        ("caltable='x' spwmap=['a']", "spwmap must be a list of integers"),
        ("caltable='x' field=\"it's\"", "cannot carry"),
        ("caltable='x' field='3' fldmap=[2]", "fldmap \\[2\\] has no entry for field 3"),
    ],
)
def test_unsupported_or_wrong_values_are_refused(line, message):
    with pytest.raises(CalLibraryError, match=message):
        parse_calapply(line, "lib.txt")


def test_the_pipeline_applycal_spelling_becomes_one_application_per_table():
    lib = parse_calapply(
        "# Apply file for uid___A002_X1_X2.ms\n"
        "applycal(vis='uid___A002_X1_X2.ms', field='3', intent='TARGET,PHASE', spw='17,19', antenna='', "
        "gaintable=['/a/b/uid.tsys', 'uid.bp', 'uid.g'], gainfield=['3', '', 'nearest'], "
        "spwmap=[[0, 1, 2], [], []], interp=['linear,linearflag', 'linear,linear', 'nearest'], "
        "calwt=[True, False, True])\n",
        "x.calapply.txt",
    )
    assert lib.syntax == "applycal"
    tsys, bp, g = lib.applications
    assert tsys.caltable == "uid.tsys" and tsys.fldmap == "3" and tsys.spwmap == (0, 1, 2)
    assert (tsys.tinterp, tsys.finterp) == ("linear", "linearflag")
    assert bp.calwt is False and bp.fldmap == "" and bp.spwmap == ()
    assert g.fldmap == "nearest" and g.tinterp == "nearest" and g.finterp == ""
    assert tsys.intent == "*OBSERVE_TARGET*,*CALIBRATE_TARGET*,*CALIBRATE_PHASE*"
    assert {app.field for app in lib.applications} == {"3"} and {app.spw for app in lib.applications} == {"17,19"}


def test_an_applycal_line_with_single_values():
    (app,) = parse_calapply(
        "applycal(vis='x.ms', field='', intent='', spw='', antenna='', gaintable='t.g', gainfield='', "
        "spwmap=[0, 0], interp='linear', calwt=False)",
        "f",
    ).applications
    assert (app.caltable, app.spwmap, app.calwt) == ("t.g", (0, 0), False)


@pytest.mark.parametrize(
    "args, message",
    [
        ("antenna='DA41', gaintable=['a']", "cannot be expressed in a cal library"),
        ("gaintable=['a', 'b'], gainfield=['']", "gainfield has 1 entries for 2 tables"),
        ("gaintable=['a', 'b'], spwmap=[0, 1]", "one spwmap for 2 tables"),
        ("gaintable=['a'], intent='SCIENCE'", "unknown pipeline intent 'SCIENCE'"),
        ("gaintable=['a'], applymode='calonly'", "parameter 'applymode' is not supported"),
    ],
)
def test_applycal_lines_that_cannot_be_restored_exactly(args, message):
    with pytest.raises(CalLibraryError, match=message):
        parse_calapply(f"applycal(vis='x.ms', {args})", "f")


def test_a_file_mixing_both_spellings_or_empty_is_refused():
    with pytest.raises(CalLibraryError, match="mixes"):
        parse_calapply("caltable='a'\napplycal(vis='x', gaintable=['b'])\n", "f")
    with pytest.raises(CalLibraryError, match="no calibration"):
        parse_calapply("# only a comment\n", "f")


def test_casa_intents_are_kept_and_pipeline_names_translated():
    assert casa_intents("*CALIBRATE_PHASE#ON_SOURCE*", "f") == "*CALIBRATE_PHASE#ON_SOURCE*"
    assert casa_intents("AMPLITUDE", "f") == "*CALIBRATE_FLUX*,*CALIBRATE_AMPLI*"
    assert casa_intents("", "f") == ""


def test_a_written_line_reads_back_the_same():
    lib = parse_calapply(
        "caltable='x.tbl' field='0,2' intent='*CALIBRATE_PHASE*' spw='1,3' tinterp='linear' "
        "finterp='nearest' fldmap=[0,1,0] spwmap=[0,0,1] calwt=False\n"
        "caltable='y.tbl' fldmap='nearest'\n",
        "f",
    )
    text = "\n".join(callib_line(app.callib_fields()) for app in lib.applications)
    again = parse_calapply(text, "g")
    assert [a.callib_fields() for a in again.applications] == [a.callib_fields() for a in lib.applications]
    assert callib_line(lib.applications[1].callib_fields()) == "caltable='y.tbl' fldmap='nearest' calwt=True"


def test_parse_pairs_reads_nested_lists_and_numbers():
    pairs = dict(parse_pairs("a=[[0, 1], []] b=3 c=-1.5 d='x'", "f"))
    assert pairs == {"a": ((0, 1), ()), "b": 3, "c": -1.5, "d": "x"}
    assert isinstance(SyntaxProblem("x"), ScriptgenError)
