"""The emitted scriptForFluxCalibration.py: formatting, determinism, valid CASA calls."""

import ast
import dataclasses

from scriptgen.render import make_environment
from scriptgen.scripts import flux_equalisation as fe

from tests.support.scriptcheck import (
    HOSTILE,
    assert_black_formatted,
    assert_valid_casatasks_keywords,
    called_names,
    string_constants,
)
from tests.support.ebfactory import tdm_fdm_eb
from tests.scripts.flux_equalisation.test_decisions import second_eb


def goal(name="J1130-1449", target="NGC_3256"):
    a = tdm_fdm_eb()
    fields = tuple(
        dataclasses.replace(f, name=name, source_name=name)
        if f.field_id == 2
        else dataclasses.replace(f, name=target, source_name=target)
        if f.field_id == 3
        else f
        for f in a.fields
    )
    a = dataclasses.replace(a, fields=fields)
    return [a, second_eb(a, shift_hz=2e6)]


def test_script_is_black_formatted_and_deterministic():
    first = fe.render(goal(), make_environment())
    assert_black_formatted(first)
    assert fe.render(goal(), make_environment()) == first


def test_script_uses_valid_casatasks_keywords():
    source = fe.render(goal(), make_environment())
    called = assert_valid_casatasks_keywords(source)
    assert {"setjy", "gaincal", "applycal", "concat", "split", "clearcal"} <= called


def test_script_has_the_step_structure():
    source = fe.render(goal(), make_environment())
    namespace = {}
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id in ("step_title", "windows", "ebs"):
            exec(compile(ast.Module([node], []), "<script>", "exec"), namespace)
    assert list(namespace["step_title"]) == [0, 1, 2, 3]
    assert namespace["windows"][0] == {"uid___A002_Xunit_X1.ms": 0, "uid___A002_Xunit_X2.ms": 0}
    assert namespace["ebs"]["uid___A002_Xunit_X2.ms"]["phase_calibrator"] == "J1130-1449"
    assert 'thesteps = select_steps(step_title, globals().get("mysteps") or [])' in source
    assert source.count("\nmystep = ") == 4
    # Under scriptForPI the delivered fluxes (maybe edited by the analyst) are kept.
    assert 'applyonly = globals().get("applyonly", False)' in source
    assert "    if applyonly and os.path.exists(flux_csv):" in source


def test_script_carries_the_runtime_helpers_and_imports_no_scriptgen():
    source = fe.render(goal(), make_environment())
    assert "scriptgen" not in {n.module for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom)}
    assert "import scriptgen" not in source
    for func in fe.RUNTIME_FUNCTIONS:
        assert f"def {func.__name__}(" in source


def test_a_hostile_field_name_stays_a_literal():
    source = fe.render(goal(name=HOSTILE, target=HOSTILE + "T"), make_environment())
    assert HOSTILE in string_constants(source)
    assert HOSTILE + "T" in string_constants(source)
    assert "system" not in called_names(source)
    assert "PWNED" not in source.replace(repr(HOSTILE), "").replace(repr(HOSTILE + "T"), "")
