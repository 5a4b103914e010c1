"""One cube grid for every EB of a member OUS, and continuum ranges in LSRK.

ALMA does not Doppler-track during an observation: each EB is tuned in TOPO
at its own start, so EBs of one science goal observed months apart have
different TOPO channel frequencies for the same window. What they share is
the LSRK (sky) frequency. The decisions here turn per-EB window axes (TOPO
channel 0, width, channel count and the LSRK/TOPO ratio at the EB's start,
measured by :mod:`scriptgen.ous_inputs`) into

* the matching of windows across EBs (by archive window id),
* a common LSRK channel grid, trimmed to what every EB covers
  (tclean ``start``/``width``/``nchan`` with ``outframe='LSRK'``; the ALMA
  pipeline images all EBs together the same way, ``hif_makeimlist``),
* continuum (line-free) ranges as LSRK frequency intervals, valid for every
  EB, in the pipeline's ``cont.dat`` format, and their channel selection
  in each EB's own TOPO channels (uvcontsub and tclean select channels in
  the data's frame).

Pure: no CASA, no I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import ScriptgenError

Interval = tuple[float, float]


@dataclass(frozen=True)
class EbWindow:
    """One science window of one EB's calibrated MS, on its own axes.

    ``chan0_hz`` and ``width_hz`` are TOPO (width negative in a lower
    sideband, as the MS has it); ``lsrk_over_topo`` is the Doppler ratio at
    the EB's start (TOPO x ratio = LSRK). ``archive_spw`` is the window's
    id in the raw EB (the archive's), which the split renumbered to
    ``spw_id``.
    """

    ms: str
    spw_id: int
    archive_spw: int
    chan0_hz: float
    width_hz: float
    nchan: int
    lsrk_over_topo: float = 1.0

    def lsrk_hz(self, channel: float) -> float:
        """LSRK frequency of a (fractional) channel index."""
        return (self.chan0_hz + channel * self.width_hz) * self.lsrk_over_topo

    def channel(self, lsrk_hz: float) -> float:
        """Fractional channel index of an LSRK frequency."""
        return (lsrk_hz / self.lsrk_over_topo - self.chan0_hz) / self.width_hz

    @property
    def lsrk_edges(self) -> Interval:
        """Outer edges (low, high) of the window in LSRK."""
        a, b = self.lsrk_hz(-0.5), self.lsrk_hz(self.nchan - 0.5)
        return min(a, b), max(a, b)

    @property
    def lsrk_width_hz(self) -> float:
        return abs(self.width_hz) * self.lsrk_over_topo


@dataclass(frozen=True)
class CubeGrid:
    """tclean's LSRK channel grid for one window of all EBs, and why."""

    archive_spw: int
    start_hz: float  # centre of the first (lowest) channel, LSRK
    width_hz: float
    nchan: int
    reason: str

    @property
    def start(self) -> str:
        return f"{self.start_hz / 1e6:.6f}MHz"

    @property
    def width(self) -> str:
        return f"{self.width_hz / 1e6:.6f}MHz"

    @property
    def edges(self) -> Interval:
        return self.start_hz - self.width_hz / 2, self.start_hz + (self.nchan - 0.5) * self.width_hz

    def frequency(self, channel: int) -> float:
        return self.start_hz + channel * self.width_hz


#: Fraction of a channel by which the common grid may overhang an EB's edge.
GRID_TOLERANCE_CHANNELS = 0.1


def match_windows(per_eb: Sequence[Sequence[EbWindow]]) -> dict[int, tuple[EbWindow, ...]]:
    """archive window id -> that window in every EB (in EB order).

    EBs of one science goal share the spectral setup, so every archive
    window must be present in every EB; a window missing from one EB would
    give a cube with a different sensitivity across its band: refused.
    """
    if not per_eb:
        raise ScriptgenError("no execution blocks to image")
    ids = [sorted(w.archive_spw for w in windows) for windows in per_eb]
    if any(i != ids[0] for i in ids):
        names = "; ".join(f"{ws[0].ms if ws else '?'}: {i}" for ws, i in zip(per_eb, ids))
        raise ScriptgenError(f"the EBs do not share one spectral setup (archive windows {names})")
    return {a: tuple(next(w for w in ws if w.archive_spw == a) for ws in per_eb) for a in ids[0]}


def common_grid(windows: Sequence[EbWindow], width_hz: float | None = None) -> CubeGrid:
    """The LSRK grid every EB covers: trimmed to the overlap of their windows.

    Channel width: the coarsest native LSRK width of the EBs (or the
    requested ``width_hz`` if coarser), so no EB is interpolated onto
    channels finer than its own. Only channels lying wholly inside every
    EB's window are kept: an edge channel that one EB does not cover would
    be noisier than the rest and, at a window edge, carries the bandpass
    roll-off.
    """
    native = max(w.lsrk_width_hz for w in windows)
    width = max(native, width_hz or 0.0)
    low = max(w.lsrk_edges[0] for w in windows)
    high = min(w.lsrk_edges[1] for w in windows)
    # A tenth of a channel of tolerance: EBs tuned to the same LSRK frequencies
    # differ in LSRK channel width by their Doppler ratio (~1e-4), which must
    # not cost a channel.
    nchan = int(math.floor((high - low) / width + GRID_TOLERANCE_CHANNELS))
    if nchan < 1:
        raise ScriptgenError(
            f"archive spw {windows[0].archive_spw}: the EBs' windows do not overlap in LSRK "
            f"({', '.join(f'{w.lsrk_edges[0] / 1e9:.4f}-{w.lsrk_edges[1] / 1e9:.4f} GHz' for w in windows)})"
        )
    shifts = [w.channel(windows[0].lsrk_hz(0)) for w in windows]
    spread = max(shifts) - min(shifts)
    full = max(w.nchan for w in windows)
    reason = (
        f"common LSRK grid of {len(windows)} EB(s): {nchan} channels of {width / 1e6:.4f} MHz from "
        f"{(low + width / 2) / 1e9:.6f} GHz (overlap of every EB's window; the EBs' TOPO tunings "
        f"differ by {spread:.1f} channels, so {full - nchan} edge channel(s) not covered by all EBs "
        "are trimmed)"
    )
    return CubeGrid(windows[0].archive_spw, low + width / 2, width, nchan, reason)


def merge(intervals: Sequence[Interval]) -> tuple[Interval, ...]:
    """Sorted, overlapping intervals merged."""
    out: list[list[float]] = []
    for lo, hi in sorted((min(a, b), max(a, b)) for a, b in intervals):
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return tuple((a, b) for a, b in out)


def line_intervals(window: EbWindow, line_channels: Sequence[tuple[int, int]]) -> tuple[Interval, ...]:
    """Channel ranges of one EB (inclusive) as LSRK frequency intervals (outer edges)."""
    out = []
    for a, b in line_channels:
        f1, f2 = window.lsrk_hz(a - 0.5), window.lsrk_hz(b + 0.5)
        out.append((min(f1, f2), max(f1, f2)))
    return merge(out)


def line_free_lsrk(span: Interval, lines: Sequence[Interval]) -> tuple[Interval, ...]:
    """``span`` minus the union of ``lines``: the continuum ranges in LSRK.

    The union over EBs (and pointings) is what makes the ranges valid for
    every EB: a line seen in any one of them is excluded from all.
    """
    free = []
    lo = span[0]
    for a, b in merge(lines):
        if a > lo:
            free.append((lo, min(a, span[1])))
        lo = max(lo, b)
        if lo >= span[1]:
            break
    if lo < span[1]:
        free.append((lo, span[1]))
    return tuple((a, b) for a, b in free if b > a)


def eb_channels(window: EbWindow, ranges: Sequence[Interval]) -> tuple[tuple[int, int], ...]:
    """The EB's own channels lying wholly inside the LSRK ``ranges``.

    Only whole channels (to within ``GRID_TOLERANCE_CHANNELS``): a channel
    straddling a range edge could hold line emission, so it is left out.
    """
    out = []
    for lo, hi in ranges:
        c1, c2 = sorted((window.channel(lo), window.channel(hi)))
        first = max(0, math.ceil(c1 + 0.5 - GRID_TOLERANCE_CHANNELS))
        last = min(window.nchan - 1, math.floor(c2 - 0.5 + GRID_TOLERANCE_CHANNELS))
        if last >= first:
            out.append((first, last))
    merged: list[list[int]] = []
    for a, b in sorted(out):
        if merged and a <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return tuple((a, b) for a, b in merged)


def channel_selection(ranges: Sequence[tuple[int, int]]) -> str:
    """CASA channel selection '3~40;60~120' (empty: none)."""
    return ";".join(f"{a}~{b}" for a, b in ranges)


def format_cont_dat(
    per_field: Mapping[str, Mapping[int, Sequence[Interval]]], header: Sequence[str] = ()
) -> str:
    """The pipeline's cont.dat: ``Field:``, ``SpectralWindow:`` (archive id),
    one ``f1~f2GHz LSRK`` range a line, a blank line between windows."""
    lines = [f"# {h}" for h in header]
    for name, windows in per_field.items():
        lines.append(f"Field: {name}")
        lines.append("")
        for spw, ranges in windows.items():
            lines.append(f"SpectralWindow: {spw}")
            for lo, hi in ranges:
                lines.append(f"{lo / 1e9:.9f}~{hi / 1e9:.9f}GHz LSRK")
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


_RANGE = re.compile(r"^\s*([0-9.]+)\s*~\s*([0-9.]+)\s*GHz\s*(LSRK)?\s*$", re.IGNORECASE)


def parse_cont_dat(text: str) -> dict[str, dict[int, tuple[Interval, ...]]]:
    """An analyst's cont.dat (pipeline format, LSRK GHz) back into intervals in Hz.

    Ranges in another frame, or lines that are none of Field/SpectralWindow/
    range/comment, are refused: a silently ignored range would put a line
    into the continuum.
    """
    out: dict[str, dict[int, list[Interval]]] = {}
    fld: str | None = None
    spw: int | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.lower().startswith("field:"):
            fld, spw = line.split(":", 1)[1].strip(), None
            out.setdefault(fld, {})
        elif line.lower().startswith("spectralwindow:"):
            value = line.split(":", 1)[1].strip()
            if fld is None or not value.isdigit():
                raise ScriptgenError(
                    f"cont.dat line {number}: 'SpectralWindow: <id>' must follow a 'Field:' line"
                )
            spw = int(value)
            out[fld].setdefault(spw, [])
        else:
            match = _RANGE.match(line)
            if match is None or fld is None or spw is None:
                raise ScriptgenError(
                    f"cont.dat line {number}: {raw.strip()!r} is not 'f1~f2GHz LSRK' under a SpectralWindow"
                )
            lo, hi = sorted((float(match.group(1)) * 1e9, float(match.group(2)) * 1e9))
            out[fld][spw].append((lo, hi))
    return {f: {s: merge(r) for s, r in ws.items()} for f, ws in out.items()}


def combined_sigma(sigmas: Sequence[float]) -> float:
    """Noise of an image weighting the EBs by inverse variance (tclean's natural weights)."""
    return 1.0 / math.sqrt(sum(1.0 / s**2 for s in sigmas))


def archive_spw_ids(
    split_windows: Sequence[tuple[int, str, float]],
    raw_windows: Sequence[tuple[int, str, float, float]],
) -> tuple[dict[int, int], str]:
    """Split window id -> raw EB (archive) window id, and how it was found.

    ``split_windows``: (id, NAME, centre Hz) of the calibrated MS;
    ``raw_windows``: (id, NAME, centre Hz, bandwidth Hz) of the raw EB.
    A window matches the raw window of the same NAME (ALMA names carry the
    band, baseband and window number) whose centre is nearest and within
    half its bandwidth; without a raw EB (empty ``raw_windows``) the split's
    ids are kept and the reason says so.
    """
    if not raw_windows:
        return {s: s for s, _, _ in split_windows}, (
            "archive window ids unknown (no raw EB given with --execblock): names use the split's ids"
        )
    out = {}
    for sid, name, centre in split_windows:
        candidates = [
            (abs(c - centre), rid)
            for rid, rname, c, bw in raw_windows
            if rname == name and abs(c - centre) <= bw / 2
        ]
        if not candidates:
            raise ScriptgenError(
                f"window {sid} ({name}) of the calibrated MS has no counterpart in the raw EB"
            )
        out[sid] = min(candidates)[1]
    return out, "archive window ids from the raw EB: same SPECTRAL_WINDOW NAME and centre frequency"


#: Short baselines for line finding: projected length at most this fraction
#: of L80 (the 80th percentile). NAASC imaging guides: an averaged spectrum of
#: the short baselines (a ``uvrange`` cut) shows extended lines far better
#: than all baselines, whose long spacings resolve the emission out.
SHORT_BASELINE_FRACTION_OF_L80 = 0.5


def short_baseline_limit_m(uv_l80_m: float, dish_m: float) -> tuple[float, str]:
    """Longest projected baseline used for the line-finding spectra, and why.

    Never shorter than 1.5 dish diameters, so that a compact array keeps
    some baselines.
    """
    limit = max(SHORT_BASELINE_FRACTION_OF_L80 * uv_l80_m, 1.5 * dish_m)
    return limit, (
        f"line finding on baselines up to {limit:.1f} m ({SHORT_BASELINE_FRACTION_OF_L80:g} x L80 "
        f"{uv_l80_m:.1f} m, at least 1.5 dish diameters), each pointing searched, union of their lines"
    )


def max_over_pointings(spectra: Sequence[Sequence[float]]) -> tuple[float, ...]:
    """Channel-wise maximum of the pointings' amplitude spectra (NaN only where all are).

    A line seen in any one pointing of a mosaic stands out in the maximum,
    where an average over pointings dilutes it by their number.
    """
    if not spectra:
        return ()
    n = min(len(s) for s in spectra)
    out = []
    for i in range(n):
        values = [float(s[i]) for s in spectra if not math.isnan(float(s[i]))]
        out.append(max(values) if values else math.nan)
    return tuple(out)
