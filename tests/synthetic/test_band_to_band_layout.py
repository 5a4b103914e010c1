"""The builder's band-to-band / bandwidth-switching layout (pure Python, no CASA)."""

import argparse

import pytest

from scriptgen.cli import simulate
from scriptgen.errors import ScriptgenError
from scriptgen.synthetic import SyntheticConfig
from scriptgen.synthetic.layout import INTENT_DIFFGAIN_REF, INTENT_DIFFGAIN_SRC, plan


def _windows(layout, role):
    return {s.spw_id: s for s in layout.spws_with_role(role)}


def test_b2b_reference_windows_are_in_band_3_with_their_own_tsys():
    layout = plan(SyntheticConfig(band=7, diffgain="b2b", n_spws=2, nchan=16))
    science, reference = _windows(layout, "science"), _windows(layout, "reference")
    assert all(s.name.startswith("ALMA_RB_07") and s.kind == "TDM" for s in science.values())
    assert all(s.name.startswith("ALMA_RB_03") and s.kind == "TDM" for s in reference.values())
    assert [s.baseband for s in reference.values()] == [1, 2]
    assert [s.tsys_slot for s in reference.values()] == [5, 6]  # band 3 Tsys spectra
    assert min(s.centre_hz for s in science.values()) / max(s.centre_hz for s in reference.values()) > 1.661
    assert set(layout.tsys) == set(layout.data_windows)  # Tsys measured on both setups


def test_bwsw_reference_windows_are_wide_and_science_narrow():
    layout = plan(SyntheticConfig(band=6, diffgain="bwsw", n_spws=2, nchan=16))
    science, reference = _windows(layout, "science"), _windows(layout, "reference")
    assert all(s.kind == "FDM" for s in science.values()) and all(s.kind == "TDM" for s in reference.values())
    ratio = min(r.bandwidth_hz for r in reference.values()) / max(s.bandwidth_hz for s in science.values())
    assert ratio > 1.5


@pytest.mark.parametrize("mode", ["b2b", "bwsw"])
def test_schedule_separates_the_setups(mode):
    layout = plan(SyntheticConfig(band=6, diffgain=mode, n_spws=2, nchan=16))
    science, reference = set(_windows(layout, "science")), set(_windows(layout, "reference"))
    phase = layout.fields_with_role("phase")[0].field_id
    target = layout.fields_with_role("target")[0].field_id
    (diffgain,) = layout.fields_with_role("diffgain")
    for scan in layout.scans:
        spws = set(scan.spw_ids)
        if phase in scan.field_ids:
            assert spws & science == set()
        if target in scan.field_ids:
            assert spws & reference == set()
    dg = [s for s in layout.scans if "DIFFGAIN" in s.intents]
    assert [s.intents for s in dg] == [INTENT_DIFFGAIN_REF, INTENT_DIFFGAIN_SRC] * 2 + [INTENT_DIFFGAIN_REF]
    assert all(s.field_ids == (diffgain.field_id,) for s in dg)
    assert all(set(s.spw_ids) & (reference if s.intents == INTENT_DIFFGAIN_REF else science) for s in dg)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"diffgain": "b2b", "band": 3}, "b2b needs a science band"),
        ({"diffgain": "bwsw", "tdm_tsys": True}, "tdm_tsys must be False"),
        ({"diffgain": "both"}, "diffgain must be one of"),
        ({"diffgain": "b2b", "band": 6, "diffgain_scan_s": 3.0}, "diffgain_scan_s"),
    ],
)
def test_bad_diffgain_options_are_refused(kwargs, message):
    with pytest.raises(ScriptgenError, match=message):
        SyntheticConfig(**kwargs)


def test_simulate_options():
    parser = argparse.ArgumentParser()
    simulate.add_arguments(parser)
    cfg = simulate.config_from_args(parser.parse_args(["x.ms", "--band", "6", "--b2b"]))
    assert cfg.diffgain == "b2b"
    cfg = simulate.config_from_args(parser.parse_args(["x.ms", "--bwsw"]))
    assert cfg.diffgain == "bwsw"
    assert simulate.config_from_args(parser.parse_args(["x.ms"])).diffgain == ""
    with pytest.raises(SystemExit):
        parser.parse_args(["x.ms", "--b2b", "--bwsw"])


def test_truth_of_the_expected_offset():
    """Science constant phase minus frequency ratio x reference constant phase, antenna 0 zero, wrapped."""
    import numpy as np

    from scriptgen.synthetic.build import diffgain_truth
    from scriptgen.synthetic.observe import AntennaSpec

    layout = plan(SyntheticConfig(band=6, diffgain="b2b", n_spws=2, nchan=16, n_antennas=3))
    ants = tuple(AntennaSpec(f"DA{41 + i}", f"A{i:03d}", 12.0, (0.0, 0.0, 0.0)) for i in range(3))
    phases = {1: np.array([5.0, 100.0, -50.0]), 3: np.array([0.0, 0.0, 0.0]),
              5: np.array([1.0, 10.0, 20.0]), 7: np.array([0.0, -30.0, 0.0])}  # fmt: skip
    truth = diffgain_truth(layout, ants, np.array([0.0, 40.0, -40.0]), phases)
    assert truth["spw_map"] == {"1": 5, "3": 7}
    ratio = 224.0 / 90.5
    assert truth["expected_offset_deg"]["1"]["DA41"] == 0.0
    assert truth["expected_offset_deg"]["1"]["DA42"] == pytest.approx(100.0 - ratio * 10.0, abs=1e-3)
    wrapped = ((-50.0 - ratio * 20.0) + 180.0) % 360.0 - 180.0
    assert truth["expected_offset_deg"]["1"]["DA43"] == pytest.approx(wrapped, abs=1e-3)
    assert truth["expected_offset_deg"]["3"]["DA42"] == pytest.approx(30.0 * 226.0 / 92.5, abs=1e-3)
    assert truth["setup_offset_deg"] == {"DA41": 0.0, "DA42": 40.0, "DA43": -40.0}
