"""The flux script's run-time arithmetic, on hand-written fluxscale results."""

import math

import pytest

from scriptgen.scripts import fluxcal_runtime as rt


def fluxscale_result(field_id, name, fluxes, freqs=(90.8e9, 92.8e9, 102.8e9, 104.8e9)):
    """What CASA 6.7's fluxscale returns, after a round trip through JSON."""
    entry = {"fieldName": name, "fitFluxd": 1.0, "fitFluxdErr": 0.01, "fitRefFreq": 9.7e10,
             "spidx": [0.0, -0.7], "spidxerr": [0.01, 0.05], "covarMat": [[1, 0], [0, 1]]}
    for spw, (flux, err) in enumerate(fluxes):
        entry[str(spw)] = {"fluxd": [flux, 0.0, 0.0, 0.0], "fluxdErr": [err, 0.0, 0.0, 0.0], "numSol": [20, 0, 0, 0]}
    return {str(field_id): entry, "freq": list(freqs), "spwID": list(range(len(fluxes))),
            "spwName": ["a", "b", "c", "d"][: len(fluxes)]}


def test_fluxes_of_the_named_field_per_window():
    results = fluxscale_result(2, "J1130-1449", [(1.10, 0.01), (1.08, 0.02)])
    assert rt.phase_calibrator_fluxes(results, "J1130-1449") == {0: (1.10, 0.01), 1: (1.08, 0.02)}


def test_undetermined_windows_are_left_out():
    results = fluxscale_result(2, "J1130-1449", [(1.10, 0.01), (-1.0, -1.0)])
    assert rt.phase_calibrator_fluxes(results, "J1130-1449") == {0: (1.10, 0.01)}


def test_an_absent_field_is_named_in_the_error():
    results = fluxscale_result(2, "J1130-1449", [(1.10, 0.01)])
    with pytest.raises(ValueError, match="J0000.*J1130-1449"):
        rt.phase_calibrator_fluxes(results, "J0000")


def test_scalar_values_are_accepted_too():
    results = {"3": {"fieldName": "pc", "0": {"fluxd": 2.0, "fluxdErr": 0.1}}}
    assert rt.phase_calibrator_fluxes(results, "pc") == {0: (2.0, 0.1)}


def test_frequency_in_ghz():
    results = fluxscale_result(2, "pc", [(1.0, 0.1)])
    assert rt.window_frequency_ghz(results, 0) == pytest.approx(90.8)
    assert rt.window_frequency_ghz(results, 9) is None


def test_weighted_mean_is_inverse_variance():
    mean, err = rt.weighted_mean([(1.0, 0.1), (1.2, 0.2)])
    # weights 100 and 25
    assert mean == pytest.approx((100 * 1.0 + 25 * 1.2) / 125)
    assert err == pytest.approx(1 / math.sqrt(125))


def test_equal_errors_give_the_plain_mean():
    mean, err = rt.weighted_mean([(1.0, 0.05), (1.1, 0.05)])
    assert mean == pytest.approx(1.05)
    assert err == pytest.approx(0.05 / math.sqrt(2))


def test_zero_errors_fall_back_to_the_plain_mean_and_its_standard_error():
    mean, err = rt.weighted_mean([(1.0, 0.0), (1.2, 0.1)])
    assert mean == pytest.approx(1.1)
    assert err == pytest.approx(0.1)
    assert rt.weighted_mean([(2.0, 0.0)]) == (2.0, 0.0)


def test_nothing_to_average_is_an_error():
    with pytest.raises(ValueError):
        rt.weighted_mean([])


def test_equalised_fluxes_average_matched_windows_and_keep_each_measurement():
    per_eb = {
        "a.ms": {0: (1.00, 0.01), 1: (0.90, 0.01)},
        "b.ms": {0: (1.10, 0.01), 1: (0.99, 0.01)},
    }
    # b's windows are numbered the other way round.
    windows = [{"a.ms": 0, "b.ms": 1}, {"a.ms": 1, "b.ms": 0}]
    rows = rt.equalised_fluxes(per_eb, windows)
    assert [(r["ms"], r["spw"]) for r in rows] == [("a.ms", 0), ("b.ms", 1), ("a.ms", 1), ("b.ms", 0)]
    assert rows[0]["average_flux_jy"] == pytest.approx((1.00 + 0.99) / 2)
    assert rows[2]["average_flux_jy"] == pytest.approx((0.90 + 1.10) / 2)
    assert rows[1]["flux_jy"] == 0.99


def test_an_eb_without_a_measurement_receives_the_others_average():
    per_eb = {"a.ms": {0: (1.0, 0.01)}, "b.ms": {}}
    rows = rt.equalised_fluxes(per_eb, [{"a.ms": 0, "b.ms": 0}])
    assert rows[1] == {"ms": "b.ms", "spw": 0, "flux_jy": None, "error_jy": None,
                       "average_flux_jy": 1.0, "average_error_jy": 0.01}


def test_a_window_nobody_measured_is_an_error():
    with pytest.raises(ValueError, match="no EB"):
        rt.equalised_fluxes({"a.ms": {}}, [{"a.ms": 0}])


def test_csv_round_trip(tmp_path):
    rows = rt.equalised_fluxes({"a.ms": {0: (1.0, 0.1)}, "b.ms": {0: (1.2, 0.1)}}, [{"a.ms": 0, "b.ms": 0}])
    for row in rows:
        row["field"] = "pc, with a comma"
        row["frequency_ghz"] = 90.8
    path = tmp_path / "allFluxes.csv"
    rt.write_flux_csv(path, rows)
    text = path.read_text()
    assert text.splitlines()[0] == "ms,field,spw,frequency_ghz,flux_jy,error_jy,average_flux_jy,average_error_jy"
    assert text.splitlines()[1] == 'a.ms,"pc, with a comma",0,90.800000,1.000000,0.100000,1.100000,0.070711'
    assert rt.read_flux_csv(path) == {("a.ms", 0): 1.1, ("b.ms", 0): 1.1}
