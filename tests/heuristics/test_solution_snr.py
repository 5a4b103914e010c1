"""SNR-aware solution choices against the pipeline's targets."""

from __future__ import annotations

import math

import pytest

from scriptgen.heuristics import solution_snr as snr
from scriptgen.heuristics.sensitivity import radiometer_noise_jy


def _setup(**kw):
    base = dict(
        flux_jy=1.0, tsys_k=80.0, window_bandwidth_hz=1.875e9, n_windows=4,
        integration_s=2.0, scan_s=30.0, n_antennas=10, dish_diameter_m=12.0,
    )  # fmt: skip
    base.update(kw)
    return snr.Setup(**base)


def test_antenna_noise_is_sqrt_n_times_the_array_noise():
    array = radiometer_noise_jy(80.0, 1e9, 10.0, 10, 12.0)
    assert snr.antenna_sigma_jy(80.0, 1e9, 10.0, 10, 12.0) == pytest.approx(
        array * math.sqrt(10)
    )


def test_a_bright_band3_calibrator_solves_per_integration_per_window():
    plan = snr.phase_plan(_setup())
    assert (plan.solint, plan.combine) == ("int", "")
    assert plan.predicted_snr > snr.INT_PHASE_SNR_TARGET and "meets" in plan.reason
    assert snr.scan_phase_plan(_setup()).combine == ""


def test_a_weak_calibrator_combines_windows_before_lengthening_solint():
    # SNR per integration per window between 5/2 and 5: four windows reach 5.
    s = _setup(flux_jy=1.0, tsys_k=80.0 * 93 / 3.5)
    one = s.snr(s.window_bandwidth_hz, s.integration_s)
    assert snr.INT_PHASE_SNR_TARGET / 2 < one < snr.INT_PHASE_SNR_TARGET
    plan = snr.phase_plan(s)
    assert (plan.solint, plan.combine) == ("int", "spw")
    assert plan.predicted_snr == pytest.approx(2 * one)


def test_a_weaker_calibrator_gets_the_shortest_solint_that_reaches_the_target():
    s = _setup(flux_jy=0.05, tsys_k=300.0)
    plan = snr.phase_plan(s)
    assert plan.combine == "spw" and plan.solint.endswith("s")
    t = float(plan.solint[:-1])
    assert plan.predicted_snr >= snr.INT_PHASE_SNR_TARGET
    # One integration less would miss it.
    assert (
        s.snr(s.window_bandwidth_hz * 4, t - s.integration_s) < snr.INT_PHASE_SNR_TARGET
    )


def test_a_hopeless_calibrator_solves_per_scan_and_says_so():
    plan = snr.phase_plan(
        _setup(flux_jy=0.01, tsys_k=1500.0, window_bandwidth_hz=58.6e6)
    )
    assert (plan.solint, plan.combine) == ("inf", "spw") and "too weak" in plan.reason


def test_scan_phase_combines_windows_below_the_pipeline_phasesnr():
    s = _setup(flux_jy=0.05, tsys_k=200.0, window_bandwidth_hz=117e6)
    assert s.snr(s.window_bandwidth_hz, s.scan_s) < snr.PHASE_SNR_TARGET
    assert snr.scan_phase_plan(s).combine == "spw"


def test_bandpass_averages_channels_until_bpsnr():
    bright = snr.bandpass_plan(_setup(flux_jy=3.0, scan_s=60.0), nchan=128)
    assert bright.solint == "inf" and bright.channels_averaged == 1
    weak = snr.bandpass_plan(
        _setup(flux_jy=3.0, tsys_k=200.0, scan_s=60.0, window_bandwidth_hz=234e6),
        nchan=480,
    )
    assert (
        weak.channels_averaged > 1 and weak.solint == f"inf,{weak.channels_averaged}ch"
    )
    assert weak.predicted_snr >= snr.BANDPASS_SNR_TARGET
    assert weak.channels_averaged <= 480 // 8


def test_bandpass_too_weak_even_averaged_says_minbpsnr():
    plan = snr.bandpass_plan(
        _setup(flux_jy=0.02, tsys_k=1000.0, window_bandwidth_hz=58.6e6), nchan=64
    )
    assert plan.channels_averaged == 8 and "minbpsnr" in plan.reason
