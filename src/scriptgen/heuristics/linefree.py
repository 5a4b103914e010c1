"""Line-free channels from a target's averaged spectrum, and the cont.dat file.

The imaging script needs, per target and window, the channels that carry
only continuum: they make the continuum image and they are what uvcontsub
fits. Analysts pick them by eye from a spectrum; here they are found the
same way, with robust statistics so that the line itself does not inflate
the noise estimate it is judged against:

1. fit a straight continuum (first-order polynomial, ALMA's usual fitorder)
   to the channels not yet flagged as line;
2. measure the scatter of the residual with the median absolute deviation
   (1.4826 x MAD = sigma for Gaussian noise, unaffected by a few line
   channels);
3. flag channels whose residual exceeds ``nsigma`` sigma, both as single
   channels and after boxcar smoothing over a few widths (so a broad weak
   line, below the threshold in every channel, is still found);
4. repeat until the flags stop changing, then grow each flagged run by a
   few channels to cover the line wings below the threshold.

The spectrum comes from :mod:`scriptgen.imaging_inputs` (amplitude of the
vector-averaged target visibilities per channel). All functions are pure.

The continuum-ranges file (``cont.dat``) is written for the analyst to read
and edit; :func:`parse_cont_ranges` reads it back (a user file overrides
the detection). Format, one block per target source and window::

    Field: NGC_3256

    SpectralWindow: 0
    0~23        # 100.012-100.719 GHz TOPO
    41~63       # 101.250-101.969 GHz TOPO

Ranges are inclusive 0-based channel numbers of the MS the script images
(the calibrated, split MS), i.e. exactly what tclean's and uvcontsub's
``spw='0:0~23;41~63'`` selections use, which avoids any frame conversion
at run time. The TOPO frequencies after ``#`` are for reading only.
``ALL`` means every channel is line-free, ``NONE`` that none is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import ScriptgenError

__all__ = [
    "ContRangesError",
    "LineFree",
    "channel_ranges",
    "find_line_channels",
    "format_cont_ranges",
    "line_free",
    "parse_cont_ranges",
    "selection",
]

#: Detection threshold in sigma. With white noise the chance that a
#: line-free channel exceeds 4 sigma is 6e-5, so false detections are rare
#: even in windows of thousands of channels; real lines of analysts'
#: interest are far above it in an average over the whole target.
NSIGMA = 4.0

#: Boxcar widths (channels) searched for lines broader than a channel.
SMOOTH_WIDTHS = (1, 3, 9)

#: Channels added on each side of every line, for wings below threshold.
GROW = 2

#: MAD to sigma for Gaussian noise.
MAD_TO_SIGMA = 1.4826

Range = tuple[int, int]


class ContRangesError(ScriptgenError):
    """A continuum-ranges file that cannot be read."""


@dataclass(frozen=True)
class LineFree:
    """The outcome for one window: channels kept for the continuum, and why."""

    spw_id: int
    nchan: int
    line_free: tuple[Range, ...]
    lines: tuple[Range, ...]
    sigma: float
    source: str = "detected"

    @property
    def n_line_free(self) -> int:
        return sum(b - a + 1 for a, b in self.line_free)

    @property
    def fraction_free(self) -> float:
        return self.n_line_free / self.nchan if self.nchan else 0.0


def _mad_sigma(values: np.ndarray) -> float:
    if values.size == 0:
        return 0.0
    return MAD_TO_SIGMA * float(np.median(np.abs(values - np.median(values))))


def _noise_sigma(resid: np.ndarray) -> float:
    """Per-channel noise of the line-free residual.

    The larger of two robust estimates: the MAD of the residual, and the MAD
    of channel-to-channel differences / sqrt(2). Each alone can come out low
    by chance in a short window (a 32-channel window gave half the true
    noise and a false 'line'); the difference estimate also ignores slow
    ripples the straight continuum does not follow.
    """
    direct = _mad_sigma(resid)
    if resid.size < 3:
        return direct
    return max(direct, _mad_sigma(np.diff(resid)) / math.sqrt(2.0))


def _continuum(spectrum: np.ndarray, free: np.ndarray, order: int) -> np.ndarray:
    x = np.arange(spectrum.size, dtype=float)
    if free.sum() <= order + 1:
        return np.full(spectrum.size, float(np.median(spectrum)))
    coeffs = np.polyfit(x[free], spectrum[free], order)
    return np.polyval(coeffs, x)


def _smoothing_noise_factor(resid: np.ndarray, w: int) -> float:
    """Noise of a w-channel boxcar mean relative to one channel.

    1/sqrt(w) for independent channels; ALMA channels are correlated by the
    correlator's Hanning window, which the lag-1 autocorrelation rho
    measures: for short boxcars the variance grows by about (1 + 2 rho).
    """
    if w <= 1:
        return 1.0
    # rho from first differences, var(diff) = 2 sigma^2 (1 - rho), with MADs:
    # a broad line barely changes channel-to-channel differences, so it
    # does not masquerade as correlated noise.
    rho = 0.0
    sigma = _mad_sigma(resid)
    if resid.size > 3 and sigma > 0:
        rho = 1.0 - (_mad_sigma(np.diff(resid)) / sigma) ** 2 / 2.0
        rho = min(max(rho, 0.0), 0.5)
    return math.sqrt((1 + 2 * rho) / w)


def _grow(mask: np.ndarray, n: int) -> np.ndarray:
    if n <= 0 or not mask.any():
        return mask.copy()
    out = mask.copy()
    for shift in range(1, n + 1):
        out[shift:] |= mask[:-shift]
        out[:-shift] |= mask[shift:]
    return out


def find_line_channels(
    spectrum: Sequence[float] | np.ndarray,
    *,
    nsigma: float = NSIGMA,
    widths: Sequence[int] = SMOOTH_WIDTHS,
    grow: int = GROW,
    order: int = 1,
    max_iter: int = 10,
) -> tuple[np.ndarray, float]:
    """Boolean mask of line channels, and the per-channel noise sigma.

    NaN channels (fully flagged) count as neither line nor continuum: they
    are reported as line (not usable for the continuum). Emission and
    absorption are both found.
    """
    spec = np.asarray(spectrum, dtype=float)
    n = spec.size
    bad = ~np.isfinite(spec)
    filled = np.where(bad, np.nanmedian(spec) if (~bad).any() else 0.0, spec)
    line = np.zeros(n, dtype=bool)
    sigma = 0.0
    # Two stages: single channels first, which settles the continuum fit and
    # the noise; then the smoothed spectra, judged against that fit. Within a
    # stage the flags are recomputed from scratch each pass (a channel pushed
    # over the threshold by a first fit biased by the line is released once
    # the line is excluded); passes stop when the flags repeat.
    base = np.zeros(n, dtype=bool)
    for stage_widths in ((1,), tuple(w for w in widths if w > 1)):
        for _ in range(max_iter):
            free = ~line & ~bad
            resid = filled - _continuum(filled, free, order)
            sigma = _noise_sigma(resid[free])
            if sigma <= 0:
                break
            new = base.copy()
            for w in stage_widths:
                if w > n or w < 1:
                    continue
                smooth = np.convolve(resid, np.ones(w) / w, mode="same") if w > 1 else resid
                sigma_w = sigma * _smoothing_noise_factor(resid[free], w)
                # A smoothed hit already reaches w/2 channels past the line:
                # no extra growth here.
                new |= np.abs(smooth) > nsigma * sigma_w
            if np.array_equal(new, line):
                break
            line = new
        base = line.copy()
    line = _grow(line, grow) | bad
    return line, sigma


def channel_ranges(mask: np.ndarray) -> tuple[Range, ...]:
    """Inclusive (first, last) runs of True in ``mask``."""
    m = np.asarray(mask, dtype=bool)
    if not m.any():
        return ()
    padded = np.concatenate([[False], m, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return tuple((int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2]))


def line_free(spw_id: int, spectrum: Sequence[float] | np.ndarray, **kwargs) -> LineFree:
    """Detect lines in one window's spectrum and return its line-free ranges."""
    mask, sigma = find_line_channels(spectrum, **kwargs)
    return LineFree(
        spw_id=spw_id,
        nchan=int(mask.size),
        line_free=channel_ranges(~mask),
        lines=channel_ranges(mask),
        sigma=sigma,
    )


def selection(ranges: Sequence[Range], nchan: int | None = None) -> str:
    """``'0~23;41~63'`` (CASA channel selection); '' when all of ``nchan``."""
    if nchan is not None and tuple(ranges) == ((0, nchan - 1),):
        return ""
    return ";".join(f"{a}~{b}" for a, b in ranges)


def _freq_note(first: int, last: int, chan0_hz: float, width_hz: float) -> str:
    lo = chan0_hz + first * width_hz - width_hz / 2
    hi = chan0_hz + last * width_hz + width_hz / 2
    lo, hi = sorted((lo, hi))
    return f"{lo / 1e9:.6f}-{hi / 1e9:.6f} GHz TOPO"


def format_cont_ranges(
    per_field: Mapping[str, Sequence[LineFree]],
    channel_axes: Mapping[int, tuple[float, float]],
    *,
    header: Sequence[str] = (),
) -> str:
    """The cont.dat text. ``channel_axes``: spw -> (channel 0 frequency, width) in Hz."""
    out = [f"# {line}" for line in header]
    out += [
        "# Continuum (line-free) channel ranges per target and window, inclusive and",
        "# 0-based, for the MS imaged by scriptForImaging.py. Edit freely; pass the file",
        "# back with 'scriptgen imaging --cont-ranges FILE'. ALL = every channel, NONE = no",
        "# channel is line-free. Frequencies after '#' are for reading only.",
        "",
    ]
    for name, windows in per_field.items():
        if "\n" in name or "\r" in name:
            raise ContRangesError(f"source name {name!r} cannot be written on one line")
        out += [f"Field: {name}", ""]
        for lf in sorted(windows, key=lambda w: w.spw_id):
            out.append(f"SpectralWindow: {lf.spw_id}")
            if not lf.line_free:
                out.append("NONE")
            elif lf.line_free == ((0, lf.nchan - 1),):
                out.append("ALL")
            else:
                axis = channel_axes.get(lf.spw_id)
                for a, b in lf.line_free:
                    text = f"{a}~{b}"
                    if axis is not None:
                        text = f"{text:<12}# {_freq_note(a, b, *axis)}"
                    out.append(text)
            if lf.lines and lf.source == "detected":
                spans = ", ".join(f"{a}~{b}" for a, b in lf.lines)
                out.append(f"# lines (or flagged channels) found in {spans}; sigma = {lf.sigma:.3g} Jy")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


_RANGE = re.compile(r"^(\d+)\s*~\s*(\d+)$")
#: More channels than any ALMA correlator mode gives (cont.dat sanity bound).
MAX_CHANNELS = 1 << 20


def parse_cont_ranges(text: str, nchan: Mapping[int, int] | None = None) -> dict[str, dict[int, LineFree]]:
    """Read a continuum-ranges file back: source name -> spw -> LineFree.

    ``nchan`` (spw -> channel count), when given, checks every range lies
    inside its window and expands ``ALL``. Errors name the line.
    """
    result: dict[str, dict[int, LineFree]] = {}
    fld: str | None = None
    spw: int | None = None
    ranges: dict[tuple[str, int], list[Range] | None] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("Field:") else raw.strip()
        if not line:
            continue
        where = f"line {lineno}"
        if line.startswith("Field:"):
            fld = line[len("Field:") :].strip()
            if not fld:
                raise ContRangesError(f"{where}: empty field name")
            spw = None
            result.setdefault(fld, {})
            continue
        if line.startswith("SpectralWindow:"):
            if fld is None:
                raise ContRangesError(f"{where}: SpectralWindow before any Field")
            try:
                spw = int(line[len("SpectralWindow:") :].strip())
            except ValueError:
                raise ContRangesError(f"{where}: spectral window must be a number: {raw.strip()!r}") from None
            if nchan is not None and spw not in nchan:
                raise ContRangesError(
                    f"{where}: spectral window {spw} is not a science window of the MS "
                    f"(science windows: {sorted(nchan)})"
                )
            if (fld, spw) in ranges:
                raise ContRangesError(f"{where}: field {fld!r} spectral window {spw} is given twice")
            ranges[(fld, spw)] = []
            continue
        if fld is None or spw is None:
            raise ContRangesError(f"{where}: range outside a Field/SpectralWindow block: {raw.strip()!r}")
        key = (fld, spw)
        if line.upper() in ("ALL", "NONE"):
            ranges[key] = None if line.upper() == "ALL" else []
            continue
        match = _RANGE.match(line)
        if not match:
            raise ContRangesError(f"{where}: expected 'first~last', ALL or NONE, got {raw.strip()!r}")
        a, b = int(match.group(1)), int(match.group(2))
        if b >= MAX_CHANNELS:
            raise ContRangesError(f"{where}: channel {b} is beyond any ALMA window ({MAX_CHANNELS} channels)")
        if a > b:
            raise ContRangesError(f"{where}: range {a}~{b} runs backwards")
        if nchan is not None and spw in nchan and b >= nchan[spw]:
            raise ContRangesError(f"{where}: channel {b} is beyond spw {spw}'s {nchan[spw]} channels")
        if ranges[key] is None:
            raise ContRangesError(f"{where}: ranges after ALL")
        ranges[key].append((a, b))
    for (name, spw_id), found in ranges.items():
        n = nchan.get(spw_id) if nchan else None
        if found is None:
            if n is None:
                raise ContRangesError(f"ALL for spw {spw_id} needs the window's channel count")
            chosen: tuple[Range, ...] = ((0, n - 1),)
        else:
            merged = _merge(found)
            chosen = merged
        total = n if n is not None else (max((b for _, b in chosen), default=-1) + 1)
        mask = np.ones(total, dtype=bool)
        for a, b in chosen:
            mask[a : b + 1] = False
        result[name][spw_id] = LineFree(
            spw_id=spw_id,
            nchan=total,
            line_free=chosen,
            lines=channel_ranges(mask),
            sigma=0.0,
            source="user file",
        )
    return result


def _merge(ranges: Sequence[Range]) -> tuple[Range, ...]:
    merged: list[list[int]] = []
    for a, b in sorted(ranges):
        if merged and a <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return tuple((a, b) for a, b in merged)
