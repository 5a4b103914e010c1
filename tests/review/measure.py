"""What the review's before/after comparison measures, from calibrated data."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def phase_scatter_deg(ms: Path, field_id: int) -> dict[int, float]:
    """Rms phase (degrees, about 0) of a point-source field's calibrated
    visibilities per spw of ``ms``: each baseline and integration averaged
    over channels and polarisations, flagged data left out. Ideally phases
    are 0 up to noise; a decorrelated antenna or a noisy one widens the
    distribution. Rms, not a robust scatter: the faults touch a minority of
    the data, which is exactly what a robust statistic would ignore."""
    from scriptgen import casa_env

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
