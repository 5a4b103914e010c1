"""The templates are package data: found through the package, not a checkout."""

from __future__ import annotations

from importlib import resources

from scriptgen.render import make_environment, templates_dir


def test_templates_are_inside_the_package():
    packaged = resources.files("scriptgen").joinpath("templates")
    names = {entry.name for entry in packaged.iterdir()}
    assert {"calibration", "common", "fluxcal", "imaging", "scriptforpi"} <= names
    assert packaged.joinpath("common", "macros.j2").is_file()
    assert templates_dir().parent.name == "scriptgen"


def test_the_environment_loads_every_packaged_template():
    env = make_environment()
    listed = env.list_templates(extensions=["j2"])
    assert "calibration/scriptForCalibration.py.j2" in listed
    for name in listed:
        assert env.get_template(name) is not None
