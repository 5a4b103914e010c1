from dataclasses import replace

import pytest

from scriptgen.heuristics import calibration as cal
from scriptgen.heuristics.calibrator_fluxes import MissingCalibratorFlux, parse
from scriptgen.model import Scan, SpwKind

from tests.support.ebfactory import tdm_fdm_eb
from tests.heuristics.variants import (
    mosaic_with_tsys_on_one_pointing,
    two_phase_calibrators,
    with_antennas,
    with_quasar_flux_calibrator,
)


# --- reference antenna -------------------------------------------------------


def test_refant_is_the_antenna_nearest_the_array_centre():
    positions = [(1000, 0, 0), (0, 0, 0), (10, 10, 0), (-1000, 0, 0), (0, 900, 0)]
    eb = with_antennas(tdm_fdm_eb(), positions)
    choice = cal.reference_antenna(eb, n=3)
    # centre is (2, 182, 0): DA43 (10, 10) is nearest, then DA42 (0, 0).
    assert choice.ranked[:2] == ("DA43", "DA42")
    assert choice.refant == "DA43,DA42," + choice.ranked[2]
    assert "'DA43'" in choice.reason and "nearest the array centre" in choice.reason


def test_refant_without_antennas_is_an_error():
    with pytest.raises(ValueError):
        cal.reference_antenna(replace(tdm_fdm_eb(), antennas=()))


# --- edge channels -----------------------------------------------------------


@pytest.mark.parametrize("nchan, tsys, tdm", [(128, 4, 8), (64, 2, 4), (256, 8, 16), (4, 0, 0)])
def test_edge_channel_counts(nchan, tsys, tdm):
    assert cal.edge_channels(nchan, cal.TSYS_EDGE_FRACTION) == tsys
    assert cal.edge_channels(nchan, cal.TDM_EDGE_FRACTION) == tdm


def test_tsys_edges_are_flagged_on_every_tsys_window():
    edges = cal.tsys_edge_flags(tdm_fdm_eb())
    assert edges.spw == "1:0~3;124~127,3:0~3;124~127,5:0~3;124~127,7:0~3;124~127"
    assert "4 of 128" in edges.reason


def test_tdm_edges_only_for_tdm_science_windows_in_split_ids():
    assert cal.tdm_edge_flags(tdm_fdm_eb()).spw == ""
    eb = tdm_fdm_eb()
    eb = replace(eb, spws=tuple(replace(s, kind=SpwKind.TDM, nchan=128) if s.spw_id == 11 else s for s in eb.spws))
    # spw 11 is the second science window: spw 1 after the split.
    assert cal.tdm_edge_flags(eb).spw == "1:0~7;120~127"


def test_split_renumbers_science_windows_in_order():
    assert cal.split_spw_ids(tdm_fdm_eb()) == {9: 0, 11: 1, 13: 2, 15: 3}


# --- bandpass ----------------------------------------------------------------


def test_wide_fdm_windows_are_smoothed_in_frequency():
    eb = tdm_fdm_eb()
    eb = replace(eb, spws=tuple(replace(s, nchan=3840) if s.kind is SpwKind.FDM else s for s in eb.spws))
    solint, why = cal.bandpass_solint(eb)
    assert solint == "inf,15ch" and "sqrt(15)" in why


def test_narrow_or_mixed_windows_are_solved_per_channel():
    eb = tdm_fdm_eb()
    narrow = replace(eb, spws=tuple(replace(s, nchan=128) if s.kind is SpwKind.FDM else s for s in eb.spws))
    assert cal.bandpass_solint(narrow)[0] == "inf"
    mixed = replace(eb, spws=tuple(replace(s, nchan=128) if s.spw_id == 9 else s for s in eb.spws))
    assert cal.bandpass_solint(mixed)[0] == "inf"


def test_presolve_uses_every_channel_of_every_window():
    choice = cal.bandpass_choice(tdm_fdm_eb())
    assert choice.presolve_spw == ""
    assert "whole window" in choice.presolve_reason and "almaqa2csg" in choice.presolve_reason


def test_bandpass_calibrator_is_the_bandpass_field():
    choice = cal.bandpass_choice(tdm_fdm_eb())
    assert choice.field_id == 0 and "'J1058+0133'" in choice.reason


# --- flux models -------------------------------------------------------------


def test_solar_system_flux_calibrator_uses_butler_jpl_horizons():
    (model,) = cal.flux_models(tdm_fdm_eb())
    assert model.standard == "Butler-JPL-Horizons 2012" and model.fluxdensity is None
    assert not model.placeholder
    # CASA refuses a virtual model for ephemeris objects.
    assert model.needs_model_column


def test_quasar_with_catalogue_entry_gets_its_flux():
    eb = with_quasar_flux_calibrator()
    catalogue = parse("source,flux_jy,spix,reffreq_ghz,date\nJ0423-0120,2.5,-0.6,97.5,2024-01-02\n", fmt="csv")
    (model,) = cal.flux_models(eb, catalogue)
    assert model.standard == "manual"
    assert model.fluxdensity == (2.5, 0.0, 0.0, 0.0) and model.spix == -0.6 and model.reffreq == "97.5GHz"
    assert not model.placeholder and "2024-01-02" in model.reason


def test_quasar_without_any_flux_is_refused_in_one_line():
    with pytest.raises(MissingCalibratorFlux, match="--allow-placeholder") as info:
        cal.flux_models(with_quasar_flux_calibrator())
    assert "\n" not in str(info.value) and "J0423-0120" in str(info.value)


def test_the_analyst_file_wins_over_the_recorded_flux():
    eb = with_quasar_flux_calibrator(recorded=True)
    catalogue = parse("source,flux_jy,spix,reffreq_ghz\nJ0423-0120,2.5,-0.6,97.5\n", fmt="csv")
    (model,) = cal.flux_models(eb, catalogue)
    assert model.fluxdensity[0] == 2.5 and "calibrator-flux file" in model.reason


def test_recorded_flux_gives_the_power_law_at_the_science_frequency():
    eb = with_quasar_flux_calibrator(recorded=True)
    (model,) = cal.flux_models(eb)
    ref_ghz = cal.mean_science_frequency_ghz(eb)
    assert model.fluxdensity[0] == pytest.approx(2.0 * (ref_ghz / 100.0) ** -0.6, rel=1e-5)
    assert model.spix == pytest.approx(-0.6, abs=1e-9) and not model.placeholder
    assert "ASDM_SOURCE" in model.reason and "+/-" in model.reason


def test_quasar_without_catalogue_gets_a_marked_placeholder_when_allowed():
    (model,) = cal.flux_models(with_quasar_flux_calibrator(), allow_placeholder=True)
    assert model.placeholder and model.fluxdensity[0] == cal.PLACEHOLDER_FLUX_JY
    assert "PLACEHOLDER" in model.reason and "CHECK" in model.reason
    assert model.reffreq.endswith("GHz")


def test_without_flux_intent_the_bandpass_calibrator_sets_the_scale():
    eb = tdm_fdm_eb()
    eb = replace(eb, fields=tuple(replace(f, intents=("CALIBRATE_POINTING",)) if f.field_id == 1 else f for f in eb.fields))
    fields, why = cal.flux_fields(eb)
    assert fields == (0,) and "bandpass calibrator" in why


def test_cycle_0_2_ampli_field_is_the_flux_calibrator_everywhere():
    eb = tdm_fdm_eb()
    eb = replace(eb, fields=tuple(replace(f, intents=("CALIBRATE_AMPLI",)) if f.field_id == 1 else f for f in eb.fields))
    fields, why = cal.flux_fields(eb)
    assert fields == (1,) and "CALIBRATE_AMPLI" in why
    (model,) = cal.flux_models(eb)
    assert model.field_id == 1 and model.standard == cal.SOLAR_SYSTEM_STANDARD
    choice = cal.fluxscale_choice(eb)
    assert choice.reference == (1,) and 1 not in choice.transfer
    assert 1 in cal.gain_calibrators(eb)


# --- Tsys fields -------------------------------------------------------------


def test_fields_without_tsys_take_the_nearest_tsys_field_in_time():
    eb = two_phase_calibrators()
    by_field = {c.field_id: c for c in cal.tsys_field_map(eb)}
    assert by_field[0].own and by_field[2].own and by_field[4].own
    assert by_field[3].tsys_field_id == 2 and "nearest Tsys measurement in time" in by_field[3].reason
    assert "(phase calibrator)" in by_field[3].reason
    assert by_field[5].tsys_field_id == 4
    # The flux calibrator (350-400 s) is nearest the phase calibrator's Tsys at 410 s.
    assert by_field[1].tsys_field_id == 2


def test_mosaic_pointings_take_the_tsys_of_their_own_source():
    eb = mosaic_with_tsys_on_one_pointing(3)
    by_field = {c.field_id: c for c in cal.tsys_field_map(eb)}
    assert by_field[3].own
    assert by_field[4].tsys_field_id == 3 and by_field[5].tsys_field_id == 3
    assert "same source" in by_field[4].reason


def test_tsys_groups_make_one_applycal_per_tsys_field():
    groups = cal.tsys_groups(two_phase_calibrators())
    assert [(g.tsys_field_id, g.field_ids) for g in groups] == [(0, (0,)), (2, (1, 2, 3)), (4, (4, 5))]


def test_no_tsys_scans_no_map():
    eb = tdm_fdm_eb()
    eb = replace(eb, scans=tuple(s for s in eb.scans if "CALIBRATE_ATMOSPHERE" not in s.intents))
    assert cal.tsys_field_map(eb) == ()


# --- a-priori flags ----------------------------------------------------------


def test_apriori_flags_select_present_intents():
    eb = tdm_fdm_eb()
    eb = replace(eb, scans=eb.scans + (Scan(9, (0,), ("CALIBRATE_POINTING",), (1,), 1000.0, 1010.0, 1.0),))
    flags = cal.apriori_flags(eb)
    assert flags.autocorr and flags.intent == "*CALIBRATE_POINTING*,*CALIBRATE_ATMOSPHERE*"
    assert flags.scan == "" and not flags.online_flags


def test_scans_mixing_intents_are_flagged_by_number():
    eb = tdm_fdm_eb()
    eb = replace(
        eb, scans=eb.scans + (Scan(9, (2,), ("CALIBRATE_ATMOSPHERE", "CALIBRATE_PHASE"), (1,), 1000.0, 1010.0, 1.0),)
    )
    flags = cal.apriori_flags(eb)
    assert flags.intent == "" and flags.scan == "1"


def test_online_flags_only_when_flag_cmd_has_rows():
    assert not cal.apriori_flags(tdm_fdm_eb()).online_flags
    flags = cal.apriori_flags(replace(tdm_fdm_eb(), flag_cmd_rows=12))
    assert flags.online_flags and any("12 FLAG_CMD rows" in r for r in flags.reasons)


# --- phase transfer, fluxscale -----------------------------------------------


def test_each_target_takes_the_phase_calibrator_nearest_in_time():
    transfers = cal.phase_transfers(two_phase_calibrators())
    assert [(t.phase_field_id, t.target_field_ids) for t in transfers] == [(2, (3,)), (4, (5,))]
    assert "nearest in time" in transfers[0].reason


def test_single_phase_calibrator_serves_every_target():
    (transfer,) = cal.phase_transfers(tdm_fdm_eb(mosaic=3))
    assert transfer.phase_field_id == 2 and transfer.target_field_ids == (3, 4, 5)
    assert "only phase calibrator" in transfer.reason


def test_fluxscale_transfers_to_the_other_calibrators():
    choice = cal.fluxscale_choice(tdm_fdm_eb())
    assert choice.reference == (1,) and choice.transfer == (0, 2)


def test_fluxscale_has_nothing_to_transfer_when_the_flux_calibrator_is_the_only_one():
    eb = tdm_fdm_eb()
    eb = replace(
        eb,
        fields=tuple(
            replace(f, intents=("CALIBRATE_BANDPASS", "CALIBRATE_FLUX", "CALIBRATE_PHASE")) if f.field_id == 0
            else replace(f, intents=()) if f.field_id in (1, 2) else f
            for f in eb.fields
        ),
    )
    choice = cal.fluxscale_choice(eb)
    assert choice.transfer == () and "nothing to transfer" in choice.reason


# --- WVR ---------------------------------------------------------------------


def test_wvr_ties_phase_calibrator_and_targets_and_smooths_long_integrations():
    choice = cal.wvr_choice(tdm_fdm_eb())
    assert choice.apply
    assert choice.tie == ("J1130-1449,NGC_3256",)
    assert choice.statsource == "NGC_3256"
    assert choice.smooth == "6.000s"


def test_wvr_is_skipped_on_7m_arrays():
    choice = cal.wvr_choice(tdm_fdm_eb(diameter=7.0))
    assert not choice.apply and "7 m" not in choice.reason and "12 m" in choice.reason


def test_wvr_not_smoothed_when_integrations_are_short():
    eb = tdm_fdm_eb()
    eb = replace(eb, scans=tuple(replace(s, integration_s=1.152) for s in eb.scans))
    assert cal.wvr_choice(eb).smooth == ""


def test_sources_with_commas_in_their_names_are_not_tied():
    eb = tdm_fdm_eb()
    eb = replace(eb, fields=tuple(replace(f, source_name="a,b") if f.field_id == 3 else f for f in eb.fields))
    choice = cal.wvr_choice(eb)
    assert choice.tie == () and "not tied" in choice.reason and "'a,b'" in choice.reason
