"""The review's findings as QA plots, drawn from ``<ms>.review.json``.

The review (``scriptgen review``) already reduced the tables to the numbers
its decisions used; plotting those numbers shows the analyst exactly what
was compared: each antenna's phase rms with and without WVR, and each
antenna's Tsys against the median of all antennas with the outlier limit.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import ScriptgenError
from .figures import _colours, _grid, plt

__all__ = ["review_wvr_figure", "review_tsys_figure", "review_notes", "load_review"]


def load_review(path: str | Path) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ScriptgenError(f"cannot read {Path(path).name}: {exc}") from None


def review_wvr_figure(review: dict, title: str):
    """Per antenna: phase rms with and without WVR (bars), bad radiometers marked."""
    wvr = review.get("wvr") or {}
    if not wvr.get("antennas"):
        raise ScriptgenError("the review has no WVR comparison")
    names = wvr["antennas"]
    with_wvr = np.array([np.nan if v is None else v for v in wvr["rms_with_deg"]], float)
    without = np.array([np.nan if v is None else v for v in wvr["rms_without_deg"]], float)
    fig, (ax,) = _grid(1, title)
    x = np.arange(len(names))
    ax.bar(x - 0.2, without, 0.4, label="without WVR", color="0.6")
    ax.bar(x + 0.2, with_wvr, 0.4, label="with WVR", color="tab:blue")
    for a, name in enumerate(names):
        if name in wvr.get("bad_antennas", []):
            ax.bar(x[a] + 0.2, with_wvr[a], 0.4, color="tab:red", label="bad radiometer")
    ax.set_xticks(x, names, rotation=60, fontsize=7)
    ax.set_ylabel("phase rms about scan mean (deg)", fontsize=8)
    verdict = "applied" if wvr.get("apply") else "REJECTED"
    ax.set_title(f"improvement (without / with, median) {wvr.get('improvement')}: WVR {verdict}", fontsize=8)
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.legend(unique.values(), unique.keys(), fontsize=7)
    fig.tight_layout()
    return fig


def review_tsys_figure(review: dict, title: str):
    """Per Tsys window: each antenna's Tsys / median of all antennas against time."""
    windows = review.get("tsys_ratios") or []
    if not windows:
        raise ScriptgenError("the review has no Tsys measurements")
    fig, axes = _grid(len(windows), title)
    for ax, win in zip(axes, windows):
        names = win["antennas"]
        colours = _colours(len(names) or 1)
        t = np.asarray(win["times_mjd_s"], float)
        t0 = t.min() if t.size else 0.0
        ratio = np.array([[np.nan if v is None else v for v in row] for row in win["ratio"]], float)
        for a, name in enumerate(names):
            bad = np.nanmax(ratio[a]) > win["limit"] if np.isfinite(ratio[a]).any() else False
            ax.plot((t - t0) / 60, ratio[a], "o-", ms=3, color=colours[a], lw=2 if bad else 0.8,
                    label=name if bad else None)
        ax.axhline(win["limit"], color="red", ls="--", lw=1, label=f"limit {win['limit']:g} (hifa_tsysflag nmedian)")
        ax.set_title(f"Tsys spw {win['spw']}", fontsize=9)
        ax.set_xlabel("minutes from the first Tsys scan", fontsize=8)
        ax.set_ylabel("Tsys / median of antennas", fontsize=8)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def review_notes(review: dict) -> list[str]:
    """One line per finding and script proposal, for the QA page."""
    out = []
    for f in review.get("findings", []):
        where = f.get("antenna") or "all antennas"
        spw = f" spw {f['spw']}" if f.get("spw") else ""
        out.append(f"{f['kind']}: {where}{spw}: {f['reason']}")
    for e in review.get("script_edits", []):
        out.append(f"proposed script change: {e['what']}")
    for c in review.get("fluxscale_checks", []):
        if c.get("ok"):
            out.append(f"fluxscale ok: {c['reason']}")
    if not out:
        out.append("the review found nothing to flag or change")
    return out


def close(fig) -> None:
    plt.close(fig)
