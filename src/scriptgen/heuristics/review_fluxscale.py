"""Fluxscale results against the catalogue fluxes the EB recorded.

fluxscale derives the flux of each transfer calibrator (phase and bandpass
quasars) from the flux calibrator; the observatory's catalogue recorded in
the EB (ASDM_SOURCE) says what those quasars were measured at weeks
before. A derived flux far from the catalogue value points at a problem in
the flux transfer (a bad antenna or window in the amplitude gains, a wrong
flux-calibrator model) or at a quasar that varied: the analyst must look
either way. The ALMA pipeline's hifa_gfluxscale reports the same ratio
(derived / catalogue) in its weblog.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: ALMA's absolute flux-scale accuracy by frequency (ALMA Technical
#: Handbook: 5 % in Bands 3-5, 10 % in Bands 6-8, 20 % in Bands 9-10); the
#: upper edge of each range in Hz.
FLUX_ACCURACY_BY_FREQ = ((211e9, 0.05), (500e9, 0.10), (math.inf, 0.20))

#: A derived flux disagrees with the catalogue when it departs by more than
#: this many times the quadrature sum of the flux-scale accuracy and the
#: catalogue's own recorded relative uncertainty (a 2-sigma disagreement;
#: this module's choice).
FLUXSCALE_SIGMA = 2.0


def flux_accuracy(freq_hz: float) -> float:
    """Absolute flux-scale accuracy (fraction) at ``freq_hz``."""
    return next(acc for edge, acc in FLUX_ACCURACY_BY_FREQ if freq_hz <= edge)


@dataclass(frozen=True)
class FluxscaleCheck:
    """One transfer field and window: derived against catalogue flux."""

    field: str
    spw: int
    freq_ghz: float
    derived_jy: float
    catalogue_jy: float
    ratio: float
    tolerance: float
    ok: bool
    reason: str


def fluxscale_check(
    field: str,
    spw: int,
    freq_hz: float,
    derived_jy: float,
    catalogue_jy: float,
    catalogue_err_jy: float | None = None,
) -> FluxscaleCheck:
    """Compare one derived flux with the catalogue value at its frequency."""
    accuracy = flux_accuracy(freq_hz)
    catalogue_rel = (catalogue_err_jy / catalogue_jy) if catalogue_err_jy and catalogue_jy > 0 else 0.0
    tolerance = FLUXSCALE_SIGMA * math.hypot(accuracy, catalogue_rel)
    ratio = derived_jy / catalogue_jy if catalogue_jy > 0 else math.nan
    ok = math.isfinite(ratio) and abs(ratio - 1.0) <= tolerance
    reason = (
        f"{field} spw {spw} at {freq_hz / 1e9:.2f} GHz: fluxscale {derived_jy:.4g} Jy, catalogue "
        f"{catalogue_jy:.4g} Jy (ratio {ratio:.3f}; tolerance +-{100 * tolerance:.1f} % = "
        f"{FLUXSCALE_SIGMA:g} x (flux-scale accuracy {100 * accuracy:.0f} %, ALMA Technical Handbook, "
        f"and the catalogue's {100 * catalogue_rel:.0f} % in quadrature))"
    )
    if not ok:
        reason += ": check the amplitude gains of this window and the flux calibrator's model, or the quasar varied"
    return FluxscaleCheck(
        field, spw, round(freq_hz / 1e9, 4), derived_jy, round(catalogue_jy, 5), round(ratio, 4),
        round(tolerance, 4), ok, reason,
    )
