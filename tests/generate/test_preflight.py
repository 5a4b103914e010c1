"""Preflight: the mode chosen per EB kind, refusals, forced modes, the report."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scriptgen import modes, snapshot
from scriptgen.cli import main
from scriptgen.generate import GenerateOptions, generate
from scriptgen.modes import registry
from scriptgen.modes.standard import StandardMode
from scriptgen.render import make_environment
from scriptgen.scripts import calibration

from tests.heuristics import kinds
from tests.support.ebfactory import tdm_fdm_eb


class _FakeBandToBand:
    """Stands in for the band_to_band mode (written elsewhere): the standard plan renamed."""

    name = "band_to_band"
    description = "test stand-in"
    priority = 5

    def matches(self, eb):
        return True  # even so, it takes only the kinds the classification gives it

    def plan(self, eb, options):
        return replace(StandardMode().plan(eb, options), mode=self.name)


@pytest.fixture
def no_band_to_band():
    saved = dict(registry._MODES)
    registry._MODES.pop("band_to_band", None)
    yield
    registry._MODES.clear()
    registry._MODES.update(saved)


@pytest.fixture
def fake_band_to_band():
    saved = dict(registry._MODES)
    modes.register(_FakeBandToBand)
    yield
    registry._MODES.clear()
    registry._MODES.update(saved)


def test_standard_eb_is_planned_by_the_standard_mode():
    check = modes.preflight(tdm_fdm_eb())
    assert check.mode == "standard" and not check.forced and check.refusal is None
    assert check.lines()[0] == "preflight uid___A002_Xunit_X1: standard interferometric; mode standard (chosen for this kind)"


def test_band_to_band_without_its_mode_is_refused(no_band_to_band):
    check = modes.preflight(kinds.band_to_band())
    assert check.mode is None
    assert "band-to-band EB" in check.refusal and "needs the band_to_band mode" in check.refusal
    with pytest.raises(modes.RefusedKind, match="needs the band_to_band mode"):
        modes.select(kinds.band_to_band())


def test_band_to_band_and_bandwidth_switching_go_to_the_band_to_band_mode(fake_band_to_band):
    assert modes.select(kinds.band_to_band()).name == "band_to_band"
    assert modes.select(kinds.bandwidth_switching()).name == "band_to_band"
    # and a standard EB still gets the standard mode
    assert modes.select(tdm_fdm_eb()).name == "standard"


@pytest.mark.parametrize(
    "make, kind",
    [
        (kinds.full_polarisation, "full polarisation"),
        (kinds.total_power_pm, "total power"),
        (kinds.mixed_12m_7m, "mixed array types"),
        (kinds.split_cal, "split or calibrated MS"),
    ],
)
def test_unsupported_kinds_are_refused_by_generate(tmp_path, make, kind):
    with pytest.raises(modes.RefusedKind, match=kind):
        generate([make()], GenerateOptions(out_dir=tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_a_forced_mode_carries_its_risk_into_the_script_header():
    eb = kinds.full_polarisation()
    check = modes.preflight(eb, "standard")
    assert check.forced and check.refusal is None
    assert check.risks[0].startswith("mode 'standard' forced on a full polarisation EB")
    out = calibration.render(eb, make_environment(), mode="standard")
    assert "# Preflight: full polarisation EB; mode 'standard' forced with --mode." in out
    assert "RISK: mode 'standard' forced on a full polarisation EB" in out.replace("\n#   ", " ")


def test_header_and_decisions_carry_the_ampli_risk():
    the_plan = calibration.plan(kinds.ampli_flux_calibrator())
    risks = [d.text for d in the_plan.decisions if d.topic == "risk"]
    assert any("CALIBRATE_AMPLI" in r for r in risks)
    assert any("RISK: Cycle 0-2 flux calibrator" in text for _, text in the_plan.header)


def test_a_plugin_declaring_a_kind_takes_it(tmp_path):
    class _Pol:
        name = "toy-pol"
        description = "test"
        priority = 1
        kinds = ("full polarisation",)

        def matches(self, eb):
            return True

        def plan(self, eb, options):
            return replace(StandardMode().plan(eb, options), mode=self.name)

    saved = dict(registry._MODES)
    modes.register(_Pol)
    try:
        assert modes.select(kinds.full_polarisation()).name == "toy-pol"
    finally:
        registry._MODES.clear()
        registry._MODES.update(saved)


# --- command line ------------------------------------------------------------


def test_cli_prints_the_preflight_report_before_writing(tmp_path, capsys):
    snap = snapshot.save(kinds.ampli_flux_calibrator(), tmp_path / "eb.json")
    assert main(["generate", str(snap), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    report = out.index("preflight uid___A002_Xunit_X1: standard interferometric; mode standard")
    assert report < out.index("wrote")
    assert "risk: Cycle 0-2 flux calibrator" in out and "toffset=-1" in out


@pytest.mark.parametrize(
    "make, words",
    [
        (kinds.full_polarisation, "full polarisation EB"),
        (lambda: replace(tdm_fdm_eb(), has_cross_correlations=False), "total power EB"),
        (kinds.split_cal, "give its MS as imported by importasdm"),
    ],
)
def test_cli_refuses_with_one_line_and_exit_2(tmp_path, capsys, make, words):
    snap = snapshot.save(make(), tmp_path / "eb.json")
    assert main(["generate", str(snap), "--out", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if line.startswith("scriptgen: error:")]
    assert len(errors) == 1 and words in errors[0] and "Traceback" not in captured.err
    assert "REFUSED" in captured.out
    assert not (tmp_path / "out").exists()


def test_cli_forced_mode_prints_the_risk(tmp_path, capsys):
    snap = snapshot.save(kinds.full_polarisation(), tmp_path / "eb.json")
    assert main(["generate", str(snap), "--out", str(tmp_path / "out"), "--mode", "standard"]) == 0
    out = capsys.readouterr().out
    assert "mode standard (forced with --mode)" in out and "risk: mode 'standard' forced" in out


@pytest.mark.parametrize(
    "make, risk",
    [
        (kinds.ampli_flux_calibrator, "Cycle 0-2 flux calibrator"),
        (kinds.spectral_scan, "spectral scan: 2 tunings"),
        (kinds.full_polarisation, "forced on a full polarisation EB"),
        (kinds.total_power_pm, "forced on a total power EB"),
        (kinds.mixed_12m_7m, "forced on a mixed array types EB"),
        (kinds.band_to_band, "forced on a band-to-band EB"),
        (kinds.bandwidth_switching, "forced on a bandwidth switching EB"),
    ],
)
def test_every_kind_gets_a_compilable_script_with_its_risk_in_the_header(make, risk):
    eb = make()
    forced = None if modes.preflight(eb).mode == "standard" else "standard"
    out = calibration.render(eb, make_environment(), mode=forced)
    compile(out, "script", "exec")
    header = out.split("\nimport os", 1)[0].replace("\n#     ", " ").replace("\n#   ", " ")
    assert risk in header
