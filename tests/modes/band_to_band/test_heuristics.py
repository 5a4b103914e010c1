"""Band-to-band / bandwidth-switching decisions on metadata-only EBs."""

from dataclasses import replace

import pytest

from scriptgen import modes
from scriptgen.heuristics import band_to_band as b2b
from scriptgen.heuristics import calibration as cal
from scriptgen.model import Scan

from tests.support.ebfactory import tdm_fdm_eb
from tests.modes.band_to_band.ebs import diffgain_eb, without_diffgain_scans


@pytest.fixture(scope="module", params=["b2b", "bwsw"])
def eb(request):
    return diffgain_eb(request.param)


def test_setups_are_told_apart_by_the_pipelines_ratios():
    b2b_setup = b2b.diffgain_setup(diffgain_eb("b2b"))
    assert b2b_setup.mode == "B2B" and "2.48 > 1.661" in b2b_setup.reason
    bwsw_setup = b2b.diffgain_setup(diffgain_eb("bwsw"))
    assert bwsw_setup.mode == "BWSW" and "8.53 > 1.5" in bwsw_setup.reason
    assert b2b_setup.science_spws == (1, 3) and b2b_setup.reference_spws == (5, 7)


def test_a_setup_that_is_neither_is_refused():
    eb = diffgain_eb("bwsw")
    # Reference windows as narrow as the science ones, same band: neither rule holds.
    narrow = tuple(
        replace(s, bandwidth_hz=eb.spw(1).bandwidth_hz) if s.spw_id in (5, 7) else s for s in eb.spws
    )
    with pytest.raises(b2b.UnsupportedSetup, match="neither band-to-band .* nor bandwidth switching"):
        b2b.diffgain_setup(replace(eb, spws=narrow))


def test_window_map_sends_each_science_window_to_its_basebands_reference(eb):
    wmap = b2b.window_map(eb)
    assert wmap.pairs == ((1, 5), (3, 7))
    # Split ids: 1->0, 3->1, 5->2, 7->3; science windows take the reference ids.
    assert wmap.spwmap == (2, 3, 2, 3)
    assert "update_spwmap_for_band_to_band" in wmap.reason


def test_window_map_falls_back_to_the_nearest_frequency_without_a_shared_baseband():
    eb = diffgain_eb("b2b")
    moved = tuple(replace(s, baseband=4) if s.spw_id == 7 else s for s in eb.spws)
    wmap = b2b.window_map(replace(eb, spws=moved))
    # Spw 3 (baseband 2, 226 GHz) has no reference in its baseband now: 7 (92.5 GHz) is nearer than 5 (90.5).
    assert wmap.pairs == ((1, 5), (3, 7)) and "nearest in frequency" in wmap.reason


def test_split_keeps_both_setups_in_ms_order(eb):
    assert b2b.kept_windows(eb) == (1, 3, 5, 7)
    assert b2b.split_ids(eb) == {1: 0, 3: 1, 5: 2, 7: 3}


def test_diffgain_solve_uses_reference_and_on_source_scans(eb):
    solve = b2b.diffgain_solve(eb)
    assert solve.field_id == 4
    assert (solve.reference_spw, solve.science_spw) == ("2,3", "0,1")
    assert solve.reference_scans == "9,11,13"
    assert solve.science_scan_groups == ("10,12",)


def test_scan_groups_split_where_ids_jump_by_more_than_three():
    assert b2b.scan_groups((5, 7, 9, 11, 79, 81, 83)) == ("5,7,9,11", "79,81,83")
    assert b2b.scan_groups((12, 10)) == ("10,12",)
    assert b2b.scan_groups((3, 7)) == ("3", "7")


def test_without_diffgain_scans_the_bandpass_calibrator_in_both_setups_links_them():
    eb = without_diffgain_scans(diffgain_eb("b2b"))
    assert b2b.is_band_to_band(eb)
    field_id, why = b2b.diffgain_field(eb)
    assert field_id == 0 and "almaqa2csg" in why
    solve = b2b.diffgain_solve(eb)
    assert solve.reference_scans == "4" and solve.science_scan_groups == ("2",)


def test_without_any_calibrator_in_both_setups_it_refuses():
    eb = without_diffgain_scans(diffgain_eb("b2b"))
    scans = tuple(s for s in eb.scans if not (0 in s.field_ids and 5 in s.spw_ids))
    with pytest.raises(b2b.UnsupportedSetup, match="no calibrator .* links the two setups"):
        b2b.diffgain_field(replace(eb, scans=scans))


def test_bandpass_must_cover_both_setups():
    eb = diffgain_eb("b2b")
    b2b.bandpass_covers(eb, 0)
    scans = tuple(s for s in eb.scans if not (0 in s.field_ids and 5 in s.spw_ids))
    with pytest.raises(b2b.UnsupportedSetup, match="not observed in windows 5,7"):
        b2b.bandpass_covers(replace(eb, scans=scans), 0)


def test_tsys_map_covers_the_reference_windows():
    eb = diffgain_eb("b2b")
    assert b2b.tsys_spwmap(eb) == list(range(9))  # Tsys measured on every data window


def test_presolve_and_edges_use_split_ids_of_both_setups():
    eb = diffgain_eb("bwsw")
    assert b2b.presolve_selection(eb) == "0:7~8,1:7~8,2:28~35,3:28~35"
    edges = cal.tdm_edge_flags(eb, b2b.split_ids(eb))
    assert edges.spw == "2:0~3;60~63,3:0~3;60~63"  # only the TDM reference windows
    assert "1/16 per side" in edges.reason  # the standard mode's decision, not a copy of it


def test_target_amplitudes_come_from_the_bandpass_calibrator(eb):
    field_id, why = b2b.amplitude_field(eb)
    assert field_id == 0 and "PIPE-2087" in why


def test_mode_selection(eb):
    assert modes.select(eb).name == "band_to_band"
    assert modes.select(tdm_fdm_eb()).name == "standard"
    assert not b2b.is_band_to_band(tdm_fdm_eb())
    mode = modes.get("band_to_band")
    assert mode.priority > modes.get("standard").priority


def test_phase_calibrator_in_other_windows_alone_routes_to_the_mode():
    eb = without_diffgain_scans(diffgain_eb("bwsw"))
    assert b2b.reference_windows(eb) == (5, 7)
    assert modes.select(eb).name == "band_to_band"


def test_an_eb_with_diffgain_scans_but_no_reference_windows_is_refused():
    eb = tdm_fdm_eb()
    scans = eb.scans + (Scan(99, (0,), ("CALIBRATE_DIFFGAIN",), (9, 11), 9e9, 9e9 + 10, 1.0),)
    eb = replace(eb, scans=scans)
    assert b2b.is_band_to_band(eb)
    with pytest.raises(b2b.UnsupportedSetup, match="no reference .* windows"):
        modes.select(eb).plan(eb, modes.PlanOptions())


def test_fields_in_windows_ignores_atmosphere_and_wvr_only_scans():
    eb = diffgain_eb("b2b")
    # An atmosphere + WVR scan of the phase calibrator in the science windows.
    extra = Scan(99, (2,), ("CALIBRATE_ATMOSPHERE", "CALIBRATE_WVR"), (0, 1, 3), 9e9, 9e9 + 10, 2.0)
    eb = replace(eb, scans=eb.scans + (extra,))
    assert 2 not in b2b.fields_in_windows(eb, (1, 3))  # phase calibrator: data in the reference windows only
    assert b2b.fields_in_windows(eb, (1, 3)) == (0, 1, 3, 4)
    assert b2b.fields_in_windows(eb, (5, 7)) == (0, 2, 4)


def test_preflight_of_a_b2b_eb_does_not_call_the_mapped_phase_windows_a_gap():
    """The phase calibrator's other windows are the point of the mode, not a
    missing calibration: only the standard kind reports them as a CHECK."""
    from scriptgen.heuristics import ebkind

    from tests.modes.band_to_band.ebs import diffgain_eb

    found = ebkind.classify(diffgain_eb("b2b"))
    assert found.mode == "band_to_band"
    assert not [r for r in found.risks if "no phase-calibrator scans" in r]
    assert any("offset solution from the DIFFGAIN calibrator" in r for r in found.risks)
