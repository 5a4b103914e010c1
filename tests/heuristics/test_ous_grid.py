"""The member-OUS decisions (scriptgen.heuristics.ous_grid), on hand-made windows."""

from __future__ import annotations

import math

import pytest

from scriptgen.errors import ScriptgenError
from scriptgen.heuristics import ous_grid as og

C_KMS = 299_792.458
WIDTH = -1.831e6  # a lower-sideband FDM window: frequency falls with channel


def _window(ms: str, v_kms: float, *, chan0=224.2e9, nchan=128, archive=25, spw=0) -> og.EbWindow:
    """A window tuned to the same TOPO ``chan0`` seen at radial velocity ``v_kms`` (LSRK = TOPO x ratio)."""
    return og.EbWindow(ms, spw, archive, chan0, WIDTH, nchan, 1 + v_kms / C_KMS)


def test_channel_and_frequency_are_inverse():
    w = _window("a", 17.3)
    for chan in (0.0, 10.25, 127.0):
        assert w.channel(w.lsrk_hz(chan)) == pytest.approx(chan, abs=1e-6)


def test_shared_topo_tuning_is_trimmed_to_the_overlap():
    # 60 km/s apart at 224 GHz: 44.8 MHz = 24.5 channels of 1.831 MHz.
    a, b = _window("a", -42.2), _window("b", 17.3)
    grid = og.common_grid([a, b])
    shift = abs(b.channel(a.lsrk_hz(0)))
    assert shift == pytest.approx(24.3, abs=0.3)
    assert grid.nchan == 128 - math.ceil(shift)
    lo, hi = grid.edges
    for w in (a, b):
        assert w.lsrk_edges[0] <= lo + 0.1 * abs(WIDTH) and hi <= w.lsrk_edges[1] + 0.1 * abs(WIDTH)
    assert grid.width_hz == pytest.approx(max(a.lsrk_width_hz, b.lsrk_width_hz))
    assert "trimmed" in grid.reason and "24" in grid.reason


def test_tuned_at_start_windows_keep_every_channel():
    """Each EB tuned so that the same LSRK frequency is at channel 0: no trimming."""
    target = 224.2e9
    a = og.EbWindow("a", 0, 25, target / (1 - 42.2 / C_KMS), WIDTH, 128, 1 - 42.2 / C_KMS)
    b = og.EbWindow("b", 0, 25, target / (1 + 17.3 / C_KMS), WIDTH, 128, 1 + 17.3 / C_KMS)
    assert og.common_grid([a, b]).nchan == 128


def test_requested_width_coarser_than_native_is_used():
    a, b = _window("a", 0.0), _window("b", 5.0)
    assert og.common_grid([a, b], width_hz=4e6).width_hz == 4e6


def test_windows_that_do_not_overlap_are_refused():
    with pytest.raises(ScriptgenError, match="do not overlap"):
        og.common_grid([_window("a", 0.0), _window("b", 0.0, chan0=230e9)])


def test_windows_match_by_archive_id_and_missing_ones_are_refused():
    eb1 = [_window("a", 0, archive=25, spw=0), _window("a", 0, archive=27, spw=1)]
    eb2 = [_window("b", 0, archive=27, spw=1), _window("b", 0, archive=25, spw=0)]
    groups = og.match_windows([eb1, eb2])
    assert [w.ms for w in groups[27]] == ["a", "b"] and groups[27][1].spw_id == 1
    with pytest.raises(ScriptgenError, match="spectral setup"):
        og.match_windows([eb1, eb2[:1]])


def test_line_free_ranges_hold_for_every_eb():
    a, b = _window("a", -42.2), _window("b", 17.3)
    # A line in channels 50-60 of EB a and channels 74-84 of EB b (the same LSRK line).
    lines = og.line_intervals(a, [(50, 60)]) + og.line_intervals(b, [(74, 84)])
    span = (max(a.lsrk_edges[0], b.lsrk_edges[0]), min(a.lsrk_edges[1], b.lsrk_edges[1]))
    free = og.line_free_lsrk(span, lines)
    assert len(free) == 2
    for w, (first, last) in ((a, (50, 60)), (b, (74, 84))):
        chans = og.eb_channels(w, free)
        used = {c for lo, hi in chans for c in range(lo, hi + 1)}
        assert not used & set(range(first, last + 1)), (w.ms, chans)
        assert len(used) > 60


def test_line_free_subtracts_overlapping_lines():
    free = og.line_free_lsrk((0.0, 100.0), [(10.0, 20.0), (15.0, 30.0), (90.0, 120.0)])
    assert free == ((0.0, 10.0), (30.0, 90.0))


def test_eb_channels_keep_only_whole_channels():
    w = og.EbWindow("a", 0, 0, 100.0, 1.0, 10, 1.0)  # channel k covers k+99.5 .. k+100.5
    assert og.eb_channels(w, [(101.2, 105.5)]) == ((2, 5),)
    assert og.channel_selection(((2, 5), (7, 9))) == "2~5;7~9"


def test_cont_dat_round_trip_in_the_pipeline_format():
    free = {"NGC 1": {25: ((224.1e9, 224.15e9), (224.2e9, 224.3e9)), 27: ((226.0e9, 226.2e9),)}}
    text = og.format_cont_dat(free, header=["made by a test"])
    assert "Field: NGC 1" in text and "SpectralWindow: 25" in text
    assert "224.100000000~224.150000000GHz LSRK" in text
    back = og.parse_cont_dat(text)
    for spw in (25, 27):
        flat = [f for r in back["NGC 1"][spw] for f in r]
        assert flat == pytest.approx([f for r in free["NGC 1"][spw] for f in r])


def test_cont_dat_in_another_frame_is_refused():
    with pytest.raises(ScriptgenError, match="line 3"):
        og.parse_cont_dat("Field: X\nSpectralWindow: 25\n224.1~224.2GHz TOPO\n")


def test_combined_noise_is_the_inverse_variance_sum():
    assert og.combined_sigma([2.0, 2.0]) == pytest.approx(2.0 / math.sqrt(2))
    assert og.combined_sigma([1.0]) == 1.0


def test_archive_ids_from_the_raw_eb():
    split = [(0, "ALMA_RB_06#BB_1#SW-01#FULL_RES", 224.15e9), (1, "ALMA_RB_06#BB_2#SW-01#FULL_RES", 226.15e9)]
    raw = [
        (17, "ALMA_RB_06#BB_1#SW-01#FULL_RES", 224.15e9, 234e6),
        (19, "ALMA_RB_06#BB_2#SW-01#FULL_RES", 226.15e9, 234e6),
        (21, "ALMA_RB_06#BB_1#SW-01#CH_AVG", 224.15e9, 234e6),
    ]
    ids, why = og.archive_spw_ids(split, raw)
    assert ids == {0: 17, 1: 19} and "raw EB" in why
    same, why = og.archive_spw_ids(split, ())
    assert same == {0: 0, 1: 1} and "--execblock" in why
    with pytest.raises(ScriptgenError, match="no counterpart"):
        og.archive_spw_ids(split, raw[:1])


def test_short_baselines_and_maximum_over_pointings():
    limit, why = og.short_baseline_limit_m(100.0, 12.0)
    assert limit == 50.0 and "L80" in why
    assert og.short_baseline_limit_m(10.0, 12.0)[0] == 18.0
    nan = math.nan
    assert og.max_over_pointings([(1.0, 5.0, nan), (3.0, 2.0, nan)])[:2] == (3.0, 5.0)
    assert math.isnan(og.max_over_pointings([(1.0, 5.0, nan), (3.0, 2.0, nan)])[2])


def test_an_offset_line_missed_by_the_pointing_average_is_found_in_the_maximum():
    """Three pointings; a faint line only in the third (an offset source): averaged
    over pointings it drops below detection, the maximum over pointings keeps it."""
    import numpy as np

    from scriptgen.heuristics import linefree as lf

    rng = np.random.default_rng(5)
    nchan = 128
    chans = np.arange(nchan)
    line = 0.03 * np.exp(-0.5 * ((chans - 70) / 3.0) ** 2)
    pointings = [0.2 + rng.normal(0, 0.01, nchan) for _ in range(3)]
    pointings[2] = pointings[2] + line
    average = np.mean(pointings, axis=0)
    assert not any(a <= 70 <= b for a, b in lf.line_free(0, average).lines)
    found = lf.line_free(0, og.max_over_pointings([tuple(p) for p in pointings])).lines
    assert any(a <= 70 <= b for a, b in found), found
