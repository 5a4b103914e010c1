"""The observing-mode registry: new modes without editing the core."""

from dataclasses import replace

import pytest

from scriptgen import modes
from scriptgen.modes import registry
from scriptgen.modes.standard import StandardMode
from scriptgen.render import make_environment
from scriptgen.scripts import calibration

from tests.support.ebfactory import tdm_fdm_eb


class _OnlyBandpassMode:
    """A toy mode: the standard plan cut after the bandpass step, for 7 m EBs."""

    name = "toy-7m"
    description = "test mode"
    priority = 10

    def matches(self, eb):
        return all(abs(a.diameter_m - 7.0) < 0.5 for a in eb.antennas)

    def plan(self, eb, options):
        base = StandardMode().plan(eb, options)
        cut = base.step_number("bandpass") + 1
        return replace(base, mode=self.name, steps=base.steps[:cut])


@pytest.fixture
def toy_mode():
    saved = dict(registry._MODES)
    modes.register(_OnlyBandpassMode)
    yield
    registry._MODES.clear()
    registry._MODES.update(saved)


def test_standard_mode_is_built_in():
    assert "standard" in modes.available()
    assert modes.select(tdm_fdm_eb()).name == "standard"


def test_a_registered_mode_takes_the_ebs_it_matches(toy_mode):
    assert modes.select(tdm_fdm_eb(diameter=7.0)).name == "toy-7m"
    assert modes.select(tdm_fdm_eb()).name == "standard"
    out = calibration.render(tdm_fdm_eb(diameter=7.0), make_environment())
    assert "Bandpass calibration" in out and "fluxscale(" not in out
    assert "observing mode 'toy-7m'" in out


def test_a_mode_can_be_forced_by_name(toy_mode):
    assert modes.select(tdm_fdm_eb(), "toy-7m").name == "toy-7m"
    with pytest.raises(registry.UnknownMode, match="unknown observing mode 'nope'"):
        modes.select(tdm_fdm_eb(), "nope")


def test_entry_points_register_modes(monkeypatch):
    class _EntryPoint:
        def load(self):
            return _OnlyBandpassMode

    saved = dict(registry._MODES)
    monkeypatch.setattr(registry, "_entry_points_loaded", False)
    monkeypatch.setattr(registry.metadata, "entry_points", lambda group: [_EntryPoint()] if group == registry.ENTRY_POINT_GROUP else [])
    try:
        assert "toy-7m" in modes.available()
    finally:
        registry._MODES.clear()
        registry._MODES.update(saved)


def test_registering_something_that_is_not_a_mode_fails():
    with pytest.raises(TypeError):
        modes.register(object())


def test_standard_plan_orders_steps_as_alma_does():
    plan = calibration.plan(tdm_fdm_eb())
    keys = [s.key for s in plan.steps]
    assert keys == [
        "import", "listobs", "apriori_flagging", "analyst_flags", "wvr", "tsys", "antpos", "apply_apriori",
        "split_science", "initial_flagging", "flux_model", "bandpass", "gains", "fluxscale",
        "applycal", "split_calibrated",
    ]  # fmt: skip
    assert plan.skipped == ()
