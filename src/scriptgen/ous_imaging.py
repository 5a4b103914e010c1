"""From every calibrated EB of a member OUS to one scriptForImaging.py and cont.dat.

``scriptgen imaging MS MS ...``: all EBs are imaged together by multi-MS
tclean (``vis=[...]``), as the ALMA pipeline does (``hif_makeimlist`` /
``hif_makeimages``), rather than regridded by ``mstransform`` and joined by
``concat`` as the observatory's imaging generator does. Why: tclean grids
every EB's TOPO channels straight onto the LSRK output grid (``outframe``,
``start``/``width``/``nchan``), so no intermediate regridded copy of the
data is written (disk and time), each EB keeps its own weights and flags,
and the calibrated MSs stay untouched; the only per-EB step left is
continuum subtraction, which must work in each EB's own channels anyway.

The decisions (window matching, common LSRK grid, LSRK continuum ranges,
per-EB channel selections, combined noise) are in
:mod:`scriptgen.heuristics.ous_grid`; one EB's plan
(:func:`~scriptgen.heuristics.imaging_plan.plan_imaging`) gives the image
geometry, deconvolver and masking, which do not depend on the tuning.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import astropy.units as u

from . import derive, naming
from .errors import ScriptgenError
from .heuristics import check_images
from .heuristics import imaging as im
from .heuristics import linefree as lf
from .heuristics import ous_grid as og
from .heuristics import pointing_lines as pl
from .heuristics import sensitivity as sens
from .heuristics import imaging_params as ip
from .heuristics.ebkind import split_evidence
from .heuristics.selection import Use, selection
from .heuristics.imaging_plan import (
    ContSub,
    CubeOptions,
    _continuum_peak,
    _line_peak,
    _overlap,
    check_quantity,
    plan_imaging,
)
from .imaging_generate import ImagingResult, _continuum_mask, _load_eb, resolve_tsys, split_rest_freq
from .render import make_environment, write_outputs


def _field_ids(sources_per_eb, name: str) -> str | tuple[str, ...]:
    """tclean's field selection of source ``name`` in every EB: ids, never the name.

    A name could hold CASA selection syntax (heuristics.selection); ids
    cannot. One string when the EBs agree, else one entry per MS (tclean
    takes lists, as for spw). uvcontsub keeps the ids, so the same serve
    the continuum-subtracted MSs.
    """
    per_eb = tuple(selection(Use.FIELD, (), sources[name]).value or "" for sources in sources_per_eb)
    return per_eb[0] if len(set(per_eb)) == 1 else per_eb


def _windows(eb, ms_name: str, science, archive: dict[int, int], ratio: float) -> list[og.EbWindow]:
    out = []
    for s in science:
        spw = eb.spw(s)
        chan0 = spw.centre_freq_hz - (spw.nchan - 1) / 2 * spw.chan_width_hz
        out.append(og.EbWindow(ms_name, s, archive[s], chan0, spw.chan_width_hz, spw.nchan, ratio))
    return out


def generate_ous_imaging(
    ms_list,
    out_dir,
    *,
    execblocks=(),
    cont_ranges=None,
    rest_freq: str = "",
    chan_width: str = "",
    tsys_k: float | None = None,
    force: bool = False,
    beam_range_arcsec: tuple[float, float] | None = None,
    allow_raw: bool = False,
    with_calibrators: bool = True,
) -> ImagingResult:
    """Write scriptForImaging.py and cont.dat (LSRK) for every EB of one OUS.

    ``with_calibrators``: one image per EB of each check source and phase
    calibrator (astrometry and flux QA of each EB's phase transfer).

    Like the single-EB imaging, a raw EB among the MSs is refused unless
    ``allow_raw``: its DATA column is uncalibrated.
    """
    began = time.perf_counter()
    from .imaging_inputs import read_imaging_inputs
    from .inspect import inspect_ms
    from .ous_inputs import lsrk_over_topo, short_baseline_spectra

    paths = [Path(m) for m in ms_list]
    names = [p.name for p in paths]
    if len(set(names)) != len(names):
        raise ScriptgenError(f"the MSs must have different names (they are imaged from one folder): {names}")
    if execblocks and len(execblocks) != len(paths):
        raise ScriptgenError(
            f"--execblock needs one raw EB per calibrated MS ({len(paths)}), got {len(execblocks)}"
        )
    every_window, per_window = split_rest_freq(rest_freq)
    cube = CubeOptions(
        rest_freq=check_quantity(every_window, (u.Hz,), "--rest-freq"),
        chan_width=check_quantity(chan_width, (u.Hz, u.m / u.s), "--chan-width"),
        rest_freq_per_spw=tuple(
            (s, check_quantity(q, (u.Hz,), f"--rest-freq for spw {s}")) for s, q in per_window
        ),
    )
    ebs = [inspect_ms(p) for p in paths]
    raw = [str(p) for p, eb in zip(paths, ebs) if not split_evidence(eb)[0]]
    if raw and not allow_raw:
        raise ScriptgenError(
            f"{', '.join(raw)} look(s) like raw EBs (not *.split/*.split.cal, CH_AVG windows or atmosphere "
            "scans): their data are uncalibrated; image the calibrated <uid>.ms.split.cal files "
            "(the raw EBs go to --execblock), or pass --force to image them anyway"
        )
    decisions: list[str] = [
        "all EBs imaged together by multi-MS tclean onto one LSRK grid (ALMA pipeline hif_makeimages); "
        "no mstransform/concat copy of the data"
    ]
    sources_per_eb = []
    for eb in ebs:
        sources: dict[str, tuple[int, ...]] = {}
        for fid in derive.target_fields(eb):
            sources[eb.field(fid).source_name] = sources.get(eb.field(fid).source_name, ()) + (fid,)
        sources_per_eb.append(sources)
    if not sources_per_eb[0]:
        raise ScriptgenError(f"{paths[0]} has no OBSERVE_TARGET fields to image")
    moving = sorted(
        {eb.field(f).source_name for eb in ebs for f in derive.target_fields(eb) if eb.field(f).is_ephemeris}
    )
    if moving:
        # The common grid here is LSRK; a moving target needs its own rest frame
        # (cubesource), whose grid across EBs this does not yet decide.
        raise ScriptgenError(
            f"ephemeris target(s) {moving}: imaging several EBs together is LSRK-only for now; "
            "image each EB on its own (cubesource)"
        )
    if any(set(s) != set(sources_per_eb[0]) for s in sources_per_eb):
        raise ScriptgenError(f"the EBs observe different targets: {[sorted(s) for s in sources_per_eb]}")

    per_eb_windows = []
    inputs = []
    tsys = []
    for i, (eb, path, sources) in enumerate(zip(ebs, paths, sources_per_eb)):
        science = derive.science_spws(eb)
        raw_windows = ()
        raw_path = execblocks[i] if execblocks else None
        if raw_path:
            raw = _load_eb(raw_path)
            raw_windows = tuple(
                (s, raw.spw(s).name, raw.spw(s).centre_freq_hz, raw.spw(s).bandwidth_hz)
                for s in derive.science_spws(raw)
            )
        archive, why = og.archive_spw_ids(
            [(s, eb.spw(s).name, eb.spw(s).centre_freq_hz) for s in science], raw_windows
        )
        first_target = derive.target_fields(eb)[0]
        ratio = lsrk_over_topo(eb, first_target)
        decisions.append(
            f"{path.name}: windows {list(science)} = archive spw {[archive[s] for s in science]} ({why}); "
            f"LSRK/TOPO at its start {ratio:.9f} ({(ratio - 1) * 299792.458:+.3f} km/s)"
        )
        per_eb_windows.append(_windows(eb, path.name, science, archive, ratio))
        qa_fields = check_images.qa_field_ids(eb, phase=True) if with_calibrators else ()
        inputs.append(read_imaging_inputs(path, eb, sources, science, tuple(sorted(f for f, _ in qa_fields))))
        t, note, label = resolve_tsys(eb, tsys_k, raw_path)
        tsys.append((t, note, label))
    groups = og.match_windows(per_eb_windows)

    # Line finding: the union over EBs of the lines in each EB's all-baseline
    # spectrum and in any one pointing's short-baseline spectrum
    # (heuristics.pointing_lines: a union, not a channel-wise maximum).
    user = None
    if cont_ranges:
        path = Path(cont_ranges)
        if not path.is_file():
            raise ScriptgenError(f"continuum ranges file {path} does not exist")
        user = og.parse_cont_dat(path.read_text())
    width_hz = None
    if cube.chan_width:
        from .heuristics.imaging_plan import _parse_width_hz

        width_hz = _parse_width_hz(cube.chan_width, next(iter(groups.values()))[0].chan0_hz)
    grids = {a: og.common_grid(ws, width_hz) for a, ws in groups.items()}
    for a, g in grids.items():
        decisions.append(f"archive spw {a}: {g.reason}")
    free: dict[str, dict[int, tuple[og.Interval, ...]]] = {}
    for name in sources_per_eb[0]:
        free[name] = {}
        for a, ws in groups.items():
            if user and name in user and a in user[name]:
                free[name][a] = user[name][a]
                decisions.append(f"{name} archive spw {a}: continuum ranges from {cont_ranges}")
                continue
            lines: list[og.Interval] = []
            for k, w in enumerate(ws):
                spectrum = inputs[k].spectra.get(name, {}).get(w.spw_id)
                if spectrum is not None:
                    lines += og.line_intervals(w, lf.line_free(w.spw_id, spectrum).lines)
                limit, limit_why = og.short_baseline_limit_m(inputs[k].uv_l80_m, sens.dish_diameter_m(ebs[k]))
                short = short_baseline_spectra(paths[k], sources_per_eb[k][name], (w.spw_id,), limit)
                pointings = short.get(w.spw_id, {})
                if pointings:
                    mask, _ = pl.pointing_line_mask(pointings, w.nchan)
                    lines += og.line_intervals(w, lf.channel_ranges(mask))
            span = (grids[a].edges[0], grids[a].edges[1])
            overlap = (max(w.lsrk_edges[0] for w in ws), min(w.lsrk_edges[1] for w in ws))
            free[name][a] = og.line_free_lsrk(overlap, lines)
            if lines:
                decisions.append(
                    f"{name} archive spw {a}: line(s) at "
                    + ", ".join(f"{lo / 1e9:.4f}-{hi / 1e9:.4f} GHz LSRK" for lo, hi in og.merge(lines))
                    + f" excluded from the continuum ({limit_why}; union over the EBs)"
                )
            del span

    base = plan_imaging(
        ebs[0],
        inputs[0],
        cube=cube,
        tsys_k=tsys[0][0],
        tsys_note=tsys[0][1],
        tsys_label=tsys[0][2],
        with_calibrators=False,
        beam_range_arcsec=beam_range_arcsec,
    )
    ms_names = tuple(names)
    contsub_names = tuple(naming.contsub_ms(n) for n in names)
    continuum = []
    contsubs = []
    cubes = []
    noise = {}
    for spec in base.continuum:
        name = next(n for n in sources_per_eb[0] if naming.continuum_image(n) == spec.imagename)
        selections = []
        sigmas = []
        for k, eb in enumerate(ebs):
            parts, bws = [], {}
            for a, ws in groups.items():
                w = ws[k]
                chans = og.eb_channels(w, free[name][a])
                if chans:
                    parts.append(f"{w.spw_id}:{og.channel_selection(chans)}")
                    bws[w.spw_id] = sum(b - c + 1 for c, b in chans) * abs(w.width_hz)
            selections.append(",".join(parts))
            if bws:
                sigmas.append(
                    sens.expected_noise(
                        eb, bws, field_ids=sources_per_eb[k][name], tsys_k=tsys[k][0], tsys_label=tsys[k][2]
                    ).sigma_jy
                )
        pb = im.pb_fwhm_arcsec(
            min(w.lsrk_edges[0] for ws in groups.values() for w in ws), sens.dish_diameter_m(ebs[0])
        )
        overlap, overlap_why = _overlap(ebs[0], sources_per_eb[0][name], pb)
        sigma = og.combined_sigma(sigmas) / overlap
        noise[f"{name} continuum"] = sigma
        thr, thr_why = ip.dynamic_range_threshold(
            sigma,
            _continuum_peak(inputs[0].spectra.get(name, {})),
            derive.band(ebs[0]),
            len(ebs[0].antennas),
            sens.dish_diameter_m(ebs[0]),
        )
        decisions.append(
            f"{name} continuum of {len(ebs)} EBs: cell {spec.cell}, imsize {list(spec.imsize)}, robust {spec.robust:g}, "
            f"expected noise {sigma * 1e3:.3g} mJy; {thr_why}"
        )
        continuum.append(
            replace(
                spec,
                vis=ms_names,
                spw=tuple(selections),
                field=_field_ids(sources_per_eb, name),
                threshold=im.quantity(thr, "Jy", 3),
                notes=spec.notes[:3]
                + (
                    f"continuum ranges in LSRK (cont.dat), selected in each EB's own TOPO channels; expected "
                    f"noise of the {len(ebs)} EBs together {sigma * 1e3:.4g} mJy (inverse-variance sum of "
                    f"{', '.join(f'{s * 1e3:.4g}' for s in sigmas)} mJy)",
                    f"{thr_why}; {overlap_why}",
                )
                + spec.notes[5:],
            )
        )
    for name, fids0 in sources_per_eb[0].items():
        for k, eb in enumerate(ebs):
            fitspec = {}
            for a, ws in groups.items():
                chans = og.eb_channels(ws[k], free[name][a])
                if chans:
                    fitspec[str(ws[k].spw_id)] = {"chan": og.channel_selection(chans), "fitorder": 1}
            if fitspec:
                field_sel = ",".join(str(f) for f in sources_per_eb[k][name])
                contsubs.append(
                    ContSub(
                        vis=names[k],
                        outputvis=contsub_names[k],
                        field=field_sel,
                        fitspec={field_sel: fitspec},
                        fitorder=1,
                        datacolumn=inputs[k].datacolumn,
                        notes=(
                            f"{names[k]}: first-order fit to its channels inside the LSRK continuum ranges",
                        ),
                    )
                )
    for spec in base.cubes:
        split_id = int(spec.spw)
        a = per_eb_windows[0][[w.spw_id for w in per_eb_windows[0]].index(split_id)].archive_spw
        name = next(n for n in sources_per_eb[0] if naming.cube_image(n, split_id) == spec.imagename)
        grid = grids[a]
        ws = groups[a]
        sigmas = [
            sens.expected_noise(
                eb,
                grid.width_hz,
                field_ids=sources_per_eb[k][name],
                spw_ids=(ws[k].spw_id,),
                tsys_k=tsys[k][0],
                tsys_label=tsys[k][2],
            ).sigma_jy
            for k, eb in enumerate(ebs)
        ]
        overlap, overlap_why = _overlap(
            ebs[0], sources_per_eb[0][name], im.pb_fwhm_arcsec(grid.start_hz, sens.dish_diameter_m(ebs[0]))
        )
        sigma = og.combined_sigma(sigmas) / overlap
        noise[f"{name} spw {a} channel"] = sigma
        thr, thr_why = ip.dynamic_range_threshold(
            sigma,
            _line_peak(inputs[0].spectra.get(name, {}).get(ws[0].spw_id)),
            derive.band(ebs[0]),
            len(ebs[0].antennas),
            sens.dish_diameter_m(ebs[0]),
        )
        subtracted = all(og.eb_channels(w, free[name][a]) for w in ws)
        cubes.append(
            replace(
                spec,
                title=f"{name!r} archive spw {a} cube ({len(ebs)} EBs)",
                vis=contsub_names if subtracted else ms_names,
                spw=tuple(str(w.spw_id) for w in ws),
                field=_field_ids(sources_per_eb, name),
                datacolumn="data" if subtracted else inputs[0].datacolumn,
                imagename=naming.cube_image(name, a),
                threshold=im.quantity(thr, "Jy", 3),
                start=grid.start,
                width=grid.width,
                nchan=grid.nchan,
                notes=(
                    spec.notes[0],
                    grid.reason,
                    f"named after archive spw {a} (the calibrated MSs call it {[w.spw_id for w in ws]})",
                    f"expected noise per channel of the {len(ebs)} EBs together {sigma * 1e3:.4g} mJy "
                    f"(inverse-variance sum of {', '.join(f'{s * 1e3:.4g}' for s in sigmas)} mJy; {overlap_why})",
                    thr_why,
                ),
            )
        )
    # Per EB: an image of each check source and of the phase calibrator
    # (astrometry and flux QA of each EB's phase transfer).
    checks = []
    for k, eb in enumerate(ebs if with_calibrators else ()):
        checks += check_images.point_source_images(
            eb, inputs[k], check_images.qa_field_ids(eb, phase=True), eb_tag=eb.uid,
            mask=_continuum_mask(base, eb, inputs[k]), tsys_k=tsys[k][0], tsys_label=tsys[k][2],
        )
    plan = replace(
        base,
        checks=tuple(checks),
        ms=ms_names,
        continuum=tuple(continuum),
        contsub=None,
        contsubs=tuple(contsubs),
        cubes=tuple(cubes),
        calibrators=(),
        header=(f"member OUS imaging of {len(ebs)} EBs: {', '.join(names)}",) + base.header[1:],
        decisions=tuple(d for d in base.decisions if d.startswith("robust ")) + tuple(decisions)
        + check_images.describe(checks),
        noise=noise,
        line_free=free,
    )
    from .scripts import imaging as imaging_script

    script = imaging_script.render(plan, make_environment())
    text = og.format_cont_dat(
        free, header=[f"scriptgen continuum ranges (LSRK, valid for every EB) for {', '.join(names)}"]
    )
    report = write_outputs(out_dir, {naming.IMAGING_SCRIPT: script, naming.CONT_RANGES: text}, force=force)
    return ImagingResult(plan, script, text, report, plan.decisions, time.perf_counter() - began)
