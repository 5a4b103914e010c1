"""Second target with its own phase calibrator, and a check source: the plan, without CASA."""

from __future__ import annotations

import dataclasses

import pytest

from scriptgen.errors import ScriptgenError
from scriptgen.synthetic import SyntheticConfig
from scriptgen.synthetic.layout import INTENT_CHECK, plan


def _config(**change) -> SyntheticConfig:
    return SyntheticConfig(second_target=True, check_source=True, n_target_scans=3, **change)


def test_each_target_is_bracketed_by_its_own_phase_calibrator():
    layout = plan(_config())
    phase = {f.region: f.field_id for f in layout.fields_with_role("phase")}
    targets = {f.field_id: f.region for f in layout.fields_with_role("target")}
    assert sorted(targets.values()) == [0, 1] and len(phase) == 2
    science = [s for s in layout.scans if not s.intents.startswith("CALIBRATE_ATMOSPHERE")]
    for i, scan in enumerate(science):
        if scan.intents.startswith("OBSERVE_TARGET"):
            (field,) = scan.field_ids
            own = phase[targets[field]]
            assert science[i - 1].field_ids == (own,) and science[i + 1].field_ids == (own,)
    observed = [s.field_ids[0] for s in layout.scans if s.intents.startswith("OBSERVE_TARGET")]
    assert observed == [3, 5] * 3  # alternately


def test_the_check_source_sits_between_first_phase_calibrator_scans_off_its_centre():
    cfg = _config(check_offset_arcsec=(0.1, -0.05))
    layout = plan(cfg)
    (check,) = layout.fields_with_role("check")
    scans = [s for s in layout.scans if not s.intents.startswith("CALIBRATE_ATMOSPHERE")]
    visits = [i for i, s in enumerate(scans) if s.intents == INTENT_CHECK]
    assert len(visits) == 3
    for i in visits:
        assert scans[i].field_ids == (check.field_id,)
        assert scans[i - 1].field_ids == scans[i + 1].field_ids == (2,)
    dra, ddec = check.source_offset_deg
    assert (dra - check.dra_deg) * 3600 == pytest.approx(0.1)
    assert (ddec - check.ddec_deg) * 3600 == pytest.approx(-0.05)
    assert check.region == 0


def test_without_the_options_the_plan_is_unchanged():
    layout = plan(SyntheticConfig())
    assert [f.name for f in layout.fields] == ["Jsyn_bandpass", "Jsyn_flux", "Jsyn_phase", "SynTarget"]
    assert len(layout.scans) == 11


@pytest.mark.parametrize(
    "change, message",
    [
        ({"diffgain": "b2b", "band": 6}, "diffgain=''"),
        ({"check_offset_arcsec": (2.0, 0.0)}, "check_offset_arcsec"),
        ({"region_phase_deg": 200.0}, "region_phase_deg"),
    ],
)
def test_bad_multi_target_configs_fail_in_one_line(change, message):
    with pytest.raises(ScriptgenError, match=message):
        dataclasses.replace(_config(), **change)


def test_config_round_trips_through_json():
    cfg = _config(check_offset_arcsec=(0.1, -0.05))
    assert SyntheticConfig.from_json(cfg.to_json()) == cfg


def test_a_spectral_scan_observes_each_tuning_in_a_complete_block_of_its_own():
    layout = plan(SyntheticConfig(n_tunings=2, n_spws=2, tuning_step_ghz=4.0))
    first = [s for s in layout.science if s.tuning == 0]
    second = [s for s in layout.science if s.tuning == 1]
    assert [s.spw_id for s in first] == [1, 3] and [s.spw_id for s in second] == [5, 7]
    for a, b in zip(first, second):
        assert b.baseband == a.baseband and b.centre_hz - a.centre_hz == pytest.approx(4e9)
        assert b.tsys_slot != a.tsys_slot  # its own Tsys spectrum
    blocks = {}
    for scan in layout.scans:
        windows = {i for i in scan.spw_ids if layout.spw(i).role == "science"}
        tuning = 0 if windows <= {1, 3} else 1
        assert windows in ({1, 3}, {5, 7})
        blocks.setdefault(tuning, []).append(scan)
    # One block after the other, each with every calibrator and the target.
    assert blocks[0][-1].stop_s <= blocks[1][0].start_s
    for scans in blocks.values():
        kinds = {s.intents.split("#")[0] for s in scans}
        assert {"CALIBRATE_BANDPASS", "CALIBRATE_FLUX", "CALIBRATE_PHASE", "OBSERVE_TARGET"} <= kinds
    assert [s.number for s in layout.scans] == list(range(1, len(layout.scans) + 1))


def test_a_spectral_scan_refuses_what_it_does_not_model():
    with pytest.raises(ScriptgenError, match="spectral scan"):
        SyntheticConfig(n_tunings=2, tdm_tsys=True)
    with pytest.raises(ScriptgenError, match="n_tunings"):
        SyntheticConfig(n_tunings=3)
