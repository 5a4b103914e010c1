"""Band-to-band and bandwidth-switching EBs, built once per session.

Small on purpose (8 antennas, 2 windows per setup, 16 channels, about
eight minutes of observing): ~10 s to build each.
"""

from __future__ import annotations

import pytest


def _build(tmp_path_factory, mode: str):
    from scriptgen.synthetic import SyntheticConfig, build_execblock

    cfg = SyntheticConfig(
        band=6, diffgain=mode, n_antennas=8, n_spws=2, nchan=16,
        uid=f"uid___A002_Xsyn_X{mode}", seed=7, note=f"{mode}_eb fixture",
    )  # fmt: skip
    return build_execblock(tmp_path_factory.mktemp(f"{mode}_eb") / f"{cfg.uid}.ms", cfg)


@pytest.fixture(scope="session")
def b2b_eb(tmp_path_factory):
    """Band 6 science windows, band 3 reference windows (phase calibrator),
    a DIFFGAIN calibrator in both, a known per-antenna setup offset."""
    return _build(tmp_path_factory, "b2b")


@pytest.fixture(scope="session")
def bwsw_eb(tmp_path_factory):
    """Band 6, 234 MHz FDM science windows and 2 GHz TDM reference windows."""
    return _build(tmp_path_factory, "bwsw")
