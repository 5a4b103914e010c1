"""The calibration choices every anchor shares (heuristics.calibration_choices)."""

from dataclasses import replace

from scriptgen.heuristics import calibration_choices as choices
from scriptgen.model import Field

from tests.support.ebfactory import tdm_fdm_eb
from tests.heuristics.variants import two_phase_calibrators


def test_import_keeps_every_asdm_table_a_later_step_reads():
    asis = choices.import_asis()
    assert asis.asis.split() == [
        "SBSummary", "ExecBlock", "CorrelatorMode", "Source", "CalAtmosphere", "CalWVR",
        "Antenna", "Station", "Receiver",
    ]  # fmt: skip
    assert "SBSummary" in asis.reason and "Source" in asis.reason


def test_amplitudes_are_solved_pol_combined_amplitude_only():
    solve = choices.amplitude_solve()
    assert (solve.gaintype, solve.calmode) == ("T", "a")
    assert "almaqa2csg" in solve.reason


def test_the_phase_calibrator_takes_scan_averaged_phases_with_its_targets():
    apps = choices.gain_applications(tdm_fdm_eb())
    # bandpass 0 and flux 1 keep their per-integration phases; phase cal 2 goes with target 3.
    assert apps.self_calibrated == (0, 1)
    (group,) = apps.groups
    assert (group.phase_field_id, group.field_ids) == (2, (2, 3))
    assert "phase_inf" in group.reason and "phase transfer" in group.reason


def test_each_phase_calibrator_goes_with_its_own_targets():
    apps = choices.gain_applications(two_phase_calibrators())
    assert [(g.phase_field_id, g.field_ids) for g in apps.groups] == [(2, (2, 3)), (4, (4, 5))]
    assert apps.self_calibrated == (0, 1)


def test_a_phase_calibrator_that_is_also_the_bandpass_keeps_its_own_phases():
    eb = tdm_fdm_eb()
    fields = tuple(
        replace(f, intents=f.intents + ("CALIBRATE_PHASE",)) if f.field_id == 0 else f for f in eb.fields
    )
    fields = tuple(f for f in fields if f.field_id != 2) + (
        Field(2, "J1130-1449", "J1130-1449", 2.98, -0.25, False, ("CALIBRATE_PHASE",)),
    )
    apps = choices.gain_applications(replace(eb, fields=tuple(sorted(fields, key=lambda f: f.field_id))))
    assert 0 in apps.self_calibrated
    assert all(0 not in g.field_ids for g in apps.groups)
