"""The plan of a synthetic EB, checked without CASA."""

from __future__ import annotations

import dataclasses

import pytest

from scriptgen.errors import ScriptgenError
from scriptgen.synthetic import LineSpec, SyntheticConfig
from scriptgen.synthetic.layout import plan


def test_default_windows_are_named_like_importasdm():
    layout = plan(SyntheticConfig())
    names = [s.name for s in layout.spws]
    assert names[0] == "WVR#NOMINAL"
    assert names[1] == "ALMA_RB_03#BB_1#SW-01#FULL_RES"
    assert names[2] == "ALMA_RB_03#BB_1#SW-01#CH_AVG"
    assert [s.spw_id for s in layout.science] == [1, 3, 5, 7]
    assert layout.tsys_map() == {1: 1, 3: 3, 5: 5, 7: 7}


def test_tdm_tsys_puts_each_fdm_window_inside_its_tdm_window():
    layout = plan(SyntheticConfig(tdm_tsys=True))
    tsys = {s.baseband: s for s in layout.tsys}
    assert [s.kind for s in layout.tsys] == ["TDM"] * 4
    for sci in layout.science:
        assert sci.kind == "FDM"
        tdm = tsys[sci.baseband]
        assert layout.tsys_map()[sci.spw_id] == tdm.spw_id
        low, high = sci.centre_hz - sci.bandwidth_hz / 2, sci.centre_hz + sci.bandwidth_hz / 2
        assert tdm.contains(low) and tdm.contains(high)


def test_phase_calibrator_scans_bracket_every_target_scan():
    layout = plan(SyntheticConfig(n_target_scans=3, mosaic_pointings=3))
    kinds = [s.intents.split("#")[0] for s in layout.scans]
    for i, kind in enumerate(kinds):
        if kind == "OBSERVE_TARGET":
            assert kinds[i - 1] in ("CALIBRATE_PHASE", "CALIBRATE_ATMOSPHERE")
            assert kinds[i + 1] == "CALIBRATE_PHASE"
    mosaic_scans = [s for s in layout.scans if s.intents.startswith("OBSERVE_TARGET")]
    assert all(len(s.field_ids) == 3 for s in mosaic_scans)
    assert kinds.count("CALIBRATE_ATMOSPHERE") == 4


@pytest.mark.parametrize(
    "change, message",
    [
        ({"band": 5}, "band"),
        ({"array": "15m"}, "array"),
        ({"n_spws": 5}, "n_spws"),
        ({"integration_s": 2.0, "phase_scan_s": 31.0}, "phase_scan_s"),
        ({"mosaic_pointings": 7, "target_scan_s": 60.0}, "target_scan_s"),
        ({"uid": "A002_X1"}, "uid"),
        ({"start": "yesterday"}, "start"),
    ],
)
def test_bad_configs_fail_in_one_line(change, message):
    with pytest.raises(ScriptgenError, match=message):
        dataclasses.replace(SyntheticConfig(), **change)


def test_a_line_outside_every_science_window_is_refused():
    with pytest.raises(ScriptgenError, match="not inside a science window"):
        plan(SyntheticConfig(line=LineSpec(centre_ghz=97.5, fwhm_mhz=50, peak_jy=1)))


def test_config_round_trips_through_json():
    cfg = SyntheticConfig(line=LineSpec(102.8, 60.0, 0.5), band=3, tdm_tsys=True)
    assert SyntheticConfig.from_json(cfg.to_json()) == cfg
