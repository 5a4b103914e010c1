"""Same config, same seed: the same EB, bit for bit in its data."""

from __future__ import annotations

import numpy as np
import pytest

from scriptgen import casa_env
from scriptgen.synthetic import SyntheticConfig, build_execblock

pytestmark = pytest.mark.casa

TINY = SyntheticConfig(
    n_antennas=4, n_spws=1, nchan=16, bandpass_scan_s=20.0, target_scan_s=20.0, n_target_scans=1
)


def _data(ms):
    tb = casa_env.casatools().table()
    tb.open(str(ms))
    try:
        sel = tb.query("DATA_DESC_ID==1", sortlist="TIME,ANTENNA1,ANTENNA2")
        try:
            return sel.getcol("DATA"), sel.getcol("WEIGHT")
        finally:
            sel.close()
    finally:
        tb.close()


def test_same_seed_same_data(tmp_path):
    first = build_execblock(tmp_path / "a.ms", TINY)
    second = build_execblock(tmp_path / "b.ms", TINY)
    for x, y in zip(_data(first.ms_path), _data(second.ms_path)):
        np.testing.assert_array_equal(x, y)
    assert first.fields == second.fields and first.median_tsys_k == second.median_tsys_k


def test_overwrite_replaces_and_other_seed_differs(tmp_path):
    ms = tmp_path / "c.ms"
    build_execblock(ms, TINY)
    before = _data(ms)[0]
    with pytest.raises(Exception, match="already exists"):
        build_execblock(ms, TINY)
    from dataclasses import replace

    build_execblock(ms, replace(TINY, seed=7), overwrite=True)
    assert not np.array_equal(before, _data(ms)[0])
