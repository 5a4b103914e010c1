"""Calibrating the synthetic EBs with a plain casatasks chain gives back
the truth: WVR, Tsys, bandpass, gains and flux scale all close."""

from __future__ import annotations

import pytest

from tests.synthetic.calchain import run_chain, vector_mean

pytestmark = pytest.mark.casa


def _calibrated(truth, tmp_path_factory, name):
    work = tmp_path_factory.mktemp(name)
    ms = work / truth.ms_path.name
    import shutil

    shutil.copytree(truth.ms_path, ms)
    return truth, run_chain(truth, ms, work)


@pytest.fixture(scope="module")
def standard_calibrated(standard_eb, tmp_path_factory):
    return _calibrated(standard_eb, tmp_path_factory, "standard_chain")


@pytest.fixture(scope="module")
def tdm_calibrated(tdm_fdm_eb, tmp_path_factory):
    return _calibrated(tdm_fdm_eb, tmp_path_factory, "tdm_chain")


@pytest.fixture(scope="module")
def mosaic_calibrated(mosaic_7m_eb, tmp_path_factory):
    return _calibrated(mosaic_7m_eb, tmp_path_factory, "mosaic_chain")


def test_wvrgcal_accepts_the_wvr_window(standard_calibrated):
    _, result = standard_calibrated
    assert (result.tables["wvr"] / "table.dat").exists()


@pytest.mark.parametrize("which", ["standard_calibrated", "tdm_calibrated"])
def test_tsys_calibration_restores_a_jy_scale(which, request):
    """Raw data are divided by Tsys (~70 K): tiny. After gencal tsys +
    applycal they are back near the model, up to per-antenna gains (0.8-1.2
    per antenna in the injected bandpass; measured 0.86-1.10 of the model)."""
    truth, result = request.getfixturevalue(which)
    bp = truth.fields_with_role("bandpass")[0]
    for spw in truth.science_spws:
        assert result.raw_bandpass_amp[spw] < bp.spw_flux_jy[spw] / 20
        assert result.tsys_bandpass_amp[spw] == pytest.approx(bp.spw_flux_jy[spw], rel=0.25)


@pytest.mark.parametrize("which", ["standard_calibrated", "tdm_calibrated", "mosaic_calibrated"])
def test_fluxscale_recovers_the_phase_calibrator(which, request):
    truth, result = request.getfixturevalue(which)
    phase = truth.fields_with_role("phase")[0]
    for spw in truth.science_spws:
        derived = result.fluxscale[str(phase.field_id)][str(spw)]["fluxd"][0]
        assert derived == pytest.approx(phase.spw_flux_jy[spw], rel=0.03), f"spw {spw}"


@pytest.mark.parametrize("which", ["standard_calibrated", "tdm_calibrated"])
def test_target_flux_is_recovered(which, request):
    truth, result = request.getfixturevalue(which)
    target = truth.target_fields[0]
    for spw in truth.science_spws:
        flux = abs(vector_mean(result.ms, (target.field_id,), spw))
        assert flux == pytest.approx(target.spw_flux_jy[spw], rel=0.03), f"spw {spw}"


def test_flagging_autocorrelations_spares_the_wvr_data(standard_calibrated):
    """The WVR rows are autocorrelations of a RADIOMETER processor:
    flagdata(autocorr=True) must leave them for wvrgcal, and flag the
    correlator windows' autocorrelations."""
    _, result = standard_calibrated
    assert result.wvr_flagged_after_autocorr == 0.0
    assert result.science_autocorr_flagged == 1.0


def _imaginary_scatter(ms, field_id: int, spw: int) -> float:
    """Robust rms of the imaginary part: pure noise for a point source at the phase centre."""
    import numpy as np

    from scriptgen import casa_env

    tb = casa_env.casatools().table()
    tb.open(str(ms))
    try:
        sel = tb.query(f"FIELD_ID=={field_id} && DATA_DESC_ID=={spw} && ANTENNA1!=ANTENNA2")
        try:
            data, flags = sel.getcol("CORRECTED_DATA"), sel.getcol("FLAG")
        finally:
            sel.close()
    finally:
        tb.close()
    imag = data.imag[~flags]
    return float(1.4826 * np.median(np.abs(imag - np.median(imag))))


def test_calibrated_noise_is_the_noise_the_truth_promises(standard_calibrated):
    """Noise is injected once: after calibration the target's scatter matches
    the radiometer-equation noise recorded in the truth (a second injection
    would make it 1.41 times larger)."""
    truth, result = standard_calibrated
    target = truth.target_fields[0]
    for spw in truth.science_spws:
        scatter = _imaginary_scatter(result.ms, target.field_id, spw)
        assert scatter == pytest.approx(truth.noise_jy[spw], rel=0.15), f"spw {spw}"
