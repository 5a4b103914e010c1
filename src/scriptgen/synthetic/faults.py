"""Injected faults: what an analyst's review has to find.

Each fault is a plain function of the config and times, used by the
corruption stages (``corrupt``) and recorded in the truth (``faults_truth``),
so a test knows which antenna, window and time range a review must name.

* Bad Tsys: one antenna's system temperature is ``tsys_fault_factor``
  times higher in one baseband from ``tsys_fault_start_s`` to
  ``tsys_fault_stop_s`` (seconds from the EB start): SYSCAL says so, its
  data are that much noisier and weaker (raw data are divided by
  sqrt(Tsys_i Tsys_j)). Calibrators whose Tsys was measured before the
  rise are then mis-scaled for that antenna: the gain calibration absorbs
  the error and carries it to the target, as in real data.
* Phase jump: one antenna's gain phase steps by ``phase_jump_deg`` at
  ``phase_jump_s`` (a receiver relock, an LO glitch). Phase referencing
  interpolates across the step, so the target scan in which it happens is
  decorrelated on that antenna's baselines.
* Noisy radiometer: one antenna's WVR readings carry ``wvr_noise_k`` K rms
  of extra noise; wvrgcal turns it into phase noise on that antenna.
* Residual target phases: every antenna but antenna 0 carries a slowly
  varying phase on the target fields only (``target_phase_error_deg``), in
  the sky model, so the phase calibrator's solutions cannot remove it and
  the calibrated target is decorrelated: what self-calibration repairs.
"""

from __future__ import annotations

import numpy as np

from .config import SyntheticConfig


def tsys_fault_active(cfg: SyntheticConfig) -> bool:
    return cfg.tsys_fault_antenna >= 0


def phase_jump_active(cfg: SyntheticConfig) -> bool:
    return cfg.phase_jump_antenna >= 0


def tsys_fault_baseband(
    cfg: SyntheticConfig, science_basebands: list[int]
) -> int | None:
    """The baseband the Tsys fault is in (the science window's, by index)."""
    if not tsys_fault_active(cfg):
        return None
    return science_basebands[cfg.tsys_fault_spw]


def tsys_fault_window(cfg: SyntheticConfig, start_mjd_s: float) -> tuple[float, float]:
    """``(start, stop)`` of the bad-Tsys interval in MJD seconds."""
    return start_mjd_s + cfg.tsys_fault_start_s, start_mjd_s + cfg.tsys_fault_stop_s


def tsys_multiplier(
    cfg: SyntheticConfig,
    baseband: int,
    fault_baseband: int | None,
    antenna: np.ndarray,
    time_mjd_s: np.ndarray,
    start_mjd_s: float,
) -> np.ndarray:
    """Factor on each row's antenna Tsys (1 outside the fault)."""
    out = np.ones(np.shape(antenna), dtype=float)
    if fault_baseband is None or baseband != fault_baseband:
        return out
    lo, hi = tsys_fault_window(cfg, start_mjd_s)
    hit = (
        (np.asarray(antenna) == cfg.tsys_fault_antenna)
        & (time_mjd_s >= lo)
        & (time_mjd_s <= hi)
    )
    out[hit] = cfg.tsys_fault_factor
    return out


def row_tsys_factor(
    cfg: SyntheticConfig,
    baseband: int,
    fault_baseband: int | None,
    ant1: np.ndarray,
    ant2: np.ndarray,
    time_mjd_s: np.ndarray,
    start_mjd_s: float,
) -> np.ndarray:
    """sqrt(m_i m_j) per row: how much a baseline's noise grows and its raw
    amplitude shrinks under the Tsys fault."""
    m1 = tsys_multiplier(cfg, baseband, fault_baseband, ant1, time_mjd_s, start_mjd_s)
    m2 = tsys_multiplier(cfg, baseband, fault_baseband, ant2, time_mjd_s, start_mjd_s)
    return np.sqrt(m1 * m2)


def phase_jump_deg(
    cfg: SyntheticConfig, n_ant: int, times_from_start_s: np.ndarray
) -> np.ndarray:
    """Extra gain phase [antenna, time] in degrees at the LO frequency."""
    out = np.zeros((n_ant, np.size(times_from_start_s)))
    if phase_jump_active(cfg):
        after = np.asarray(times_from_start_s) >= cfg.phase_jump_s
        out[cfg.phase_jump_antenna, after] = cfg.phase_jump_deg
    return out


def target_phase_active(cfg: SyntheticConfig) -> bool:
    return cfg.target_phase_error_deg > 0


def target_phase_terms(cfg: SyntheticConfig, n_ant: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-antenna constant phase (deg) and sinusoid phase offset (rad).

    Drawn from their own generator so that adding them leaves every other
    random draw of the EB as it was. Antenna 0: none (the reference).
    """
    rng = np.random.default_rng([cfg.seed, 3])
    offsets = rng.uniform(-cfg.target_phase_error_deg, cfg.target_phase_error_deg, n_ant)
    starts = rng.uniform(0, 2 * np.pi, n_ant)
    offsets[0] = 0.0
    return offsets, starts


def target_phase_deg(cfg: SyntheticConfig, n_ant: int, times_from_start_s: np.ndarray) -> np.ndarray:
    """Residual phase [antenna, time] in degrees on the target fields."""
    t = np.asarray(times_from_start_s, dtype=float)
    out = np.zeros((n_ant, t.size))
    if not target_phase_active(cfg):
        return out
    offsets, starts = target_phase_terms(cfg, n_ant)
    wander = 0.5 * cfg.target_phase_error_deg * np.sin(2 * np.pi * t[None, :] / cfg.target_phase_period_s + starts[:, None])
    out = offsets[:, None] + wander
    out[0] = 0.0
    return out


def target_phase_factor(
    cfg: SyntheticConfig, n_ant: int, ant1: np.ndarray, ant2: np.ndarray, times_from_start_s: np.ndarray
) -> np.ndarray:
    """exp(i (phi_1(t) - phi_2(t))) per row: what multiplies a target visibility."""
    t = np.asarray(times_from_start_s, dtype=float)
    phases = np.radians(target_phase_deg(cfg, n_ant, t))
    cols = np.arange(t.size)
    return np.exp(1j * (phases[ant1, cols] - phases[ant2, cols]))


def faults_truth(
    cfg: SyntheticConfig,
    antenna_names: list[str],
    science: list,
    tsys_spws: list,
    start_mjd_s: float,
    end_mjd_s: float,
) -> list[dict]:
    """What was injected, in the MS's own ids and MJD seconds."""
    out = []
    if tsys_fault_active(cfg):
        bb = science[cfg.tsys_fault_spw].baseband
        lo, hi = tsys_fault_window(cfg, start_mjd_s)
        out.append(
            {
                "kind": "tsys",
                "antenna": antenna_names[cfg.tsys_fault_antenna],
                "antenna_id": cfg.tsys_fault_antenna,
                "science_spws": [s.spw_id for s in science if s.baseband == bb],
                "tsys_spws": [s.spw_id for s in tsys_spws if s.baseband == bb],
                "start_mjd_s": lo,
                "stop_mjd_s": min(hi, end_mjd_s),
                "factor": cfg.tsys_fault_factor,
            }
        )
    if phase_jump_active(cfg):
        out.append(
            {
                "kind": "phase_jump",
                "antenna": antenna_names[cfg.phase_jump_antenna],
                "antenna_id": cfg.phase_jump_antenna,
                "time_mjd_s": start_mjd_s + cfg.phase_jump_s,
                "jump_deg": cfg.phase_jump_deg,
            }
        )
    if target_phase_active(cfg):
        offsets, _ = target_phase_terms(cfg, len(antenna_names))
        out.append(
            {
                "kind": "target_phase",
                "max_deg": cfg.target_phase_error_deg,
                "period_s": cfg.target_phase_period_s,
                "offset_deg": {name: round(float(v), 3) for name, v in zip(antenna_names, offsets)},
            }
        )
    if cfg.wvr_noise_antenna >= 0:
        out.append(
            {
                "kind": "wvr_noise",
                "antenna": antenna_names[cfg.wvr_noise_antenna],
                "antenna_id": cfg.wvr_noise_antenna,
                "noise_k": cfg.wvr_noise_k,
            }
        )
    return out
