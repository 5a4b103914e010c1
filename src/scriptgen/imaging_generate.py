"""From a calibrated MS to scriptForImaging.py and cont.dat on disk.

The orchestration behind ``scriptgen imaging`` (and usable from Python and
tests): inspect the MS, find a Tsys for the noise estimate, measure uv
coverage and target spectra, plan, render, write without losing edits.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

import astropy.units as u

from . import derive, naming, snapshot
from .errors import ScriptgenError
from .heuristics import linefree as lf
from .heuristics import check_images
from .heuristics import sensitivity as sens
from .heuristics.ebkind import split_evidence
from .heuristics.imaging_plan import CubeOptions, ImagingPlan, channel_axes, check_quantity, plan_imaging
from .model import ExecBlock, Role
from .render import WriteReport, make_environment, write_outputs


@dataclass(frozen=True)
class ImagingResult:
    plan: ImagingPlan
    script: str
    cont_ranges: str
    report: WriteReport
    decisions: tuple[str, ...]
    seconds: float


def tsys_from_other(eb: ExecBlock, original: ExecBlock) -> dict[int, float]:
    """Science spw of ``eb`` -> SYSCAL Tsys of the matching window of ``original``.

    A split renumbers windows, so they are matched by frequency: the
    original science window whose centre is nearest (and within half a
    bandwidth) gives its Tsys, itself mapped through the original's Tsys map.
    """
    found = sens.science_tsys_k(original, derive.science_spws(original))
    out = {}
    for spw_id in derive.science_spws(eb):
        mine = eb.spw(spw_id)
        best = None
        for other_id, tsys in found.items():
            other = original.spw(other_id)
            distance = abs(other.centre_freq_hz - mine.centre_freq_hz)
            if distance <= max(mine.bandwidth_hz, other.bandwidth_hz) / 2 and (
                best is None or distance < best[0]
            ):
                best = (distance, tsys)
        if best is not None:
            out[spw_id] = best[1]
    return out


def target_doppler_ratios(eb: ExecBlock) -> dict[str, float]:
    """Target source name -> LSRK/TOPO ratio at the EB's start (its first field).

    Places each cube's channels on an explicit LSRK grid (see
    ``imaging_plan._own_grid``); casatools measures, no data read.
    """
    from .ous_inputs import lsrk_over_topo

    ratios: dict[str, float] = {}
    for fid in derive.target_fields(eb):
        name = eb.field(fid).source_name
        if name not in ratios:
            ratios[name] = lsrk_over_topo(eb, fid)
    return ratios


def _continuum_mask(plan: ImagingPlan, eb: ExecBlock, inputs):
    """The continuum images' auto-multithresh parameters, for the QA images."""
    if plan.continuum:
        return plan.continuum[0].mask
    from .heuristics import imaging as im

    sidelobe = inputs.beam.sidelobe if inputs.beam is not None else 0.0
    return im.auto_mask(len(eb.antennas), sens.dish_diameter_m(eb), inputs.uv_l80_m, cube=False, sidelobe_level=sidelobe)


def _load_eb(path: str | Path) -> ExecBlock:
    if snapshot.is_snapshot_path(path):
        return snapshot.load(path)
    from .inspect import inspect_ms

    return inspect_ms(path)


def resolve_tsys(
    eb: ExecBlock, tsys_k: float | None, tsys_from: str | None
) -> tuple[float | dict[int, float] | None, str, str | None]:
    """The Tsys to predict noise with, a sentence saying where it came from,
    and the short label the noise descriptions use."""
    if tsys_k is not None:
        if tsys_k <= 0:
            raise ScriptgenError(f"--tsys must be positive, got {tsys_k}")
        return float(tsys_k), f"Tsys {tsys_k:g} K given on the command line", "given"
    if tsys_from:
        original = _load_eb(tsys_from)
        mapped = tsys_from_other(eb, original)
        if not mapped:
            raise ScriptgenError(f"{tsys_from} has no SYSCAL Tsys for the windows of {eb.ms_path}")
        name = Path(tsys_from).name
        return mapped, f"Tsys: SYSCAL medians of {name} matched by frequency", f"SYSCAL median of {name}"
    if sens.science_tsys_k(eb, derive.science_spws(eb)):
        return None, "Tsys: SYSCAL medians of this MS", None
    band = derive.band(eb)
    typical = sens.TYPICAL_TSYS_K.get(band or 0)
    if typical is None:
        raise ScriptgenError(f"{eb.ms_path} has no SYSCAL Tsys and no known band: pass --tsys or --tsys-from")
    return typical, (
        f"ASSUMED Tsys {typical:g} K (typical for band {band}): this MS has no SYSCAL; "
        "rerun with --tsys-from <original EB> for a measured value"
    ), f"ASSUMED band {band} typical"


def split_rest_freq(text: str) -> tuple[str, tuple[tuple[int, str], ...]]:
    """``--rest-freq`` as (value for every window, per-window values).

    ``230.538GHz`` sets every window; ``25:230.538GHz,27:220.399GHz`` sets
    windows 25 and 27 only (the others keep the SOURCE table's rest
    frequency). The two forms do not mix.
    """
    text = (text or "").strip()
    if ":" not in text:
        return text, ()
    pairs = []
    for item in text.split(","):
        spw, sep, value = item.partition(":")
        if not sep or not spw.strip().isdigit() or not value.strip():
            raise ScriptgenError(f"--rest-freq {text!r}: give QTY for every window or SPW:QTY,SPW:QTY")
        pairs.append((int(spw), value.strip()))
    return "", tuple(pairs)


def parse_beam_range(text: str | None) -> tuple[float, float] | None:
    """``--beam-range 0.8,1.2`` (arcsec) as (min, max); refused unless 0 < min <= max."""
    if not text:
        return None
    try:
        low, high = (float(x) for x in text.split(","))
    except ValueError:
        raise ScriptgenError(f"--beam-range {text!r}: give MIN,MAX in arcsec, e.g. 0.8,1.2") from None
    if not 0 < low <= high:
        raise ScriptgenError(f"--beam-range {text!r}: need 0 < MIN <= MAX")
    return low, high


def _with_pointing_spectra(ms: Path, eb, inputs, sources, science):
    """The inputs with each target pointing's short-baseline spectra added.

    Line finding then also sees extended and offset emission
    (heuristics.pointing_lines); the baselines used are those of the
    multi-EB imaging (``ous_grid.short_baseline_limit_m``).
    """
    from dataclasses import replace

    from .heuristics import ous_grid as og
    from .heuristics.sensitivity import dish_diameter_m
    from .ous_inputs import short_baseline_spectra

    limit, why = og.short_baseline_limit_m(inputs.uv_l80_m, dish_diameter_m(eb))
    spectra = {name: short_baseline_spectra(ms, fids, science, limit) for name, fids in sources.items()}
    return replace(inputs, pointing_spectra=spectra, pointing_note=why)


def generate_imaging(
    ms: str | Path,
    out_dir: str | Path,
    *,
    cont_ranges: str | Path | None = None,
    rest_freq: str = "",
    chan_width: str = "",
    tsys_k: float | None = None,
    tsys_from: str | None = None,
    with_calibrators: bool = True,
    force: bool = False,
    allow_raw: bool = False,
    beam_range_arcsec: tuple[float, float] | None = None,
    selfcal: bool = False,
) -> ImagingResult:
    """Write the imaging script and cont.dat for the calibrated MS ``ms``.

    ``selfcal``: add phase-only self-calibration of the targets before their
    images (:mod:`scriptgen.heuristics.selfcal`); off by default.

    A raw EB (not a split, calibrated MS) is refused unless ``allow_raw``:
    its DATA column is uncalibrated, so images of it would look like
    images and be wrong.
    """
    start = time.perf_counter()
    from .inspect import inspect_ms
    from .imaging_inputs import read_imaging_inputs

    ms = Path(ms)
    every_window, per_window = split_rest_freq(rest_freq)
    cube = CubeOptions(
        rest_freq=check_quantity(every_window, (u.Hz,), "--rest-freq"),
        chan_width=check_quantity(chan_width, (u.Hz, u.m / u.s), "--chan-width"),
        rest_freq_per_spw=tuple(
            (spw, check_quantity(q, (u.Hz,), f"--rest-freq for spw {spw}")) for spw, q in per_window
        ),
    )
    if tsys_k is not None and not tsys_k > 0:
        raise ScriptgenError(f"--tsys must be a positive temperature in K, got {tsys_k}")
    eb = inspect_ms(ms)
    calibrated, _ = split_evidence(eb)
    if not calibrated and not allow_raw:
        raise ScriptgenError(
            f"{ms} looks like a raw EB (its name is not *.split/*.split.cal and it has CH_AVG windows "
            "or atmosphere scans): its data are uncalibrated; image the calibrated "
            "<uid>.ms.split.cal that scriptForCalibration.py writes, or pass --force to image it anyway"
        )
    tsys, tsys_note, tsys_label = resolve_tsys(eb, tsys_k, tsys_from)
    science = derive.science_spws(eb)
    sources: dict[str, tuple[int, ...]] = {}
    for fid in derive.target_fields(eb):
        name = eb.field(fid).source_name
        sources[name] = sources.get(name, ()) + (fid,)
    if not sources:
        raise ScriptgenError(f"{ms} has no OBSERVE_TARGET fields to image")
    user = None
    if cont_ranges:
        path = Path(cont_ranges)
        if not path.is_file():
            raise ScriptgenError(f"continuum ranges file {path} does not exist")
        from .textfiles import read_text

        user = lf.parse_cont_ranges(
            read_text(path, "continuum ranges file"), nchan={s: eb.spw(s).nchan for s in science}
        )
        unknown = sorted(set(user) - set(sources))
        if unknown:
            raise ScriptgenError(f"{path} names sources not observed as targets: {unknown}")
    calibrators = ()
    if with_calibrators:
        roles = derive.calibrator_roles(eb)
        calibrators = tuple(
            sorted({f for r in (Role.BANDPASS, Role.PHASE) for f in roles.get(r, ())} - set(derive.target_fields(eb)))
        )
    checks = check_images.qa_field_ids(eb, phase=False) if with_calibrators else ()
    inputs = read_imaging_inputs(
        ms, eb, sources, science, tuple(sorted(set(calibrators) | {f for f, _ in checks}))
    )
    inputs = replace(inputs, lsrk_over_topo=target_doppler_ratios(eb))
    inputs = _with_pointing_spectra(ms, eb, inputs, sources, science)
    plan = plan_imaging(
        eb, inputs, cube=cube, cont_ranges=user, tsys_k=tsys, tsys_note=tsys_note, tsys_label=tsys_label,
        with_calibrators=with_calibrators, beam_range_arcsec=beam_range_arcsec,
    )
    if checks:
        # The bandpass and phase calibrators are imaged by plan_imaging; the
        # check sources get their own small images for astrometry QA.
        plan = replace(
            plan,
            checks=check_images.point_source_images(
                eb, inputs, checks, eb_tag=eb.uid, mask=_continuum_mask(plan, eb, inputs),
                tsys_k=tsys, tsys_label=tsys_label,
            ),
        )
    if selfcal:
        from .heuristics.imaging_plan import _continuum_peak
        from .heuristics.selfcal import plan_selfcal

        peaks = {name: _continuum_peak(inputs.spectra.get(name, {})) for name in sources}
        plan = plan_selfcal(eb, plan, peaks)
    from .scripts import imaging as imaging_script

    script = imaging_script.render(plan, make_environment())
    text = lf.format_cont_ranges(
        plan.line_free,
        channel_axes(eb, science),
        header=[f"scriptgen continuum ranges for {ms.name}"],
    )
    report = write_outputs(out_dir, {naming.IMAGING_SCRIPT: script, naming.CONT_RANGES: text}, force=force)
    decisions = (tsys_note,) + plan.decisions + check_images.describe(plan.checks)
    if eb.science_goal is not None:
        from .qa2.goal import describe_recorded

        decisions += (describe_recorded(eb.science_goal) + " (scriptgen qa2 --execblock uses it)",)
    return ImagingResult(plan, script, text, report, decisions, time.perf_counter() - start)
