"""Whether a QA2 report is fit to be quoted in a delivery's README.

The packager copies the verdict, the reasons and the measured numbers of a
``scriptgen qa2 --json`` report into the README a PI reads. A report edited
by hand or damaged in transit must not put "PASS (probably)", a NaN noise
or a reason with embedded newlines into that README, nor crash the
formatting of the numbers; :func:`report_problem` names the first thing
wrong, checked only on the keys the README uses.
"""

from __future__ import annotations

import math
from typing import Any

from ..safenames import text_problem

VERDICTS = ("PASS", "SEMIPASS", "FAIL", "NOT ASSESSED")
RULES = ("cycle2", "later")


def _number_problem(value: Any, where: str, *, optional: bool = True) -> str | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{where} is {value!r}, not a number"
    if not math.isfinite(value):
        return f"{where} is not finite"
    return None


def _text_problem(value: Any, where: str) -> str | None:
    if not isinstance(value, str):
        return f"{where} is {type(value).__name__}, not text"
    if len(value) > 2000:
        return f"{where} is longer than 2000 characters"
    problem = text_problem(value) if value else None
    return f"{where} {problem}" if problem else None


def report_problem(report: dict[str, Any]) -> str | None:
    """The first reason ``report`` cannot be quoted, or None."""
    if report.get("verdict") not in VERDICTS:
        return f"verdict {report.get('verdict')!r} is not one of {', '.join(VERDICTS)}"
    if report.get("rule") not in RULES:
        return f"rule {report.get('rule')!r} is not one of {', '.join(RULES)}"
    band = report.get("band")
    if band is not None and (isinstance(band, bool) or not isinstance(band, int) or not 1 <= band <= 10):
        return f"band {band!r} is not an ALMA band (1-10)"
    reasons = report.get("reasons", [])
    if not isinstance(reasons, list) or len(reasons) > 100:
        return "reasons is not a list of at most 100 texts"
    for n, reason in enumerate(reasons):
        problem = _text_problem(reason, f"reason {n + 1}")
        if problem:
            return problem
    measured = report.get("measured") or {}
    requested = report.get("requested") or {}
    if not isinstance(measured, dict) or not isinstance(requested, dict):
        return "measured and requested must be objects"
    for key in ("image", "rms_from"):
        if key in measured:
            problem = _text_problem(measured[key], f"measured {key}")
            if problem:
                return problem
    checks = [
        (measured.get("rms_jy_per_beam"), "measured rms_jy_per_beam"),
        (requested.get("rms_jy_per_beam"), "requested rms_jy_per_beam"),
        (requested.get("beam_arcsec"), "requested beam_arcsec"),
        (report.get("achieved_over_predicted"), "achieved_over_predicted"),
    ]
    beam = measured.get("beam_arcsec")
    if beam is not None:
        if not isinstance(beam, dict):
            return "measured beam_arcsec is not an object"
        checks += [(beam.get(k), f"measured beam {k}") for k in ("major", "minor", "pa_deg")]
        if any(beam.get(k) is None for k in ("major", "minor", "pa_deg")):
            return "measured beam_arcsec needs major, minor and pa_deg"
    beam_range = requested.get("beam_range_arcsec")
    if beam_range is not None:
        if not isinstance(beam_range, list) or len(beam_range) != 2:
            return "requested beam_range_arcsec is not a pair of numbers"
        checks += [(v, "requested beam_range_arcsec") for v in beam_range]
    for value, where in checks:
        problem = _number_problem(value, where)
        if problem:
            return problem
    return None
