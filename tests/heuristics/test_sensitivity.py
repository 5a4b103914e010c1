"""The radiometer equation and what it is fed from an execution block."""

from __future__ import annotations

import dataclasses
import math

import pytest

from scriptgen.errors import ScriptgenError
from scriptgen.heuristics import sensitivity as sens
from tests.support.ebfactory import tdm_fdm_eb


def test_equation_against_a_hand_computed_value():
    # 2 k 100 K / (0.7 pi 6^2 m^2) = 3487.7 Jy; sqrt(90 * 2 * 1e9 * 3600) = 2.5456e7
    sigma = sens.radiometer_noise_jy(100.0, 1e9, 3600.0, 10, 12.0, n_pol=2)
    assert sigma == pytest.approx(3487.7 / 2.5456e7, rel=1e-3)


def test_scaling_laws():
    base = sens.radiometer_noise_jy(80.0, 2e9, 600.0, 12, 12.0)
    assert sens.radiometer_noise_jy(160.0, 2e9, 600.0, 12, 12.0) == pytest.approx(2 * base)
    assert sens.radiometer_noise_jy(80.0, 8e9, 600.0, 12, 12.0) == pytest.approx(base / 2)
    assert sens.radiometer_noise_jy(80.0, 2e9, 2400.0, 12, 12.0) == pytest.approx(base / 2)
    assert sens.radiometer_noise_jy(80.0, 2e9, 600.0, 12, 12.0, n_pol=1) == pytest.approx(
        base * math.sqrt(2)
    )
    # A 7 m dish collects (12/7)^2 less: noisier by that factor at equal efficiency.
    assert sens.radiometer_noise_jy(80.0, 2e9, 600.0, 12, 7.0) == pytest.approx(base * (12 / 7) ** 2)


@pytest.mark.parametrize(
    "kwargs",
    [dict(n_antennas=1), dict(tsys_k=0.0), dict(bandwidth_hz=-1.0), dict(time_s=0.0)],
)
def test_nonsense_inputs_are_refused(kwargs):
    args = dict(tsys_k=80.0, bandwidth_hz=1e9, time_s=60.0, n_antennas=10, dish_diameter_m=12.0)
    args.update(kwargs)
    with pytest.raises(ValueError):
        sens.radiometer_noise_jy(**args)


def test_efficiency_for_unknown_dish_asks_for_a_value():
    assert sens.aperture_efficiency(12.0) == 0.7
    assert sens.aperture_efficiency(7.0) == 0.7
    with pytest.raises(ScriptgenError):
        sens.aperture_efficiency(25.0)


def test_expected_noise_uses_syscal_through_the_tsys_map():
    eb = tdm_fdm_eb()
    # Science FDM windows 9, 11, 13, 15 take the Tsys of TDM 1, 3, 5, 7 (75 + id K).
    assert sens.science_tsys_k(eb, (9, 11, 13, 15)) == {9: 76.0, 11: 78.0, 13: 80.0, 15: 82.0}
    est = sens.expected_noise(eb, 1e6, spw_ids=(13,))
    assert est.tsys_k == 80.0
    assert est.time_on_source_s == 480.0  # the target scan, 420-900 s
    assert est.n_antennas == 6 and est.n_pol == 2 and est.dish_diameter_m == 12.0
    assert est.sigma_jy == pytest.approx(sens.radiometer_noise_jy(80.0, 1e6, 480.0, 6, 12.0))
    assert "Tsys = 80.0 K" in est.describe()


def test_continuum_combines_windows_by_inverse_variance():
    eb = tdm_fdm_eb()
    bws = {9: 200e6, 11: 200e6, 13: 200e6, 15: 100e6}
    est = sens.expected_noise(eb, bws)
    per = [sens.radiometer_noise_jy(t, bws[s], 480.0, 6, 12.0) for s, t in zip(bws, (76, 78, 80, 82))]
    assert est.sigma_jy == pytest.approx(1 / math.sqrt(sum(1 / p**2 for p in per)))
    assert est.bandwidth_hz == 700e6
    assert 76.0 < est.tsys_k < 82.0
    # Equal Tsys everywhere: exactly the single-window formula over the summed width.
    flat = sens.expected_noise(eb, bws, tsys_k=90.0)
    assert flat.sigma_jy == pytest.approx(sens.radiometer_noise_jy(90.0, 700e6, 480.0, 6, 12.0))
    assert flat.tsys_source == "given"


def test_mosaic_time_is_per_pointing():
    eb = tdm_fdm_eb(mosaic=3)
    est = sens.expected_noise(eb, 1e9, tsys_k=80.0)
    assert est.time_on_source_s == pytest.approx(160.0)


def test_split_ms_without_syscal_needs_a_tsys():
    eb = dataclasses.replace(tdm_fdm_eb(), tsys=())
    with pytest.raises(sens.NoTsys, match="SYSCAL"):
        sens.expected_noise(eb, 1e9)
    assert sens.expected_noise_jy(eb, 1e9, tsys_k=80.0) > 0


def test_single_polarisation_counts_once():
    eb = tdm_fdm_eb()
    spws = tuple(
        dataclasses.replace(s, corr_products=("XX",)) if s.spw_id == 9 else s for s in eb.spws
    )
    eb = dataclasses.replace(eb, spws=spws)
    assert sens.n_parallel_pol(eb, (9,)) == 1
    assert sens.n_parallel_pol(eb, (11,)) == 2
