"""Expected thermal noise of an image, from the radiometer equation.

The point-source sensitivity of an interferometer of N identical antennas is

    sigma = 2 k Tsys / (eta A sqrt(N (N - 1) n_pol dnu t))

with Tsys the system temperature referred to above the atmosphere (what ALMA
records in SYSCAL), eta the aperture efficiency, A the geometric dish area,
n_pol the number of parallel-hand polarisations averaged into Stokes I,
dnu the bandwidth and t the time on source. It is the noise of a naturally
weighted image; Briggs weighting raises it by a factor that depends on the
uv coverage, which is why the imaging heuristics multiply it by a stated
weighting factor before turning it into a clean threshold.

Two users: the imaging script's threshold (and the numbers written in its
comments), and ``scriptgen qa2``, which divides the achieved RMS by this
prediction. Both call :func:`expected_noise` (or :func:`expected_noise_jy`)
with an :class:`~scriptgen.model.ExecBlock`; :func:`radiometer_noise_jy`
is the bare equation for callers that already have the numbers.

For an image channel (one bandwidth) dnu is the channel's effective noise
bandwidth: ALMA smooths spectra online (Hanning), which lowers each
channel's noise to that of 8/3 of its width at native resolution
(:func:`channel_noise_bandwidth`). Continuum images sum many channels,
where the smoothing changes the noise by a fraction of a channel and is
left out.

Pure functions: no CASA, no I/O.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import astropy.constants as const
import astropy.units as u

from .. import derive
from ..errors import ScriptgenError
from ..model import ExecBlock, Intent
from ..spectral_response import noise_bandwidth_hz

__all__ = [
    "NoTsys",
    "NoiseEstimate",
    "aperture_efficiency",
    "dish_diameter_m",
    "expected_noise",
    "expected_noise_jy",
    "n_parallel_pol",
    "radiometer_noise_jy",
    "science_tsys_k",
    "time_on_source_s",
    "TYPICAL_TSYS_K",
]

#: Aperture efficiency of the ALMA antennas. 0.7 is the value the QA2
#: documentation uses for the 12 m antennas at the low bands. The 7 m (ACA)
#: antennas were built to a tighter surface specification (< 20 um rms against
#: < 25 um for the 12 m, Atacama Compact Array antenna tests, arXiv:1106.3472),
#: so surface (Ruze) losses are no larger; their feed blockage is a larger
#: fraction of a smaller dish, and the two roughly cancel at the bands used
#: most. We therefore use 0.7 for both and say so; callers with a measured
#: value pass ``efficiency=``. The frequency dependence (Ruze loss grows at
#: bands 8-10) is not modelled.
APERTURE_EFFICIENCY = {12.0: 0.70, 7.0: 0.70}

#: Rough Tsys (K) per band at median weather and mid elevation: round
#: numbers of the right order, not measurements. Used ONLY when an MS
#: carries no SYSCAL (a split, calibrated MS) and the caller has no better
#: value; the imaging script then says that its noise estimate is assumed.
TYPICAL_TSYS_K = {
    1: 40.0,
    2: 60.0,
    3: 75.0,
    4: 85.0,
    5: 150.0,
    6: 100.0,
    7: 150.0,
    8: 400.0,
    9: 1000.0,
    10: 1500.0,
}

_PARALLEL_HANDS = frozenset({"XX", "YY", "RR", "LL"})


class NoTsys(ScriptgenError):
    """No system temperature is known for the windows asked about."""


@dataclass(frozen=True)
class NoiseEstimate:
    """A predicted image noise and every number that went into it.

    Kept together so that the imaging script's comments and the QA2 report
    can show the reader how the prediction was made, and so that a wrong
    input (a Tsys, a time) is easy to spot.
    """

    sigma_jy: float
    tsys_k: float
    bandwidth_hz: float
    time_on_source_s: float
    n_antennas: int
    n_pol: int
    dish_diameter_m: float
    efficiency: float
    tsys_source: str = "SYSCAL"
    #: How ``bandwidth_hz`` relates to the image channel (empty: it is the
    #: channel or window width itself).
    bandwidth_note: str = ""

    def describe(self) -> str:
        """One line for a script comment or a report."""
        note = f" ({self.bandwidth_note})" if self.bandwidth_note else ""
        return (
            f"sigma = 2 k Tsys / (eta A sqrt(N(N-1) npol dnu t)) = {self.sigma_jy * 1e3:.4g} mJy/beam "
            f"with Tsys = {self.tsys_k:.1f} K ({self.tsys_source}), eta = {self.efficiency:.2f}, "
            f"D = {self.dish_diameter_m:g} m, N = {self.n_antennas}, npol = {self.n_pol}, "
            f"dnu = {self.bandwidth_hz / 1e6:.4g} MHz{note}, t = {self.time_on_source_s:.0f} s"
        )


def aperture_efficiency(diameter_m: float) -> float:
    """The aperture efficiency we assume for a dish of this diameter."""
    nearest = min(APERTURE_EFFICIENCY, key=lambda d: abs(d - diameter_m))
    if abs(nearest - diameter_m) > 1.0:
        raise ScriptgenError(
            f"no aperture efficiency known for {diameter_m:g} m dishes; pass efficiency="
        )
    return APERTURE_EFFICIENCY[nearest]


def radiometer_noise_jy(
    tsys_k: float,
    bandwidth_hz: float,
    time_s: float,
    n_antennas: int,
    dish_diameter_m: float,
    *,
    n_pol: int = 2,
    efficiency: float | None = None,
) -> float:
    """Point-source noise (Jy/beam, natural weighting) of one image.

    All inputs must be positive and there must be a baseline (N >= 2);
    anything else is a caller's mistake and raises ``ValueError``.
    """
    if n_antennas < 2:
        raise ValueError(f"need at least two antennas, got {n_antennas}")
    for name, value in (
        ("tsys_k", tsys_k),
        ("bandwidth_hz", bandwidth_hz),
        ("time_s", time_s),
        ("dish_diameter_m", dish_diameter_m),
        ("n_pol", n_pol),
    ):
        if not value > 0:
            raise ValueError(f"{name} must be positive, got {value!r}")
    eta = aperture_efficiency(dish_diameter_m) if efficiency is None else efficiency
    area = math.pi * (dish_diameter_m * u.m / 2) ** 2
    sigma = (2 * const.k_B * tsys_k * u.K) / (
        eta
        * area
        * math.sqrt(n_antennas * (n_antennas - 1) * n_pol)
        * ((bandwidth_hz * u.Hz) * (time_s * u.s)) ** 0.5
    )
    return float(sigma.to(u.Jy).value)


def n_parallel_pol(eb: ExecBlock, spw_ids: Iterable[int]) -> int:
    """Parallel-hand polarisations (XX/YY or RR/LL) that form Stokes I.

    Cross hands of full-polarisation data do not add Stokes I sensitivity.
    A window whose products are unknown counts as dual polarisation, ALMA's
    standard setup.
    """
    counts = []
    for spw_id in spw_ids:
        products = eb.spw(spw_id).corr_products
        n = sum(1 for p in products if p.upper() in _PARALLEL_HANDS)
        counts.append(n if n else 2)
    return min(counts) if counts else 2


def dish_diameter_m(eb: ExecBlock) -> float:
    """The most common dish diameter of the array (12 m or 7 m for ALMA)."""
    if not eb.antennas:
        raise ScriptgenError(f"{eb.uid} lists no antennas")
    counted = Counter(round(a.diameter_m, 1) for a in eb.antennas)
    return counted.most_common(1)[0][0]


def time_on_source_s(eb: ExecBlock, field_ids: Iterable[int]) -> float:
    """Time one pointing of ``field_ids`` was observed as a target.

    A mosaic scan visits several fields in turn, so a scan's duration is
    shared equally among the fields it lists; the time per pointing is the
    time on all the requested fields divided by their number. Overlap of
    neighbouring pointings improves a mosaic's noise a little beyond that,
    so the estimate is slightly pessimistic for mosaics and exact for single
    fields. Scans without OBSERVE_TARGET count only if there are no target
    scans at all (an EB imaged for a calibrator).
    """
    ids = frozenset(field_ids)
    if not ids:
        raise ScriptgenError("no target fields to compute a time on source for")

    def total(only_target: bool) -> float:
        seconds = 0.0
        for scan in eb.scans:
            if only_target and Intent.TARGET.value not in scan.intents:
                continue
            shared = [f for f in scan.field_ids if f in ids]
            if shared:
                seconds += scan.duration_s * len(shared) / len(scan.field_ids)
        return seconds

    seconds = total(True) or total(False)
    if seconds <= 0:
        raise ScriptgenError(f"fields {sorted(ids)} have no scan time in {eb.uid}")
    return seconds / len(ids)


def science_tsys_k(eb: ExecBlock, spw_ids: Iterable[int]) -> dict[int, float]:
    """Median SYSCAL Tsys for each science window, through the Tsys map.

    A science window takes the Tsys of the window :func:`derive.tsys_map`
    sends it to (its own, or the same baseband's TDM window). Windows
    without any Tsys are left out; the caller decides what that means.
    """
    mapping = derive.tsys_map(eb)
    measured = {t.spw_id: t.median_tsys_k for t in eb.tsys if t.median_tsys_k > 0}
    out = {}
    for spw_id in spw_ids:
        source = mapping.get(spw_id, spw_id)
        if source in measured:
            out[spw_id] = measured[source]
    return out


def _resolve_tsys(
    eb: ExecBlock, spw_ids: tuple[int, ...], tsys_k: float | Mapping[int, float] | None
) -> tuple[dict[int, float], str]:
    if isinstance(tsys_k, Mapping):
        return {s: float(tsys_k[s]) for s in spw_ids if s in tsys_k}, "given"
    if tsys_k is not None:
        return {s: float(tsys_k) for s in spw_ids}, "given"
    found = science_tsys_k(eb, spw_ids)
    if found:
        return found, "SYSCAL median"
    raise NoTsys(
        f"{eb.uid} has no SYSCAL Tsys for spws {list(spw_ids)} "
        "(a split MS drops it): pass the original EB's snapshot or a Tsys value"
    )


def expected_noise(
    eb: ExecBlock,
    bandwidth_hz: float | Mapping[int, float],
    *,
    field_ids: Iterable[int] | None = None,
    spw_ids: Iterable[int] | None = None,
    tsys_k: float | Mapping[int, float] | None = None,
    n_antennas: int | None = None,
    n_pol: int | None = None,
    efficiency: float | None = None,
    time_s: float | None = None,
    tsys_label: str | None = None,
) -> NoiseEstimate:
    """Predicted noise of a target image made from ``eb``.

    ``bandwidth_hz`` is either one bandwidth (a cube channel, or one window's
    line-free width) or a mapping science spw id -> usable bandwidth in that
    window (a continuum image from the line-free channels of every window).
    With a mapping, each window's noise is computed with its own Tsys and
    the windows are combined with inverse-variance weights, as an mfs image
    combines them; the returned ``tsys_k`` is then the effective Tsys that
    gives the same noise over the summed bandwidth.

    ``field_ids`` defaults to all target fields, ``spw_ids`` to the windows
    of the mapping or all science windows, Tsys to the SYSCAL medians mapped
    through the Tsys map (``tsys_k`` overrides it, e.g. for a split MS;
    ``tsys_label`` then says where that value came from in the description).
    """
    fields = tuple(field_ids) if field_ids is not None else derive.target_fields(eb)
    if isinstance(bandwidth_hz, Mapping):
        windows = tuple(int(s) for s in bandwidth_hz)
    elif spw_ids is not None:
        windows = tuple(spw_ids)
    else:
        windows = derive.science_spws(eb)
    if not windows:
        raise ScriptgenError(f"{eb.uid} has no science windows to predict a noise for")
    tsys, tsys_source = _resolve_tsys(eb, windows, tsys_k)
    if tsys_label and tsys_k is not None:
        tsys_source = tsys_label
    if not tsys:
        raise NoTsys(f"no Tsys for spws {list(windows)} of {eb.uid}")
    t = time_on_source_s(eb, fields) if time_s is None else float(time_s)
    n_ant = len(eb.antennas) if n_antennas is None else int(n_antennas)
    npol = n_parallel_pol(eb, windows) if n_pol is None else int(n_pol)
    diameter = dish_diameter_m(eb)
    eta = aperture_efficiency(diameter) if efficiency is None else efficiency

    def sigma(tk: float, bw: float) -> float:
        return radiometer_noise_jy(tk, bw, t, n_ant, diameter, n_pol=npol, efficiency=eta)

    if isinstance(bandwidth_hz, Mapping):
        used = {s: float(bw) for s, bw in bandwidth_hz.items() if bw > 0 and s in tsys}
        if not used:
            raise ScriptgenError("no usable bandwidth with a known Tsys")
        inv_var = sum(1.0 / sigma(tsys[s], bw) ** 2 for s, bw in used.items())
        total_bw = sum(used.values())
        result = 1.0 / math.sqrt(inv_var)
        # Effective Tsys: the single Tsys that gives the same noise over total_bw.
        tsys_eff = tsys_k_for(result, total_bw, t, n_ant, diameter, npol, eta)
        return NoiseEstimate(result, tsys_eff, total_bw, t, n_ant, npol, diameter, eta, tsys_source)

    bw, bw_note = channel_noise_bandwidth(eb, float(bandwidth_hz), windows)
    # One bandwidth across several windows (a channel of "any" window): the
    # median Tsys is the representative one, not the best or the worst.
    values = sorted(tsys.values())
    mid = len(values) // 2
    tk = values[mid] if len(values) % 2 else 0.5 * (values[mid - 1] + values[mid])
    return NoiseEstimate(sigma(tk, bw), tk, bw, t, n_ant, npol, diameter, eta, tsys_source, bw_note)


def channel_noise_bandwidth(eb: ExecBlock, width_hz: float, windows: Iterable[int]) -> tuple[float, str]:
    """The radiometer bandwidth of an image channel ``width_hz`` wide, and how it was found.

    ALMA Hanning-smooths online, so a channel's noise is that of its
    effective bandwidth (EFFECTIVE_BW; 8/3 of a native channel, 1.6 when two
    are averaged online ...; ALMA pipeline ``get_bw_corr_factor``), see
    :mod:`scriptgen.spectral_response`. Windows whose averaging is unknown
    (no EFFECTIVE_BW, or a ratio that is not Hanning's) use the width
    itself. Across several windows the median is used, as for Tsys.
    """
    values = []
    factors = set()
    for spw_id in windows:
        spw = eb.spw(spw_id)
        values.append(noise_bandwidth_hz(width_hz, spw.chan_width_hz, spw.online_averaging))
        if spw.online_averaging:
            factors.add(spw.online_averaging)
    if not values or not factors:
        return width_hz, ""
    values.sort()
    mid = len(values) // 2
    bw = values[mid] if len(values) % 2 else 0.5 * (values[mid - 1] + values[mid])
    averaging = "/".join(str(n) for n in sorted(factors))
    return bw, (
        f"effective bandwidth of {abs(width_hz) / 1e6:.4g} MHz channels Hanning-smoothed online, "
        f"N = {averaging} averaged (EFFECTIVE_BW)"
    )


def tsys_k_for(
    sigma_jy: float,
    bandwidth_hz: float,
    time_s: float,
    n_antennas: int,
    dish_diameter_m: float,
    n_pol: int,
    efficiency: float,
) -> float:
    """Invert the radiometer equation: the Tsys that gives ``sigma_jy``."""
    unit = radiometer_noise_jy(
        1.0, bandwidth_hz, time_s, n_antennas, dish_diameter_m, n_pol=n_pol, efficiency=efficiency
    )
    return sigma_jy / unit


def expected_noise_jy(eb: ExecBlock, bandwidth_hz: float | Mapping[int, float], **kwargs) -> float:
    """:func:`expected_noise` as a bare number in Jy/beam (natural weighting)."""
    return expected_noise(eb, bandwidth_hz, **kwargs).sigma_jy
