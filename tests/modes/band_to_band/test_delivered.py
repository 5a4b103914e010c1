"""The observing mode owns what its calibration delivers (issue 7, issue 11).

A band-to-band EB solves tables the standard mode does not (``ampli_inf``
for the reference-window calibrators, the DIFFGAIN offset
``phasediff_inf``); scriptForPI's ``applyonly`` rerun refuses unless every
table a solving step checks was delivered, so the plan's ``delivered`` list
must cover them and scriptForPI must copy exactly that list.
"""

from __future__ import annotations

import ast

import pytest

from scriptgen import naming
from scriptgen.errors import ScriptgenError
from scriptgen.generate import GenerateOptions, render_files
from scriptgen.render import make_environment
from scriptgen.scripts import calibration, script_for_pi

from tests.modes.band_to_band.ebs import diffgain_eb, without_diffgain_scans


def _module_literals(source: str) -> dict:
    """Top-level ``name = <literal>`` assignments of an emitted script."""
    values = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                values[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return values


def _applyonly_checks(source: str) -> set[str]:
    """Every table name a ``solve_now(applyonly, ...)`` call of the script checks."""
    names = _module_literals(source)
    checked = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "solve_now":
            checked.update(names[arg.id] for arg in node.args[1:])
    return checked


@pytest.mark.parametrize("mode", ["b2b", "bwsw"])
def test_a_band_to_band_plan_delivers_its_diffgain_tables(mode):
    eb = diffgain_eb(mode)
    plan = calibration.plan(eb)
    tables = plan.tables
    assert plan.mode == "band_to_band"
    offset = plan.variables["diffgain_offset_table"]
    assert offset == f"{tables.split}.phasediff_inf"
    assert tables.ampli_inf in plan.delivered and offset in plan.delivered
    # Everything the standard mode delivers, in its order, then the mode's own.
    assert plan.delivered[: len(tables.delivered)] == tables.delivered
    # The intermediate and diagnostic DIFFGAIN tables are not applied: not delivered.
    for intermediate in ("diffgain_reference_table", "diffgain_residual_table"):
        assert plan.variables[intermediate] not in plan.delivered
    assert len(set(plan.delivered)) == len(plan.delivered)


def test_a_standard_plan_delivers_the_shared_list():
    eb = without_diffgain_scans(diffgain_eb("b2b"))
    plan = calibration.plan(eb, mode="standard")
    assert plan.delivered == naming.CalTables(naming.ms_name(eb.uid)).delivered


@pytest.mark.parametrize("mode", ["b2b", "bwsw"])
def test_every_table_applyonly_checks_is_delivered(mode):
    """The contract scriptForPI relies on, read off the emitted script itself."""
    eb = diffgain_eb(mode)
    plan = calibration.plan(eb)
    source = calibration.render(eb, make_environment())
    checked = _applyonly_checks(source)
    assert plan.variables["diffgain_offset_table"] in checked  # the parse sees the DIFFGAIN step
    assert checked <= set(plan.delivered), checked - set(plan.delivered)


def test_script_for_pi_of_a_band_to_band_eb_names_the_diffgain_tables(tmp_path):
    eb = diffgain_eb("b2b")
    files, plans, _ = render_files([eb], GenerateOptions(out_dir=tmp_path, casa_version="test"))
    ebs = _module_literals(files[naming.PI_SCRIPT])["ebs"]
    delivered = ebs[eb.uid]["delivered"]
    assert delivered == list(plans[0].delivered)
    tables = plans[0].tables
    assert tables.ampli_inf in delivered and f"{tables.split}.phasediff_inf" in delivered


def test_script_for_pi_refuses_an_eb_without_its_plan():
    eb = diffgain_eb("b2b")
    with pytest.raises(ScriptgenError, match="calibration plan of"):
        script_for_pi.plan([eb], with_flux_script=False, delivered={})
