"""Generation-time decisions of the flux-equalisation script (no CASA)."""

import dataclasses

import pytest

from scriptgen.model import Field
from scriptgen.scripts import flux_equalisation as fe

from tests.support.ebfactory import tdm_fdm_eb


def second_eb(eb, uid="uid___A002_Xunit_X2", shift_hz=0.0, **changes):
    """The same setup observed again: another uid, frequencies shifted."""
    spws = tuple(
        dataclasses.replace(s, centre_freq_hz=s.centre_freq_hz + shift_hz, ref_freq_hz=s.ref_freq_hz + shift_hz)
        for s in changes.pop("spws", eb.spws)
    )
    return dataclasses.replace(eb, uid=uid, ms_path=uid + ".ms", spws=spws, **changes)


def test_plan_names_every_product_from_naming():
    a = tdm_fdm_eb()
    b = second_eb(a)
    plan = fe.plan([a, b])
    assert [e.ms for e in plan.ebs] == ["uid___A002_Xunit_X1.ms", "uid___A002_Xunit_X2.ms"]
    assert plan.ebs[0].split_cal == "uid___A002_Xunit_X1.ms.split.cal"
    assert plan.ebs[1].fluxscale_results == "uid___A002_Xunit_X2.ms.split.fluxscale.json"
    assert plan.calibrator_source == "J1130-1449"
    assert plan.ebs[0].targets == ("NGC_3256",)
    assert plan.flux_csv == "allFluxes.csv"


def test_windows_are_renumbered_like_the_split_and_paired_by_frequency():
    a = tdm_fdm_eb()
    plan = fe.plan([a, second_eb(a, shift_hz=3e6)])
    assert [w.members for w in plan.windows] == [
        (("uid___A002_Xunit_X1.ms", i), ("uid___A002_Xunit_X2.ms", i)) for i in range(4)
    ]
    assert plan.windows[0].centre_freq_hz == pytest.approx(90.8e9)


def test_windows_with_other_ids_in_another_eb_are_still_paired():
    a = tdm_fdm_eb()
    # The second EB lists its basebands in reverse order: ids differ, frequencies match.
    reordered = []
    science = [s for s in a.spws if s.spw_id in (9, 11, 13, 15)]
    for s, donor in zip(science, reversed(science)):
        reordered.append(
            dataclasses.replace(
                s,
                centre_freq_hz=donor.centre_freq_hz,
                ref_freq_hz=donor.ref_freq_hz,
                baseband=donor.baseband,
                name=donor.name,
            )
        )
    others = [s for s in a.spws if s.spw_id not in (9, 11, 13, 15)]
    b = second_eb(a, spws=tuple(sorted(others + reordered, key=lambda s: s.spw_id)))
    windows = fe.match_windows([a, b])
    assert [dict(w.members)["uid___A002_Xunit_X2.ms"] for w in windows] == [3, 2, 1, 0]


def test_a_different_spectral_setup_is_refused():
    a = tdm_fdm_eb()
    with pytest.raises(fe.FluxEqualisationError, match="no window"):
        fe.plan([a, second_eb(a, shift_hz=1e9)])


def test_one_eb_is_not_a_goal_to_equalise():
    with pytest.raises(fe.FluxEqualisationError, match="two or more"):
        fe.plan([tdm_fdm_eb()])


def test_the_same_eb_twice_is_refused():
    a = tdm_fdm_eb()
    with pytest.raises(fe.FluxEqualisationError, match="twice"):
        fe.plan([a, a])


def test_ebs_without_a_common_phase_calibrator_are_refused():
    a = tdm_fdm_eb()
    fields = tuple(
        dataclasses.replace(f, name="J0000+0000", source_name="J0000+0000") if f.field_id == 2 else f
        for f in a.fields
    )
    with pytest.raises(fe.FluxEqualisationError, match="share no phase calibrator"):
        fe.plan([a, second_eb(a, fields=fields)])


def test_a_phase_calibrator_that_is_also_the_flux_calibrator_is_refused():
    a = tdm_fdm_eb()
    fields = tuple(
        dataclasses.replace(f, intents=f.intents + ("CALIBRATE_FLUX",)) if f.field_id == 2 else f
        for f in a.fields
    )
    with pytest.raises(fe.FluxEqualisationError, match="flux calibrator"):
        fe.plan([dataclasses.replace(a, fields=fields), second_eb(a)])


def test_with_two_phase_calibrators_each_target_goes_with_the_nearest():
    a = tdm_fdm_eb(mosaic=1)
    far_target = Field(4, "Far", "Far", 0.5, 0.3, False, ("OBSERVE_TARGET",))
    near_cal = Field(5, "J0200+1700", "J0200+1700", 0.52, 0.31, False, ("CALIBRATE_PHASE",))
    eb = dataclasses.replace(a, fields=a.fields + (far_target, near_cal))
    assert fe.targets_of(eb, "J1130-1449") == ("NGC_3256",)
    assert fe.targets_of(eb, "J0200+1700") == ("Far",)


def test_a_mosaic_is_named_once():
    a = tdm_fdm_eb(mosaic=3)
    assert fe.targets_of(a, "J1130-1449") == ("NGC_3256",)
