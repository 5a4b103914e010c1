"""Reading calibrated data back from an MS, for the CASA-run tests.

Fluxes are measured from the visibilities: the synthetic calibrators and
single-field targets are point sources at the phase centre, so the mean
real part of the calibrated visibilities is their flux density, and their
phases are 0 up to noise and calibration errors. Data are read one
DATA_DESC_ID at a time: reading across windows of different shapes aborts
casatools (see casa-simulation-facts).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scriptgen import casa_env


def field_ids(vis: str | Path, name: str) -> list[int]:
    md = casa_env.casatools().msmetadata()
    md.open(str(vis))
    try:
        return [int(i) for i in md.fieldsforname(name)]
    finally:
        md.close()


def mean_real(vis: str | Path, field_name: str, column: str = "DATA") -> dict[int, float]:
    """Mean real part of the unflagged visibilities of a field, per DATA_DESC_ID.

    For a point source at the phase centre this is its flux density as the
    calibration put it on the data. Queried one DATA_DESC_ID at a time:
    windows of different widths cannot be read in one getcol.
    """
    tb = casa_env.casatools().table()
    ids = ",".join(str(i) for i in field_ids(vis, field_name))
    tb.open(str(vis))
    try:
        ddids = sorted(set(int(d) for d in tb.getcol("DATA_DESC_ID")))
        out = {}
        for dd in ddids:
            sel = tb.query(f"FIELD_ID IN [{ids}] && DATA_DESC_ID=={dd} && !FLAG_ROW")
            try:
                if sel.nrows() == 0:
                    continue
                data = sel.getcol(column)
                flags = sel.getcol("FLAG")
            finally:
                sel.close()
            good = ~flags
            out[dd] = float(np.real(data[good]).mean()) if good.any() else float("nan")
        return out
    finally:
        tb.close()


def column(vis: str | Path, name: str) -> np.ndarray:
    """A whole data column, concatenated per DATA_DESC_ID (for comparisons)."""
    tb = casa_env.casatools().table()
    tb.open(str(vis))
    try:
        parts = []
        for dd in sorted(set(int(d) for d in tb.getcol("DATA_DESC_ID"))):
            sel = tb.query(f"DATA_DESC_ID=={dd}", sortlist="TIME,ANTENNA1,ANTENNA2")
            try:
                parts.append(sel.getcol(name).ravel())
            finally:
                sel.close()
        return np.concatenate(parts)
    finally:
        tb.close()


def mean_real_per_spw(ms: Path, field_id: int, column: str = "DATA") -> dict[int, float]:
    """Mean real part of unflagged visibilities of one field, per spw of ``ms``.

    Read per DATA_DESC_ID: reading across windows of different shapes aborts
    casatools (see casa-simulation-facts).
    """
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


def phase_scatter_deg(ms: Path, field_id: int) -> dict[int, float]:
    """Rms phase (degrees, about 0) of a point-source field's calibrated
    visibilities per spw of ``ms``: each baseline and integration averaged
    over channels and polarisations, flagged data left out. Ideally phases
    are 0 up to noise; a decorrelated antenna or a noisy one widens the
    distribution. Rms, not a robust scatter: the faults touch a minority of
    the data, which is exactly what a robust statistic would ignore."""
    tb = casa_env.casatools().table()
    tb.open(str(Path(ms) / "DATA_DESCRIPTION"))
    dd_spw = list(tb.getcol("SPECTRAL_WINDOW_ID"))
    tb.close()
    out = {}
    tb.open(str(ms))
    try:
        for dd, spw in enumerate(dd_spw):
            sub = tb.query(
                f"FIELD_ID=={field_id} && DATA_DESC_ID=={dd} && ANTENNA1!=ANTENNA2"
            )
            try:
                if sub.nrows() == 0:
                    continue
                data, flags = sub.getcol("DATA"), sub.getcol("FLAG")
            finally:
                sub.close()
            good = ~flags
            n = good.sum(axis=(0, 1))
            keep = n > 0
            mean = np.where(good, data, 0).sum(axis=(0, 1))[keep] / n[keep]
            phase = np.degrees(np.angle(mean))
            out[int(spw)] = float(np.sqrt(np.mean(phase**2)))
    finally:
        tb.close()
    return out
