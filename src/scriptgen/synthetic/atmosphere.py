"""System temperatures, WVR brightness and thermal noise, as plain numpy.

One smooth Tsys spectrum per antenna and baseband drives three things that
must agree for calibration to close: the SYSCAL table (what
``gencal(caltype='tsys')`` reads), the scaling of the raw visibilities (what
applying that table undoes) and the thermal noise (the radiometer
equation). Tsys is constant in time, so applycal's choice of time
interpolation cannot matter; it varies smoothly in frequency, so mapping a
TDM Tsys spectrum onto narrower FDM channels is accurate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .layout import BAND_TSYS_K

BOLTZMANN = 1.380649e-23
JY = 1e-26
#: Aperture efficiency for the radiometer equation (ALMA 12 m ~0.7;
#: used for 7 m too, which is close enough for test data).
APERTURE_EFFICIENCY = 0.7

#: Zenith opacity of each WVR channel per mm of precipitable water vapour,
#: from the line centre outwards; with T_atm they give brightness
#: temperatures of tens to ~200 K, the range wvrgcal expects.
WVR_TAU_PER_MM = (1.1, 0.5, 0.22, 0.09)
WVR_TATM_K = 275.0
WVR_TCMB_K = 2.73
PWV_MM = 1.2


@dataclass(frozen=True)
class TsysModel:
    """Tsys(antenna, baseband, frequency) = t0 * (1 + slope x + curve x^2).

    ``x`` is the offset from the baseband centre in GHz. Arrays are indexed
    [antenna, baseband - 1].
    """

    t0_k: np.ndarray
    slope: np.ndarray
    curve: np.ndarray
    bb_centre_hz: np.ndarray

    def spectrum(self, antenna: int, baseband: int, freqs_hz: np.ndarray) -> np.ndarray:
        b = baseband - 1
        x = (np.asarray(freqs_hz) - self.bb_centre_hz[b]) / 1e9
        return self.t0_k[antenna, b] * (
            1 + self.slope[antenna, b] * x + self.curve[antenna, b] * x**2
        )

    def per_antenna(self, baseband: int, freqs_hz: np.ndarray) -> np.ndarray:
        """Tsys [antenna, channel] for one baseband."""
        return np.stack([self.spectrum(a, baseband, freqs_hz) for a in range(self.t0_k.shape[0])])


def tsys_model(
    rng: np.random.Generator, band: int, n_ant: int, bb_centres_hz: list[float]
) -> TsysModel:
    """Per-antenna Tsys scattered by +-15 % around the band's typical value."""
    n_bb = len(bb_centres_hz)
    return TsysModel(
        t0_k=BAND_TSYS_K[band] * rng.uniform(0.85, 1.15, (n_ant, n_bb)),
        slope=rng.uniform(-0.06, 0.06, (n_ant, n_bb)),
        curve=rng.uniform(0.0, 0.03, (n_ant, n_bb)),
        bb_centre_hz=np.asarray(bb_centres_hz, dtype=float),
    )


def radiometer_sigma_jy(
    tsys_i: np.ndarray,
    tsys_j: np.ndarray,
    dish_m: float,
    chan_width_hz: float,
    integration_s: float,
) -> np.ndarray:
    """Rms of the real part of one visibility (one channel, pol, integration).

    sigma = 2 k sqrt(Tsys_i Tsys_j) / (eta A sqrt(2 dnu dt)); summed over
    N(N-1)/2 baselines this is the image-noise formula ALMA quotes.
    """
    area = math.pi * (dish_m / 2) ** 2
    denom = APERTURE_EFFICIENCY * area * math.sqrt(2 * abs(chan_width_hz) * integration_s)
    return 2 * BOLTZMANN * np.sqrt(tsys_i * tsys_j) / denom / JY


def wvr_brightness_k(elevation_rad: np.ndarray) -> np.ndarray:
    """WVR channel brightness [time, 4] for a plane-parallel atmosphere."""
    airmass = 1.0 / np.sin(np.clip(elevation_rad, math.radians(10), None))
    tau = np.outer(airmass, np.asarray(WVR_TAU_PER_MM) * PWV_MM)
    return WVR_TCMB_K + (WVR_TATM_K - WVR_TCMB_K) * (1 - np.exp(-tau))
