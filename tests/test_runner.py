import pytest

from scriptgen.errors import ScriptgenError
from scriptgen.runner import preamble, run_or_fail, run_script


def test_preamble_sets_globals_as_literals():
    text = preamble(mysteps=[3, 4], applyonly=True, variables={"SPACESAVING": 3, "NAME": "x'); boom('"})
    namespace = {}
    exec(text, namespace)
    assert namespace["mysteps"] == [3, 4] and namespace["applyonly"] is True
    assert namespace["SPACESAVING"] == 3 and namespace["NAME"] == "x'); boom('"


def test_preamble_refuses_a_name_that_is_not_a_variable():
    with pytest.raises(ScriptgenError, match="not a Python variable"):
        preamble(variables={"os.system": 1})


def test_the_script_sees_the_globals_and_runs_in_its_folder(tmp_path):
    script = tmp_path / "s.py"
    script.write_text("open('out.txt', 'w').write(repr((mysteps, applyonly)))\nprint('ran')\n")
    run = run_script(script, tmp_path, mysteps=[2], applyonly=False, log=tmp_path / "s.log")
    assert run.ok and "ran" in run.output
    assert (tmp_path / "out.txt").read_text() == "([2], False)"
    assert (tmp_path / "s.log").read_text() == run.output


def test_a_failing_script_becomes_one_line(tmp_path):
    script = tmp_path / "bad.py"
    script.write_text("raise RuntimeError('no bandpass table')\n")
    assert not run_script(script, tmp_path).ok
    with pytest.raises(ScriptgenError, match=r"bad.py failed \(exit 1\): RuntimeError: no bandpass table"):
        run_or_fail(script, tmp_path)
