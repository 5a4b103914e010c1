"""The analyst's run of the two-EB science goal, shared by every test that needs it.

Both EBs of ``goal_ebs`` calibrated by their generated scripts, one after
the other, then flux-equalised by the flux script: about a minute of CASA
on a quiet 2-core machine. The flux tests (tests/scripts/flux_equalisation), the
``scriptgen run`` comparison (tests/orchestrate) and the delivery tests
(tests/scripts/script_for_pi) all read this one run through the session fixture
``analyst_goal`` of tests/conftest.py; none of them may write into it.
"""

from __future__ import annotations

from pathlib import Path

from scriptgen import derive, naming
from scriptgen.inspect import inspect_ms

from tests.support.casarun import copy_tree, generate, ms_path, run_script
from tests.support.measure import mean_real


def calibrate_goal(goal_ebs, work: Path) -> dict:
    """Run the goal's scripts in ``work`` and measure the target before and after equalisation.

    Returns the folder (``work``), the pristine MSs, the MS names, the
    target's name and its mean flux per window in each EB's
    ``.split.cal`` before (DATA) and after (CORRECTED_DATA) the flux script.
    """
    pristine = [ms_path(item) for item in goal_ebs]
    copies = [copy_tree(p, work / p.name) for p in pristine]
    generate(copies, work)
    for ms in copies:
        run_script(work / naming.calibration_script(ms.name), work, f"goal calibration {ms.name}")
    eb = inspect_ms(str(pristine[0]))
    target = eb.field(derive.target_fields(eb)[0]).name
    tables = {ms.name: naming.CalTables(ms.name) for ms in copies}
    before = {name: mean_real(work / t.split_cal, target, "DATA") for name, t in tables.items()}
    run_script(work / naming.FLUX_SCRIPT, work, "goal flux equalisation")
    after = {name: mean_real(work / t.split_cal, target, "CORRECTED_DATA") for name, t in tables.items()}
    return {
        "work": work,
        "pristine": pristine,
        "names": [ms.name for ms in copies],
        "target": target,
        "before": before,
        "after": after,
    }
