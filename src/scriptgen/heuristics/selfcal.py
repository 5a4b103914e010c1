"""Self-calibration of the targets: when to try it, which solution intervals, when to keep a round.

Follows the ALMA pipeline's self-calibration (``hif_selfcal``, its
``auto_selfcal`` heuristics: ``get_solints_simple``, ``get_SNR_self``, the
acceptance test after each solution interval), phase-only:

* solution intervals step down from the whole EB (``inf_EB``: one
  solution per antenna, scans and windows combined) through one per scan
  (``inf``) and fractions of the scan length (whole integrations, divided by
  max(2, round((scan / integration) ** (1 / 4)))) to one integration
  (``int``); windows are always combined (``combine='spw'``);
* an interval is tried only when the expected per-antenna solution S/N,
  image S/N / sqrt(N_ant - 3) / sqrt(T_on_source / solint) (sqrt(N_ant)
  for ``inf_EB``), is at least 3 (pipeline ``minsnr_to_proceed``); when
  even ``inf_EB`` falls short the target is noise-limited and
  self-calibration is declined before any solving;
* a round is kept only when the peak S/N (image peak / residual rms) does
  not drop, the beam area changes by less than 5 % (pipeline
  ``delta_beam_thresh``), the rms does not rise by 5 % or more unless the
  interval's S/N exceeds 5 (pipeline ``RMS_change_acceptable``), and the
  peak flux keeps at least 95 % of its value before the round
  (scriptgen's rule: phase-only solutions cannot add flux except by undoing
  decorrelation, so a loss means the solutions decohere the data); the
  first round that fails is reverted and the loop stops, as the pipeline
  steps back to the last good interval.

The numbers only exist when the script runs, so :func:`solint_snr`,
:func:`attempt_verdict` and :func:`round_verdict` are written to be copied
into the emitted script (standard library only, every limit an argument)
and are unit-tested here; :func:`plan_selfcal` decides at generation what
does not need an image: the ladder from the scan lengths, the reference
antenna, the selections, and the S/N predicted from the radiometer noise.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from .. import derive, naming
from ..errors import ScriptgenError
from ..model import ExecBlock
from . import imaging as im
from . import sensitivity as sens
from .calibration import reference_antenna
from .imaging_plan import ImageSpec, ImagingPlan

#: Solution intervals tried below the scan length (pipeline ``n_solints``).
N_SOLINTS = 4
#: The limits every round is judged by, written into the script as a literal.
LIMITS = {
    # pipeline minsnr_to_proceed: least expected per-antenna solution S/N
    "min_solint_snr": 3.0,
    # pipeline delta_beam_thresh: largest fractional change of the beam area
    "max_beam_change": 0.05,
    # pipeline RMS_change_acceptable: rms may rise by less than this factor ...
    "max_rms_rise": 1.05,
    # ... unless the interval's expected solution S/N is above this
    "rms_rise_snr": 5.0,
    # scriptgen: the peak flux must keep this fraction of its value
    "min_flux_ratio": 0.95,
    # pipeline gaincal_minsnr: solutions below this S/N are flagged by gaincal
    "gaincal_minsnr": 2.0,
}


#: Model depth: clean to max(S/N / factor, 5) sigma (pipeline auto_selfcal
#: ``dividing_factor``: 40 below 8 GHz, else 15; ``nsigma_init`` at least 5).
DIVIDING_FACTOR = 15.0
DIVIDING_FACTOR_LOW_FREQ = 40.0
LOW_FREQ_HZ = 8e9
MIN_MODEL_NSIGMA = 5.0


def model_nsigma(predicted_snr: float | None, freq_hz: float) -> tuple[float, str]:
    """How deep the self-calibration images are cleaned, in predicted sigma, and why.

    A shallow model: cleaning a decorrelated image deeply puts components on
    its artefacts, and with few baselines such a model reproduces the
    corrupted phases, so gaincal finds nothing to correct. Every round is
    cleaned to the same threshold (nsigma x the predicted noise, a fixed
    Jy value: tclean's own nsigma would follow the residual's rms, which
    the sidelobes of an uncleaned bright source inflate) so that their S/N
    compare like with like.
    """
    factor = DIVIDING_FACTOR_LOW_FREQ if freq_hz < LOW_FREQ_HZ else DIVIDING_FACTOR
    if predicted_snr is None:
        return MIN_MODEL_NSIGMA, f"models cleaned to {MIN_MODEL_NSIGMA:g} sigma (no S/N predicted)"
    nsigma = round(max(predicted_snr / factor, MIN_MODEL_NSIGMA), 1)
    return nsigma, (
        f"models cleaned to {nsigma:g} x the predicted noise, max(predicted S/N {predicted_snr:.0f} / "
        f"{factor:g}, {MIN_MODEL_NSIGMA:g}) (ALMA pipeline auto_selfcal nsigma_init), the same in every round"
    )


@dataclass(frozen=True)
class Solint:
    """One rung of the ladder: its name, gaincal's solint and combine, its length."""

    name: str
    solint: str
    combine: str
    seconds: float


def solint_ladder(
    scan_seconds: Sequence[float], integration_s: float, time_on_source_s: float, mosaic: bool = False
) -> tuple[tuple[Solint, ...], str]:
    """Solution intervals from the whole EB down to one integration, and why.

    ``scan_seconds``: the target's scan lengths per pointing. Pipeline
    ``get_solints_simple``: ``inf_EB`` always; ``inf`` (one per scan) when
    there are more than two scans, or two of similar length (< 4x), or a
    mosaic; then the longest scan divided by max(2, round((scan / int) **
    (1 / N_SOLINTS))) repeatedly, each rounded down to whole integrations,
    while longer than 1.9 integrations; ``int`` last.
    """
    if not scan_seconds or integration_s <= 0:
        raise ValueError("a solution-interval ladder needs target scans and an integration time")
    longest, shortest = max(scan_seconds), min(scan_seconds)
    ladder = [Solint("inf_EB", "inf", "scan,spw", float(time_on_source_s))]
    n = len(scan_seconds)
    if mosaic or n > 2 or (n == 2 and longest / shortest < 4):
        ladder.append(Solint("inf", "inf", "spw", float(statistics.median(scan_seconds))))
    divider = max(2.0, float(round(math.exp(math.log(max(longest / integration_s, 1.0)) / N_SOLINTS))))
    seconds = longest / divider
    while seconds > 1.9 * integration_s:
        ints = math.floor(seconds / integration_s + 1e-9)
        seconds = ints * integration_s
        if seconds > 1.9 * integration_s:
            ladder.append(Solint(f"{seconds:.2f}s", f"{seconds:.2f}s", "spw", seconds))
        seconds /= divider
    ladder.append(Solint("int", "int", "spw", float(integration_s)))
    why = (
        f"solution intervals {', '.join(s.name for s in ladder)} (ALMA pipeline hif_selfcal "
        f"get_solints_simple: {n} target scan(s) of {longest:.0f} s, integrations of {integration_s:g} s, "
        f"below the scan divided by {divider:g} each time), phase-only, windows combined"
    )
    return tuple(ladder), why


# ---------------------------------------------------------------------------
# Copied into the emitted script: standard library only, limits as arguments.


def solint_snr(image_snr, n_antennas, time_on_source_s, solint_s, whole_eb=False):
    """Expected per-antenna S/N of one gain solution over ``solint_s``.

    ALMA pipeline auto_selfcal get_SNR_self: the image S/N shared among the
    antennas (sqrt(N_ant - 3) of them effectively, sqrt(N_ant) for the
    whole-EB interval) and among the solution intervals of the time on source.
    """
    antennas = n_antennas if whole_eb else max(n_antennas - 3, 1)
    return image_snr / (antennas**0.5 * (time_on_source_s / max(solint_s, 1e-9)) ** 0.5)


def attempt_verdict(image_snr, n_antennas, time_on_source_s, solints, limits):
    """(solints worth trying, reason): none when the target is noise-limited.

    ``solints``: (name, seconds) pairs, longest first. An interval is worth
    trying when its expected solution S/N reaches ``limits['min_solint_snr']``;
    the ladder is cut at the first that does not (shorter ones only do worse).
    """
    usable = []
    for name, seconds in solints:
        snr = solint_snr(image_snr, n_antennas, time_on_source_s, seconds, whole_eb=(name == "inf_EB"))
        if snr < limits["min_solint_snr"]:
            break
        usable.append((name, round(snr, 2)))
    if not usable:
        first = solints[0]
        snr = solint_snr(image_snr, n_antennas, time_on_source_s, first[1], whole_eb=(first[0] == "inf_EB"))
        return [], (
            "declined: noise-limited, image S/N %.1f gives an expected solution S/N of %.2f over %s "
            "(%d antennas, %.0f s on source), below %.1f (ALMA pipeline minsnr_to_proceed)"
            % (image_snr, snr, first[0], n_antennas, time_on_source_s, limits["min_solint_snr"])
        )
    return [name for name, _ in usable], (
        "image S/N %.1f: expected solution S/N %s; %s" % (
            image_snr,
            ", ".join("%s %.1f" % pair for pair in usable),
            "all intervals tried" if len(usable) == len(solints)
            else "shorter intervals (%s) fall below %.1f" % (
                ", ".join(name for name, _ in solints[len(usable):]), limits["min_solint_snr"]),
        )
    )


def round_verdict(before, after, solution_snr, limits):
    """(keep, reason) for one self-calibration round.

    ``before``/``after``: image metrics with ``snr`` (peak / rms), ``rms``,
    ``beam_area`` and ``peak`` (Jy/beam). Kept only when every test passes
    (ALMA pipeline auto_selfcal acceptance; the flux floor is scriptgen's).
    The flux tested is the peak: a phase-only round with a sound model only
    raises it (it undoes decorrelation), while the S/N can also rise by a
    solution that suppresses the source along with the noise. The clean
    model's sum is no measure here: before self-calibration clean puts
    components on the artefacts too (measured: 0.36 Jy of components for
    a 0.25 Jy source decorrelated to a 0.156 Jy peak).
    """
    failed = []
    if after["snr"] < before["snr"]:
        failed.append("peak S/N fell %.1f -> %.1f" % (before["snr"], after["snr"]))
    beam_change = abs(after["beam_area"] - before["beam_area"]) / before["beam_area"]
    if beam_change >= limits["max_beam_change"]:
        failed.append("beam area changed %.1f%% (limit %.0f%%)" % (100 * beam_change, 100 * limits["max_beam_change"]))
    rms_ratio = after["rms"] / before["rms"]
    if rms_ratio >= limits["max_rms_rise"] and solution_snr <= limits["rms_rise_snr"]:
        failed.append("rms rose x%.3f with solution S/N %.1f" % (rms_ratio, solution_snr))
    flux_ratio = after["peak"] / before["peak"] if before["peak"] > 0 else 1.0
    if flux_ratio < limits["min_flux_ratio"]:
        failed.append("peak flux fell to %.3f of its value (limit %.2f)" % (flux_ratio, limits["min_flux_ratio"]))
    figures = "S/N %.1f -> %.1f, rms x%.3f, beam area %+.1f%%, peak x%.3f" % (
        before["snr"], after["snr"], rms_ratio, 100 * beam_change, flux_ratio,
    )
    if failed:
        return False, "reverted: " + "; ".join(failed) + " (" + figures + ")"
    return True, "kept: " + figures


# ---------------------------------------------------------------------------
# Generation time.


@dataclass(frozen=True)
class SelfcalTarget:
    """What the self-calibration step of one target needs, decided at generation."""

    source: str
    field: str
    #: gaincal's selection (the continuum's line-free channels) and applycal's (whole windows).
    solve_spw: str
    apply_spw: str
    spwmap: tuple[int, ...]
    refant: str
    n_antennas: int
    time_on_source_s: float
    ladder: tuple[Solint, ...]
    #: The continuum image's tclean call the rounds repeat on the CORRECTED column.
    image: ImageSpec
    predicted_snr: float | None
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: Depth of every self-calibration image in predicted sigma (its threshold).
    nsigma: float = MIN_MODEL_NSIGMA

    @property
    def prefix(self) -> str:
        """Stem of the round images and tables (a safe file name)."""
        return f"{naming.safe_stem(self.source)}.selfcal"


def _target_scans(eb: ExecBlock, field_ids: Sequence[int]) -> list:
    ids = set(field_ids)
    return [s for s in eb.scans if ids & set(s.field_ids) and any("TARGET" in i for i in s.intents)]


def plan_selfcal(
    eb: ExecBlock, plan: ImagingPlan, peaks_jy: Mapping[str, float | None]
) -> ImagingPlan:
    """The plan with a self-calibration step for each target (its decisions added).

    The continuum images, continuum subtraction and cubes of the targets
    then read the CORRECTED column, which the step always leaves in place
    (equal to DATA where self-calibration was declined or reverted).
    ``peaks_jy``: source name -> the amplitude of its averaged visibilities
    (its flux if compact), for the S/N predicted at generation.
    """
    if any(spec.datacolumn != "data" for spec in plan.continuum):
        raise ScriptgenError(
            "--selfcal needs the calibrated data in the DATA column (a split <uid>.ms.split.cal): "
            "self-calibration writes CORRECTED, which here holds the calibration itself"
        )
    refant = reference_antenna(eb)
    science = derive.science_spws(eb)
    n_ant = len(eb.antennas)
    sources: dict[str, list[int]] = {}
    for fid in derive.target_fields(eb):
        sources.setdefault(eb.field(fid).source_name, []).append(fid)
    targets = []
    decisions = []
    for spec in plan.continuum:
        source = next(n for n in sources if naming.continuum_image(n) == spec.imagename)
        field_ids = sources[source]
        scans = _target_scans(eb, field_ids)
        per_pointing = [s.duration_s / len(s.field_ids) for s in scans]
        tos = sens.time_on_source_s(eb, field_ids)
        integration = statistics.median(s.integration_s for s in scans)
        ladder, ladder_why = solint_ladder(per_pointing, integration, tos, mosaic=len(field_ids) > 1)
        est = plan.noise.get(f"{source} continuum")
        peak = peaks_jy.get(source)
        predicted = None
        if est is not None and peak:
            predicted = peak / (est.sigma_jy * im.ROBUST_NOISE_FACTOR)
        if predicted is None:
            prediction = "no S/N predicted (no continuum amplitude measured): the first image decides"
        else:
            usable, why = attempt_verdict(predicted, n_ant, tos, [(s.name, s.seconds) for s in ladder], LIMITS)
            prediction = (
                f"S/N predicted from the averaged amplitude {peak * 1e3:.3g} mJy and the radiometer noise: {why}"
                + ("" if usable else "; the first image's S/N decides at run time")
            )
        spw_ids = sorted(int(p.split(":")[0]) for p in spec.spw.split(",") if p)
        nsigma, nsigma_why = model_nsigma(predicted, min(eb.spw(s).centre_freq_hz for s in spw_ids))
        threshold = spec.threshold
        if est is not None:
            sigma = est.sigma_jy * im.ROBUST_NOISE_FACTOR
            threshold = im.quantity(nsigma * sigma, "Jy", 3)
            nsigma_why += f": threshold {threshold}"
        notes = (
            ladder_why,
            nsigma_why,
            f"reference antenna {refant.refant.split(',')[0]}: {refant.reason}",
            prediction,
            "each round: gaincal calmode 'p' on DATA against the previous image's model (tclean "
            "savemodel='modelcolumn'), applycal applymode 'calflag' into CORRECTED (windows mapped to "
            f"spw {spw_ids[0]}, where combine='spw' puts the solutions), a new image; the flags are saved "
            "before each round and restored when it is reverted",
        )
        targets.append(
            SelfcalTarget(
                source=source,
                field=spec.field,
                solve_spw=spec.spw,
                apply_spw=",".join(str(s) for s in science),
                spwmap=tuple([spw_ids[0]] * (max(science) + 1)),
                refant=refant.refant,
                n_antennas=n_ant,
                time_on_source_s=tos,
                ladder=ladder,
                image=replace(spec, datacolumn="corrected", threshold=threshold),
                predicted_snr=predicted,
                notes=notes,
                nsigma=nsigma,
            )
        )
        decisions.append(f"{source} self-calibration: {ladder_why}; {prediction}")
    continuum = tuple(replace(s, datacolumn="corrected") for s in plan.continuum)
    cubes = tuple(
        replace(c, datacolumn="corrected") if c.vis == plan.ms and c.datacolumn == "data" else c
        for c in plan.cubes
    )
    contsub = replace(plan.contsub, datacolumn="corrected") if plan.contsub is not None else None
    return replace(
        plan,
        continuum=continuum,
        cubes=cubes,
        contsub=contsub,
        selfcal=tuple(targets),
        decisions=plan.decisions + tuple(decisions),
    )
