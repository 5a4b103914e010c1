"""What the observatory recorded: recorded fluxes, Hanning bandwidths, goal strings (no CASA)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scriptgen import snapshot
from scriptgen.heuristics.calibrator_fluxes import TYPICAL_QUASAR_SPIX, fit_recorded_flux
from scriptgen.inspect.asdm_tables import goal_from_strings
from scriptgen.model import CatalogueFluxEntry, RecordedGoal, RestFrequency
from scriptgen.spectral_response import hanning_noise_width, noise_bandwidth_hz, online_averaging_from_ratio

from tests.support.ebfactory import tdm_fdm_eb

DAY = 86400.0


@pytest.mark.parametrize(
    "n, factor", [(1, 2.667), (2, 1.600), (4, 1.231), (8, 1.104), (16, 1.049)]
)
def test_hanning_factors_are_the_alma_effective_bandwidths(n, factor):
    assert hanning_noise_width(n) / n == pytest.approx(factor, abs=1.5e-3)
    assert online_averaging_from_ratio(factor) == n


def test_a_ratio_of_one_is_not_hanning_smoothing():
    assert online_averaging_from_ratio(1.0) is None
    assert online_averaging_from_ratio(2.0) is None


def test_noise_bandwidth_of_image_channels():
    chan = 0.5e6
    # One native-resolution channel: 8/3 wider for the noise.
    assert noise_bandwidth_hz(chan, chan, 1) == pytest.approx(chan * 8 / 3)
    # Four channels binned: 16 / 3.25 channels.
    assert noise_bandwidth_hz(4 * chan, chan, 1) == pytest.approx(chan * 16 / 3.25)
    # Averaged 2x online, imaged at native resolution: the 1.6 factor.
    assert noise_bandwidth_hz(chan, chan, 2) == pytest.approx(1.6 * chan)
    # Finer than the data: still one data channel's noise.
    assert noise_bandwidth_hz(chan / 2, chan, 1) == pytest.approx(chan * 8 / 3)
    # Unknown averaging: the width itself.
    assert noise_bandwidth_hz(chan, chan, None) == chan


def _entries(name="J0423-0120", spix=-0.55, s100=1.8, err=0.05, epoch=0.0):
    return tuple(
        CatalogueFluxEntry(name, f, s100 * (f / 100e9) ** spix, err * s100 * (f / 100e9) ** spix, epoch)
        for f in (91.5e9, 103.5e9, 343.5e9)
    )


def test_recorded_flux_fit_recovers_a_power_law_and_reports_age():
    fit = fit_recorded_flux(_entries(epoch=10 * DAY), "j0423-0120 ", 230e9, observed_mjd_s=40 * DAY)
    assert fit.flux_jy == pytest.approx(1.8 * 2.3**-0.55, rel=1e-9)
    assert fit.spix == pytest.approx(-0.55, abs=1e-9) and fit.n_frequencies == 3
    assert fit.age_days == pytest.approx(30.0)
    # 5 % on each of three points: below 5 % at the interpolated frequency.
    assert 0 < fit.flux_err_jy / fit.flux_jy < 0.05
    assert "30 days old" in fit.describe()


def test_weighted_fit_follows_the_precise_points():
    precise = list(_entries(err=0.01))
    # A wild third point with a large uncertainty barely moves the fit.
    wild = CatalogueFluxEntry("J0423-0120", 343.5e9, 5.0, 5.0, 0.0)
    fit = fit_recorded_flux(precise[:2] + [wild], "J0423-0120", 100e9)
    assert fit.flux_jy == pytest.approx(1.8, rel=0.01)


def test_the_newest_entry_per_frequency_is_used():
    old = CatalogueFluxEntry("Q", 100e9, 3.0, None, 0.0)
    new = CatalogueFluxEntry("Q", 100e9, 2.0, None, 50 * DAY)
    fit = fit_recorded_flux((old, new), "Q", 100e9, observed_mjd_s=60 * DAY)
    assert fit.flux_jy == pytest.approx(2.0) and fit.spix == TYPICAL_QUASAR_SPIX and not fit.spix_fitted
    assert fit.flux_err_jy is None and fit.age_days == pytest.approx(10.0)


def test_no_entry_for_the_source_gives_none():
    assert fit_recorded_flux(_entries(), "J9999+9999", 100e9) is None


def test_goal_strings_as_the_sbsummary_records_them():
    goal = goal_from_strings(
        [
            "representativeFrequency = 230.5 GHz",
            "sensitivityGoal = 0.25 mJy",
            "representativeBandwidth = 1875.0 MHz",
            "minAcceptableAngResolution = 0.4 arcsec",
            "maxAcceptableAngResolution = 0.6 arcsec",
            "representativeSource = NGC_3256",
            "dynamicRange = 1.0",
        ]
    )
    assert goal == RecordedGoal(2.5e-4, 1.875e9, 230.5e9, 0.4, 0.6, None, "NGC_3256")
    assert goal_from_strings(["SBName = x"]) is None
    assert goal_from_strings(["sensitivityGoal = 0.0 mJy"]) is None


def test_new_records_round_trip_through_a_snapshot():
    eb = tdm_fdm_eb()
    eb = replace(
        eb,
        spws=tuple(replace(s, effective_bw_hz=abs(s.chan_width_hz) * 8 / 3, online_averaging=1) for s in eb.spws),
        calibrator_fluxes=_entries(),
        science_goal=RecordedGoal(1e-4, 7.5e9, 100e9, 0.5, 1.0),
        rest_frequencies=(RestFrequency("NGC_3256", 9, 230.538e9, "CO v=0 2-1"),),
    )
    assert snapshot.loads(snapshot.dumps(eb)) == eb


def test_old_snapshots_without_the_records_still_load():
    eb = tdm_fdm_eb()
    data = snapshot.to_dict(eb)
    for key in ("calibrator_fluxes", "science_goal", "rest_frequencies"):
        del data["execblock"][key]
    for spw in data["execblock"]["spws"]:
        del spw["effective_bw_hz"], spw["online_averaging"]
    assert snapshot.from_dict(data) == eb


def test_cube_channel_noise_uses_the_effective_bandwidth():
    from scriptgen.heuristics import sensitivity as sens

    eb = tdm_fdm_eb()
    spw = eb.spw(sorted(s.spw_id for s in eb.spws if s.nchan > 64)[0])
    width = abs(spw.chan_width_hz)
    plain = sens.expected_noise(eb, width, spw_ids=(spw.spw_id,), tsys_k=80.0)
    smoothed_eb = replace(
        eb, spws=tuple(replace(s, effective_bw_hz=abs(s.chan_width_hz) * 8 / 3, online_averaging=1) for s in eb.spws)
    )
    smoothed = sens.expected_noise(smoothed_eb, width, spw_ids=(spw.spw_id,), tsys_k=80.0)
    assert plain.sigma_jy / smoothed.sigma_jy == pytest.approx((8 / 3) ** 0.5)
    assert "Hanning" in smoothed.describe() and "Hanning" not in plain.describe()
    # Continuum (a bandwidth per window) is left as it was.
    bws = {spw.spw_id: 1e9}
    assert sens.expected_noise(eb, bws, tsys_k=80.0).sigma_jy == sens.expected_noise(smoothed_eb, bws, tsys_k=80.0).sigma_jy


def test_rest_frequency_precedence():
    from scriptgen.heuristics.rest_frequency import cube_rest_frequency

    eb = replace(tdm_fdm_eb(), rest_frequencies=(RestFrequency("NGC_3256", 9, 230.538e9, "CO v=0 2-1"),))
    rest, why = cube_rest_frequency(eb, "ngc_3256", 9)
    assert rest == "230.538GHz" and "SOURCE table" in why and "CO v=0 2-1" in why
    assert cube_rest_frequency(eb, "NGC_3256", 9, requested="231GHz")[0] == "231GHz"
    assert cube_rest_frequency(eb, "NGC_3256", 9, requested="231GHz", per_window={9: "232GHz"})[0] == "232GHz"
    rest, why = cube_rest_frequency(eb, "NGC_3256", 11)
    assert "window centre" in why and rest.endswith("GHz")


def test_rest_freq_option_for_every_window_or_single_windows():
    from scriptgen.errors import ScriptgenError
    from scriptgen.imaging_generate import split_rest_freq

    assert split_rest_freq("230.538GHz") == ("230.538GHz", ())
    assert split_rest_freq("25:230.538GHz,27:220.4GHz") == ("", ((25, "230.538GHz"), (27, "220.4GHz")))
    with pytest.raises(ScriptgenError, match="SPW:QTY"):
        split_rest_freq("x:230GHz")


def test_recorded_goal_is_the_weakest_request():
    from scriptgen.qa2.goal import ScienceGoal, goal_from_recorded

    recorded = goal_from_recorded(RecordedGoal(2.5e-4, 1.875e9, 230.5e9, 0.4, 0.6))
    assert recorded == ScienceGoal(rms_jy=2.5e-4, bandwidth_hz=1.875e9, beam_range_arcsec=(0.4, 0.6))
    # The analyst's beam replaces the recorded range, the recorded RMS stays.
    merged = recorded.merged(ScienceGoal(beam_arcsec=0.5))
    assert merged.beam_arcsec == 0.5 and merged.beam_range_arcsec is None and merged.rms_jy == 2.5e-4
    assert goal_from_recorded(None) == ScienceGoal()
    assert goal_from_recorded(RecordedGoal(min_resolution_arcsec=0.4)).beam_range_arcsec is None


def test_generate_refuses_a_quasar_without_flux_in_one_line(tmp_path, capsys):
    from scriptgen.cli import main

    from tests.heuristics.variants import with_quasar_flux_calibrator

    snap = snapshot.save(with_quasar_flux_calibrator(), tmp_path / "eb.json")
    assert main(["generate", str(snap), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if line.strip()] == [
        line for line in err.splitlines() if line.startswith("scriptgen: error:")
    ]
    assert "--allow-placeholder" in err and "Traceback" not in err and not (tmp_path / "out").exists()
    assert main(["generate", str(snap), "--out", str(tmp_path / "out"), "--allow-placeholder"]) == 0
    assert "PLACEHOLDER" in next((tmp_path / "out").glob("*.scriptForCalibration.py")).read_text()


def test_inspect_summary_lists_the_records():
    from scriptgen.inspect.summary import summarise

    eb = replace(
        tdm_fdm_eb(),
        calibrator_fluxes=_entries(),
        science_goal=RecordedGoal(2e-4, 7.5e9, 100e9, 0.5, 1.0),
        rest_frequencies=(RestFrequency("NGC_3256", 9, 230.538e9, "CO v=0 2-1"),),
    )
    text = summarise(eb)
    assert "Catalogue J0423-0120:" in text and "(ASDM_SOURCE)" in text
    assert "RMS 0.2 mJy over 7.5 GHz, resolution 0.5-1 arcsec" in text
    assert "rest 230.538 GHz 'CO v=0 2-1'" in text
    assert "Catalogue" not in summarise(tdm_fdm_eb())
