"""The review's statistics on arrays shaped like real caltables."""

from __future__ import annotations

import numpy as np
import pytest

from scriptgen.heuristics import review as rv

ANTS = tuple(f"DA{41 + i}" for i in range(10))
T0 = 5217188400.0


def _tsys(factor_from=None, factor=5.0, recover_at=None):
    rng = np.random.default_rng(3)
    values = 80 * rng.uniform(0.9, 1.1, (10, 4))
    times = T0 + np.array([5.0, 75.0, 155.0, 245.0])
    if factor_from is not None:
        stop = recover_at if recover_at is not None else 4
        values[3, factor_from:stop] *= factor
    return rv.TsysWindow(
        spw=3,
        antennas=ANTS,
        median_k=values,
        times=times,
        intervals=np.full(4, 10.0),
        science_spws=(3,),
    )


def test_a_tsys_rise_is_found_from_its_measurement_to_the_end():
    (f,) = rv.tsys_outliers(_tsys(factor_from=2), end_mjd_s=T0 + 340)
    assert (f.antenna, f.spw, f.proposed) == ("DA44", "3", True)
    assert f.start_mjd_s == T0 + 150 and f.stop_mjd_s == T0 + 340
    assert f.value > rv.TSYS_NMEDIAN_LIMIT and "hifa_tsysflag" in f.reason


def test_a_tsys_spike_ends_at_the_next_good_measurement():
    (f,) = rv.tsys_outliers(_tsys(factor_from=1, recover_at=2), end_mjd_s=T0 + 340)
    assert f.start_mjd_s == T0 + 70 and f.stop_mjd_s == T0 + 150


def test_normal_tsys_scatter_is_not_an_outlier():
    assert rv.tsys_outliers(_tsys(), end_mjd_s=T0 + 340) == []
    # Just under the pipeline's limit: still fine.
    assert rv.tsys_outliers(_tsys(factor_from=2, factor=1.6), end_mjd_s=T0 + 340) == []


def _gains(jump_ant=None, jump_deg=120.0, wander_deg=15.0, seed=1):
    rng = np.random.default_rng(seed)
    n_sol = 4
    phase = np.cumsum(rng.normal(0, wander_deg, (10, 1, n_sol)), axis=2) + rng.normal(
        0, 2, (10, 4, n_sol)
    )
    phase[0] = 0.0  # the reference antenna
    if jump_ant is not None:
        phase[jump_ant, :, 2:] += jump_deg
    times = T0 + np.array([135.0, 235.0, 325.0, 415.0])
    return rv.GainSeries(
        field="J1", antennas=ANTS, spws=(0, 1, 2, 3), phase_deg=rv.wrap_deg(phase),
        amplitude=np.ones((10, 4, n_sol)), times=times, intervals=np.zeros(n_sol),
    )  # fmt: skip


def test_a_phase_jump_is_found_between_the_solutions_around_it():
    (f,) = rv.phase_jumps(_gains(jump_ant=6))
    assert f.antenna == "DA47" and f.spw == "" and f.proposed
    assert (f.start_mjd_s, f.stop_mjd_s) == (T0 + 235, T0 + 325)
    assert abs(abs(f.value) - 120) < 40


@pytest.mark.parametrize("seed", range(10))
def test_atmospheric_wander_is_not_a_jump(seed):
    assert rv.phase_jumps(_gains(seed=seed)) == []


def test_a_jump_through_180_degrees_is_still_a_jump():
    (f,) = rv.phase_jumps(_gains(jump_ant=4, jump_deg=170.0, wander_deg=5.0))
    assert f.antenna == "DA45"


def test_one_solution_cannot_jump():
    g = _gains()
    one = rv.GainSeries(
        g.field,
        g.antennas,
        g.spws,
        g.phase_deg[:, :, :1],
        g.amplitude[:, :, :1],
        g.times[:1],
        g.intervals[:1],
    )
    assert rv.phase_jumps(one) == []


def test_gain_amplitude_outliers_are_reported_not_proposed():
    g = _gains()
    amp = np.ones((10, 4, 4))
    amp[3, 1, 2:] = 0.45
    amp[3, 1, 0] = 1.0
    g2 = rv.GainSeries(
        g.field, g.antennas, g.spws, g.phase_deg, amp, g.times, g.intervals
    )
    found = rv.amplitude_outliers(g2)
    assert (
        found
        and {f.antenna for f in found} == {"DA44"}
        and not any(f.proposed for f in found)
    )
    assert rv.amplitude_outliers(g) == []


def test_a_deviant_bandpass_shape_is_reported():
    x = np.linspace(-1, 1, 64)
    amp = np.tile(1 + 0.05 * x, (10, 1))
    amp[5] *= 1 + 0.5 * np.sin(8 * x)
    found = rv.bandpass_outliers(0, ANTS, amp, np.zeros_like(amp, dtype=bool))
    assert [f.antenna for f in found] == ["DA46"]
    assert (
        rv.bandpass_outliers(
            0, ANTS, np.tile(1 + 0.05 * x, (10, 1)), np.zeros((10, 64), bool)
        )
        == []
    )


def test_proposals_are_flagdata_list_lines_with_reasons():
    (f,) = rv.tsys_outliers(_tsys(factor_from=2), end_mjd_s=T0 + 340)
    (p,) = rv.proposals([f])
    line = p.line()
    assert line.startswith("mode='manual' antenna='DA44' spw='3' timerange='")
    assert "reason='review: Tsys" in line and line.count("'") % 2 == 0
    lo, hi = line.split("timerange='")[1].split("'")[0].split("~")
    assert (
        abs(rv.mjd_seconds(lo) - f.start_mjd_s) < 0.1
        and abs(rv.mjd_seconds(hi) - f.stop_mjd_s) < 0.1
    )


def test_reported_only_findings_make_no_proposals():
    f = rv.Finding("bandpass", "DA41", "0", float("nan"), float("nan"), 0.3, "shape")
    assert rv.proposals([f]) == []


def test_an_accepted_overlapping_flag_covers_a_proposal():
    p = rv.FlagProposal("DA47", "", T0 + 235, T0 + 325, "x")
    shifted = rv.FlagProposal("DA47", "", T0 + 228, T0 + 332, "y")
    assert rv.already_accepted(shifted, [p])
    assert not rv.already_accepted(
        rv.FlagProposal("DA48", "", T0 + 228, T0 + 332, ""), [p]
    )
    assert not rv.already_accepted(
        rv.FlagProposal("DA47", "", T0 + 400, T0 + 500, ""), [p]
    )


def test_casa_time_round_trip():
    t = 5217188550.0
    assert rv.casa_time(t) == "2024/03/15/03:02:30.0"
    assert rv.mjd_seconds(rv.casa_time(t)) == t
    assert rv.mjd_seconds("2024/03/15/03:02:30") == t


def test_robust_sigma_ignores_one_outlier():
    values = np.r_[np.random.default_rng(0).normal(0, 1, 200), 1000.0]
    assert 0.8 < rv.robust_sigma(values) < 1.2
    assert rv.robust_sigma(np.array([])) == 0.0


def test_reasons_are_made_safe_for_flagdata_list_mode():
    # flagdata splits on '=' even inside quotes; a quote would end the string.
    line = rv.FlagProposal("DA41", "", T0, T0 + 10, "limit = 5 'sigma'").line()
    reason = line.split("reason='")[1]
    assert "=" not in reason and reason.count("'") == 1


def test_a_noisy_radiometer_is_reported_with_its_wvrflag_fix():
    rng = np.random.default_rng(5)
    smooth = np.cumsum(rng.normal(0, 0.5, (10, 100)), axis=1)
    assert rv.noisy_radiometers(ANTS, smooth) == []
    smooth[5] += rng.normal(0, 10, 100)
    (f,) = rv.noisy_radiometers(ANTS, smooth)
    assert f.antenna == "DA46" and not f.proposed and "wvrflag=['DA46']" in f.reason
