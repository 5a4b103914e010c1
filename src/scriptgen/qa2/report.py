"""A QA2 report: measurement + request -> verdict, as text and as JSON.

:func:`build_report` decides (pure, from a :class:`Measurement` and a
:class:`ScienceGoal`); :func:`report_text` and :func:`report_json` only
present. The JSON is what ``scriptgen package`` reads to put the verdict in
the delivery README.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from .. import __version__
from ..errors import ScriptgenError
from .criteria import Assessment, PixelCheck, Rule, assess, check_pixel_size, scale_rms_to_bandwidth
from .astrometry import AstrometryCheck, flux_accuracy
from .goal import ScienceGoal
from .measure import Measurement

__all__ = ["QA2Report", "build_report", "report_text", "report_json", "REPORT_FORMAT"]

REPORT_FORMAT = "scriptgen-qa2-report"


@dataclass(frozen=True)
class QA2Report:
    """Everything the verdict rests on.

    ``requested_rms_jy`` is the request at the image's channel width (the
    goal's RMS rescaled when the goal names its bandwidth);
    ``predicted_rms_jy`` the radiometer-equation noise when known, so that
    ``achieved_over_predicted`` tells a bad-weather shortfall (ratio near 1,
    not enough time) from a reduction problem (ratio well above 1).
    """

    measurement: Measurement
    goal: ScienceGoal
    band: int
    band_source: str
    requested_rms_jy: float | None
    assessment: Assessment
    pixel: PixelCheck | None
    predicted_rms_jy: float | None = None
    notes: tuple[str, ...] = ()
    #: Check-source QA (offset against the catalogue, flux ratio), when asked.
    astrometry: AstrometryCheck | None = None
    #: Several EBs: how many, and each one's predicted noise and time on source.
    ous: dict | None = None

    @property
    def verdict(self) -> str:
        return self.assessment.verdict.value if self.assessment.verdict else "NOT ASSESSED"

    @property
    def achieved_over_predicted(self) -> float | None:
        if self.predicted_rms_jy:
            return self.measurement.rms_jy / self.predicted_rms_jy
        return None


def build_report(
    m: Measurement,
    goal: ScienceGoal,
    predicted_rms_jy: float | None = None,
    *,
    notes: tuple[str, ...] = (),
    astrometry: AstrometryCheck | None = None,
    ous: dict | None = None,
) -> QA2Report:
    """Decide the verdict for ``m`` against ``goal``.

    The band comes from the goal when given (the PI's band), otherwise from
    the image frequency; a frequency outside every ALMA band with no band
    given is an error, since the limits depend on it.
    """
    notes = list(notes)
    if goal.band is not None:
        band, source = goal.band, "requested"
        if m.band is not None and m.band != goal.band:
            notes.append(f"image frequency is in band {m.band}, but band {goal.band} was given")
    elif m.band is not None:
        band, source = m.band, "image frequency"
    else:
        freq = f"{m.freq_hz / 1e9:.3f} GHz" if m.freq_hz else "unknown"
        raise ScriptgenError(f"image frequency ({freq}) is in no ALMA band; give --band")
    requested = goal.rms_jy
    if requested is not None and goal.bandwidth_hz and m.chan_width_hz:
        scaled = scale_rms_to_bandwidth(requested, goal.bandwidth_hz, m.chan_width_hz)
        if abs(scaled / requested - 1) > 1e-6:
            notes.append(
                f"requested {requested * 1e3:.4g} mJy at {goal.bandwidth_hz / 1e6:.6g} MHz is "
                f"{scaled * 1e3:.4g} mJy at the image's {m.chan_width_hz / 1e6:.6g} MHz"
            )
        requested = scaled
    beam = m.beam
    try:
        assessment = assess(
            band=band,
            achieved_rms=m.rms_jy,
            bmaj=beam.major if beam else None,
            bmin=beam.minor if beam else None,
            requested_rms=requested,
            requested_beam=goal.beam_arcsec,
            beam_range=goal.beam_range_arcsec,
            rule=goal.rule,
        )
    except ValueError as exc:
        raise ScriptgenError(str(exc)) from None
    if assessment.verdict is None:
        notes.append("nothing was requested (no RMS, beam or beam range): measurement only")
    pixel = check_pixel_size(m.cell_arcsec, beam.major, beam.minor) if beam else None
    return QA2Report(m, goal, band, source, requested, assessment, pixel, predicted_rms_jy, tuple(notes),
                     astrometry, ous)  # fmt: skip


def _mjy(x: float | None) -> str:
    return "-" if x is None else f"{x * 1e3:.4g} mJy/beam"


def report_text(r: QA2Report) -> str:
    """The readable report the CLI prints."""
    m = r.measurement
    lines = [f"QA2 assessment of {m.image}", ""]
    lines.append("measured")
    lines.append(f"  noise RMS        {_mjy(m.rms_jy)}  (off-source in the {m.rms_from}; "
                 f"MAD-based {_mjy(m.robust_rms_jy)}; {m.pixels_used} pixels, "
                 f"{m.masked_fraction:.1%} masked as emission"
                 + (f"; median of {m.planes} planes" if m.planes > 1 else "") + ")")
    lines.append(f"  peak             {_mjy(m.peak_jy)}"
                 + (f"  (peak/RMS {m.peak_jy / m.rms_jy:.1f})" if m.rms_jy > 0 else ""))
    if m.beam:
        lines.append(f"  beam             {m.beam.major:.4g}\" x {m.beam.minor:.4g}\" at {m.beam.pa_deg:.1f} deg")
    else:
        lines.append("  beam             none")
    lines.append(f"  cell             {m.cell_arcsec:.4g}\"   image {m.shape[0]} x {m.shape[1]} x {m.shape[2]}")
    if m.freq_hz:
        width = f", channel {m.chan_width_hz / 1e6:.6g} MHz" if m.chan_width_hz else ""
        lines.append(f"  frequency        {m.freq_hz / 1e9:.4f} GHz{width}")
    lines.append(f"  band             {r.band} ({r.band_source})")
    lines.append("")
    rule = "Cycle 2" if r.assessment.rule is Rule.CYCLE2 else "later cycles"
    lines.append(f"requested ({rule} rule)")
    lines.append(f"  RMS              {_mjy(r.requested_rms_jy)}")
    if r.goal.beam_arcsec:
        lines.append(f"  beam             {r.goal.beam_arcsec:.4g}\"")
    if r.goal.beam_range_arcsec:
        lo, hi = r.goal.beam_range_arcsec
        lines.append(f"  beam range       {lo:.4g}\" - {hi:.4g}\"")
    lines.append("")
    lines.append("checks")
    for c in r.assessment.checks:
        lines.append(f"  {c.verdict.value:<9} {c.reason}")
    if r.pixel:
        flag = "ok" if r.pixel.acceptable else "WARNING"
        lines.append(f"  {flag:<9} pixel size: {r.pixel.reason} (does not affect the verdict)")
    if r.predicted_rms_jy:
        lines.append(f"  {'info':<9} achieved / predicted RMS = {r.achieved_over_predicted:.2f} "
                     f"(predicted {_mjy(r.predicted_rms_jy)})")
    if r.ous:
        lines.append(f"  {'info':<9} {r.ous['summary']}")
    accuracy = flux_accuracy(r.band)
    if accuracy is not None:
        lines.append(f"  {'info':<9} flux accuracy of band {r.band}: {accuracy:.0%} (ALMA absolute flux scale)")
    if r.astrometry:
        a = r.astrometry
        lines.append(f"  {a.verdict.value:<9} {a.reason} (does not affect the verdict)")
    for w in m.warnings:
        lines.append(f"  {'WARNING':<9} {w}")
    for n in r.notes:
        lines.append(f"  {'note':<9} {n}")
    lines.append("")
    lines.append(f"QA2 verdict: {r.verdict}")
    return "\n".join(lines) + "\n"


def report_json(r: QA2Report) -> dict[str, Any]:
    """Plain data for ``--json`` and for the packager (stable keys)."""
    m = r.measurement
    return {
        "format": REPORT_FORMAT,
        "generator": f"scriptgen {__version__}",
        "verdict": r.verdict,
        "rule": r.assessment.rule.value,
        "band": r.band,
        "band_source": r.band_source,
        "reasons": list(r.assessment.reasons),
        "checks": [
            {"name": c.name, "value": c.value, "verdict": c.verdict.value, "limits": list(c.limits), "reason": c.reason}
            for c in r.assessment.checks
        ],
        "measured": {
            "image": m.image,
            "format": m.kind,
            "rms_jy_per_beam": m.rms_jy,
            "robust_rms_jy_per_beam": m.robust_rms_jy,
            "rms_from": m.rms_from,
            "pixels_used": m.pixels_used,
            "masked_fraction": m.masked_fraction,
            "planes": m.planes,
            "peak_jy_per_beam": m.peak_jy,
            "beam_arcsec": None if m.beam is None else {"major": m.beam.major, "minor": m.beam.minor, "pa_deg": m.beam.pa_deg},
            "cell_arcsec": m.cell_arcsec,
            "freq_hz": m.freq_hz,
            "chan_width_hz": m.chan_width_hz,
            "band_from_frequency": m.band,
            "shape": list(m.shape),
        },
        "requested": {
            "rms_jy_per_beam": r.requested_rms_jy,
            "rms_as_given_jy": r.goal.rms_jy,
            "bandwidth_hz": r.goal.bandwidth_hz,
            "beam_arcsec": r.goal.beam_arcsec,
            "beam_range_arcsec": list(r.goal.beam_range_arcsec) if r.goal.beam_range_arcsec else None,
        },
        "pixel": None if r.pixel is None else asdict(r.pixel),
        "predicted_rms_jy_per_beam": r.predicted_rms_jy,
        "achieved_over_predicted": r.achieved_over_predicted,
        "warnings": list(m.warnings),
        "notes": list(r.notes),
        "flux_accuracy": flux_accuracy(r.band),
        "check_source": None if r.astrometry is None else r.astrometry.as_dict(),
        "ous": r.ous,
    }


def dumps(r: QA2Report) -> str:
    return json.dumps(report_json(r), indent=1, sort_keys=True, allow_nan=False) + "\n"
