"""Session-wide test data: synthetic ALMA execution blocks built once.

Building an EB with casatools' simulator takes 10-20 s, so each kind is
built once per session into a temporary folder and shared. Tests that
modify a MeasurementSet (running a generated script, flagging) must work on
a copy: use the ``copy_ms`` fixture.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scriptgen import casa_env

from tests.support import register_hypothesis_profiles

# Configure CASA offline before any test module imports casatools.
casa_env.configure()
# Before any test module builds its hypothesis settings.
register_hypothesis_profiles()


@pytest.fixture
def copy_ms(tmp_path):
    """Copy a MeasurementSet (and its truth file) into this test's folder."""

    def _copy(ms: str | Path, name: str | None = None) -> Path:
        ms = Path(ms)
        dest = tmp_path / (name or ms.name)
        shutil.copytree(ms, dest)
        truth = ms.with_name(ms.name + ".truth.json")
        if truth.exists():
            shutil.copy(truth, dest.with_name(dest.name + ".truth.json"))
        return dest

    return _copy


# --- Synthetic execution blocks (scriptgen.synthetic) -----------------------
#
# Each fixture builds its EB once per session (10-40 s each on a shared
# 2-core machine) and returns its Truth; ``truth.ms_path`` is the MS. Treat
# these MSs as read-only: copy them with ``copy_ms`` before running anything
# that writes (flagdata, applycal, a generated script).


def _build(tmp_path_factory, folder: str, name: str, config):
    from scriptgen.synthetic import build_execblock

    out = tmp_path_factory.mktemp(folder) / f"{name}.ms"
    return build_execblock(out, config)


@pytest.fixture(scope="session")
def standard_eb(tmp_path_factory):
    """Band 3, 10 x 12 m, quasar flux calibrator, single-field target,
    corrupted (Tsys, gains, bandpass, noise), Tsys on the science windows."""
    from scriptgen.synthetic import SyntheticConfig

    cfg = SyntheticConfig(uid="uid___A002_Xsyn_X1", seed=1, note="standard_eb fixture")
    return _build(tmp_path_factory, "standard_eb", cfg.uid, cfg)


@pytest.fixture(scope="session")
def tdm_fdm_eb(tmp_path_factory):
    """Tsys measured in TDM windows (spws 1-8 with CH_AVG), science in FDM
    windows (spws 9-16) inside them; ``truth.tsys_map`` maps each FDM
    window to the TDM window of its baseband."""
    from scriptgen.synthetic import SyntheticConfig

    cfg = SyntheticConfig(uid="uid___A002_Xsyn_X2", seed=2, tdm_tsys=True, note="tdm_fdm_eb fixture")
    return _build(tmp_path_factory, "tdm_fdm_eb", cfg.uid, cfg)


@pytest.fixture(scope="session")
def goal_ebs(tmp_path_factory):
    """Two EBs of one science goal (same sources and setup), observed a day
    apart; the second's flux calibrator visibilities are 10 % too bright
    (``flux_cal_scale_error=1.10``), so its fluxscale comes out 10 % low
    until flux equalisation fixes it."""
    from scriptgen.synthetic import SyntheticConfig

    first = SyntheticConfig(
        uid="uid___A002_Xsyn_X10", seed=10, start="2024-03-15T03:00:00", note="goal_ebs fixture (1/2)"
    )
    one = _build(tmp_path_factory, "goal_ebs", first.uid, first)
    second = SyntheticConfig(
        uid="uid___A002_Xsyn_X11",
        seed=11,
        start="2024-03-16T02:56:00",
        flux_cal_scale_error=1.10,
        # Same sources at the same positions as the first EB.
        ra_deg=one.target_fields[0].source_ra_deg,
        note="goal_ebs fixture (2/2)",
    )
    return one, _build(tmp_path_factory, "goal_ebs", second.uid, second)


@pytest.fixture(scope="session")
def imaging_eb(tmp_path_factory):
    """Calibrated-looking (uncorrupted: sky + thermal noise, no Tsys
    scaling) band 3 EB whose 0.25 Jy continuum target carries a Gaussian
    line (LSRK 102.8 GHz, FWHM 60 MHz, peak 0.5 Jy) in spw 5; 128-channel
    windows so the line spans several channels."""
    from scriptgen.synthetic import LineSpec, SyntheticConfig

    cfg = SyntheticConfig(
        uid="uid___A002_Xsyn_X3",
        seed=3,
        nchan=128,
        # 5 s integrations (2.5 x fewer rows than the default 2 s, the same
        # time on source): build, split and tclean are faster, the image
        # noise is the same.
        integration_s=5.0,
        corrupt=False,
        line=LineSpec(centre_ghz=102.8, fwhm_mhz=60.0, peak_jy=0.5),
        note="imaging_eb fixture",
    )
    return _build(tmp_path_factory, "imaging_eb", cfg.uid, cfg)


@pytest.fixture(scope="session")
def mosaic_7m_eb(tmp_path_factory):
    """Band 6, 10 x 7 m (ACA: no WVR radiometers), a 3-pointing target
    mosaic (three fields, one source name), Ceres as flux calibrator
    (Butler-JPL-Horizons 2012 model), corrupted."""
    from scriptgen.synthetic import SyntheticConfig

    cfg = SyntheticConfig(
        uid="uid___A002_Xsyn_X4",
        seed=4,
        band=6,
        array="7m",
        mosaic_pointings=3,
        flux_calibrator="Ceres",
        note="mosaic_7m_eb fixture",
    )
    return _build(tmp_path_factory, "mosaic_7m_eb", cfg.uid, cfg)


@pytest.fixture(scope="session")
def imaging_run(imaging_eb, tmp_path_factory):
    """The generated imaging script run once on ``imaging_eb`` (tclean is slow)."""
    from .support.imaging_run import run_imaging

    return run_imaging(imaging_eb, tmp_path_factory.mktemp("imaging_run"))


@pytest.fixture(scope="session")
def analyst_goal(goal_ebs, tmp_path_factory):
    """``goal_ebs`` calibrated and flux-equalised by their generated scripts,
    once per session for the flux, run and scriptForPI tests (read-only;
    see tests/support/goal.py)."""
    from .support.goal import calibrate_goal

    return calibrate_goal(goal_ebs, tmp_path_factory.mktemp("analyst_goal"))


@pytest.fixture(scope="session")
def standard_calibrated(standard_eb, tmp_path_factory):
    """``standard_eb`` calibrated by its generated scriptForCalibration.py,
    every step, once per session (tests/support/casarun.py): the calibration
    tests (tests/generate) and the scriptForPI tests (tests/scripts/script_for_pi) read
    it; anything that writes must work on a copy."""
    from .support.casarun import calibrate_standard

    return calibrate_standard(standard_eb, tmp_path_factory.mktemp("standard_calibrated"))
