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
