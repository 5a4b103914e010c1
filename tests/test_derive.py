import pytest

from scriptgen import derive
from scriptgen.model import Role

from tests.support.ebfactory import tdm_fdm_eb


def test_science_windows_are_the_fdm_windows_on_target():
    assert derive.science_spws(tdm_fdm_eb()) == (9, 11, 13, 15)


def test_tsys_windows_come_from_syscal():
    assert derive.tsys_spws(tdm_fdm_eb()) == (1, 3, 5, 7)


def test_tsys_map_sends_each_fdm_window_to_the_tdm_window_of_its_baseband():
    assert derive.tsys_map(tdm_fdm_eb()) == {9: 1, 11: 3, 13: 5, 15: 7}


def test_tsys_spwmap_keeps_other_windows_on_themselves():
    spwmap = derive.tsys_spwmap(tdm_fdm_eb())
    assert len(spwmap) == 17
    assert spwmap[9] == 1 and spwmap[15] == 7
    assert spwmap[0] == 0 and spwmap[1] == 1 and spwmap[16] == 16


def test_windows_with_their_own_tsys_map_to_themselves():
    eb = tdm_fdm_eb(tsys_on_science=True)
    assert derive.tsys_map(eb) == {9: 9, 11: 11, 13: 13, 15: 15}


def test_without_baseband_the_largest_overlap_wins():
    from dataclasses import replace

    eb = tdm_fdm_eb()
    eb = replace(eb, spws=tuple(replace(s, baseband=None) for s in eb.spws))
    assert derive.tsys_map(eb) == {9: 1, 11: 3, 13: 5, 15: 7}


def test_roles_follow_intents():
    roles = derive.calibrator_roles(tdm_fdm_eb())
    assert roles == {Role.BANDPASS: (0,), Role.FLUX: (1,), Role.PHASE: (2,)}
    assert derive.target_fields(tdm_fdm_eb()) == (3,)


def test_fields_sharing_a_source_name_form_a_mosaic():
    assert derive.mosaic_groups(tdm_fdm_eb()) == {}
    assert derive.mosaic_groups(tdm_fdm_eb(mosaic=3)) == {"NGC_3256": (3, 4, 5)}


@pytest.mark.parametrize(
    "name, band", [("ALMA_RB_03#BB_1#SW-01#FULL_RES", 3), ("ALMA_RB_10#BB_2", 10), ("spw0", None)]
)
def test_band_from_window_name(name, band):
    assert derive.band_from_name(name) == band


@pytest.mark.parametrize("ghz, band", [(100.0, 3), (230.0, 6), (345.0, 7), (650.0, 9), (120.0, None)])
def test_band_from_frequency(ghz, band):
    assert derive.band_from_frequency(ghz * 1e9) == band


def test_band_of_the_eb():
    assert derive.band(tdm_fdm_eb()) == 3


def test_wvr_needs_a_12m_antenna():
    assert derive.wvr_available(tdm_fdm_eb())
    assert not derive.wvr_available(tdm_fdm_eb(diameter=7.0))


def test_solar_system_names():
    assert derive.is_solar_system_body("venus")
    assert not derive.is_solar_system_body("J1058+0133")


def test_time_on_field_sums_scans():
    eb = tdm_fdm_eb()
    assert derive.time_on_field_s(eb, 0) == 330.0
    assert derive.time_on_field_s(eb, 0, derive.Intent.BANDPASS) == 300.0


def test_repeated_uids_names_only_the_repeats():
    from dataclasses import replace

    a, b = tdm_fdm_eb(), replace(tdm_fdm_eb(), uid="uid___A002_Xunit_X2")
    assert derive.repeated_uids([a, b]) == []
    assert derive.repeated_uids([a, b, a]) == ["uid___A002_Xunit_X1"]
