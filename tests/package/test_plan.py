"""Where things go (pure: listings in, placements out) and the README text."""

import pytest

from scriptgen import naming
from scriptgen.errors import ScriptgenError
from scriptgen.package.layout import DeliveryIds, check_project, normalise_uid
from scriptgen.package.plan import Entry, plan_package
from scriptgen.package.readme import readme_text

MS1, MS2 = "uid___A002_X1_X2.ms", "uid___A002_X1_X3.ms"


def listing(*ms):
    entries = []
    for m in ms:
        t = naming.CalTables(m)
        entries += [Entry(m, True), Entry(t.split, True), Entry(t.split_cal, True), Entry(f"{m}.flagversions", True)]
        entries += [Entry(name, not name.endswith(".json")) for name in t.delivered if name != t.antpos]
        entries += [Entry(t.phase_int, True), Entry(t.ampli_inf, True), Entry(naming.calibration_script(m))]
        entries += [Entry(t.listobs)]
    entries += [Entry(naming.PI_SCRIPT), Entry(naming.IMAGING_SCRIPT), Entry(naming.FLUX_SCRIPT),
                Entry(naming.FLUX_CSV), Entry("cont.dat"), Entry("casa-1.log"), Entry("notes.txt"),
                Entry("images", True), Entry("images/t.pbcor.fits"), Entry("images/t.pb.fits"),
                Entry("images/t.mask.fits"), Entry("images/t.image", True), Entry("plots/amp.png")]
    return entries


def test_everything_lands_in_its_folder():
    plan = plan_package(listing(MS1, MS2))
    assert plan.ebs == (MS1, MS2)
    where = {p.source: p.folder for p in plan.placements}
    t = naming.CalTables(MS1)
    for name in [n for n in t.delivered if n != t.antpos] + [f"{MS1}.flagversions", naming.FLUX_CSV, "cont.dat"]:
        assert where[name] == "calibration", name
    assert t.antpos not in where  # not in the folder: nothing to deliver
    for name in (naming.calibration_script(MS1), naming.calibration_script(MS2), naming.PI_SCRIPT,
                 naming.IMAGING_SCRIPT, naming.FLUX_SCRIPT):
        assert where[name] == "script"
    assert where["images/t.pbcor.fits"] == where["images/t.pb.fits"] == where["images/t.mask.fits"] == "product"
    assert where["casa-1.log"] == where[t.listobs] == "log"
    assert where["plots/amp.png"] == "qa"
    for not_delivered in (MS1, t.split, t.split_cal, "notes.txt", "images/t.image"):
        assert not_delivered not in where
    for table in (t.phase_int, t.ampli_inf):  # delivered only if the calibration contract says so
        assert (table in where) == (table in t.delivered)
    assert {MS1, t.split_cal, "notes.txt"} <= set(plan.left_out)
    assert {p.target for p in plan.in_folder("product")} == {"product/t.pbcor.fits", "product/t.pb.fits",
                                                             "product/t.mask.fits"}


def test_ebs_found_from_scripts_alone_and_clashes_refused():
    plan = plan_package([Entry(naming.calibration_script(MS1)), Entry(naming.PI_SCRIPT)])
    assert plan.ebs == (MS1,)
    with pytest.raises(ScriptgenError, match="both be delivered"):
        plan_package([Entry("a/x.fits"), Entry("b/x.fits")])


def test_uids_and_project_codes():
    assert normalise_uid("uid://A001/X2d20/X4a1", "m") == "uid___A001_X2d20_X4a1"
    assert normalise_uid("uid___A001_X2d20_X4a1", "m") == "uid___A001_X2d20_X4a1"
    for bad in ("A001/X1", "uid://A001/X1", "uid___../x", ""):
        with pytest.raises(ScriptgenError):
            normalise_uid(bad, "m")
    assert check_project("2024.1.00001.S") == ("2024.1.00001.S", None)
    assert check_project("test-project")[1] is not None
    for bad in ("..", "a/b", "", "x y"):
        with pytest.raises(ScriptgenError):
            check_project(bad)
    ids = DeliveryIds("2024.1.00001.S", "uid___A001_X1_X1", "uid___A001_X1_X2", "uid___A001_X1_X3")
    assert str(ids.member_path) == ("2024.1.00001.S/science_goal.uid___A001_X1_X1/"
                                    "group.uid___A001_X1_X2/member.uid___A001_X1_X3")


IDS = DeliveryIds("2024.1.00001.S", "uid___A001_X1_X1", "uid___A001_X1_X2", "uid___A001_X1_X3")
REPORT = {
    "verdict": "SEMIPASS", "rule": "cycle2", "band": 7,
    "reasons": ["RMS is 1.300 x requested, > 1.15 but <= relaxed 1.50 (band 7)", "beam area is 0.9 x ..."],
    "measured": {"image": "/w/t.image", "rms_jy_per_beam": 1.3e-4, "rms_from": "image",
                 "beam_arcsec": {"major": 1.0, "minor": 0.9, "pa_deg": 10.0}},
    "requested": {"rms_jy_per_beam": 1e-4, "beam_arcsec": 1.0}, "achieved_over_predicted": 1.12,
}


def test_readme_names_ebs_verdict_scripts_and_how_to_recalibrate():
    text = readme_text(IDS, plan_package(listing(MS1, MS2)), REPORT)
    assert "uid___A002_X1_X2, uid___A002_X1_X3" in text
    assert "Member OUS         uid___A001_X1_X3" in text and "2024.1.00001.S" in text
    assert "QA2 verdict: SEMIPASS (Cycle-2 rule, band 7)" in text
    assert "RMS is 1.300 x requested" in text and "0.13 mJy/beam" in text and "1.12" in text
    assert "casa -c scriptForPI.py" in text and "python scriptForPI.py" in text and "cd script" in text
    assert "scriptForFluxCalibration.py." in text and "scriptForImaging.py remakes" in text
    for name in (naming.calibration_script(MS1), "t.pbcor.fits", naming.FLUX_CSV):
        assert f"   {name}\n" in text


def test_readme_without_report_or_pi_script_says_so():
    plan = plan_package([Entry(MS1, True), Entry("images/t.pbcor.fits")])
    text = readme_text(IDS, plan, None)
    assert "No QA2 assessment was included" in text
    assert "WARNING: no scriptForPI.py" in text
    assert "flux scale" not in text
