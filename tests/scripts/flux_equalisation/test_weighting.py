"""Flux equalisation honesty: systematic weights, variability warning, pairing (heuristics)."""

import dataclasses

import pytest

from scriptgen.heuristics import calibration as cal
from scriptgen.heuristics import flux_equalisation as decide
from scriptgen.model import Field
from scriptgen.scripts import fluxcal_runtime as rt

from tests.heuristics.variants import two_phase_calibrators
from tests.support.ebfactory import tdm_fdm_eb
from tests.scripts.flux_equalisation.test_decisions import second_eb


def _at_ghz(eb, ghz):
    spws = tuple(
        dataclasses.replace(
            s, band=None, centre_freq_hz=s.centre_freq_hz * ghz / 100.0,
            ref_freq_hz=s.ref_freq_hz * ghz / 100.0,
        )  # fmt: skip
        for s in eb.spws
    )
    return dataclasses.replace(eb, spws=spws)


@pytest.mark.parametrize("ghz, fraction", [(100, 0.05), (145, 0.05), (230, 0.10), (345, 0.10), (460, 0.20), (680, 0.20)])
def test_the_systematic_fraction_follows_the_band(ghz, fraction):
    eb = _at_ghz(tdm_fdm_eb(), ghz)
    weighting = decide.flux_weighting([eb, second_eb(eb)])
    assert weighting.systematic_fraction == fraction
    assert f"{fraction * 100:g} %" in weighting.reason


def test_systematic_weights_keep_a_precise_eb_from_dominating():
    """fluxscale errors of 0.1 % and 5 %: by them alone the first EB takes all the weight."""
    measured = [(1.0, 0.001), (1.2, 0.05)]
    statistical, _ = rt.weighted_mean(measured)
    honest, error = rt.weighted_mean(measured, 0.05)
    assert statistical == pytest.approx(1.0, abs=0.001)
    # sigma 0.055 and 0.0744 (5 % of 1.1 with each error): weights 0.65 / 0.35.
    assert honest == pytest.approx(1.0 * 0.6466 + 1.2 * 0.3534, abs=0.002)
    assert error == pytest.approx(0.0443, abs=0.001)


def test_equal_errors_with_the_systematic_part_give_the_plain_mean():
    mean, error = rt.weighted_mean([(1.0, 0.01), (1.2, 0.01)], 0.10)
    assert mean == pytest.approx(1.1)
    assert error == pytest.approx(((0.01**2 + 0.11**2) / 2) ** 0.5)


def test_ebs_far_apart_in_time_get_a_variability_warning():
    a = tdm_fdm_eb()
    near = second_eb(a, start_mjd_s=3 * 86400.0, end_mjd_s=3 * 86400.0 + 900.0)
    far = second_eb(a, start_mjd_s=20 * 86400.0, end_mjd_s=20 * 86400.0 + 900.0)
    ok = decide.variability_check([a, near])
    assert not ok.warn and ok.span_days == pytest.approx(3.0, abs=0.02)
    late = decide.variability_check([a, far])
    assert late.warn and "20.0 days" in late.reason and "14" in late.reason
    unknown = decide.variability_check([a, second_eb(a, start_mjd_s=None, end_mjd_s=None)])
    assert not unknown.warn and unknown.span_days is None


def test_the_flux_script_pairs_targets_as_the_calibration_script_transfers_phases():
    """Target 5 is nearer on the sky to phase calibrator 2 but observed next to 4."""
    eb = two_phase_calibrators()
    fields = tuple(
        dataclasses.replace(f, ra_rad=2.981, dec_rad=-0.251) if f.field_id == 5 else f for f in eb.fields
    )
    eb = dataclasses.replace(eb, fields=fields)
    transfers = {t.phase_field_id: t.target_field_ids for t in cal.phase_transfers(eb)}
    assert transfers == {2: (3,), 4: (5,)}
    assert cal._angle_rad(eb, 5, 2) < cal._angle_rad(eb, 5, 4)  # nearest on the sky: 2
    assert decide.targets_of(eb, "J1130-1449") == ("NGC_3256",)
    assert decide.targets_of(eb, "J1200-1000") == ("NGC_4038",)


def test_the_script_carries_the_fraction_and_the_warning():
    from scriptgen.render import make_environment
    from scriptgen.scripts import flux_equalisation as fe

    a = tdm_fdm_eb()
    far = second_eb(a, start_mjd_s=30 * 86400.0, end_mjd_s=30 * 86400.0 + 900.0)
    source = fe.render([a, far], make_environment())
    assert "systematic_fraction = 0.05" in source
    assert 'variability_note = "WARNING: the EBs span 30.0 days' in source
    source = fe.render([a, second_eb(a)], make_environment())
    assert 'variability_note = ""' in source


def test_generate_tells_the_analyst_about_variability(tmp_path):
    from scriptgen.generate import GenerateOptions, generate

    a = tdm_fdm_eb()
    far = second_eb(a, start_mjd_s=30 * 86400.0, end_mjd_s=30 * 86400.0 + 900.0)
    result = generate([a, far], GenerateOptions(out_dir=tmp_path))
    assert any(line.startswith("WARNING: the EBs span 30.0 days") for line in result.summary_lines())
    assert not generate([a, second_eb(a)], GenerateOptions(out_dir=tmp_path / "near")).warnings
