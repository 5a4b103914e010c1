"""ALMA's online Hanning smoothing: how wide a channel is for the noise.

The ALMA correlators Hanning-smooth the spectrum online (weights 1/4, 1/2,
1/4 over native channels) and may then average N = 2, 4, 8 or 16 channels.
Smoothing correlates neighbouring channels and lowers each channel's
noise, so the bandwidth that enters the radiometer equation (the MS's
``EFFECTIVE_BW``) is wider than the channel: 8/3 = 2.667 x at N = 1,
1.600 x (N = 2), 1.231 x (4), 1.104 x (8), 1.049 x (16) (ALMA pipeline
``imageparams_base.get_bw_corr_factor``; ALMA Technical Handbook).

Where the numbers come from: with white noise of variance s^2 per native
channel, one Hanning channel has variance 3/8 s^2 and neighbours covary by
1/4 and 1/16 s^2. A sum of M >= 2 consecutive smoothed channels then has
variance (M - 3/4) s^2, so the mean of M native channels has the noise of
an unsmoothed channel M^2 / (M - 3/4) native channels wide. The same
formula gives the noise bandwidth of an image channel that averages k MS
channels of an EB averaged N-fold online (M = k N). Pure functions, no CASA.
"""

from __future__ import annotations

__all__ = [
    "ONLINE_AVERAGING_FACTORS",
    "hanning_noise_width",
    "online_averaging_from_ratio",
    "noise_bandwidth_hz",
]

#: The online channel-averaging factors ALMA's correlators offer.
ONLINE_AVERAGING_FACTORS = (1, 2, 4, 8, 16)

#: How close EFFECTIVE_BW / CHAN_WIDTH must come to a Hanning factor to
#: identify N: the factors for N = 8 and 16 differ by 5 %, so 1.5 % tells
#: them apart while tolerating rounded widths.
_RATIO_TOLERANCE = 0.015


def hanning_noise_width(n_native: float) -> float:
    """Noise bandwidth of ``n_native`` Hanning-smoothed native channels, in native channels.

    1 channel -> 8/3 (one smoothed channel); M >= 2 -> M^2 / (M - 3/4).
    Fractional M (an image channel not a whole number of channels wide) is
    interpolated by the same expression above 1.
    """
    if n_native <= 0:
        raise ValueError(f"channel count must be positive, not {n_native}")
    if n_native < 2:
        # Between one channel (8/3) and two (3.2): linear, never below M.
        return 8 / 3 + (n_native - 1) * (3.2 - 8 / 3) if n_native >= 1 else 8 / 3 * n_native
    return n_native**2 / (n_native - 0.75)


def online_averaging_from_ratio(ratio: float) -> int | None:
    """N from EFFECTIVE_BW / CHAN_WIDTH, or None when the ratio is no Hanning factor.

    A ratio of 1 (an MS that records the channel width as its effective
    bandwidth, e.g. simulated data) is not Hanning smoothing and gives None.
    """
    for n in ONLINE_AVERAGING_FACTORS:
        factor = hanning_noise_width(n) / n
        if abs(ratio / factor - 1) <= _RATIO_TOLERANCE:
            return n
    return None


def noise_bandwidth_hz(width_hz: float, chan_width_hz: float, online_averaging: int | None) -> float:
    """The radiometer-equation bandwidth of an image channel ``width_hz`` wide.

    ``chan_width_hz`` is the MS channel width and ``online_averaging`` the N
    it was averaged by online. Without N (not Hanning-smoothed, or unknown)
    the width itself is returned. An image channel narrower than an MS
    channel (regridding finer than the data) has the noise of one MS
    channel: interpolation adds no independent samples.
    """
    width = abs(float(width_hz))
    chan = abs(float(chan_width_hz))
    if not online_averaging or chan <= 0:
        return width
    native = chan / online_averaging
    return hanning_noise_width(max(width, chan) / native) * native
