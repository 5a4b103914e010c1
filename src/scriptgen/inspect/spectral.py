"""Spectral windows: the SPECTRAL_WINDOW, DATA_DESCRIPTION and POLARIZATION tables.

The main table refers to windows only through data description ids, and
the correlation products live in POLARIZATION, so the three are read
together here and joined into :class:`SpwInfo` (everything about a window
except the intents, which come from the scans).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import derive
from ..model import SpwKind
from .tables import open_table

#: casacore's Stokes enumeration (the integers stored in CORR_TYPE).
STOKES_NAMES = {
    1: "I", 2: "Q", 3: "U", 4: "V",
    5: "RR", 6: "RL", 7: "LR", 8: "LL",
    9: "XX", 10: "XY", 11: "YX", 12: "YY",
    13: "RX", 14: "RY", 15: "XR", 16: "XL", 17: "YR", 18: "YL",
    21: "PP", 22: "PQ", 23: "QP", 24: "QQ",
}  # fmt: skip

#: TDM windows span the whole 2 GHz baseband in at most 256 channels
#: (64/128/256 by polarisation mode, 31.25/15.625/7.8125 MHz wide). FDM
#: windows cover at most 1.875 GHz, so an FDM window averaged on line
#: (up to 16 channels) to 7.8 MHz channels is still told apart by its
#: bandwidth. Thresholds sit a little below the nominal values.
TDM_MAX_CHANNELS = 256
TDM_MIN_BANDWIDTH_HZ = 1.9e9
TDM_MIN_CHANNEL_WIDTH_HZ = 7.7e6

#: The WVR radiometer observes the 183.31 GHz water line in 4 channels.
WVR_LINE_RANGE_HZ = (175e9, 192e9)


@dataclass(frozen=True)
class SpwInfo:
    """One SPECTRAL_WINDOW row joined with its polarisation setup."""

    spw_id: int
    name: str
    kind: SpwKind
    nchan: int
    chan_width_hz: float
    bandwidth_hz: float
    ref_freq_hz: float
    centre_freq_hz: float
    band: int | None
    baseband: int | None
    corr_products: tuple[str, ...]
    effective_bw_hz: float | None = None


@dataclass(frozen=True)
class DataDescriptions:
    """DATA_DESCRIPTION: data description id -> spectral window id."""

    spw_of_ddid: tuple[int, ...]
    pol_of_ddid: tuple[int, ...]


def classify_window(name: str, nchan: int, chan_width_hz: float, bandwidth_hz: float,
                    centre_freq_hz: float) -> SpwKind:
    """The kind of a window, from the suffix importasdm gives its name, then its layout.

    The name decides when it can: ``#CH_AVG``, ``#SQLD`` and ``WVR`` are
    unambiguous. A ``#FULL_RES`` (or unnamed) window is a correlator window,
    TDM or FDM by its channel layout (see the thresholds above). An unnamed
    four-channel window at the 183 GHz water line is the WVR, an unnamed
    single-channel window a channel average. The same split as
    ``msmetadata.almaspws`` on ALMA data, without opening msmetadata.
    """
    upper = name.upper()
    if "WVR" in upper:
        return SpwKind.WVR
    if upper.endswith("#SQLD"):
        return SpwKind.SQLD
    if upper.endswith("#CH_AVG"):
        return SpwKind.CH_AVG
    full_res = upper.endswith("#FULL_RES")
    if not full_res:
        low, high = WVR_LINE_RANGE_HZ
        if nchan == 4 and low <= centre_freq_hz <= high:
            return SpwKind.WVR
        if nchan == 1:
            return SpwKind.CH_AVG
    if (
        nchan <= TDM_MAX_CHANNELS
        and bandwidth_hz >= TDM_MIN_BANDWIDTH_HZ
        and abs(chan_width_hz) >= TDM_MIN_CHANNEL_WIDTH_HZ
    ):
        return SpwKind.TDM
    return SpwKind.FDM


def signed_width(chan_freq: np.ndarray, chan_width: np.ndarray) -> float:
    """Channel width with the sign of the frequency axis.

    Some writers store CHAN_WIDTH positive even when frequency falls with
    channel number; the channel frequencies themselves never lie.
    """
    width = float(chan_width[0])
    if chan_freq.size > 1:
        direction = np.sign(chan_freq[-1] - chan_freq[0])
        if direction != 0:
            return abs(width) * float(direction)
    return width


def read_polarizations(ms: Path) -> tuple[tuple[str, ...], ...]:
    """POLARIZATION: the correlation products of each row, as Stokes names."""
    with open_table(ms / "POLARIZATION", label="POLARIZATION") as tb:
        if tb.nrows() == 0:
            return ()
        # CORR_TYPE varies in length between rows (WVR has one product).
        cells = [tb.getcell("CORR_TYPE", row) for row in range(tb.nrows())]
    return tuple(tuple(STOKES_NAMES.get(int(c), str(int(c))) for c in cell) for cell in cells)


def read_data_descriptions(ms: Path) -> DataDescriptions:
    with open_table(ms / "DATA_DESCRIPTION", label="DATA_DESCRIPTION") as tb:
        if tb.nrows() == 0:
            return DataDescriptions((), ())
        spw = tb.getcol("SPECTRAL_WINDOW_ID")
        pol = tb.getcol("POLARIZATION_ID")
    return DataDescriptions(tuple(int(s) for s in spw), tuple(int(p) for p in pol))


def _baseband(name: str, bbc_no: int | None) -> int | None:
    from_name = derive.baseband_from_name(name)
    if from_name is not None:
        return from_name
    # BBC_NO 0 means "not set" in importasdm output (the WVR window).
    return bbc_no if bbc_no else None


def read_spectral_windows(ms: Path, dds: DataDescriptions,
                          pols: tuple[tuple[str, ...], ...]) -> tuple[SpwInfo, ...]:
    """SPECTRAL_WINDOW rows, classified, with band, baseband and products.

    Channel frequencies are read cell by cell because windows have
    different channel counts (a column read across them is not possible).
    """
    with open_table(ms / "SPECTRAL_WINDOW", label="SPECTRAL_WINDOW") as tb:
        n = tb.nrows()
        names = [str(s) for s in tb.getcol("NAME")] if n else []
        nchans = tb.getcol("NUM_CHAN") if n else []
        ref = tb.getcol("REF_FREQUENCY") if n else []
        total_bw = tb.getcol("TOTAL_BANDWIDTH") if n else []
        bbc = tb.getcol("BBC_NO") if n and "BBC_NO" in tb.colnames() else None
        freqs = [np.asarray(tb.getcell("CHAN_FREQ", row), dtype=float) for row in range(n)]
        widths = [np.asarray(tb.getcell("CHAN_WIDTH", row), dtype=float) for row in range(n)]
        effective = [_median_abs(tb, "EFFECTIVE_BW", row) for row in range(n)]

    first_pol: dict[int, int] = {}
    for ddid, spw_id in enumerate(dds.spw_of_ddid):
        first_pol.setdefault(spw_id, dds.pol_of_ddid[ddid])

    windows = []
    for spw_id in range(n):
        name = names[spw_id]
        nchan = int(nchans[spw_id])
        width = signed_width(freqs[spw_id], widths[spw_id])
        # The simulator writes a negative TOTAL_BANDWIDTH for windows whose
        # frequency falls with channel; the bandwidth itself has no sign.
        bandwidth = abs(float(total_bw[spw_id]))
        centre = float(freqs[spw_id].mean())
        kind = classify_window(name, nchan, width, bandwidth, centre)
        pol_id = first_pol.get(spw_id)
        products = pols[pol_id] if pol_id is not None and 0 <= pol_id < len(pols) else ()
        band = derive.band_from_name(name)
        if band is None and kind not in (SpwKind.WVR,):
            band = derive.band_from_frequency(centre)
        windows.append(
            SpwInfo(
                spw_id=spw_id,
                name=name,
                kind=kind,
                nchan=nchan,
                chan_width_hz=width,
                bandwidth_hz=bandwidth,
                ref_freq_hz=float(ref[spw_id]),
                centre_freq_hz=centre,
                band=band,
                baseband=_baseband(name, int(bbc[spw_id]) if bbc is not None else None),
                corr_products=products,
                effective_bw_hz=effective[spw_id],
            )
        )
    return tuple(windows)


def _median_abs(tb, column: str, row: int) -> float | None:
    """Median |value| of an optional per-channel column cell; None if absent or empty."""
    if column not in tb.colnames() or not tb.iscelldefined(column, row):
        return None
    values = np.abs(np.asarray(tb.getcell(column, row), dtype=float))
    if values.size == 0 or not np.all(np.isfinite(values)) or not values.max() > 0:
        return None
    return float(np.median(values))
