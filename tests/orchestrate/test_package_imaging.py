"""`scriptgen package` finds the imaging script where the analyst kept it, or says it is missing."""

import pytest

from scriptgen import naming
from scriptgen.errors import ScriptgenError
from scriptgen.package.plan import Entry, plan_package

MS = "uid___A002_X1_X1.ms"


def test_an_imaging_script_in_a_subfolder_is_delivered_with_its_continuum_ranges():
    plan = plan_package([Entry(naming.calibration_script(MS)), Entry("imaging/scriptForImaging.py"),
                         Entry("imaging/cont.dat"), Entry("imaging/t.pbcor.fits")])  # fmt: skip
    where = {p.source: p.target for p in plan.placements}
    assert where["imaging/scriptForImaging.py"] == "script/scriptForImaging.py"
    assert where["imaging/cont.dat"] == "calibration/cont.dat"
    assert plan.missing == ()


def test_images_without_any_imaging_script_are_reported_missing():
    plan = plan_package([Entry(naming.calibration_script(MS)), Entry("t.pbcor.fits")])
    assert len(plan.missing) == 1 and naming.IMAGING_SCRIPT in plan.missing[0]
    assert plan_package([Entry(naming.calibration_script(MS))]).missing == ()


def test_the_top_level_script_wins_and_two_in_subfolders_are_refused():
    plan = plan_package([Entry(naming.IMAGING_SCRIPT), Entry("old/scriptForImaging.py")])
    assert [p.source for p in plan.in_folder("script")] == [naming.IMAGING_SCRIPT]
    with pytest.raises(ScriptgenError, match="several scriptForImaging.py"):
        plan_package([Entry("a/scriptForImaging.py"), Entry("b/scriptForImaging.py")])
