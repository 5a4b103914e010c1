"""scriptForPI.py for a one-EB delivery, with every space-saving option on.

No flux script here; SPACESAVING = 3 and DOSPLIT = True are preset the way a
PI does it (set, then exec the script), so the options, the deletions and
the target split are exercised in CASA once, on the smallest delivery.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from scriptgen import casa_env, naming

from tests.support.casarun import delivered_tables, run_script
from tests.support.measure import column
from tests.scripts.script_for_pi.test_casa_delivery import snapshot_tree

pytestmark = pytest.mark.casa


@pytest.fixture(scope="module")
def single(standard_calibrated, tmp_path_factory):
    pristine, analyst = standard_calibrated["pristine"], standard_calibrated["work"]
    ms = analyst / standard_calibrated["ms"]
    root = tmp_path_factory.mktemp("delivery_single")
    for folder in ("raw", "calibration", "script"):
        (root / folder).mkdir()
    shutil.copytree(pristine, root / "raw" / pristine.name)
    for table in delivered_tables(ms.name, analyst):
        (shutil.copytree if table.is_dir() else shutil.copy2)(table, root / "calibration" / table.name)
    for script in sorted(analyst.glob("*.py")):
        shutil.copy2(script, root / "script" / script.name)
    raw_before = snapshot_tree(root / "raw")
    run_script(
        root / "script" / naming.PI_SCRIPT,
        root / "script",
        "scriptForPI single EB (SPACESAVING=3, DOSPLIT)",
        variables={"SPACESAVING": 3, "DOSPLIT": True},
    )
    return {"root": root, "analyst": analyst, "ms": ms.name, "raw_before": raw_before}


def test_no_flux_script_for_one_eb(single):
    assert not (single["root"] / "script" / naming.FLUX_SCRIPT).exists()


def test_raw_data_is_untouched(single):
    assert snapshot_tree(single["root"] / "raw") == single["raw_before"]


def test_space_saving_deleted_the_intermediate_mss_only(single):
    calibrated = single["root"] / "calibrated"
    tables = naming.CalTables(single["ms"])
    assert not (calibrated / tables.ms).exists()
    assert not (calibrated / tables.split).exists()
    # Without calibrated.ms the calibrated split is the only copy: kept.
    assert (calibrated / tables.split_cal).is_dir()


def test_the_calibrated_split_reproduces_the_analyst(single):
    split_cal = naming.CalTables(single["ms"]).split_cal
    ours = single["root"] / "calibrated" / split_cal
    theirs = single["analyst"] / split_cal
    a, b = column(ours, "DATA"), column(theirs, "DATA")
    difference = np.abs(a - b).max() / np.abs(b).max()
    print(f"single EB DATA: max |PI - analyst| / max |analyst| = {difference:.2e}")
    assert difference < 1e-5
    assert np.array_equal(column(ours, "FLAG"), column(theirs, "FLAG"))


def test_dosplit_keeps_only_the_targets(single):
    final = single["root"] / "calibrated" / naming.CALIBRATED_FINAL_MS
    md = casa_env.casatools().msmetadata()
    md.open(str(final))
    try:
        intents = set(md.intents())
        names = set(md.fieldnames())
    finally:
        md.close()
    assert all("OBSERVE_TARGET" in i for i in intents), intents
    assert names
