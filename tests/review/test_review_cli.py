"""The review's command line and the script/delivery side of the flag template (no CASA)."""

from __future__ import annotations

from scriptgen import naming
from scriptgen.cli import main
from scriptgen.generate import GenerateOptions, generate

from tests.support.ebfactory import tdm_fdm_eb


def test_review_without_a_calibrated_eb_is_one_line(tmp_path, capsys):
    (tmp_path / "uid___A002_X1_X2.ms").mkdir()
    assert main(["review", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no calibrated EB" in err[0]
    assert main(["review", str(tmp_path / "missing")]) == 2


def test_the_flag_template_travels_with_the_tables():
    tables = naming.CalTables("uid___A002_X1_X2.ms")
    assert tables.flag_template == "uid___A002_X1_X2.ms.flagtemplate.txt"
    assert tables.flag_template in tables.delivered


def test_the_script_applies_the_flag_template_before_tsys_and_keeps_it(tmp_path):
    eb = tdm_fdm_eb()
    generate([eb], GenerateOptions(out_dir=tmp_path))
    source = (tmp_path / naming.calibration_script(naming.ms_name(eb.uid))).read_text()
    analyst = source.index('flagdata(vis=vis, mode="list", inpfile=flag_template_file')
    assert source.index("A-priori flagging") < analyst < source.index("gencal(")
    # The a-priori application starts from the analyst's flags, not before them.
    assert 'if not restore_flags(vis, "AnalystFlags"):' in source
    assert f'flag_template_file = "{naming.ms_name(eb.uid)}.flagtemplate.txt"' in source
