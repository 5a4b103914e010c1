"""The band-to-band script as emitted: valid Python with the window maps and the diffgain steps."""

import ast

import pytest

from scriptgen.render import make_environment
from scriptgen.scripts import calibration

from tests.modes.band_to_band.ebs import diffgain_eb


@pytest.fixture(scope="module", params=["b2b", "bwsw"])
def script(request):
    return calibration.render(diffgain_eb(request.param), make_environment())


def _assignments(source):
    tree = ast.parse(source)
    return {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, (ast.List, ast.Constant))
    }


def _calls(source, name):
    return [
        node for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name
    ]  # fmt: skip


def _kw(call, name):
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def test_script_compiles_and_names_the_mode(script):
    compile(script, "scriptForCalibration.py", "exec")
    assert "observing mode 'band_to_band'" in script
    assert "Phase offset between the reference and science windows (DIFFGAIN)" in script


def test_window_maps_are_literals(script):
    values = _assignments(script)
    assert values["spwmap_to_reference"] == [2, 3, 2, 3]
    assert values["tsys_spwmap"] == list(range(9))
    assert values["diffgain_offset_table"].endswith(".split.phasediff_inf")


def test_split_keeps_reference_and_science_windows(script):
    (split,) = [
        c
        for c in _calls(script, "split")
        if ast.literal_eval(_kw(c, "datacolumn")) != "corrected" or _kw(c, "intent") is None
    ]
    assert ast.literal_eval(_kw(split, "spw")) == "1,3,5,7"


def test_diffgain_sequence(script):
    gaincals = _calls(script, "gaincal")
    tables = [ast.unparse(_kw(c, "caltable")) for c in gaincals]
    ref = gaincals[tables.index("diffgain_reference_table")]
    assert ast.literal_eval(_kw(ref, "spw")) == "2,3" and ast.literal_eval(_kw(ref, "solint")) == "inf"
    assert ast.literal_eval(_kw(ref, "refantmode")) == "strict"
    offset = gaincals[tables.index("diffgain_offset_table")]
    assert ast.literal_eval(_kw(offset, "spw")) == "0,1"
    assert ast.literal_eval(_kw(offset, "combine")) == "scan"
    assert ast.literal_eval(_kw(offset, "interp")) == ["", "linearPD,linear"]
    assert ast.unparse(_kw(offset, "spwmap")) == "[[], spwmap_to_reference]"
    assert 'for group_number, scans in enumerate(["10,12"])' in script


def test_target_takes_the_phase_calibrator_through_the_map_with_the_offset(script):
    targets = [c for c in _calls(script, "applycal") if ast.unparse(_kw(c, "field")) == "'3'"]
    assert len(targets) == 1
    call = targets[0]
    assert ast.literal_eval(_kw(call, "spw")) == "0,1"
    assert (
        ast.unparse(_kw(call, "gaintable"))
        == "[bandpass_table, phase_inf_table, diffgain_offset_table, flux_inf_table]"
    )
    assert ast.literal_eval(_kw(call, "gainfield")) == ["", "2", "4", "0"]
    assert ast.literal_eval(_kw(call, "interp"))[1] == "linearPD,linear"
    assert ast.unparse(_kw(call, "spwmap")) == "[[], spwmap_to_reference, [], []]"


def test_fluxscale_transfers_only_to_science_window_calibrators(script):
    (call,) = _calls(script, "fluxscale")
    assert ast.literal_eval(_kw(call, "reference")) == "1"
    assert ast.literal_eval(_kw(call, "transfer")) == "0,4"
