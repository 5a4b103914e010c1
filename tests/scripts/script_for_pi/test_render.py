"""The emitted scriptForPI.py: formatting, determinism, valid CASA calls, options."""

import ast
import dataclasses

import pytest

from scriptgen import naming
from scriptgen.render import make_environment
from scriptgen.scripts import script_for_pi as sp

from tests.support.scriptcheck import (
    HOSTILE,
    assert_black_formatted,
    assert_valid_casatasks_keywords,
    called_names,
    string_constants,
)
from tests.support.ebfactory import tdm_fdm_eb


def _render(ebs, env, *, with_flux_script):
    """scriptForPI of standard EBs: each delivers the shared list (what the standard mode's plan says)."""
    delivered = {eb.uid: naming.CalTables(naming.ms_name(eb.uid)).delivered for eb in ebs}
    return sp.render(ebs, env, with_flux_script=with_flux_script, delivered=delivered)


def two_ebs():
    a = tdm_fdm_eb()
    return [a, dataclasses.replace(a, uid="uid___A002_Xunit_X2", ms_path="uid___A002_Xunit_X2.ms")]


def top_level(source, *names):
    namespace = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id in names:
            exec(compile(ast.Module([node], []), "<script>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("with_flux", [True, False])
def test_script_is_black_formatted_deterministic_and_calls_casatasks_correctly(with_flux):
    ebs = two_ebs() if with_flux else two_ebs()[:1]
    source = _render(ebs, make_environment(), with_flux_script=with_flux)
    assert_black_formatted(source)
    assert _render(ebs, make_environment(), with_flux_script=with_flux) == source
    assert {"concat", "split"} <= assert_valid_casatasks_keywords(source)


def test_steps_follow_whether_there_is_a_flux_script():
    with_flux = top_level(_render(two_ebs(), make_environment(), with_flux_script=True), "step_title")
    without = top_level(_render(two_ebs()[:1], make_environment(), with_flux_script=False), "step_title")
    assert len(with_flux["step_title"]) == 6
    assert "Equalising the flux scale across the EBs" in with_flux["step_title"].values()
    assert list(without["step_title"]) == [0, 1, 2, 3, 4]
    assert "Equalising the flux scale across the EBs" not in without["step_title"].values()


def test_the_ebs_and_what_is_copied_come_from_naming():
    ns = top_level(
        _render(two_ebs(), make_environment(), with_flux_script=True), "ebs", "flux_script", "goal_delivered"
    )
    eb = ns["ebs"]["uid___A002_Xunit_X1"]
    assert eb["calibration_script"] == "uid___A002_Xunit_X1.ms.scriptForCalibration.py"
    assert "uid___A002_Xunit_X1.ms.split.fluxscale.json" in eb["delivered"]
    assert ns["flux_script"] == "scriptForFluxCalibration.py"
    assert ns["goal_delivered"] == ["allFluxes.csv"]
    single = top_level(
        _render(two_ebs()[:1], make_environment(), with_flux_script=False), "flux_script", "goal_delivered"
    )
    assert (single["flux_script"], single["goal_delivered"]) == (None, [])


def test_options_are_honoured_when_preset_and_default_otherwise():
    source = _render(two_ebs()[:1], make_environment(), with_flux_script=False)
    for line in (
        'SPACESAVING = globals().get("SPACESAVING", 0)',
        'DOSPLIT = globals().get("DOSPLIT", False)',
        'USEMS = globals().get("USEMS", False)',
        'thesteps = select_steps(step_title, globals().get("mysteps") or [])',
    ):
        assert line in source
    assert "shutil.disk_usage" in source
    assert "applyonly=True" in source


def test_the_script_never_deletes_in_raw():
    source = _render(two_ebs(), make_environment(), with_flux_script=True)
    # Every deletion goes through remove_outputs, called on names relative to calibrated/.
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "remove_outputs":
            assert "raw_dir" not in ast.unparse(node)
    assert "os.chdir(calibrated_dir)" in source


def test_a_hostile_uid_stays_a_literal():
    eb = dataclasses.replace(tdm_fdm_eb(), uid=HOSTILE)
    source = _render([eb], make_environment(), with_flux_script=False)
    assert HOSTILE in string_constants(source)
    assert "system" not in called_names(source)
