"""Which QA plots a delivery gets, and the ``index.html`` that shows them.

For each EB, every calibration table of :class:`scriptgen.naming.CalTables`
that exists in the tables folder is drawn: Tsys spectra; bandpass amplitude
and phase; gain phase (per integration and per scan) and amplitude (per
scan, and after fluxscale) against time. Every FITS image gets a preview,
except primary beams (``.pb``) and clean masks (``.mask``): they look alike
for every target and would bury the images that tell something. A table or
image that cannot be read becomes a warning, not a failure: the
other plots are still worth having.

The index is plain HTML; every name in it (EB and file names come from the
data) passes through :func:`html.escape`.
"""

from __future__ import annotations

import html
from urllib.parse import quote
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__, naming
from ..errors import ScriptgenError

__all__ = ["Plot", "Gallery", "plots_for", "make_gallery", "index_html", "is_pb_or_mask", "INDEX"]

INDEX = "index.html"


@dataclass(frozen=True)
class Plot:
    """One planned plot: which table/image, what to draw, the PNG name, a caption."""

    section: str
    source: str
    what: str  # tsys | bandpass-amp | bandpass-phase | gain-amp | gain-phase | image
    png: str
    caption: str


@dataclass
class Gallery:
    files: list[str] = field(default_factory=list)
    plots: list[Plot] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def plots_for(ms: str) -> list[Plot]:
    """Every plot an EB can have, whether or not its tables exist (pure)."""
    t = naming.CalTables(ms)
    uid = ms[:-3] if ms.endswith(".ms") else ms
    return [
        Plot(uid, t.tsys, "tsys", f"{t.tsys}.png", "Tsys spectra (time median per antenna; line style = polarisation)"),
        Plot(uid, t.bandpass, "bandpass-amp", f"{t.bandpass}.amp.png", "bandpass amplitude"),
        Plot(uid, t.bandpass, "bandpass-phase", f"{t.bandpass}.phase.png", "bandpass phase"),
        Plot(uid, t.phase_int, "gain-phase", f"{t.phase_int}.phase.png", "gain phase per integration"),
        Plot(uid, t.phase_inf, "gain-phase", f"{t.phase_inf}.phase.png", "gain phase per scan"),
        Plot(uid, t.ampli_inf, "gain-amp", f"{t.ampli_inf}.amp.png", "gain amplitude per scan"),
        Plot(uid, t.flux_inf, "gain-amp", f"{t.flux_inf}.amp.png", "gain amplitude after fluxscale"),
    ]


def review_plots_for(ms: str) -> list[Plot]:
    """What 'scriptgen review' compared, drawn when it ran (from its JSON report; pure)."""
    uid = ms[:-3] if ms.endswith(".ms") else ms
    return [
        Plot(uid, review_json(ms), "review-wvr", f"{ms}.review.wvr.png",
             "review: phase rms with and without WVR"),
        Plot(uid, review_json(ms), "review-tsys", f"{ms}.review.tsys.png",
             "review: Tsys / median of antennas"),
    ]


def review_json(ms: str) -> str:
    """The JSON report 'scriptgen review' writes for ``ms``."""
    return f"{ms}.review.json"


def is_pb_or_mask(name: str) -> bool:
    """``x.pb.fits``, ``x.mask.fits`` (not ``x.pbcor.fits``): no preview."""
    parts = name.lower().split(".")
    return "pb" in parts or "mask" in parts


def _draw(plot: Plot, source: Path, out: Path) -> None:
    from . import figures
    from .caltables import read_caltable

    title = f"{plot.section}: {plot.caption}"
    if plot.what == "image":
        from ..qa2.image import read_image

        fig = figures.image_figure(read_image(source), Path(plot.source).name)
    elif plot.what.startswith("review-"):
        from . import review_figures

        review = review_figures.load_review(source)
        draw = review_figures.review_wvr_figure if plot.what == "review-wvr" else review_figures.review_tsys_figure
        fig = draw(review, title)
    else:
        table = read_caltable(source)
        if not table.spws:
            raise ScriptgenError(f"{source.name} has no solutions")
        if plot.what == "tsys":
            fig = figures.tsys_figure(table, title)
        elif plot.what.startswith("bandpass"):
            fig = figures.bandpass_figure(table, plot.what.split("-")[1], title)
        else:
            fig = figures.gain_time_figure(table, plot.what.split("-")[1], title)
    figures.save(fig, out)


def make_gallery(
    qa_dir: str | Path,
    tables_dir: str | Path,
    images: list[Path] | str | Path | None,
    ebs: tuple[str, ...],
    *,
    links: tuple[str, ...] = (),
) -> Gallery:
    """Draw what exists into ``qa_dir`` and write its ``index.html``.

    ``images`` is a list of image paths, or a folder whose ``*.fits`` are
    previewed; ``links`` names other files of ``qa_dir`` (the QA2 report)
    the index points to.
    """
    qa_dir, tables_dir = Path(qa_dir), Path(tables_dir)
    qa_dir.mkdir(parents=True, exist_ok=True)
    if images is None:
        image_paths: list[Path] = []
    elif isinstance(images, (str, Path)):
        image_paths = sorted(Path(images).glob("*.fits"))
    else:
        image_paths = list(images)
    gallery = Gallery()
    planned = [p for ms in ebs for p in plots_for(ms) + review_plots_for(ms)]
    planned += [
        Plot("images", str(p), "image", f"{Path(p).name}.preview.png", "image preview")
        for p in image_paths
        if not is_pb_or_mask(Path(p).name)
    ]
    for plot in planned:
        source = Path(plot.source) if plot.what == "image" else tables_dir / plot.source
        if not source.exists():
            continue
        try:
            _draw(plot, source, qa_dir / plot.png)
        except (ScriptgenError, RuntimeError, ValueError) as exc:
            gallery.warnings.append(f"no plot for {source.name}: {str(exc).splitlines()[0] if str(exc) else exc!r}")
            continue
        gallery.plots.append(plot)
        gallery.files.append(plot.png)
    (qa_dir / INDEX).write_text(index_html(gallery.plots, links, _review_notes(tables_dir, ebs)))
    gallery.files.append(INDEX)
    return gallery


def _review_notes(tables_dir: Path, ebs: tuple[str, ...]) -> dict[str, list[str]]:
    """Per EB section: the review's findings, when it ran."""
    from .review_figures import load_review, review_notes

    notes = {}
    for ms in ebs:
        path = tables_dir / review_json(ms)
        if path.exists():
            try:
                notes[ms[:-3] if ms.endswith(".ms") else ms] = review_notes(load_review(path))
            except ScriptgenError:
                continue
    return notes


def index_html(plots: list[Plot], links: tuple[str, ...] = (), notes: dict[str, list[str]] | None = None) -> str:
    """A page with every plot, grouped by EB (then images), and links to
    ``links``; ``notes`` per section (the review's findings) above its plots."""
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>QA plots</title>',
        "<style>body{font-family:sans-serif;margin:1.5em} figure{display:inline-block;margin:0.5em;"
        "vertical-align:top} img{max-width:640px;border:1px solid #ccc} figcaption{font-size:90%}</style>",
        "</head><body>",
        "<h1>QA plots</h1>",
        f"<p>Made by scriptgen {e(__version__)} from the delivered calibration tables and images.</p>",
    ]
    if links:
        items = ", ".join(f'<a href="{e(quote(name), quote=True)}">{e(name)}</a>' for name in links)
        parts.append(f"<p>QA2 report: {items}</p>")
    if not plots:
        parts.append("<p>No calibration tables or images were found to plot.</p>")
    sections: dict[str, list[Plot]] = {}
    for p in plots:
        sections.setdefault(p.section, []).append(p)
    for section in notes or {}:
        sections.setdefault(section, [])
    for section, items in sections.items():
        parts.append(f"<h2>{e(section)}</h2>")
        if notes and notes.get(section):
            parts.append("<p>Review findings ('scriptgen review'):</p><ul>")
            parts.extend(f"<li>{e(line)}</li>" for line in notes[section])
            parts.append("</ul>")
        for p in items:
            src = e(quote(p.png), quote=True)
            parts.append(
                f'<figure><a href="{src}"><img src="{src}" alt="{e(p.caption, quote=True)}"></a>'
                f"<figcaption>{e(p.caption)}: {e(Path(p.source).name)}</figcaption></figure>"
            )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
