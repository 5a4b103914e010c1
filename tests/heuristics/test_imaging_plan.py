"""The imaging plan and the script it renders, from hand-made EBs (no CASA)."""

from __future__ import annotations

import ast
import dataclasses
import inspect as pyinspect

import numpy as np
import pytest

from scriptgen.errors import ScriptgenError
from scriptgen.heuristics import linefree as lf
from scriptgen.heuristics.imaging_plan import CubeOptions, ImagingInputs, check_quantity, plan_imaging
from scriptgen.render import make_environment
from scriptgen.scripts import imaging as script
from tests.support.ebfactory import tdm_fdm_eb

SCIENCE = (9, 11, 13, 15)


def inputs(line_spw=11, source="NGC_3256", nchan=960):
    rng = np.random.default_rng(1)
    spectra = {}
    for s in SCIENCE:
        spec = 0.25 + rng.normal(0, 1e-3, nchan)
        if s == line_spw:
            spec[400:420] += 0.05
        spectra[s] = tuple(spec)
    return ImagingInputs(ms="x.ms.split.cal", datacolumn="data", uv_l80_m=150.0, uv_max_m=300.0,
                         spectra={source: spectra})


def test_single_field_plan():
    plan = plan_imaging(tdm_fdm_eb(), inputs())
    (cont,) = plan.continuum
    assert cont.field == "3" and cont.gridder == "standard" and cont.phasecenter == ""
    # spw 11 loses the line channels, the others are whole.
    assert cont.spw.startswith("9,11:0~")
    assert ";" in cont.spw.split(",")[1]
    # 14.6 % fractional bandwidth: mtmfs.
    assert (cont.deconvolver, cont.nterms) == ("mtmfs", 2)
    assert cont.pbcor.endswith(".image.tt0.pbcor")
    assert cont.cell.endswith("arcsec") and cont.threshold.endswith("Jy")
    assert len(plan.cubes) == 4 and {c.outframe for c in plan.cubes} == {"LSRK"}
    assert plan.cubes[1].vis == "x.ms.split.cal.contsub"
    assert plan.contsub.fitspec["3"]["11"]["chan"].count(";") == 1
    assert plan.contsub.fitspec["3"]["9"]["chan"] == "0~959"  # explicit, never CASA's default
    assert plan.contsub.spw == "9,11,13,15"
    assert [c.field for c in plan.calibrators] == ["0", "2"]
    assert "continuum" in " ".join(plan.decisions)


def test_threshold_is_three_sigma_of_the_expected_noise():
    plan = plan_imaging(tdm_fdm_eb(), inputs())
    est = plan.noise["NGC_3256 continuum"]
    thr = float(plan.continuum[0].threshold[:-2])
    # Bright for its few antennas: max(3 x 1.1 sigma, peak / DR) (heuristics.imaging_params).
    assert thr >= 3 * 1.1 * est.sigma_jy * 0.99
    assert thr == pytest.approx(max(3 * 1.1 * est.sigma_jy, 0.25 / 100), rel=0.01)


def test_mosaic_and_ephemeris():
    eb = tdm_fdm_eb(mosaic=3)
    plan = plan_imaging(eb, inputs())
    (cont,) = plan.continuum
    assert cont.gridder == "mosaic" and cont.field == "3,4,5"
    assert cont.phasecenter.startswith("J2000 ")
    assert cont.imsize[0] >= cont.imsize[1]
    fields = tuple(dataclasses.replace(f, is_ephemeris=True) if f.field_id >= 3 else f for f in eb.fields)
    plan = plan_imaging(dataclasses.replace(eb, fields=fields), inputs())
    assert plan.continuum[0].phasecenter == "TRACKFIELD"


def test_user_ranges_override_detection():
    user = lf.parse_cont_ranges("Field: NGC_3256\nSpectralWindow: 9\n0~99\n", nchan={9: 960})
    plan = plan_imaging(tdm_fdm_eb(), inputs(), cont_ranges=user)
    assert plan.continuum[0].spw.startswith("9:0~99,")
    assert plan.line_free["NGC_3256"][0].source == "user file"


def test_cube_options():
    plan = plan_imaging(tdm_fdm_eb(), inputs(), cube=CubeOptions("102.5GHz", "2km/s"))
    assert {c.restfreq for c in plan.cubes} == {"102.5GHz"}
    assert {c.width for c in plan.cubes} == {"2km/s"}
    # Wider channels than native: a lower per-channel noise.
    native = plan_imaging(tdm_fdm_eb(), inputs())
    assert plan.noise["NGC_3256 spw 9 channel"].sigma_jy < native.noise["NGC_3256 spw 9 channel"].sigma_jy
    with pytest.raises(ScriptgenError):
        check_quantity("fast", ("Hz",), "--chan-width")


def test_split_ms_without_tsys_needs_a_value():
    eb = dataclasses.replace(tdm_fdm_eb(), tsys=())
    with pytest.raises(ScriptgenError, match="SYSCAL"):
        plan_imaging(eb, inputs())
    assert plan_imaging(eb, inputs(), tsys_k=80.0).continuum


def test_rendered_script_is_valid_and_uses_only_real_tclean_parameters():
    casatasks = pytest.importorskip("casatasks")
    src = script.render(plan_imaging(tdm_fdm_eb(), inputs()), make_environment())
    tree = ast.parse(src)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    for call in calls:
        if call.func.id in script.CASATASKS:
            accepted = set(pyinspect.signature(getattr(casatasks, call.func.id).__call__).parameters)
            assert {k.arg for k in call.keywords} <= accepted, call.func.id
    assert "from casatasks import" in src
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module.startswith("scriptgen")]
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Import) and n.names[0].name.startswith("scriptgen")]
    assert "step_title = {" in src and "thesteps" in src
    assert max(len(line) for line in src.splitlines() if line.lstrip().startswith("#")) <= 100


def test_rendering_is_deterministic_and_hostile_names_stay_strings():
    eb = tdm_fdm_eb()
    evil = "x'); import os; os.system('touch PWNED'); ('"
    fields = tuple(
        dataclasses.replace(f, name=evil, source_name=evil) if f.field_id == 3 else f for f in eb.fields
    )
    eb = dataclasses.replace(eb, fields=fields)
    plan = plan_imaging(eb, inputs(source=evil))
    a = script.render(plan, make_environment())
    assert a == script.render(plan_imaging(eb, inputs(source=evil)), make_environment())
    tree = ast.parse(a)
    # The copied helpers import inside their bodies; an injected import would sit elsewhere.
    in_helpers = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) for n in ast.walk(f)}
    assert not [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Import) and n.names[0].name == "os" and n.col_offset and id(n) not in in_helpers
    ]
    assert "os.system" not in [
        ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)
    ]


def test_calibrator_threshold_is_dynamic_range_limited():
    base = inputs()
    bright = dataclasses.replace(base, calibrator_flux_jy={0: 1.0})
    plan = plan_imaging(tdm_fdm_eb(), bright)
    bandpass, phase = plan.calibrators
    assert bandpass.threshold == "0.01Jy"  # 1 Jy / 100 with 6 antennas
    assert float(phase.threshold[:-2]) < 0.01  # no flux measured: thermal
