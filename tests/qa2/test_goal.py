"""Science-goal parsing: units required, JSON and TOML, CLI overrides."""

import json

import pytest

from scriptgen.errors import ScriptgenError
from scriptgen.qa2.criteria import Rule
from scriptgen.qa2.goal import ScienceGoal, goal_from_mapping, load_goal, parse_beam_range, parse_quantity
import astropy.units as u


def test_quantities_with_units():
    assert parse_quantity("0.1mJy", u.Jy, "rms") == pytest.approx(1e-4)
    assert parse_quantity("100 uJy/beam", u.Jy, "rms") == pytest.approx(1e-4)
    assert parse_quantity("1.2arcsec", u.arcsec, "beam") == pytest.approx(1.2)
    assert parse_quantity("0.02 arcmin", u.arcsec, "beam") == pytest.approx(1.2)
    assert parse_quantity("7.5GHz", u.Hz, "bw") == pytest.approx(7.5e9)
    assert parse_beam_range("0.8arcsec,1.2arcsec") == pytest.approx((0.8, 1.2))


@pytest.mark.parametrize("bad,unit", [("0.1", u.Jy), (0.1, u.Jy), ("1 arcsec", u.Jy), ("-1 mJy", u.Jy),
                                      ("abc", u.Jy), ("1 mJy", u.arcsec)])
def test_bad_quantities_are_one_line_errors(bad, unit):
    with pytest.raises(ScriptgenError):
        parse_quantity(bad, unit, "x")


def test_beam_range_errors():
    for bad in ("1arcsec", "1.2arcsec,0.8arcsec", "1,2"):
        with pytest.raises(ScriptgenError):
            parse_beam_range(bad)


def test_toml_and_json_files(tmp_path):
    toml = tmp_path / "goal.toml"
    toml.write_text('rms = "0.1 mJy"\nbandwidth = "7.5 GHz"\nbeam_range = ["0.8 arcsec", "1.2 arcsec"]\nband = 7\n')
    g = load_goal(toml)
    assert g == ScienceGoal(rms_jy=pytest.approx(1e-4), bandwidth_hz=7.5e9, beam_range_arcsec=(0.8, 1.2), band=7)
    js = tmp_path / "goal.json"
    js.write_text(json.dumps({"rms": "50 uJy", "beam": "0.5arcsec", "rule": "cycle2"}))
    g = load_goal(js)
    assert g.rms_jy == pytest.approx(5e-5) and g.beam_arcsec == 0.5 and g.rule is Rule.CYCLE2


@pytest.mark.parametrize(
    "data",
    [{"rms": "1 mJy", "beam": "1arcsec", "beam_range": ["1arcsec", "2arcsec"]}, {"rmss": "1 mJy"},
     {"band": 12}, {"band": "six"}, {"rule": "cycle9"}, ["rms"]],
)
def test_invalid_goals(data):
    with pytest.raises(ScriptgenError):
        goal_from_mapping(data)


def test_unreadable_files(tmp_path):
    with pytest.raises(ScriptgenError):
        load_goal(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("rms = ")
    with pytest.raises(ScriptgenError):
        load_goal(bad)


def test_command_line_overrides_file():
    file_goal = ScienceGoal(rms_jy=1e-4, beam_range_arcsec=(0.8, 1.2), rule=Rule.LATER, band=6)
    merged = file_goal.merged(ScienceGoal(beam_arcsec=1.0))
    assert merged.beam_arcsec == 1.0 and merged.beam_range_arcsec is None and merged.rule is None
    assert merged.rms_jy == 1e-4 and merged.band == 6
    merged = file_goal.merged(ScienceGoal(rms_jy=2e-4))
    assert merged.rms_jy == 2e-4 and merged.beam_range_arcsec == (0.8, 1.2) and merged.rule is Rule.LATER
