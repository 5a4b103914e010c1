import pytest


@pytest.fixture(scope="session")
def standard_calibrated(standard_eb, tmp_path_factory):
    """``standard_eb`` calibrated once by its generated scriptForCalibration.py.

    Shared (read-only) by the single-EB scriptForPI test and the restore
    tests, which copy what they need: one calibration run per session.
    """
    from scriptgen import naming

    from ..support.casarun import copy_tree, generate, ms_path, run_script

    pristine = ms_path(standard_eb)
    work = tmp_path_factory.mktemp("analyst_single")
    ms = copy_tree(pristine, work / pristine.name)
    generate([ms], work)
    seconds = run_script(work / naming.calibration_script(ms.name), work, "single calibration (analyst)")
    return {"work": work, "ms": ms.name, "pristine": pristine, "seconds": seconds}
