"""Solar-system flux calibrators: their lines and their size.

CASA's Butler-JPL-Horizons model gives a body's continuum and disk, but
two things still spoil a flux scale set on a planet or moon:

* **Lines.** Atmospheres of Titan, Neptune, Mars and Venus absorb or emit
  in CO, HCN and other molecules; the model has no lines, so channels
  inside them must be flagged on the flux calibrator before setjy and
  fluxscale (ALMA pipeline ``hifa_fluxcalflag``; observatory generator
  ``specLines``).
* **Size.** A body larger than the fringe spacing of the longest baselines
  is resolved there: its visibility falls towards the disk's first null,
  where small model errors are large relative errors and the signal is
  weak. The flux scale is then taken from the compact part of the array
  (observatory generator ``getAntennasForFluxscale2``; pipeline
  ``hm_resolvedcals='automatic'``).

Every function is pure and returns its value with the reason the script
prints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import derive
from ..model import ExecBlock
from .selection import Use, selection

#: Frequency ranges (GHz, rest frame) of the lines of line-contaminated
#: solar-system calibrators, body -> ((molecule, low, high), ...). Source:
#: the ALMA pipeline's catalogue ``SolarSystemLineList`` in
#: ``pipeline/hifa/tasks/fluxcalflag/solsyslinesdict.py`` (r-xue/pipeline,
#: commit 6e2755a), restricted to ALMA's bands 1-10 (35-950 GHz).
#: Each range already spans the pressure-broadened line.
LINE_RANGES_GHZ: dict[str, tuple[tuple[str, float, float], ...]] = {
    "Mars": (
        ("CO", 115.204, 115.338), ("CO", 230.404, 230.672), ("CO", 345.595, 345.997),
        ("CO", 460.773, 461.309), ("CO", 691.071, 691.875), ("CO", 806.184, 807.120),
        ("CO", 921.265, 922.335),
        ("13CO", 220.377, 220.421), ("13CO", 330.555, 330.621), ("13CO", 440.721, 440.809),
        ("13CO", 661.001, 661.133), ("13CO", 771.108, 771.260), ("13CO", 881.196, 881.370),
    ),
    "Neptune": (
        ("CO", 113.99, 116.51), ("CO", 226.98, 234.52), ("CO", 339.97, 351.54),
        ("CO", 454.95, 467.55), ("CO", 685.93, 696.57), ("CO", 802.92, 810.58),
    ),
    "Titan": (
        ("CO", 114.92, 115.67), ("CO", 229.49, 231.74), ("CO", 343.82, 347.62),
        ("CO", 458.29, 463.80), ("CO", 687.75, 694.66), ("CO", 803.46, 809.85),
        ("13CO", 110.18, 110.22), ("13CO", 220.28, 220.52), ("13CO", 330.36, 330.82),
        ("13CO", 440.42, 441.15), ("13CO", 660.60, 661.53), ("13CO", 770.65, 771.72),
        ("13CO", 880.73, 881.82),
        ("HCN", 88.45, 88.81), ("HCN", 176.73, 177.80), ("HCN", 264.96, 266.81),
        ("HCN", 353.29, 355.72), ("HCN", 441.74, 444.52), ("HCN", 618.45, 622.16),
        ("HCN", 707.01, 710.74), ("HCN", 795.56, 799.31), ("HCN", 883.82, 887.86),
        ("HCN v2=1", 177.192, 177.286), ("HCN v2=1", 178.088, 178.184),
        ("HCN v2=1", 265.782, 265.924), ("HCN v2=1", 267.128, 267.270),
        ("HCN v2=1", 354.365, 354.555), ("HCN v2=1", 356.161, 356.351),
        ("HCN v2=1", 442.942, 443.178), ("HCN v2=1", 445.184, 445.422),
        ("HCN v2=1", 620.058, 620.390), ("HCN v2=1", 623.197, 623.529),
        ("HCN v2=1", 708.596, 708.974), ("HCN v2=1", 712.182, 712.562),
        ("HCN v2=1", 797.117, 797.543), ("HCN v2=1", 801.149, 801.577),
        ("HCN v2=1", 885.619, 886.091), ("HCN v2=1", 890.096, 890.572),
        ("HC15N", 86.04, 86.07), ("HC15N", 172.05, 172.16), ("HC15N", 258.04, 258.27),
        ("HC15N", 430.02, 430.45), ("HC15N", 601.95, 602.60), ("HC15N", 773.88, 774.64),
        ("HC15N", 859.84, 860.62),
        ("H13CN", 86.33, 86.35), ("H13CN", 172.63, 172.73), ("H13CN", 258.91, 259.11),
        ("H13CN", 431.44, 431.88), ("H13CN", 603.98, 604.56), ("H13CN", 776.48, 777.16),
        ("H13CN", 862.72, 863.42),
        ("CH3CN", 91.938, 92.008), ("CH3CN", 110.304, 110.409), ("CH3CN", 128.659, 128.809),
        ("CH3CN", 147.039, 147.209), ("CH3CN", 165.415, 165.608), ("CH3CN", 183.792, 184.006),
        ("CH3CN", 202.168, 202.403), ("CH3CN", 220.543, 220.798), ("CH3CN", 238.916, 239.194),
        ("CH3CN", 257.289, 257.587), ("CH3CN", 275.660, 275.980), ("CH3CN", 294.030, 294.371),
        ("CH3CN", 312.399, 312.761), ("CH3CN", 330.766, 331.149), ("CH3CN", 349.205, 349.534),
        ("CH3CN", 367.572, 367.920), ("CH3CN", 385.938, 386.303), ("CH3CN", 404.301, 404.683),
        ("CH3CN", 422.735, 423.062), ("CH3CN", 441.098, 441.440), ("CH3CN", 459.459, 459.814),
        ("CH3CN", 477.881, 478.186), ("CH3CN", 496.239, 496.557),
    ),
    "Venus": (
        ("CO", 115.206, 115.337), ("CO", 230.407, 230.669), ("CO", 345.600, 345.992),
        ("CO", 460.779, 461.303), ("CO", 691.081, 691.865), ("CO", 806.194, 807.110),
        ("CO", 921.277, 922.323),
        ("13CO", 110.192, 110.210), ("13CO", 220.380, 220.418), ("13CO", 330.560, 330.616),
        ("13CO", 440.727, 440.803), ("13CO", 661.011, 661.123), ("13CO", 771.118, 771.250),
        ("13CO", 881.208, 881.358),
    ),
}  # fmt: skip

#: Doppler margin added on each side of a line range. The ranges are rest
#: frequencies; the data are topocentric. A body's line-of-sight velocity
#: relative to ALMA is at most about 40 km/s (Earth's orbital speed, 30
#: km/s, plus the body's own, up to ~13 km/s for Venus and Mars; Earth's
#: rotation adds 0.4 km/s), so 40 km/s of margin covers any date.
DOPPLER_MARGIN_KMS = 40.0

#: Above this fraction of a window's channels inside lines the window is
#: useless for the flux scale on that body (the pipeline's
#: ``hifa_fluxcalflag`` threshold 0.75).
LINE_WINDOW_THRESHOLD = 0.75

#: Typical (largest) apparent equatorial diameters in arcsec of the bodies
#: ALMA uses as flux calibrators, as seen from Earth near opposition
#: (JPL Horizons ephemerides; Titan including its atmosphere). The largest
#: value is used: a body counts as resolved if it can be.
TYPICAL_DIAMETER_ARCSEC = {
    "Mercury": 13.0, "Venus": 60.0, "Mars": 25.0, "Jupiter": 50.0, "Saturn": 20.0,
    "Uranus": 4.1, "Neptune": 2.4, "Io": 1.2, "Europa": 1.0, "Ganymede": 1.8,
    "Callisto": 1.6, "Titan": 1.0, "Ceres": 0.8, "Pallas": 0.5, "Vesta": 0.6,
    "Juno": 0.3,
}  # fmt: skip

#: A uniform disk of diameter theta has visibility 2 J1(x)/x with
#: x = pi theta u; it falls to 0.5 at x = 2.215, i.e. at baseline length
#: (in wavelengths) u = 0.705 / theta. Longer baselines see less than half
#: the body's flux: the body is "resolved" there.
HALF_VISIBILITY_U_THETA = 0.705

#: fluxscale needs enough antennas in the short-baseline subset for its
#: per-antenna gain ratios to average down.
MIN_FLUXSCALE_ANTENNAS = 4

_C_KMS = 299792.458
_ARCSEC = math.pi / 180 / 3600


def body_name(name: str) -> str | None:
    """The catalogue name of a solar-system body, or None."""
    key = name.strip().capitalize()
    return key if key in derive.SOLAR_SYSTEM_BODIES else None


def channel_frequencies_hz(nchan: int, centre_hz: float, width_hz: float) -> list[float]:
    """Centre frequency of each channel (``width_hz`` signed: negative falls with channel)."""
    return [centre_hz + (i - (nchan - 1) / 2) * width_hz for i in range(nchan)]


def _runs(channels: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for c in channels:
        if runs and c == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], c)
        else:
            runs.append((c, c))
    return runs


@dataclass(frozen=True)
class LineFlags:
    """Channels of the split science windows to flag on one body."""

    field_id: int
    spw: str  # CASA selection in split-MS window ids, '' when nothing to flag
    lines: tuple[str, ...]  # molecules hit
    mostly_lost: tuple[int, ...]  # split window ids losing > LINE_WINDOW_THRESHOLD
    reason: str


def line_flags(eb: ExecBlock, field_id: int, split_ids: dict[int, int]) -> LineFlags | None:
    """The line channels of ``field_id`` in the science windows, or None.

    None when the field is not a body of :data:`LINE_RANGES_GHZ`. A channel
    is flagged when its extent overlaps a line range widened by
    :data:`DOPPLER_MARGIN_KMS` on both sides.
    """
    fld = eb.field(field_id)
    body = body_name(fld.source_name)
    if body not in LINE_RANGES_GHZ:
        return None
    parts, hit, lost = [], [], []
    for spw_id in sorted(split_ids):
        spw = eb.spw(spw_id)
        half = abs(spw.chan_width_hz) / 2
        freqs = channel_frequencies_hz(spw.nchan, spw.centre_freq_hz, spw.chan_width_hz)
        flagged = set()
        for molecule, low, high in LINE_RANGES_GHZ[body]:
            margin = high * 1e9 * DOPPLER_MARGIN_KMS / _C_KMS
            lo, hi = low * 1e9 - margin, high * 1e9 + margin
            inside = [i for i, f in enumerate(freqs) if f + half > lo and f - half < hi]
            if inside:
                flagged.update(inside)
                if molecule not in hit:
                    hit.append(molecule)
        if flagged:
            new_id = split_ids[spw_id]
            parts.append(f"{new_id}:" + ";".join(f"{a}~{b}" for a, b in _runs(sorted(flagged))))
            if len(flagged) > LINE_WINDOW_THRESHOLD * spw.nchan:
                lost.append(new_id)
    label = f"field {field_id} ({fld.name!r})"
    if not parts:
        reason = (
            f"{label} is {body}, which has lines ({', '.join(sorted({m for m, _, _ in LINE_RANGES_GHZ[body]}))}), "
            "but none falls in the science windows (ALMA pipeline hifa_fluxcalflag line list)"
        )
        return LineFlags(field_id, "", (), (), reason)
    reason = (
        f"{label} is {body}: its {', '.join(hit)} lines fall in the science windows; the flux model "
        f"has no lines, so those channels (line ranges of the ALMA pipeline's hifa_fluxcalflag "
        f"catalogue, widened by {DOPPLER_MARGIN_KMS:g} km/s for the body's Doppler shift) are "
        "flagged on it before setjy and fluxscale"
    )
    if lost:
        reason += (
            f"; CHECK: split window(s) {','.join(map(str, lost))} lose more than "
            f"{LINE_WINDOW_THRESHOLD:.0%} of their channels, so their flux scale rests on few "
            "channels (the pipeline drops such windows from the flux calibration)"
        )
    return LineFlags(field_id, ",".join(parts), tuple(hit), tuple(lost), reason)


@dataclass(frozen=True)
class FluxscaleAntennas:
    """The antennas fluxscale uses ('' = all) and why."""

    antenna: str
    resolved: bool
    reason: str


def _baseline_max_m(eb: ExecBlock) -> float:
    pos = [a.position_m for a in eb.antennas]
    return max((math.dist(a, b) for i, a in enumerate(pos) for b in pos[i + 1:]), default=0.0)


def fluxscale_antennas(eb: ExecBlock, field_id: int) -> FluxscaleAntennas:
    """Short-baseline antennas for the flux transfer when the body is resolved.

    Rule: at the highest science frequency (the finest fringes), the body
    of typical diameter theta is resolved when the longest baseline is
    longer than ``0.705 / theta`` wavelengths (uniform-disk visibility
    below one half). Then fluxscale uses only the antennas within half that
    length of the array centre (every baseline among them is shorter than
    it), at least :data:`MIN_FLUXSCALE_ANTENNAS` of them.
    """
    fld = eb.field(field_id)
    body = body_name(fld.source_name)
    label = f"field {field_id} ({fld.name!r})"
    if body not in TYPICAL_DIAMETER_ARCSEC or not eb.antennas:
        return FluxscaleAntennas("", False, f"{label} is not a solar-system body of known size: all antennas")
    theta = TYPICAL_DIAMETER_ARCSEC[body] * _ARCSEC
    freq = max(eb.spw(i).max_freq_hz for i in derive.science_spws(eb))
    wavelength = _C_KMS * 1e3 / freq
    limit_m = HALF_VISIBILITY_U_THETA / theta * wavelength
    longest = _baseline_max_m(eb)
    size = f"{body} (up to {TYPICAL_DIAMETER_ARCSEC[body]:g} arcsec)"
    if longest <= limit_m:
        return FluxscaleAntennas(
            "",
            False,
            f"{label}: {size} is not resolved: its disk keeps more than half its flux out to "
            f"{limit_m:.0f} m at {freq / 1e9:.1f} GHz, longer than the longest baseline ({longest:.0f} m)",
        )
    n = len(eb.antennas)
    centre = tuple(sum(a.position_m[k] for a in eb.antennas) / n for k in range(3))
    ranked = sorted(eb.antennas, key=lambda a: (math.dist(a.position_m, centre), a.antenna_id))
    inner = [a for a in ranked if math.dist(a.position_m, centre) <= limit_m / 2]
    chosen = inner if len(inner) >= MIN_FLUXSCALE_ANTENNAS else ranked[:MIN_FLUXSCALE_ANTENNAS]
    by_id = sorted(chosen, key=lambda a: a.antenna_id)
    # Names unless one would be misread as selection syntax (then ids).
    antennas = selection(Use.ANTENNA, [a.name for a in by_id], [a.antenna_id for a in by_id])
    names = antennas.value or ""
    how = (
        f"the {len(chosen)} antennas within {limit_m / 2:.0f} m of the array centre"
        if chosen is inner
        else f"too few antennas within {limit_m / 2:.0f} m of the centre: the {len(chosen)} nearest "
        "(still partly resolved: CHECK the flux scale)"
    )
    return FluxscaleAntennas(
        names,
        True,
        f"{label}: {size} is resolved on the longest baselines: at {freq / 1e9:.1f} GHz its disk "
        f"keeps half its flux only out to {limit_m:.0f} m (0.705 wavelengths / diameter), the "
        f"longest baseline is {longest:.0f} m; fluxscale uses {how} (observatory generator "
        "getAntennasForFluxscale2, pipeline hm_resolvedcals)"
        + (f"; given by {antennas.reason}" if antennas.by_id else ""),
    )


def flux_calibrator_line_flags(eb: ExecBlock, field_ids, split_ids: dict[int, int]) -> tuple[LineFlags, ...]:
    """Line flags of each flux calibrator that has lines in the science windows."""
    found = (line_flags(eb, f, split_ids) for f in field_ids)
    return tuple(flags for flags in found if flags is not None and flags.spw)


def resolved_flux_calibrator_antennas(eb: ExecBlock, field_ids) -> FluxscaleAntennas:
    """The fluxscale antenna subset for the first resolved flux calibrator (all antennas if none)."""
    for field_id in field_ids:
        choice = fluxscale_antennas(eb, field_id)
        if choice.resolved:
            return choice
    return FluxscaleAntennas("", False, "no flux calibrator is resolved: all antennas")
