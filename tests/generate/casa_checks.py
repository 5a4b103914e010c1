"""Running emitted scripts and measuring what they produced, for the CASA tests.

Scripts run through :mod:`scriptgen.runner` (plain ``python`` in a
subprocess, as an analyst with modular CASA would).
Fluxes are measured from the visibilities: the synthetic calibrators and
single-field targets are point sources at the phase centre, so the mean
real part of the calibrated visibilities is their flux density.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def mean_real_per_spw(ms: Path, field_id: int, column: str = "DATA") -> dict[int, float]:
    """Mean real part of unflagged visibilities of one field, per spw of ``ms``.

    Read per DATA_DESC_ID: reading across windows of different shapes aborts
    casatools (see casa-simulation-facts).
    """
    from scriptgen import casa_env

    ct = casa_env.casatools()
    tb = ct.table()
    tb.open(str(Path(ms) / "DATA_DESCRIPTION"))
    dd_spw = list(tb.getcol("SPECTRAL_WINDOW_ID"))
    tb.close()
    result = {}
    tb.open(str(ms))
    try:
        for dd, spw in enumerate(dd_spw):
            sub = tb.query(f"FIELD_ID=={field_id} && DATA_DESC_ID=={dd} && ANTENNA1!=ANTENNA2")
            try:
                if sub.nrows() == 0:
                    continue
                data = sub.getcol(column)
                flags = sub.getcol("FLAG")
            finally:
                sub.close()
            good = ~flags
            if good.any():
                result[int(spw)] = float(np.mean(data.real[good]))
    finally:
        tb.close()
    return result


def phase_scatter(ms: Path, field_id: int, column: str = "CORRECTED_DATA") -> tuple[float, float, int]:
    """How far a point source's calibrated phases scatter, and how far noise alone would.

    Per row, window and correlation the unflagged channels are averaged; the
    first number is the RMS of those averages' phases (degrees; a point
    source at the phase centre has phase 0). The second is the thermal part
    of it, from channel differences of the same data (a phase error common
    to the channels of an integration cancels in them), RMS over the same
    samples. The third is the number of samples.

    ALMA channels are Hanning-smoothed online, so neighbouring channels'
    noise is correlated (2/3 at one channel, 1/6 at two): the differences
    are taken three channels apart, where it is not, and the noise of a
    channel average is that of the effective bandwidth, larger by
    EFFECTIVE_BW / CHAN_WIDTH (8/3 at native resolution) than independent
    channels would give.
    """
    from scriptgen import casa_env

    tb = casa_env.casatools().table()
    tb.open(str(Path(ms) / "DATA_DESCRIPTION"))
    spw_of_dd = tb.getcol("SPECTRAL_WINDOW_ID")
    tb.close()
    n_dd = len(spw_of_dd)
    tb.open(str(Path(ms) / "SPECTRAL_WINDOW"))
    noise_bandwidth = [
        float(np.mean(np.abs(tb.getcell("EFFECTIVE_BW", s)) / np.abs(tb.getcell("CHAN_WIDTH", s))))
        for s in range(tb.nrows())
    ]
    tb.close()
    lag = 3
    phases, noise = [], []
    tb.open(str(ms))
    try:
        for dd in range(n_dd):
            sub = tb.query(f"FIELD_ID=={field_id} && DATA_DESC_ID=={dd} && ANTENNA1!=ANTENNA2")
            try:
                if sub.nrows() == 0:
                    continue
                data = sub.getcol(column)  # [corr, chan, row]
                flags = sub.getcol("FLAG")
            finally:
                sub.close()
            good = ~flags
            n = good.sum(axis=1)
            keep = n >= 4
            average = np.where(good, data, 0).sum(axis=1) / np.maximum(n, 1)
            diffs = data[:, lag:, :] - data[:, :-lag, :]
            both = good[:, lag:, :] & good[:, :-lag, :]
            n_diff = both.sum(axis=1)
            # Var(V[c+3] - V[c]) = 2 sigma^2 per complex channel (sigma^2 = re + im variance).
            var = (np.abs(np.where(both, diffs, 0)) ** 2).sum(axis=1) / np.maximum(n_diff, 1) / 2
            var_mean = var * noise_bandwidth[spw_of_dd[dd]] / np.maximum(n, 1)
            sigma_phase = np.sqrt(var_mean / 2) / np.maximum(np.abs(average), 1e-30)
            phases.append(np.angle(average[keep]))
            noise.append(sigma_phase[keep])
    finally:
        tb.close()
    phases = np.concatenate(phases)
    noise = np.concatenate(noise)
    rms = float(np.degrees(np.sqrt(np.mean(phases**2))))
    thermal = float(np.degrees(np.sqrt(np.mean(noise**2))))
    return rms, thermal, int(phases.size)
