"""The package README: what is inside, the QA2 verdict, how to recalibrate.

Pure text from the plan and the QA2 report's JSON, so a test can check it
names the right EBs, scripts and verdict for the case.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from .. import __version__, naming
from .layout import FOLDERS, QA2_JSON, RAW_NOTE, README, DeliveryIds
from .plan import Plan

__all__ = ["readme_text", "qa2_summary_lines", "raw_note_text"]


def _uid(ms: str) -> str:
    return ms[: -len(".ms")] if ms.endswith(".ms") else ms


def qa2_summary_lines(report: dict[str, Any] | None) -> list[str]:
    """The QA2 section: verdict, the reasons, and the measured numbers."""
    if report is None:
        return ["No QA2 assessment was included when this package was assembled",
                "(run 'scriptgen qa2 IMAGE ... --json qa2.json' and pass --qa2-report)."]
    rule = {"cycle2": "Cycle-2 rule", "later": "later-cycle rule"}.get(report.get("rule"), str(report.get("rule")))
    lines = [f"QA2 verdict: {report.get('verdict')} ({rule}, band {report.get('band')})"]
    for reason in report.get("reasons", []):
        lines.append(f"  - {reason}")
    m = report.get("measured") or {}
    image = PurePosixPath(str(m.get("image", "?"))).name
    if m.get("rms_jy_per_beam") is not None:
        lines.append(f"Measured on {image}: RMS {m['rms_jy_per_beam'] * 1e3:.4g} mJy/beam"
                     f" (off-source in the {m.get('rms_from', 'image')})")
    beam = m.get("beam_arcsec")
    if beam:
        lines.append(f"  restoring beam {beam['major']:.4g}\" x {beam['minor']:.4g}\" at {beam['pa_deg']:.1f} deg")
    req = report.get("requested") or {}
    if req.get("rms_jy_per_beam"):
        lines.append(f"  requested RMS {req['rms_jy_per_beam'] * 1e3:.4g} mJy/beam")
    if req.get("beam_arcsec"):
        lines.append(f"  requested beam {req['beam_arcsec']:.4g}\"")
    if req.get("beam_range_arcsec"):
        lo, hi = req["beam_range_arcsec"]
        lines.append(f"  requested beam range {lo:.4g}\" - {hi:.4g}\"")
    if report.get("achieved_over_predicted"):
        lines.append(f"  achieved / predicted (radiometer equation) RMS: {report['achieved_over_predicted']:.2f}")
    lines.append(f"Full report: qa/{QA2_JSON}")
    return lines


def raw_note_text(ids: DeliveryIds, ebs: tuple[str, ...]) -> str:
    lines = [
        "Put the raw data of this member OUS here, then run script/scriptForPI.py.",
        "",
        "Execution blocks (ASDM folder names, as downloaded from the ALMA archive):",
    ]
    lines += [f"  {_uid(ms)}" for ms in ebs] or ["  (none found when the package was assembled)"]
    lines += ["", "An already imported MeasurementSet <uid>.ms works too (see USEMS in scriptForPI.py)."]
    return "\n".join(lines) + "\n"


def readme_text(
    ids: DeliveryIds, plan: Plan, report: dict[str, Any] | None, extra: dict[str, list[str]] | None = None
) -> str:
    """The README of the member folder.

    ``extra`` lists files the packager itself writes (plots, the QA2 report)
    per folder, so the contents section is complete.
    """
    extra = extra or {}
    out = [
        "ALMA data delivery package",
        "==========================",
        "",
        f"Project            {ids.project}",
        f"Science goal OUS   {ids.science_goal}",
        f"Group OUS          {ids.group}",
        f"Member OUS         {ids.member}",
        "Execution blocks   " + (", ".join(_uid(ms) for ms in plan.ebs) if plan.ebs else "(none found)"),
        f"Assembled by       scriptgen {__version__}",
        "",
        "QA2 result",
        "----------",
        *qa2_summary_lines(report),
        "",
        "Contents",
        "--------",
        f"{README:<13} this file",
    ]
    for folder, what in FOLDERS.items():
        names = sorted({PurePosixPath(p.target).name for p in plan.in_folder(folder)} | set(extra.get(folder, [])))
        out.append(f"{folder + '/':<13} {what}")
        out += [f"{'':13}   {name}" for name in names] or [f"{'':13}   (empty)"]
    scripts = {PurePosixPath(p.target).name for p in plan.in_folder("script")}
    out += ["", "Regenerating the calibrated data", "--------------------------------"]
    if naming.PI_SCRIPT in scripts:
        out += [
            "1. Download the raw data (ASDMs) of the execution blocks above and put",
            f"   them in raw/ (see raw/{RAW_NOTE}).",
            "2. Run scriptForPI.py from the script/ folder, in the CASA shell or in a",
            "   Python with casatasks and casatools installed (modular CASA):",
            "",
            "       cd script",
            f"       casa -c {naming.PI_SCRIPT}",
            "   or",
            f"       python {naming.PI_SCRIPT}",
            "",
            "   For each EB it imports the ASDM and applies the delivered calibration",
            "   tables from calibration/ with the EB's calibration script (applyonly =",
            "   True: nothing is solved again)"
            + (", then puts the EBs on one flux scale with" if naming.FLUX_SCRIPT in scripts else "."),
        ]
        if naming.FLUX_SCRIPT in scripts:
            out.append(f"   {naming.FLUX_SCRIPT}.")
        out += [
            "3. The calibrated data appear in calibrated/ (one <uid>.ms.split.cal per EB).",
            "   Options (SPACESAVING, DOSPLIT, USEMS) are described at the top of",
            f"   script/{naming.PI_SCRIPT}.",
        ]
        if naming.IMAGING_SCRIPT in scripts:
            out += [f"4. script/{naming.IMAGING_SCRIPT} remakes the images in product/ from the",
                    "   calibrated data."]
    else:
        out += [f"WARNING: no {naming.PI_SCRIPT} was found when this package was assembled;",
                "the calibrated data cannot be regenerated from this package alone."]
    return "\n".join(out) + "\n"
