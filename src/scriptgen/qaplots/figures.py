"""Draw the QA plots with matplotlib (Agg: no display needed).

One figure per table and quantity, one panel per spectral window, one
colour per antenna: the layout analysts know from plotms/plotbandpass, and
the one that shows a bad antenna or window at a glance. Each function
returns a Figure; :func:`save` writes a PNG and closes it.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Ellipse  # noqa: E402

from .caltables import CalTable  # noqa: E402

__all__ = ["tsys_figure", "bandpass_figure", "gain_time_figure", "image_figure", "save"]

_POL_STYLE = ("-", "--", ":", "-.")
_POL_MARK = ("o", "x", "+", "^")


def _grid(n: int, title: str) -> tuple[Figure, list]:
    ncols = 1 if n == 1 else 2
    nrows = max(1, math.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(6.2 * ncols, 3.4 * nrows + 0.6), squeeze=False)
    fig.suptitle(title, fontsize=11)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def _colours(n: int):
    cmap = plt.get_cmap("tab10" if n <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(n)]


def _legend(fig: Figure, table: CalTable, used: list[int], colours) -> None:
    handles = [plt.Line2D([], [], color=colours[a], lw=2) for a in used]
    labels = [table.antenna_names[a] if a < len(table.antenna_names) else str(a) for a in used]
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 10), fontsize=7, frameon=False)


def _spectrum_figure(table: CalTable, title: str, ylabel: str, transform) -> Figure:
    """Per window: the time-median of each antenna and polarisation against frequency."""
    fig, axes = _grid(len(table.spws), title)
    colours = _colours(len(table.antenna_names) or 1)
    used: set[int] = set()
    for ax, spw in zip(axes, table.spws):
        x = spw.freq_hz / 1e9
        for ant in np.unique(spw.antenna):
            rows = spw.antenna == ant
            for pol in range(spw.values.shape[0]):
                vals = np.ma.masked_array(transform(spw.values[pol][:, rows]), spw.flags[pol][:, rows])
                med = np.ma.median(vals, axis=1)
                if np.ma.count(med) == 0:
                    continue
                ax.plot(x[: med.shape[0]], med.filled(np.nan), _POL_STYLE[pol % 4],
                        color=colours[ant % len(colours)], lw=0.8)
                used.add(int(ant))
        ax.set_title(f"spw {spw.spw_id}", fontsize=9)
        ax.set_xlabel("frequency (GHz)", fontsize=8)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.ticklabel_format(axis="x", useOffset=False)
    _legend(fig, table, sorted(used), colours)
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    return fig


def tsys_figure(table: CalTable, title: str) -> Figure:
    return _spectrum_figure(table, title, "Tsys (K)", lambda v: np.real(v))


def bandpass_figure(table: CalTable, quantity: str, title: str) -> Figure:
    if quantity == "amp":
        return _spectrum_figure(table, title, "amplitude", np.abs)
    return _spectrum_figure(table, title, "phase (deg)", lambda v: np.degrees(np.angle(v)))


def gain_time_figure(table: CalTable, quantity: str, title: str) -> Figure:
    """Per window: each antenna's (channel-averaged) gain against time."""
    fig, axes = _grid(len(table.spws), title)
    colours = _colours(len(table.antenna_names) or 1)
    t0 = min((float(s.time_s.min()) for s in table.spws if s.time_s.size), default=0.0)
    used: set[int] = set()
    for ax, spw in zip(axes, table.spws):
        minutes = (spw.time_s - t0) / 60.0
        for ant in np.unique(spw.antenna):
            rows = spw.antenna == ant
            for pol in range(spw.values.shape[0]):
                vals = np.ma.masked_array(spw.values[pol][:, rows], spw.flags[pol][:, rows]).mean(axis=0)
                y = np.abs(vals) if quantity == "amp" else np.degrees(np.angle(vals))
                y = np.ma.filled(y.astype(float), np.nan)
                if np.all(np.isnan(y)):
                    continue
                ax.plot(minutes[rows], y, _POL_MARK[pol % 4], ms=3, color=colours[ant % len(colours)],
                        linestyle="-" if rows.sum() < 60 else "none", lw=0.5)
                used.add(int(ant))
        ax.set_title(f"spw {spw.spw_id}", fontsize=9)
        ax.set_xlabel("time since first solution (min)", fontsize=8)
        ax.set_ylabel("amplitude" if quantity == "amp" else "phase (deg)", fontsize=8)
        ax.tick_params(labelsize=7)
    _legend(fig, table, sorted(used), colours)
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    return fig


def image_figure(image, title: str) -> Figure:
    """A preview of an image (a :class:`scriptgen.qa2.image.ImageData`).

    A cube is shown as its peak over channels. Offsets are in arcsec with
    east to the left; the restoring beam is drawn in the lower-left corner;
    the colour scale runs from -3 to (at least) +10 robust sigma so that both
    noise and source structure show. Primary beams and masks are shown
    linearly between their minimum and maximum.
    """
    from ..qa2.noise import robust_sigma

    data = image.data
    if data.shape[2] > 1:
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # pixels masked in every channel
            plane = np.nanmax(data, axis=2)
    else:
        plane = data[:, :, 0]
    nx, ny = plane.shape
    cell = image.cell_arcsec
    cx, cy = (nx - 1) / 2, (ny - 1) / 2
    extent = (cx * cell, -(nx - 1 - cx) * cell, -cy * cell, (ny - 1 - cy) * cell)
    fig, ax = plt.subplots(figsize=(6.0, 5.2))
    name = Path(image.path).name.lower()
    finite = plane[np.isfinite(plane)]
    if ".pb" in name and ".pbcor" not in name or "mask" in name or finite.size == 0:
        vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        label = image.unit or "value"
    else:
        sigma = robust_sigma(finite)
        peak = float(finite.max())
        vmin, vmax = -3 * sigma, max(peak, 10 * sigma)
        label = image.unit or "Jy/beam"
    if vmax <= vmin:
        vmax = vmin + 1.0
    shown = ax.imshow(plane.T, origin="lower", extent=extent, cmap="inferno", vmin=vmin, vmax=vmax,
                      interpolation="nearest")
    fig.colorbar(shown, ax=ax, label=label, shrink=0.85)
    if image.beam is not None:
        b = image.beam
        x0 = extent[0] - 0.1 * (extent[0] - extent[1])
        y0 = extent[2] + 0.1 * (extent[3] - extent[2])
        ax.add_patch(Ellipse((x0, y0), b.minor, b.major, angle=-b.pa_deg, facecolor="none", edgecolor="cyan", lw=1.2))
        title += f"\nbeam {b.major:.3g}\" x {b.minor:.3g}\" ({b.pa_deg:.0f} deg)"
    if data.shape[2] > 1:
        title += f", peak over {data.shape[2]} channels"
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("RA offset (arcsec)", fontsize=8)
    ax.set_ylabel("Dec offset (arcsec)", fontsize=8)
    fig.tight_layout()
    return fig


def save(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
