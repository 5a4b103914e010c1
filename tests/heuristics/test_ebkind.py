"""Preflight classification of execution blocks (scriptgen.heuristics.ebkind)."""

from dataclasses import replace

import pytest

from scriptgen.heuristics import ebkind
from scriptgen.heuristics.ebkind import EbKind

from tests.support.ebfactory import tdm_fdm_eb
from tests.heuristics import kinds
from tests.heuristics.variants import two_phase_calibrators


def test_a_standard_eb_goes_to_the_standard_mode():
    c = ebkind.classify(tdm_fdm_eb())
    assert c.kind is EbKind.STANDARD and c.mode == "standard" and c.refusal is None
    assert c.risks == ()  # MJD 0 is no ALMA date: no era rule


def test_phase_calibrator_in_other_windows_is_band_to_band():
    c = ebkind.classify(kinds.band_to_band(diffgain=False))
    assert c.kind is EbKind.BAND_TO_BAND and c.mode == "band_to_band"
    assert "phase calibrator observed only in spws 17,18" in c.reasons[0]
    assert "> 1.661" in c.reasons[0]
    assert any("spws 17,18" in r and "9,11,13,15" in r for r in c.risks)


def test_diffgain_scans_alone_mark_the_eb():
    eb = kinds.band_to_band()
    c = ebkind.classify(eb)
    assert c.kind is EbKind.BAND_TO_BAND and "CALIBRATE_DIFFGAIN" in c.reasons[0]


def test_wide_reference_windows_at_the_same_frequency_are_bandwidth_switching():
    c = ebkind.classify(kinds.bandwidth_switching())
    assert c.kind is EbKind.BANDWIDTH_SWITCHING and c.mode == "band_to_band"
    # 2000 MHz reference over 234.4 MHz science windows.
    assert "bandwidth 8.53 > 1.5" in c.reasons[0]


@pytest.mark.parametrize("intent,products", [(True, False), (False, True), (True, True)])
def test_full_polarisation_is_refused(intent, products):
    c = ebkind.classify(kinds.full_polarisation(intent, products))
    assert c.kind is EbKind.FULL_POLARISATION and c.mode is None
    assert c.refusal.startswith("full polarisation EB (") and "hifa_polcal" in c.refusal
    assert ("CALIBRATE_POLARIZATION" in c.refusal) == intent
    assert ("XX,XY,YX,YY" in c.refusal) == products


def test_total_power_from_autocorrelations_only_or_pm_antennas():
    auto = ebkind.classify(replace(tdm_fdm_eb(), has_cross_correlations=False))
    assert auto.kind is EbKind.TOTAL_POWER and "only autocorrelations" in auto.refusal
    pm = ebkind.classify(kinds.total_power_pm())
    assert pm.kind is EbKind.TOTAL_POWER and "PM" in pm.refusal and "sdcal" in pm.refusal
    # Cross-correlations recorded: not total power.
    assert ebkind.classify(replace(tdm_fdm_eb(), has_cross_correlations=True)).kind is EbKind.STANDARD


def test_pm_antennas_among_12m_antennas_are_a_risk_not_a_kind():
    eb = kinds.with_antenna_names(tdm_fdm_eb(), ["DA41", "DV02", "PM03", "DA44"])
    c = ebkind.classify(eb)
    assert c.kind is EbKind.STANDARD
    assert any("1 PM antenna" in r for r in c.risks)


def test_12m_and_7m_antennas_together_are_refused():
    c = ebkind.classify(kinds.mixed_12m_7m())
    assert c.kind is EbKind.MIXED_ARRAYS and "3 x 12m, 3 x 7m" in c.refusal


@pytest.mark.parametrize("name,content", [(True, True), (True, False), (False, True)])
def test_a_split_ms_is_refused_and_told_what_to_give(name, content):
    c = ebkind.classify(kinds.split_cal(name, content))
    assert c.kind is EbKind.SPLIT_MS and c.mode is None
    assert "importasdm" in c.refusal and "ASDM" in c.refusal
    assert ("'uid___A002_Xunit_X1.ms.split.cal'" in c.refusal) == name
    if content:
        assert "no CH_AVG" in c.refusal and "no CALIBRATE_ATMOSPHERE" in c.refusal
        assert "renumbered" in c.refusal


def test_a_raw_7m_eb_without_wvr_is_not_taken_for_a_split():
    c = ebkind.classify(kinds.aca_raw())
    assert c.kind is EbKind.STANDARD


def test_one_missing_signal_is_not_enough():
    eb = tdm_fdm_eb()
    no_tsys = replace(eb, tsys=(), scans=tuple(s for s in eb.scans if "CALIBRATE_ATMOSPHERE" not in s.intents))
    assert ebkind.classify(no_tsys).kind is EbKind.STANDARD


def test_cycle0_ampli_and_pre_2013_are_risks_of_a_standard_eb():
    c = ebkind.classify(kinds.ampli_flux_calibrator())
    assert c.kind is EbKind.STANDARD and c.mode == "standard"
    assert any("CALIBRATE_AMPLI on 'Venus'" in r for r in c.risks)
    assert any("before 2013-01-21" in r and "toffset=-1" in r for r in c.risks)
    later = ebkind.classify(kinds.ampli_flux_calibrator(start_mjd_s=57000 * 86400.0))
    assert not any("2013" in r for r in later.risks)


def test_spectral_scan_and_several_phase_calibrators_are_risks():
    scan = ebkind.classify(kinds.spectral_scan())
    assert scan.kind is EbKind.STANDARD
    assert any("spectral scan: 2 tunings" in r and "9,11; 13,15" in r for r in scan.risks)
    two = ebkind.classify(two_phase_calibrators())
    assert any("2 phase calibrators (fields 2,4)" in r for r in two.risks)


def test_precedence_split_before_polarisation():
    eb = replace(kinds.full_polarisation(), ms_path="x/uid___A002_Xunit_X1.ms.split")
    assert ebkind.classify(eb).kind is EbKind.SPLIT_MS


def test_classification_serialises():
    data = ebkind.classify(kinds.bandwidth_switching()).to_json()
    assert data["kind"] == "bandwidth switching" and data["mode"] == "band_to_band"
    assert isinstance(data["reasons"], list) and data["refusal"] is None


def test_wvr_before_2013_01_21_gets_toffset_minus_one():
    from scriptgen.heuristics import calibration as cal

    early = cal.wvr_choice(kinds.ampli_flux_calibrator())
    assert early.toffset == -1 and "2013-01-21" in early.reason
    late = cal.wvr_choice(kinds.ampli_flux_calibrator(start_mjd_s=ebkind.WVR_TOFFSET_EPOCH_MJD_S))
    assert late.toffset == 0
    assert cal.wvr_choice(tdm_fdm_eb()).toffset == 0  # MJD 0: no ALMA date, no era rule


def test_emitted_wvrgcal_carries_toffset_for_early_data():
    from scriptgen.render import make_environment
    from scriptgen.scripts import calibration

    out = calibration.render(kinds.ampli_flux_calibrator(), make_environment())
    assert "toffset=-1," in out and "hifa_wvrgcal" in out
    assert "toffset" not in calibration.render(tdm_fdm_eb(), make_environment())


def test_a_split_keeping_syscal_is_still_a_split():
    """CASA's split copies SYSCAL: Tsys rows are no evidence of a raw EB."""
    eb = replace(kinds.split_cal(name=False), tsys=tdm_fdm_eb().tsys)
    assert ebkind.classify(eb).kind is EbKind.SPLIT_MS


def test_a_tuning_without_phase_calibrator_scans_is_a_risk():
    eb = kinds.spectral_scan()
    scans = tuple(replace(s, spw_ids=(9, 11)) if "CALIBRATE_PHASE" in s.intents else s for s in eb.scans)
    c = ebkind.classify(replace(eb, scans=scans))
    assert c.kind is EbKind.STANDARD
    assert any(r.startswith("CHECK: target spws 13,15 have no phase-calibrator scans") for r in c.risks)
    assert not any("CHECK" in r for r in ebkind.classify(tdm_fdm_eb()).risks)


def test_a_tuning_without_flux_calibrator_scans_is_a_risk():
    """Its windows would get no fluxscale reference: the script would look normal and be wrong."""
    eb = kinds.spectral_scan()
    flux = "CALIBRATE_FLUX"
    scans = tuple(replace(s, intents=s.intents + (flux,)) if "CALIBRATE_BANDPASS" in s.intents else s for s in eb.scans)
    everywhere = replace(eb, scans=scans)
    assert not any("flux-calibrator" in r for r in ebkind.classify(everywhere).risks)
    first_only = tuple(replace(s, spw_ids=(9, 11)) if flux in s.intents else s for s in scans)
    c = ebkind.classify(replace(eb, scans=first_only))
    assert any(r.startswith("CHECK: target spws 13,15 have no flux-calibrator scans") for r in c.risks), c.risks
