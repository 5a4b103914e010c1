"""Solar-system flux calibrators: line channels and short baselines."""

from dataclasses import replace

import pytest

from scriptgen.heuristics import calibration as cal
from scriptgen.heuristics import solar_system as solar
from scriptgen.model import SpwKind
from scriptgen.render import make_environment
from scriptgen.scripts import calibration

from tests.support.ebfactory import spw, tdm_fdm_eb
from tests.heuristics.variants import with_antennas


def _flux_cal_named(eb, name):
    fields = tuple(replace(f, name=name, source_name=name) if f.field_id == 1 else f for f in eb.fields)
    return replace(eb, fields=fields)


def _band6_eb(centres_ghz=(230.5, 232.0, 216.0, 218.0), nchan=128, bw_mhz=1875.0):
    """The unit EB moved to band 6: one science window per centre."""
    eb = tdm_fdm_eb()
    ids = [s.spw_id for s in eb.spws if s.kind is SpwKind.FDM]
    intents = eb.spw(ids[0]).intents
    moved = {i: spw(i, SpwKind.FDM, c, bw_mhz, nchan, n + 1, intents) for n, (i, c) in enumerate(zip(ids, centres_ghz))}
    return replace(eb, spws=tuple(moved.get(s.spw_id, s) for s in eb.spws))


def test_channel_frequencies_follow_the_sign_of_the_width():
    assert solar.channel_frequencies_hz(3, 100.0, 1.0) == [99.0, 100.0, 101.0]
    assert solar.channel_frequencies_hz(3, 100.0, -1.0) == [101.0, 100.0, 99.0]


def test_titan_co_channels_are_flagged_with_a_doppler_margin():
    eb = _flux_cal_named(_band6_eb(), "Titan")
    flags = solar.line_flags(eb, 1, cal.split_spw_ids(eb))
    # Titan CO 2-1: 229.49-231.74 GHz; window 0 spans 229.5625-231.4375 GHz: all of it.
    assert flags.spw.startswith("0:0~127")
    assert "CO" in flags.lines and 0 in flags.mostly_lost and "CHECK" in flags.reason
    # Window 1 (231.0625-232.9375 GHz): channels below 231.74 GHz + 40 km/s (~31 MHz).
    part = [p for p in flags.spw.split(",") if p.startswith("1:")][0]
    last = int(part.split("~")[1])
    edge_ghz = 231.0625 + (last + 1) * 1.875 / 128
    assert 231.74 < edge_ghz < 231.74 + 0.031 + 1.875 / 128
    # Windows 2 and 3 (215-219 GHz) hold no Titan line... except CH3CN 220.543? No: it is above 218.94.
    assert not any(p.startswith(("2:", "3:")) for p in flags.spw.split(","))


def test_a_body_without_lines_or_a_quasar_gets_nothing():
    eb = _band6_eb()
    assert solar.line_flags(_flux_cal_named(eb, "Callisto"), 1, cal.split_spw_ids(eb)) is None
    assert solar.line_flags(_flux_cal_named(eb, "J0423-0120"), 1, cal.split_spw_ids(eb)) is None


def test_lines_outside_the_windows_flag_nothing():
    eb = _flux_cal_named(tdm_fdm_eb(), "Neptune")  # band 3 windows at 90-105 GHz; Neptune CO 1-0 at 114-116.5
    flags = solar.line_flags(eb, 1, cal.split_spw_ids(eb))
    assert flags.spw == "" and "none falls" in flags.reason


@pytest.mark.parametrize("body,longest_m,resolved", [("Neptune", 60.0, False), ("Neptune", 2000.0, True), ("Callisto", 100.0, False), ("Callisto", 300.0, True)])
def test_resolution_rule(body, longest_m, resolved):
    # A line of antennas 0..longest_m long (east-west), at band 6.
    n = 12
    positions = [(2225000.0 + longest_m * i / (n - 1), -5440000.0, -2480000.0) for i in range(n)]
    eb = _flux_cal_named(with_antennas(_band6_eb(), positions), body)
    choice = solar.fluxscale_antennas(eb, 1)
    assert choice.resolved is resolved
    if resolved and body == "Neptune":
        # Neptune 2.4" at 232.9 GHz: half visibility out to 0.705/theta wavelengths = 78 m.
        assert "78 m" in choice.reason and "2000 m" in choice.reason
        names = choice.antenna.split(",")
        assert len(names) == solar.MIN_FLUXSCALE_ANTENNAS  # no 4 antennas within 39 m of the centre
        assert "CHECK" in choice.reason
    elif not resolved:
        assert choice.antenna == ""


def test_compact_core_is_chosen_when_it_has_enough_antennas():
    positions = [(2225000.0 + x, -5440000.0, -2480000.0) for x in (-1500, -10, -5, 0, 5, 10, 1500)]
    eb = _flux_cal_named(with_antennas(_band6_eb(), positions), "Neptune")
    choice = solar.fluxscale_antennas(eb, 1)
    assert choice.resolved and choice.antenna == "DA42,DA43,DA44,DA45,DA46"


def test_emitted_script_flags_lines_before_setjy_and_restricts_fluxscale():
    positions = [(2225000.0 + x, -5440000.0, -2480000.0) for x in (-1500, -10, -5, 0, 5, 10, 1500)]
    eb = _flux_cal_named(with_antennas(_band6_eb(), positions), "Titan")
    eb = replace(eb, fields=tuple(replace(f, is_ephemeris=True) if f.field_id == 1 else f for f in eb.fields))
    out = calibration.render(eb, make_environment())
    flag_at = out.index('spw="0:0~127')
    assert flag_at < out.index("setjy(") < out.index("fluxscale(")
    assert "hifa_fluxcalflag" in out
    assert 'antenna="DA42,DA43,DA44,DA45,DA46"' in out
    compile(out, "script", "exec")


def test_standard_eb_script_has_neither():
    out = calibration.render(tdm_fdm_eb(), make_environment())
    assert "antenna=" not in out.split("fluxscale(")[1].split(")")[0]
    assert "hifa_fluxcalflag" not in out
