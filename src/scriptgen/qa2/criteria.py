"""QA2 pass criteria as pure functions: numbers in, verdict and reasons out.

ALMA judged a member OUS against the PI's request in two ways over the
years, and both are still met in archival reprocessing:

* the Cycle-2 rule (seed document, Petry et al. 2014): PASS when the
  achieved RMS is below 1.10 x the request in bands 3-6, 1.15 x in bands
  7-8, 1.20 x in band 9, *and* the synthesized beam area is within 20 % of
  the requested one; SEMIPASS when the relaxed limits 1.4 / 1.5 / 1.6 x and
  50 % hold (the data still serve the science goal); FAIL otherwise;
* the later-cycle rule: the PI asks for a resolution *range*; the beam size
  (geometric mean of the axes) must fall inside it and the RMS must be
  within 10 % (bands 1, 3-6), 15 % (7-8) or 20 % (9-10) of the request.
  This rule has no relaxed tier: whether failing data are still useful is
  an analyst's judgement, not arithmetic, so it gives PASS or FAIL.

Bands the seed does not list are given the limits of their neighbours:
bands 1-2 those of 3-6 (low frequency, stable atmosphere), band 10 those of
band 9. Beating the request (lower RMS, any beam inside the tolerance) is
never penalised.

Angles are in arcsec and flux densities in Jy (per beam) throughout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

__all__ = [
    "Verdict",
    "Rule",
    "Cycle2Limits",
    "Check",
    "Assessment",
    "PixelCheck",
    "cycle2_limits",
    "later_cycle_rms_tolerance",
    "beam_area_ratio",
    "beam_geometric_mean",
    "check_rms_cycle2",
    "check_beam_cycle2",
    "check_rms_later",
    "check_beam_range",
    "assess",
    "check_pixel_size",
    "scale_rms_to_bandwidth",
]


class Verdict(str, Enum):
    """Outcome of a check or of the whole assessment, best first."""

    PASS = "PASS"
    SEMIPASS = "SEMIPASS"
    FAIL = "FAIL"

    @property
    def rank(self) -> int:
        return (Verdict.PASS, Verdict.SEMIPASS, Verdict.FAIL).index(self)


class Rule(str, Enum):
    """Which of ALMA's two QA2 rules to apply."""

    CYCLE2 = "cycle2"
    LATER = "later"


#: Values exactly on a limit pass it: 1.1e-4 / 1e-4 is 1.1000000000000003 in
#: floating point, and an analyst reading "1.10 x" expects PASS.
_EPS = 1e-9

#: Cycle-2 beam-area tolerances (the same in every band): PASS, SEMIPASS.
BEAM_AREA_PASS = 0.20
BEAM_AREA_SEMIPASS = 0.50


@dataclass(frozen=True)
class Cycle2Limits:
    """Limits of the Cycle-2 rule for one band.

    ``rms_pass``/``rms_semipass`` are factors on the requested RMS;
    ``beam_pass``/``beam_semipass`` the allowed fractional difference of the
    beam area from the requested one.
    """

    band: int
    rms_pass: float
    rms_semipass: float
    beam_pass: float = BEAM_AREA_PASS
    beam_semipass: float = BEAM_AREA_SEMIPASS


def _check_band(band: int) -> int:
    if not isinstance(band, int) or isinstance(band, bool) or not 1 <= band <= 10:
        raise ValueError(f"ALMA band must be an integer 1-10, not {band!r}")
    return band


def cycle2_limits(band: int) -> Cycle2Limits:
    """The Cycle-2 RMS factors of ``band`` (bands 1-2 as 3-6, band 10 as 9)."""
    band = _check_band(band)
    if band <= 6:
        return Cycle2Limits(band, 1.10, 1.4)
    if band <= 8:
        return Cycle2Limits(band, 1.15, 1.5)
    return Cycle2Limits(band, 1.20, 1.6)


def later_cycle_rms_tolerance(band: int) -> float:
    """Fractional RMS excess the later-cycle rule allows in ``band``."""
    band = _check_band(band)
    if band <= 6:
        return 0.10
    if band <= 8:
        return 0.15
    return 0.20


def beam_area_ratio(bmaj: float, bmin: float, requested: float) -> float:
    """Achieved beam area over the area of a circular beam of FWHM ``requested``.

    Gaussian beam areas are proportional to the product of the FWHM axes,
    so the constant pi / (4 ln 2) cancels.
    """
    _positive(bmaj=bmaj, bmin=bmin, requested=requested)
    return (bmaj * bmin) / (requested * requested)


def beam_geometric_mean(bmaj: float, bmin: float) -> float:
    """The single "beam size" ALMA compares with a resolution range."""
    _positive(bmaj=bmaj, bmin=bmin)
    return math.sqrt(bmaj * bmin)


def _positive(**values: float) -> None:
    for name, value in values.items():
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number, not {value!r}")


@dataclass(frozen=True)
class Check:
    """One criterion: what was measured, against what limit, with what outcome.

    ``value`` and ``limits`` are in the unit the ``name`` implies (a ratio
    for RMS and beam area, arcsec for a beam size); ``reason`` is a sentence
    an analyst can paste into a QA2 report.
    """

    name: str
    value: float
    verdict: Verdict
    reason: str
    limits: tuple[float, ...] = ()


def check_rms_cycle2(achieved: float, requested: float, band: int) -> Check:
    """RMS against the Cycle-2 factors: PASS, SEMIPASS or FAIL."""
    _positive(achieved=achieved, requested=requested)
    lim = cycle2_limits(band)
    ratio = achieved / requested
    if ratio <= lim.rms_pass + _EPS:
        verdict, how = Verdict.PASS, f"<= {lim.rms_pass:.2f}"
    elif ratio <= lim.rms_semipass + _EPS:
        verdict, how = Verdict.SEMIPASS, f"> {lim.rms_pass:.2f} but <= relaxed {lim.rms_semipass:.2f}"
    else:
        verdict, how = Verdict.FAIL, f"> relaxed {lim.rms_semipass:.2f}"
    reason = f"RMS is {ratio:.3f} x requested, {how} (band {band})"
    return Check("rms_ratio", ratio, verdict, reason, (lim.rms_pass, lim.rms_semipass))


def check_beam_cycle2(bmaj: float, bmin: float, requested: float) -> Check:
    """Beam area within 20 % of the request (PASS) or 50 % (SEMIPASS)."""
    ratio = beam_area_ratio(bmaj, bmin, requested)
    off = abs(ratio - 1.0)
    if off <= BEAM_AREA_PASS + _EPS:
        verdict, how = Verdict.PASS, "within 20 %"
    elif off <= BEAM_AREA_SEMIPASS + _EPS:
        verdict, how = Verdict.SEMIPASS, "outside 20 % but within 50 %"
    else:
        verdict, how = Verdict.FAIL, "more than 50 % off"
    reason = (
        f"beam area is {ratio:.3f} x that of a {requested:.4g}\" beam, {how}"
    )
    return Check(
        "beam_area_ratio",
        ratio,
        verdict,
        reason,
        (1 - BEAM_AREA_PASS, 1 + BEAM_AREA_PASS, 1 - BEAM_AREA_SEMIPASS, 1 + BEAM_AREA_SEMIPASS),
    )


def check_rms_later(achieved: float, requested: float, band: int) -> Check:
    """RMS within the later-cycle tolerance: PASS or FAIL."""
    _positive(achieved=achieved, requested=requested)
    tol = later_cycle_rms_tolerance(band)
    ratio = achieved / requested
    ok = ratio <= 1.0 + tol + _EPS
    reason = (
        f"RMS is {ratio:.3f} x requested, "
        f"{'within' if ok else 'more than'} {tol:.0%} above (band {band})"
    )
    return Check("rms_ratio", ratio, Verdict.PASS if ok else Verdict.FAIL, reason, (1.0 + tol,))


def check_beam_range(bmaj: float, bmin: float, low: float, high: float) -> Check:
    """Geometric-mean beam size inside the requested [low, high] range."""
    _positive(low=low, high=high)
    if low > high:
        raise ValueError(f"beam range minimum {low} is above its maximum {high}")
    size = beam_geometric_mean(bmaj, bmin)
    ok = low * (1 - 1e-9) <= size <= high * (1 + 1e-9)
    where = "inside" if ok else ("below" if size < low else "above")
    reason = f"beam size (geometric mean) {size:.4g}\" is {where} the requested {low:.4g}\"-{high:.4g}\""
    return Check("beam_size_arcsec", size, Verdict.PASS if ok else Verdict.FAIL, reason, (low, high))


@dataclass(frozen=True)
class Assessment:
    """The verdict of one rule: the worst of its checks.

    ``verdict`` is None when nothing was requested (a measurement-only
    report); ``notes`` carries what the verdict does not depend on.
    """

    rule: Rule
    band: int
    checks: tuple[Check, ...]
    verdict: Verdict | None

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(c.reason for c in self.checks)


def assess(
    *,
    band: int,
    achieved_rms: float | None,
    bmaj: float | None,
    bmin: float | None,
    requested_rms: float | None = None,
    requested_beam: float | None = None,
    beam_range: tuple[float, float] | None = None,
    rule: Rule | None = None,
) -> Assessment:
    """Apply one QA2 rule to what was requested.

    The rule defaults to the later-cycle one when a beam range is given and
    to Cycle 2 otherwise. A criterion with no request is not checked; the
    verdict is the worst of the checks made (None if none were).
    """
    if rule is None:
        rule = Rule.LATER if beam_range is not None else Rule.CYCLE2
    band = _check_band(band)
    checks: list[Check] = []
    if requested_rms is not None:
        if achieved_rms is None:
            raise ValueError("an RMS was requested but none was measured")
        fn = check_rms_cycle2 if rule is Rule.CYCLE2 else check_rms_later
        checks.append(fn(achieved_rms, requested_rms, band))
    if rule is Rule.CYCLE2 and beam_range is not None:
        raise ValueError("the Cycle-2 rule compares with one requested beam, not a range")
    if rule is Rule.LATER and requested_beam is not None and beam_range is None:
        raise ValueError("the later-cycle rule needs a beam range (min, max), not one beam")
    if requested_beam is not None or beam_range is not None:
        if bmaj is None or bmin is None:
            raise ValueError("a beam was requested but the image has no restoring beam")
        if rule is Rule.CYCLE2:
            checks.append(check_beam_cycle2(bmaj, bmin, requested_beam))
        else:
            checks.append(check_beam_range(bmaj, bmin, *beam_range))
    verdict = max((c.verdict for c in checks), key=lambda v: v.rank) if checks else None
    return Assessment(rule, band, tuple(checks), verdict)


@dataclass(frozen=True)
class PixelCheck:
    """How well the pixels sample the restoring beam.

    ALMA products use a cell of 1/5 of the beam, but the two conventions
    differ on which axis: the Cycle-2 products used the major axis, the
    pipeline the minor one. ``status`` is

    * ``ok``: the cell lies within 10 % of the range [bmin/5, bmaj/5];
    * ``fine``: smaller than that (harmless, only larger images);
    * ``coarse``: larger than bmaj/5 by over 10 % yet still >= 3 pixels
      across the minor axis (usable, though clean and the beam fit suffer);
    * ``undersampled``: fewer than 3 pixels across the minor axis, where
      deconvolution and flux measurements become unreliable.

    It never changes the QA2 verdict (the criteria are RMS and beam) but the
    report shows it beside the verdict.
    """

    cell_arcsec: float
    pixels_across_minor: float
    pixels_across_major: float
    cell_over_minor_fifth: float
    cell_over_major_fifth: float
    status: str
    reason: str

    @property
    def acceptable(self) -> bool:
        return self.status in ("ok", "fine")


#: Fewer pixels than this across the beam minor axis is flagged.
MIN_PIXELS_PER_BEAM = 3.0
#: Allowed deviation of the cell from the beam/5 conventions.
CELL_TOLERANCE = 0.10


def check_pixel_size(cell_arcsec: float, bmaj: float, bmin: float) -> PixelCheck:
    """Compare the cell with beam/5 (see :class:`PixelCheck`)."""
    _positive(cell_arcsec=cell_arcsec, bmaj=bmaj, bmin=bmin)
    across_minor = bmin / cell_arcsec
    across_major = bmaj / cell_arcsec
    r_min = cell_arcsec / (bmin / 5)
    r_maj = cell_arcsec / (bmaj / 5)
    if across_minor < MIN_PIXELS_PER_BEAM:
        status = "undersampled"
        reason = f"only {across_minor:.1f} pixels across the beam minor axis (< {MIN_PIXELS_PER_BEAM:g})"
    elif r_maj > 1 + CELL_TOLERANCE:
        status = "coarse"
        reason = f"cell is {r_maj:.2f} x bmaj/5: coarser than the beam/5 convention by over 10 %"
    elif r_min < 1 - CELL_TOLERANCE:
        status = "fine"
        reason = f"cell is {r_min:.2f} x bmin/5: finer than beam/5 (harmless, larger images)"
    else:
        status = "ok"
        reason = (
            f"cell is {r_min:.2f} x bmin/5 and {r_maj:.2f} x bmaj/5 "
            f"({across_minor:.1f} pixels across the minor axis)"
        )
    return PixelCheck(cell_arcsec, across_minor, across_major, r_min, r_maj, status, reason)


def scale_rms_to_bandwidth(requested_rms: float, requested_bw_hz: float, image_bw_hz: float) -> float:
    """The request restated for the bandwidth the image actually has.

    Thermal noise falls as 1/sqrt(bandwidth), so a request of sigma at
    bandwidth B corresponds to sigma * sqrt(B / b) in an image of channel
    width b. QA2 compares at the image's width so that a cube made at finer
    channels than the request is not failed for that alone.
    """
    _positive(requested_rms=requested_rms, requested_bw_hz=requested_bw_hz, image_bw_hz=image_bw_hz)
    return requested_rms * math.sqrt(requested_bw_hz / image_bw_hz)
