"""Turn model visibilities into raw-looking ALMA data.

Order matters: sky model + thermal noise at the radiometer-equation level
(on the calibrated scale) -> per-antenna bandpass and time-variable complex
gains (casatools' simulator, through calibration tables it can apply) ->
division by sqrt(Tsys_i Tsys_j), which is what ``gencal(caltype='tsys')`` +
applycal multiply back. Calibration undoes the last two, leaving exactly
the noise the truth file records.

The simulator cannot invent a bandpass in CASA 6.7 (``sm.setbandpass`` is
disabled), so a bandpass table is solved on noisy, uncorrupted data to get
the right structure, overwritten with the injected shapes, and applied with
``sm.setapply``. Solving needs noise in the data (a noise-free solve fails
with "CHI2 IS SPURIOUSLY ZERO"), hence noise goes in first.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .. import casa_env
from .atmosphere import TsysModel, radiometer_sigma_jy, wvr_brightness_k
from . import faults
from .config import SyntheticConfig
from .layout import Layout, SpwPlan

#: Slow phase wander of each antenna (degrees at the band's LO frequency)
#: and its time scales: several minutes, so that linear interpolation
#: between phase-calibrator visits follows it to a few degrees, as it does
#: in decent weather. Amplitude wanders by ~1 %: fluxscale assumes gains
#: are stable between the flux and phase calibrator scans, and a larger
#: drift shows up one-to-one as a flux-scale error (measured: 4 % -> 3 %).
PHASE_WANDER_DEG = 25.0
WANDER_PERIODS_S = (400.0, 700.0, 1100.0)
AMPLITUDE_WANDER = 0.01


@contextmanager
def _open_for_writing(path: Path) -> Iterator:
    """A casatools table open for writing, closed however the block ends."""
    tb = casa_env.casatools().table()
    tb.open(str(path), nomodify=False)
    try:
        yield tb
    finally:
        tb.close()


@contextmanager
def _selection(tb, query: str) -> Iterator:
    """Rows of ``tb`` matching a TaQL query (one window at a time: reading
    windows of different channel counts together aborts casatools)."""
    sel = tb.query(query)
    try:
        yield sel
    finally:
        sel.close()


def _sigma_rows(
    ant1: np.ndarray, ant2: np.ndarray, tsys: np.ndarray, spw: SpwPlan, cfg: SyntheticConfig
) -> np.ndarray:
    """Radiometer noise [chan, row] from per-antenna Tsys [ant, chan]."""
    return radiometer_sigma_jy(
        tsys[ant1].T, tsys[ant2].T, cfg.dish_m, spw.chan_width_hz, cfg.integration_s
    )


#: One Hanning-smoothed channel keeps sqrt(3/8) of the native noise
#: (weights 1/4, 1/2, 1/4: variance 1/16 + 1/4 + 1/16 = 3/8).
HANNING_SIGMA_FACTOR = math.sqrt(3 / 8)


def hanning_smoothed_noise(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Complex unit-variance noise [corr, chan, row], Hanning-smoothed along channels.

    Drawn at native resolution (two extra edge channels, so every channel
    is smoothed over three) and smoothed as ALMA's correlator does online:
    each channel's variance drops to 3/8, neighbours correlate by 2/3 and
    next neighbours by 1/6. The result is scaled back to unit variance; the
    caller multiplies by the smoothed sigma.
    """
    ncorr, nchan, nrow = shape
    raw = rng.standard_normal((ncorr, nchan + 2, nrow)) + 1j * rng.standard_normal((ncorr, nchan + 2, nrow))
    smoothed = 0.25 * raw[:, :-2] + 0.5 * raw[:, 1:-1] + 0.25 * raw[:, 2:]
    return smoothed / HANNING_SIGMA_FACTOR


def add_noise(
    ms: Path,
    cfg: SyntheticConfig,
    spws: tuple[SpwPlan, ...],
    tsys: TsysModel,
    dd_of_spw: dict[int, int],
    rng: np.random.Generator,
    start_mjd_s: float = 0.0,
    fault_baseband: int | None = None,
) -> None:
    """DATA = MODEL_DATA + thermal noise.

    Calibrated-scale data: the noise of a baseline follows the Tsys of its
    two antennas at each channel. The noise is Hanning-smoothed along the
    channels as ALMA's correlator smooths online, so a channel's sigma is
    that of its effective bandwidth (8/3 of the channel width, what
    EFFECTIVE_BW records) and neighbouring channels are correlated. WEIGHT
    and SIGMA describe that noise, as calibrated data's weights would after
    applycal(calwt=True).
    """
    with _open_for_writing(ms) as tb:
        for spw in spws:
            with _selection(tb, f"DATA_DESC_ID=={dd_of_spw[spw.spw_id]}") as sel:
                if sel.nrows() == 0:
                    continue
                a1, a2 = sel.getcol("ANTENNA1"), sel.getcol("ANTENNA2")
                t = tsys.per_antenna(spw.tsys_slot, np.asarray(spw.chan_freqs_hz()))
                sigma = _sigma_rows(a1, a2, t, spw, cfg)
                sigma = sigma * faults.row_tsys_factor(
                    cfg, spw.baseband, fault_baseband, a1, a2, sel.getcol("TIME"), start_mjd_s
                )[None]
                base = sel.getcol("MODEL_DATA")
                shape = base.shape
                noise = hanning_smoothed_noise(rng, shape)
                sel.putcol("DATA", (base + noise * sigma[None] * HANNING_SIGMA_FACTOR).astype(np.complex64))
                row_sigma = np.repeat(sigma.mean(axis=0)[None], shape[0], axis=0) * HANNING_SIGMA_FACTOR
                sel.putcol("SIGMA", row_sigma.astype(np.float32))
                sel.putcol("WEIGHT", (1.0 / row_sigma**2).astype(np.float32))


def scale_by_tsys(
    ms: Path,
    spws: tuple[SpwPlan, ...],
    tsys: TsysModel,
    dd_of_spw: dict[int, int],
    cfg: SyntheticConfig | None = None,
    start_mjd_s: float = 0.0,
    fault_baseband: int | None = None,
) -> None:
    """Divide by sqrt(Tsys_i Tsys_j): raw data in correlation-coefficient-like
    units, which the Tsys calibration multiplies back.

    WEIGHT and SIGMA follow: raw ALMA weights do not know Tsys (they are
    2 dnu dt up to a constant), so after scaling every baseline of a window
    has the same weight, and applycal(calwt=True) restores 1/sigma^2.
    """
    with _open_for_writing(ms) as tb:
        for spw in spws:
            with _selection(tb, f"DATA_DESC_ID=={dd_of_spw[spw.spw_id]}") as sel:
                if sel.nrows() == 0:
                    continue
                a1, a2 = sel.getcol("ANTENNA1"), sel.getcol("ANTENNA2")
                t = tsys.per_antenna(spw.tsys_slot, np.asarray(spw.chan_freqs_hz()))
                factor = np.sqrt(t[a1].T * t[a2].T)  # [chan, row]
                if cfg is not None:
                    factor = factor * faults.row_tsys_factor(
                        cfg, spw.baseband, fault_baseband, a1, a2, sel.getcol("TIME"), start_mjd_s
                    )[None]
                sel.putcol("DATA", (sel.getcol("DATA") / factor[None]).astype(np.complex64))
                sel.putcol(
                    "SIGMA", (sel.getcol("SIGMA") / factor.mean(axis=0)[None]).astype(np.float32)
                )
                sel.putcol(
                    "WEIGHT",
                    (sel.getcol("WEIGHT") * factor.mean(axis=0)[None] ** 2).astype(np.float32),
                )


def bandpass_shapes(rng: np.random.Generator, n_ant: int, spw: SpwPlan) -> np.ndarray:
    """Injected complex bandpass [pol, chan, antenna] for one window.

    Amplitude: a per-antenna/pol scale (0.8-1.2, what gain calibration
    absorbs), a gentle slope, a ripple and a roll-off at the window edges.
    Phase: a delay-like slope and a small ripple. Smooth on the scale of a
    few channels, as real ALMA bandpasses are.
    """
    x = np.linspace(-1, 1, spw.nchan)
    out = np.empty((spw.ncorr, spw.nchan, n_ant), dtype=np.complex128)
    for a in range(n_ant):
        for p in range(spw.ncorr):
            scale = rng.uniform(0.8, 1.2)
            ripple = 0.05 * np.sin(2 * np.pi * (rng.uniform(1.5, 3.0) * x + rng.uniform(0, 1)))
            rolloff = 1 - 0.25 * np.abs(x) ** 8
            amp = scale * (1 + rng.uniform(-0.08, 0.08) * x + ripple) * rolloff
            phase = np.radians(
                rng.uniform(-30, 30) * x + 5 * np.sin(2 * np.pi * rng.uniform(1, 2) * x)
            )
            out[p, :, a] = amp * np.exp(1j * phase)
    return out


def make_bandpass_table(
    ms: Path, layout: Layout, out: Path, rng: np.random.Generator, n_ant: int
) -> None:
    """Solve a bandpass template on the bandpass calibrator, then overwrite
    its solutions with the injected shapes."""
    tasks = casa_env.casatasks()
    shutil.rmtree(out, ignore_errors=True)
    sci = ",".join(str(s.spw_id) for s in layout.data_windows)
    bp_field = layout.fields_with_role("bandpass")[0].field_id
    tasks.bandpass(
        vis=str(ms), caltable=str(out), field=str(bp_field), spw=sci,
        solint="inf", combine="scan", refant="0", minsnr=0.0, solnorm=False, minblperant=2,
    )  # fmt: skip
    with _open_for_writing(out) as tb:
        for spw in layout.data_windows:
            shapes = bandpass_shapes(rng, n_ant, spw)
            with _selection(tb, f"SPECTRAL_WINDOW_ID=={spw.spw_id}") as sel:
                ants = sel.getcol("ANTENNA1")
                cparam = sel.getcol("CPARAM")
                sel.putcol("CPARAM", shapes[:, :, ants].reshape(cparam.shape))
                sel.putcol("FLAG", np.zeros(cparam.shape, dtype=bool))
                sel.putcol("PARAMERR", np.zeros(cparam.shape, dtype=np.float32))


def gain_curves(rng: np.random.Generator, n_ant: int, times_s: np.ndarray) -> np.ndarray:
    """Complex gain [antenna, time] at the band's LO frequency.

    A random static phase (instrumental), a slow wander made of a few
    long-period sinusoids (atmosphere), and a slow amplitude drift.
    ``sm.setgain(mode='fbm')`` was tried and rejected: its wander is fast
    enough (tens of degrees in 20 s) that no phase referencing recovers
    the target flux to a few percent.
    """
    out = np.empty((n_ant, times_s.size), dtype=np.complex128)
    for a in range(n_ant):
        phase = np.full(times_s.size, rng.uniform(-180, 180))
        amp = np.ones(times_s.size)
        for period in WANDER_PERIODS_S:
            phase += (
                PHASE_WANDER_DEG
                / len(WANDER_PERIODS_S)
                * 1.7
                * np.sin(2 * np.pi * (times_s / period + rng.uniform(0, 1)))
            )
            amp += (
                AMPLITUDE_WANDER
                / len(WANDER_PERIODS_S)
                * 1.7
                * np.sin(2 * np.pi * (times_s / period + rng.uniform(0, 1)))
            )
        if a == 0:
            # Keep the first antenna steady in phase: a good reference antenna.
            phase[:] = 0.0
        out[a] = amp * np.exp(1j * np.radians(phase))
    return out


def make_gain_table(
    ms: Path,
    layout: Layout,
    out: Path,
    rng: np.random.Generator,
    n_ant: int,
    lo_hz: float,
    setup_offset_deg: np.ndarray | None = None,
    cfg: SyntheticConfig | None = None,
    start_mjd_s: float | None = None,
) -> dict[int, np.ndarray]:
    """Solve a per-integration gain template, then overwrite it with
    :func:`gain_curves`, phases scaled to each window's frequency (a path
    length delay is the same in every window).

    ``setup_offset_deg`` [antenna] is added to the science windows only: the
    phase offset between the science and reference setups of a band-to-band
    or bandwidth-switching EB. Returns the constant (non-dispersive) phase
    of each window per antenna, in degrees, before antenna 0 is zeroed.
    """
    tasks = casa_env.casatasks()
    shutil.rmtree(out, ignore_errors=True)
    sci = ",".join(str(s.spw_id) for s in layout.data_windows)
    tasks.gaincal(
        vis=str(ms), caltable=str(out), spw=sci, solint="int", refant="0",
        calmode="ap", minsnr=0.0, minblperant=2,
    )  # fmt: skip
    with _open_for_writing(out) as tb:
        times = tb.getcol("TIME")
        t0 = times.min()
        grid = np.unique(times)
        curves = gain_curves(rng, n_ant, grid - t0)
        spw_offsets = {s.spw_id: rng.uniform(-40, 40, n_ant) for s in layout.science}
        spw_offsets.update({s.spw_id: rng.uniform(-40, 40, n_ant) for s in layout.reference})
        if setup_offset_deg is not None:
            for s in layout.science:
                spw_offsets[s.spw_id] = spw_offsets[s.spw_id] + setup_offset_deg
        # Phase continuous in time: scaling a wrapped phase by a frequency
        # ratio far from 1 (band-to-band reference windows) would put jumps
        # into it. Unchanged for EBs without reference windows.
        phases = np.unwrap(np.angle(curves), axis=1) if layout.reference else np.angle(curves)
        if cfg is not None and faults.phase_jump_active(cfg):
            since = grid - (t0 if start_mjd_s is None else start_mjd_s)
            phases = phases + np.radians(faults.phase_jump_deg(cfg, n_ant, since))
        for spw in layout.data_windows:
            with _selection(tb, f"SPECTRAL_WINDOW_ID=={spw.spw_id}") as sel:
                ants, t = sel.getcol("ANTENNA1"), sel.getcol("TIME")
                cparam = sel.getcol("CPARAM")
                idx = np.searchsorted(grid, t)
                g = curves[ants, idx]
                ratio = spw.centre_hz / lo_hz
                g = np.abs(g) * np.exp(
                    1j * (ratio * phases[ants, idx] + np.radians(spw_offsets[spw.spw_id][ants]))
                )
                g[ants == 0] = np.abs(g[ants == 0])
                sel.putcol("CPARAM", np.broadcast_to(g[None, None, :], cparam.shape).copy())
                sel.putcol("FLAG", np.zeros(cparam.shape, dtype=bool))
    return spw_offsets


def apply_gains_and_bandpass(
    ms: Path, cfg: SyntheticConfig, layout: Layout, bandpass_table: Path, gains_table: Path
) -> None:
    """DATA = G(t) B(nu) MODEL for the science windows, via the simulator."""
    sm = casa_env.casatools().simulator()
    try:
        sm.openfromms(str(ms))
        sm.setdata(
            spwid=[s.spw_id for s in layout.data_windows],
            fieldid=[f.field_id for f in layout.fields],
        )
        sm.setseed(cfg.seed)
        sm.setapply(table=str(gains_table), type="G", calwt=False, interp="linear")
        sm.setapply(table=str(bandpass_table), type="B", calwt=False, interp="nearest")
        sm.corrupt()
    finally:
        sm.close()


def fill_ch_avg(ms: Path, layout: Layout, dd_of_spw: dict[int, int]) -> None:
    """Each CH_AVG window holds the channel average of its full-res partner.

    Rows are matched on (time, antenna1, antenna2): both windows were
    observed over the same visits.
    """
    def order(sel):
        return np.lexsort((sel.getcol("ANTENNA2"), sel.getcol("ANTENNA1"), sel.getcol("TIME")))

    with _open_for_writing(ms) as tb:
        for avg in layout.spws_with_role("ch_avg"):
            with (
                _selection(tb, f"DATA_DESC_ID=={dd_of_spw[avg.partner]}") as full,
                _selection(tb, f"DATA_DESC_ID=={dd_of_spw[avg.spw_id]}") as part,
            ):
                if part.nrows() == 0:
                    continue
                of, op = order(full), order(part)
                data = full.getcol("DATA")[:, :, of].mean(axis=1, keepdims=True)
                out = np.empty_like(data)
                out[:, :, op] = data
                weight = full.getcol("WEIGHT")[:, of] * layout.spw(avg.partner).nchan
                w_out = np.empty_like(weight)
                w_out[:, op] = weight
                part.putcol("DATA", out.astype(np.complex64))
                part.putcol("WEIGHT", w_out.astype(np.float32))
                part.putcol("SIGMA", (1 / np.sqrt(w_out)).astype(np.float32))


def fill_autocorrelations(
    ms: Path, layout: Layout, dd_of_spw: dict[int, int], raw: bool, tsys: TsysModel
) -> None:
    """Autocorrelations of correlator windows: real, positive, flat.

    Raw ALMA autocorrelations are normalised total power (about 1); after
    Tsys calibration they read about Tsys. Nothing calibrates them, but
    they must look plausible to anyone who plots them.
    """
    with _open_for_writing(ms) as tb:
        for spw in layout.spws:
            if spw.role == "wvr":
                continue
            query = f"DATA_DESC_ID=={dd_of_spw[spw.spw_id]} && ANTENNA1==ANTENNA2"
            with _selection(tb, query) as sel:
                if sel.nrows() == 0:
                    continue
                a = sel.getcol("ANTENNA1")
                shape = sel.getcol("DATA").shape
                if raw:
                    values = np.ones(shape)
                else:
                    t = tsys.per_antenna(spw.tsys_slot, np.asarray(spw.chan_freqs_hz()))
                    values = np.broadcast_to(t[a].T[None], shape)
                sel.putcol("DATA", values.astype(np.complex64))


def fill_wvr(
    ms: Path,
    layout: Layout,
    dd_of_spw: dict[int, int],
    elevation_of_row,
    rng: np.random.Generator,
    cfg: SyntheticConfig | None = None,
) -> None:
    """WVR autocorrelations: sky brightness in K for the row's elevation.

    Every antenna sees the same atmosphere (plus a small constant offset
    per antenna): the phase corrections wvrgcal derives are then nearly
    common to all antennas and do not add phase noise the simulated gains
    do not contain, while the data are real radiometer-like numbers.
    """
    query = f"DATA_DESC_ID=={dd_of_spw[layout.wvr.spw_id]} && ANTENNA1==ANTENNA2"
    with _open_for_writing(ms) as tb, _selection(tb, query) as sel:
        a = sel.getcol("ANTENNA1")
        elevation = elevation_of_row(sel.getcol("TIME"), sel.getcol("FIELD_ID"))
        tb_k = wvr_brightness_k(elevation)  # [row, chan]
        offsets = rng.uniform(-0.05, 0.05, a.max() + 1)
        values = (tb_k + offsets[a][:, None]).T[None]  # [1, chan, row]
        if cfg is not None and cfg.wvr_noise_antenna >= 0:
            # A noisy radiometer (faults.py): drawn only when asked, so
            # fault-free EBs keep their random streams.
            bad = a == cfg.wvr_noise_antenna
            values[0][:, bad] += cfg.wvr_noise_k * rng.standard_normal((values.shape[1], bad.sum()))
        sel.putcol("DATA", values.astype(np.complex64))
        sel.putcol("FLAG", np.zeros(values.shape, dtype=bool))


def flagged_fraction(ms: Path) -> float:
    """Fraction of flagged visibilities (the simulator flags shadowing)."""
    tb = casa_env.casatools().table()
    tb.open(str(ms))
    try:
        flags = tb.getcol("FLAG_ROW")
        return float(np.mean(flags)) if flags.size else math.nan
    finally:
        tb.close()
