"""scriptForPI.py rebuilds the analyst's calibrated data from a delivery.

The analyst's run is the two-EB goal of ``tests/scripts/flux_equalisation`` (calibration
scripts, then the flux script). From it a delivery-shaped folder is made as
ALMA ships one: ``raw/`` with the untouched EBs (MSs: our synthetic EBs are
not ASDMs), ``calibration/`` with the delivered tables, ``script/`` with the
scripts only. scriptForPI.py, run from ``script/``, must give the same
calibrated data as the analyst, never touch ``raw/``, and put its products
in ``calibrated/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from scriptgen import naming

from tests.support.casarun import delivered_tables, run_script
from tests.support.measure import column

pytestmark = pytest.mark.casa


def snapshot_tree(path: Path) -> dict[str, tuple[int, int]]:
    """Relative path -> (size, mtime in ns) of every file below ``path``."""
    return {
        str(p.relative_to(path)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def delivery(analyst_goal, tmp_path_factory):
    analyst = analyst_goal["work"]
    root = tmp_path_factory.mktemp("delivery")
    for folder in ("raw", "calibration", "script"):
        (root / folder).mkdir()
    for ms in analyst_goal["pristine"]:
        shutil.copytree(ms, root / "raw" / ms.name)
    for name in analyst_goal["names"]:
        for table in delivered_tables(name, analyst):
            if table.is_dir():
                shutil.copytree(table, root / "calibration" / table.name)
            else:
                shutil.copy2(table, root / "calibration" / table.name)
    # The packager delivers the goal's fluxes beside the tables.
    shutil.copy2(analyst / naming.FLUX_CSV, root / "calibration" / naming.FLUX_CSV)
    for script in sorted(analyst.glob("*.py")):
        shutil.copy2(script, root / "script" / script.name)
    raw_before = snapshot_tree(root / "raw")
    run_script(root / "script" / naming.PI_SCRIPT, root / "script", "scriptForPI goal (2 EBs)")
    return {"root": root, "analyst": analyst, "names": analyst_goal["names"], "raw_before": raw_before}


def test_the_delivery_holds_only_what_alma_ships(delivery):
    script_files = sorted(p.name for p in (delivery["root"] / "script").iterdir())
    assert naming.PI_SCRIPT in script_files
    assert naming.FLUX_SCRIPT in script_files
    assert all(name.endswith(".py") for name in script_files)
    assert not any(p.name.endswith(".ms") for p in (delivery["root"] / "calibration").iterdir())


def test_raw_data_is_untouched(delivery):
    assert snapshot_tree(delivery["root"] / "raw") == delivery["raw_before"]


@pytest.mark.parametrize("data_column", ["DATA", "CORRECTED_DATA"])
def test_the_calibrated_data_reproduce_the_analyst(delivery, data_column):
    for name in delivery["names"]:
        split_cal = naming.CalTables(name).split_cal
        ours = delivery["root"] / "calibrated" / split_cal
        theirs = delivery["analyst"] / split_cal
        a = column(ours, data_column)
        b = column(theirs, data_column)
        assert a.shape == b.shape
        scale = np.abs(b).max()
        difference = np.abs(a - b).max() / scale
        print(f"{name} {data_column}: max |PI - analyst| / max |analyst| = {difference:.2e}")
        assert difference < 1e-5
        assert np.array_equal(column(ours, "FLAG"), column(theirs, "FLAG"))


def test_the_delivered_fluxes_are_used(delivery):
    ours = (delivery["root"] / "calibrated" / naming.FLUX_CSV).read_text()
    assert ours == (delivery["analyst"] / naming.FLUX_CSV).read_text()


def test_calibrated_ms_is_rebuilt(delivery):
    ours = column(delivery["root"] / "calibrated" / naming.CALIBRATED_MS, "DATA")
    theirs = column(delivery["analyst"] / naming.CALIBRATED_MS, "DATA")
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() / np.abs(theirs).max() < 1e-5
