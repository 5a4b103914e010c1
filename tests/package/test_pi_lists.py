"""The package delivers what the observing mode's plan says (via scriptForPI.py)."""

from __future__ import annotations

from scriptgen import naming
from scriptgen.generate import GenerateOptions, render_files
from scriptgen.delivery.pi_lists import delivered_by_script, parse_delivered
from scriptgen.package.plan import Entry, plan_package

from tests.modes.band_to_band.ebs import diffgain_eb


def _b2b_working_folder(tmp_path):
    """A B2B EB's generated scripts, and every table its analyst's run leaves."""
    eb = diffgain_eb("b2b")
    files, plans, _ = render_files([eb], GenerateOptions(out_dir=tmp_path, casa_version="test"))
    (plan,) = plans
    t = plan.tables
    entries = [Entry(name) for name in files]
    entries += [Entry(t.ms, True), Entry(t.split, True), Entry(t.split_cal, True)]
    made = set(t.delivered) | {t.ampli_inf} | {plan.variables[k] for k in plan.variables if k.startswith("diffgain_")}
    entries += [Entry(name, not name.endswith((".json", ".txt"))) for name in sorted(made)]
    return files, plan, entries


def test_the_script_lists_what_the_plan_delivers(tmp_path):
    files, plan, _ = _b2b_working_folder(tmp_path)
    assert parse_delivered(files[naming.PI_SCRIPT]) == {plan.tables.ms: plan.delivered}
    (tmp_path / naming.PI_SCRIPT).write_text(files[naming.PI_SCRIPT])
    assert delivered_by_script(tmp_path / naming.PI_SCRIPT) == {plan.tables.ms: plan.delivered}


def test_a_band_to_band_package_carries_the_diffgain_tables(tmp_path):
    files, plan, entries = _b2b_working_folder(tmp_path)
    t = plan.tables
    offset = plan.variables["diffgain_offset_table"]
    placed = plan_package(entries, parse_delivered(files[naming.PI_SCRIPT]))
    in_calibration = {p.source for p in placed.in_folder("calibration")}
    assert {t.ampli_inf, offset} <= in_calibration
    assert set(plan.delivered) <= in_calibration
    # Intermediate DIFFGAIN tables stay out, as scriptForPI never copies them.
    assert plan.variables["diffgain_reference_table"] not in in_calibration
    # Without the script's list the shared list applies, which lacks them: the bug this fixes.
    shared = {p.source for p in plan_package(entries).in_folder("calibration")}
    assert offset not in shared and t.ampli_inf not in shared


def test_no_or_unreadable_script_falls_back_to_the_shared_list(tmp_path):
    assert delivered_by_script(tmp_path / naming.PI_SCRIPT) == {}
    assert parse_delivered("ebs = [") == {}
    assert parse_delivered("ebs = dict(a=1)") == {}
    assert parse_delivered("x = 1") == {}


def test_a_restore_takes_a_script_calibrated_ebs_list_from_its_scriptforpi(tmp_path):
    """``scriptgen generate --from-delivery`` on a delivery with a B2B EB
    calibrated by script: the restore copies the mode's DIFFGAIN tables too."""
    from scriptgen.delivery import read_delivery

    files, plan, _ = _b2b_working_folder(tmp_path / "work")
    root = tmp_path / "delivery"
    for folder in ("raw", "calibration", "script"):
        (root / folder).mkdir(parents=True)
    (root / "raw" / plan.tables.ms).mkdir()
    (root / "raw" / plan.tables.ms / "table.dat").write_text("")
    for name in (naming.PI_SCRIPT, naming.calibration_script(plan.tables.ms)):
        (root / "script" / name).write_text(files[name])
    (eb,) = read_delivery(root).ebs
    assert eb.calibrated_by == "script"
    assert eb.delivered == plan.delivered
    (root / "script" / naming.PI_SCRIPT).unlink()
    (eb,) = read_delivery(root).ebs
    assert eb.delivered == plan.tables.delivered
