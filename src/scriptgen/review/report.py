"""Review one EB's calibration run: findings, proposals, text and JSON.

The proposals go to ``<ms>.flagtemplate.proposed.txt``; accepting them is
copying that file (or some of its lines) to ``<ms>.flagtemplate.txt``,
which the calibration script's analyst-flags step applies and scriptForPI
replays. The review never edits the applied template itself.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .. import naming
from ..delivery.syntax import instruction_lines, parse_pairs
from ..errors import ScriptgenError
from ..heuristics import review as rules
from ..heuristics.calibrator_fluxes import fit_recorded_flux
from ..heuristics.review_combine import combine_spw_advice
from ..heuristics.review_fluxscale import fluxscale_check
from ..heuristics.review_refant import RefantUse, refant_continuity
from ..heuristics.review_wvr import wvr_decision
from . import script_edits
from .tables import (
    MsWindows,
    Solutions,
    flag_version_fractions,
    read_fluxscale,
    read_ms_windows,
    read_solutions,
)


def proposed_template(ms: str) -> str:
    """Where the review writes its proposed flags for ``ms``."""
    return f"{ms}.flagtemplate.proposed.txt"


def proposed_diff(ms: str) -> str:
    """Where the review writes its script-level proposals for ``ms``: a
    unified diff against the calibration script (apply with ``patch -p0``)."""
    return f"{ms}.review.diff"


@dataclass(frozen=True)
class EbReview:
    ms: str
    findings: tuple[rules.Finding, ...]
    proposals: tuple[rules.FlagProposal, ...]
    flagged: dict = field(default_factory=dict)
    flagged_solutions: dict = field(default_factory=dict)
    fluxscale: tuple[dict, ...] = ()
    suggestions: tuple[str, ...] = ()
    read: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    #: The WVR comparison (heuristics.review_wvr.WvrDecision as a dict; empty
    #: when the tables for it are not there yet).
    wvr: dict = field(default_factory=dict)
    #: Fluxscale against the catalogue (heuristics.review_fluxscale.FluxscaleCheck).
    fluxscale_checks: tuple = ()
    #: Reference-antenna continuity (heuristics.review_refant.RefantReview).
    refant: dict = field(default_factory=dict)
    #: Script-level proposals (script_edits.ScriptEdit) and their diff.
    script_edits: tuple = ()
    script_diff: str = ""
    #: Per Tsys window: each antenna's median Tsys over the median of all
    #: antennas, per measurement (what the Tsys outlier test compared; plotted).
    tsys_ratios: tuple = ()

    def to_json(self) -> dict:
        data = asdict(self)
        data["proposals"] = [dict(asdict(p), line=p.line()) for p in self.proposals]
        return _finite(data)


def tsys_windows(sol: Solutions, windows: MsWindows | None) -> list[rules.TsysWindow]:
    """Median Tsys [antenna, measurement] per Tsys window."""
    out = []
    names = sol.table.antenna_names
    for block in sol.table.spws:
        values = np.where(block.flags, np.nan, block.values.real)
        with np.errstate(all="ignore"):
            per_row = np.nanmedian(values.reshape(-1, values.shape[-1]), axis=0)
        times = np.unique(block.time_s)
        grid = np.full((len(names), times.size), np.nan)
        intervals = np.zeros(times.size)
        idx = np.searchsorted(times, block.time_s)
        grid[block.antenna, idx] = per_row
        intervals[idx] = sol.intervals[block.spw_id]
        out.append(
            rules.TsysWindow(
                spw=block.spw_id,
                antennas=names,
                median_k=grid,
                times=times,
                intervals=intervals,
                science_spws=_covered(block.spw_id, windows),
            )
        )
    return out


def _covered(tsys_spw: int, windows: MsWindows | None) -> tuple[int, ...]:
    """Windows of the MS (more than 4 channels: not WVR or channel averages)
    whose centre lies within the Tsys window: what its Tsys calibrates."""
    if windows is None or tsys_spw not in windows.low_hz:
        return (tsys_spw,)
    lo, hi = windows.low_hz[tsys_spw], windows.high_hz[tsys_spw]
    return tuple(
        s
        for s in sorted(windows.nchan)
        if windows.nchan[s] > 4
        and lo <= (windows.low_hz[s] + windows.high_hz[s]) / 2 <= hi
    )


def gain_series(sol: Solutions) -> list[rules.GainSeries]:
    """Per calibrator field: phase and amplitude [antenna, spw, solution]."""
    names = sol.table.antenna_names
    spws = tuple(b.spw_id for b in sol.table.spws)
    fields = sorted({int(f) for b in sol.table.spws for f in b.field})
    out = []
    for fid in fields:
        times = np.unique(
            np.concatenate([b.time_s[b.field == fid] for b in sol.table.spws])
        )
        # Solutions of one scan in different windows differ by well under a second.
        times = times[np.concatenate([[True], np.diff(times) > 1.0])]
        phase = np.full((len(names), len(spws), times.size), np.nan)
        amp = np.full_like(phase, np.nan)
        intervals = np.zeros(times.size)
        for s, b in enumerate(sol.table.spws):
            rows = b.field == fid
            if not rows.any():
                continue
            g = np.where(b.flags[:, 0, rows], np.nan, b.values[:, 0, rows])
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # flagged solutions
                mean = np.nanmean(g, axis=0)  # over polarisations
            k = np.clip(np.searchsorted(times, b.time_s[rows] - 1.0), 0, times.size - 1)
            phase[b.antenna[rows], s, k] = np.degrees(np.angle(mean))
            amp[b.antenna[rows], s, k] = np.abs(mean)
            intervals[k] = np.maximum(intervals[k], sol.intervals[b.spw_id][rows])
        out.append(
            rules.GainSeries(
                field=sol.field_names.get(fid, str(fid)),
                antennas=names,
                spws=spws,
                phase_deg=phase,
                amplitude=amp,
                times=times,
                intervals=intervals,
            )
        )
    return out


def review_eb(workdir: Path, ms: str) -> EbReview:
    """Everything the review says about one EB of ``workdir``."""
    tables = naming.CalTables(ms)
    windows = read_ms_windows(workdir / ms)
    end = windows.end_mjd_s if windows else math.inf
    findings: list[rules.Finding] = []
    read, missing = [], []
    flagged_solutions = {}

    def load(name: str) -> Solutions | None:
        sol = read_solutions(workdir / name)
        (read if sol else missing).append(name)
        if sol:
            flagged_solutions[name] = round(
                (
                    rules.flagged_fraction(
                        np.concatenate([b.flags.ravel() for b in sol.table.spws])
                    )
                    if sol.table.spws
                    else math.nan
                ),
                4,
            )
        return sol

    tsys = load(tables.tsys)
    tsys_ratios = []
    if tsys:
        for win in tsys_windows(tsys, windows):
            findings.extend(rules.tsys_outliers(win, end))
            tsys_ratios.append(_tsys_ratio(win))
    wvr = load(tables.wvr)
    if wvr and wvr.table.spws:
        findings.extend(
            rules.noisy_radiometers(wvr.table.antenna_names, _wvr_phases(wvr))
        )
    bandpass_phase = load(tables.bandpass_phase)
    bandpass = load(tables.bandpass)
    if bandpass:
        names = bandpass.table.antenna_names
        for b in bandpass.table.spws:
            amp, flags = _per_antenna_bandpass(b, len(names))
            findings.extend(rules.bandpass_outliers(b.spw_id, names, amp, flags))
    phase_int = load(tables.phase_int)
    wvr_review = _wvr_review(workdir, ms, phase_int, wvr)
    if wvr_review is not None:
        findings = [f for f in findings if f.kind != "wvr"] + _wvr_findings(wvr_review)
    phases = load(tables.phase_inf)
    if phases:
        for series in gain_series(phases):
            findings.extend(rules.phase_jumps(series))
    amplitudes = load(tables.ampli_inf) or load(tables.flux_inf)
    if amplitudes:
        for series in gain_series(amplitudes):
            findings.extend(rules.amplitude_outliers(series))
    fluxes = read_fluxscale(workdir / tables.fluxscale_results)
    flux_rows = _fluxscale_rows(fluxes) if fluxes else ()
    flux_checks = _fluxscale_checks(workdir, ms, fluxes) if fluxes else ()
    findings.extend(
        rules.Finding(
            kind="fluxscale",
            antenna="",
            spw=str(c.spw),
            start_mjd_s=math.nan,
            stop_mjd_s=math.nan,
            value=c.ratio,
            reason=c.reason,
        )
        for c in flux_checks
        if not c.ok
    )
    script_path = workdir / naming.calibration_script(ms)
    script = script_path.read_text() if script_path.exists() else ""
    gain_tables = (
        (tables.bandpass_phase, bandpass_phase),
        (tables.bandpass, bandpass),
        (tables.phase_int, phase_int),
        (tables.phase_inf, phases),
        (tables.ampli_inf, amplitudes),
    )
    refant = refant_continuity(
        [_refant_use(name, sol) for name, sol in gain_tables if sol and sol.refant],
        script_edits.current_refant(script),
    )
    if refant is not None and refant.missing:
        findings.append(
            rules.Finding(
                kind="refant",
                antenna=refant.intended,
                spw="",
                start_mjd_s=min(min(v) for v in refant.missing.values()),
                stop_mjd_s=max(max(v) for v in refant.missing.values()),
                value=float(sum(len(v) for v in refant.missing.values())),
                reason=refant.reason,
            )
        )
    combine = _combine_advice(workdir, ms, phases)
    edits, new_script = _script_edits(script, wvr_review, refant, combine)
    flagged = {}
    for vis in (ms, tables.split):
        fractions = flag_version_fractions(workdir / vis)
        if fractions:
            flagged[vis] = {k: round(v, 4) for k, v in fractions.items()}
    accepted = _accepted_lines(workdir / tables.flag_template)
    return EbReview(
        ms=ms,
        findings=tuple(findings),
        proposals=tuple(
            p
            for p in rules.proposals(findings)
            if not rules.already_accepted(p, accepted)
        ),
        flagged=flagged,
        flagged_solutions=flagged_solutions,
        fluxscale=flux_rows,
        suggestions=tuple(_suggestions(findings, flagged_solutions, edits)),
        read=tuple(read),
        missing=tuple(missing),
        wvr=asdict(wvr_review) if wvr_review else {},
        fluxscale_checks=tuple(asdict(c) for c in flux_checks),
        refant=(
            dict(asdict(refant), missing={k: len(v) for k, v in refant.missing.items()})
            if refant
            else {}
        ),
        script_edits=tuple(asdict(e) for e in edits),
        tsys_ratios=tuple(tsys_ratios),
        script_diff=(
            script_edits.unified_diff(script_path.name, script, new_script)
            if new_script != script
            else ""
        ),
    )


def _tsys_ratio(win: rules.TsysWindow) -> dict:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-flagged measurements
        ratio = win.median_k / np.nanmedian(win.median_k, axis=0, keepdims=True)
    return {
        "spw": win.spw,
        "antennas": list(win.antennas),
        "times_mjd_s": [float(t) for t in win.times],
        "ratio": [[round(float(v), 4) for v in row] for row in ratio],
        "limit": rules.TSYS_NMEDIAN_LIMIT,
    }


def _snapshot(workdir: Path, ms: str):
    """The EB as generated (the snapshot beside the script), or None."""
    from ..snapshot import load

    path = workdir / naming.snapshot_file(ms)
    try:
        return load(path) if path.exists() else None
    except ScriptgenError:
        return None


def _wvr_review(workdir: Path, ms: str, phase_int, wvr):
    """The WVR comparison on the phase calibrator(s) (every calibrator of
    the per-integration table when the snapshot cannot say which)."""
    if phase_int is None or wvr is None or not wvr.table.spws:
        return None
    from .wvr_check import wvr_comparisons

    eb = _snapshot(workdir, ms)
    fields = (
        tuple(f.name for f in eb.fields if "CALIBRATE_PHASE" in f.intents) if eb else ()
    )
    comparisons = wvr_comparisons(phase_int, wvr, fields) or wvr_comparisons(
        phase_int, wvr
    )
    return wvr_decision(comparisons)


def _wvr_findings(decision) -> list[rules.Finding]:
    out = []
    index = {a: i for i, a in enumerate(decision.antennas)}
    for name, why in zip(decision.bad_antennas, decision.antenna_reasons):
        a = index[name]
        out.append(
            rules.Finding(
                kind="wvr",
                antenna=name,
                antenna_id=a,
                spw="",
                start_mjd_s=math.nan,
                stop_mjd_s=math.nan,
                value=round(decision.rms_with_deg[a] / decision.rms_without_deg[a], 3),
                reason=f"{why}; {decision.action}" if decision.apply else why,
            )
        )
    if not decision.apply:
        out.append(
            rules.Finding(
                kind="wvr",
                antenna="",
                spw="",
                start_mjd_s=math.nan,
                stop_mjd_s=math.nan,
                value=decision.improvement,
                reason=f"{decision.reason}; {decision.action}",
            )
        )
    return out


def _fluxscale_checks(workdir: Path, ms: str, results: dict) -> tuple:
    """Each derived flux against the catalogue flux the EB recorded
    (ASDM_SOURCE, as the snapshot keeps it) at the window's frequency."""
    eb = _snapshot(workdir, ms)
    freqs = results.get("freq") if isinstance(results, dict) else None
    if eb is None or not eb.calibrator_fluxes or not isinstance(freqs, list):
        return ()
    sources = {f.name: f.source_name or f.name for f in eb.fields}
    out = []
    for row in _fluxscale_rows(results):
        if row["spw"] >= len(freqs):
            continue
        freq = float(freqs[row["spw"]])
        model = fit_recorded_flux(
            eb.calibrator_fluxes,
            sources.get(row["field"], row["field"]),
            freq,
            eb.start_mjd_s,
        )
        if model is None:
            continue
        out.append(
            fluxscale_check(
                row["field"], row["spw"], freq, row["flux_jy"], model.flux_jy, model.flux_err_jy
            )
        )
    return tuple(out)


def _refant_use(name: str, sol: Solutions) -> RefantUse:
    """Per solution time of one table: the reference used and who is present."""
    names = sol.table.antenna_names
    times = np.unique(np.concatenate([b.time_s for b in sol.table.spws]))
    times = times[np.concatenate([[True], np.diff(times) > 0.5])]
    present = np.ones((len(names), times.size), bool)
    seen = np.zeros_like(present)
    used = np.full(times.size, -1)
    for b in sol.table.spws:
        k = np.clip(np.searchsorted(times, b.time_s - 0.5), 0, times.size - 1)
        good = ~b.flags.all(axis=(0, 1))
        ok = np.zeros_like(present)
        ok[b.antenna, k] = good
        here = np.zeros(times.size, bool)
        here[k] = True
        present[:, here] &= ok[:, here]
        seen[b.antenna, k] = True
        ref = sol.refant.get(b.spw_id)
        if ref is not None:
            used[k] = np.where(used[k] < 0, ref, used[k])
    return RefantUse(name, names, times, used, present & seen)


def _combine_advice(workdir: Path, ms: str, phases: Solutions | None):
    """Window combination for the phase calibrator(s), from the flagged
    fraction of their per-scan phase solutions per window."""
    eb = _snapshot(workdir, ms)
    if phases is None or eb is None:
        return None
    names = {f.name for f in eb.fields if "CALIBRATE_PHASE" in f.intents}
    ids = {i for i, n in phases.field_names.items() if n in names}
    fractions = {}
    for b in phases.table.spws:
        rows = np.isin(b.field, list(ids))
        if rows.any():
            fractions[b.spw_id] = rules.flagged_fraction(b.flags[:, :, rows].all(axis=(0, 1)))
    advice = combine_spw_advice(", ".join(sorted(names)), fractions)
    return (advice, len(phases.table.spws)) if advice.combine else None


def _script_edits(script: str, wvr, refant, combine=None):
    """The script-level proposals and the script with them made."""
    edits, text = [], script
    if not script:
        return (), script
    if wvr is not None and not wvr.apply:
        new = script_edits.reject_wvr(text, wvr.reason)
        edits.append(script_edits.ScriptEdit("reject WVR", wvr.reason, new is not None))
        text = new or text
    elif wvr is not None and wvr.bad_antennas:
        why = "; ".join(wvr.antenna_reasons)
        new = script_edits.add_wvrflag(text, wvr.bad_antennas, why)
        edits.append(
            script_edits.ScriptEdit(
                f"wvrflag={list(wvr.bad_antennas)}", why, new is not None
            )
        )
        text = new or text
    if refant is not None and refant.proposed_refant:
        new = script_edits.change_refant(text, refant.proposed_refant, refant.reason)
        edits.append(
            script_edits.ScriptEdit(
                f"change refant to '{refant.proposed_refant}'", refant.reason, new is not None
            )
        )
        text = new or text
    if combine is not None:
        advice, n_spw = combine
        new = script_edits.combine_spw_for_phase_inf(text, n_spw, advice.reason)
        edits.append(
            script_edits.ScriptEdit(
                "combine windows for the phase calibrator", advice.reason, new is not None
            )
        )
        text = new or text
    return tuple(edits), text


def _wvr_phases(sol: Solutions) -> np.ndarray:
    """WVR phase correction [antenna, solution] in the first window (the
    others are the same path scaled by frequency)."""
    block = sol.table.spws[0]
    times = np.unique(block.time_s)
    grid = np.full((len(sol.table.antenna_names), times.size), np.nan)
    g = np.where(block.flags[0, 0], np.nan, np.degrees(np.angle(block.values[0, 0])))
    grid[block.antenna, np.searchsorted(times, block.time_s)] = g
    return grid


def _accepted_lines(template: Path) -> list[rules.FlagProposal]:
    """Antenna/window/time flags already in the applied flag template (lines
    without an antenna or a time range flag more than any proposal and are
    left out of the comparison)."""
    if not template.exists():
        return []
    out = []
    for number, line in instruction_lines(template.read_text()):
        pairs = dict(parse_pairs(line, f"{template.name}:{number}"))
        antenna, timerange = pairs.get("antenna"), pairs.get("timerange")
        if (
            not isinstance(antenna, str)
            or not isinstance(timerange, str)
            or "~" not in timerange
        ):
            continue
        lo, _, hi = timerange.partition("~")
        try:
            start, stop = rules.mjd_seconds(lo), rules.mjd_seconds(hi)
        except ValueError:
            continue
        out.append(
            rules.FlagProposal(antenna, str(pairs.get("spw", "")), start, stop, "")
        )
    return out


def _per_antenna_bandpass(block, n_ant: int) -> tuple[np.ndarray, np.ndarray]:
    """Bandpass amplitude [antenna, chan] (polarisations averaged)."""
    amp = np.full((n_ant, block.values.shape[1]), np.nan)
    flags = np.ones_like(amp, dtype=bool)
    for row, a in enumerate(block.antenna):
        f = block.flags[:, :, row]
        v = np.where(f, np.nan, np.abs(block.values[:, :, row]))
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-flagged channels
            amp[a] = np.nanmean(v, axis=0)
        flags[a] = f.all(axis=0)
    return amp, flags


def _fluxscale_rows(results: dict) -> tuple[dict, ...]:
    """Derived flux per field and window from fluxscale's saved dictionary."""
    rows = []
    for fid, entry in sorted(results.items()):
        if not isinstance(entry, dict) or "fieldName" not in entry:
            continue
        for spw, value in sorted(entry.items()):
            if (
                isinstance(value, dict)
                and "fluxd" in value
                and float(value["fluxd"][0]) > 0
            ):
                rows.append(
                    {
                        "field": entry["fieldName"],
                        "spw": int(spw),
                        "flux_jy": round(float(value["fluxd"][0]), 5),
                        "error_jy": round(float(value["fluxdErr"][0]), 5),
                    }
                )
    return tuple(rows)


def _suggestions(findings, flagged_solutions, edits=()) -> list[str]:
    """Script-level changes flags cannot express."""
    out = [
        f.reason if not f.antenna or f.reason.startswith(f"{f.antenna}:") else f"{f.antenna}: {f.reason}"
        for f in findings
        if f.kind == "wvr"
    ]
    out += [
        f"{e.what} ({e.reason})"
        + ("" if e.applied else "; not in the diff: the script's line for it was not found")
        for e in edits
        if e.what.startswith(("change refant", "combine windows"))
    ]
    for name, fraction in sorted(flagged_solutions.items()):
        if fraction > 0.2:
            out.append(
                f"{name}: {100 * fraction:.0f} % of solutions flagged; consider a longer solint "
                "or combine='spw' (the calibrator may be too weak for this solution interval)"
            )
    return out


def write_review(workdir: Path, review: EbReview) -> list[Path]:
    """The text and JSON report, and the proposed flag template (removed
    when there is nothing to propose, so a stale one cannot be accepted)."""
    written = []
    text = workdir / f"{review.ms}.review.txt"
    text.write_text(render_text(review))
    written.append(text)
    js = workdir / f"{review.ms}.review.json"
    js.write_text(json.dumps(review.to_json(), indent=2, sort_keys=True) + "\n")
    written.append(js)
    proposed = workdir / proposed_template(review.ms)
    if review.proposals:
        lines = [
            f"# Flags proposed by 'scriptgen review' for {review.ms}.",
            f"# To accept: copy the lines you agree with into {review.ms}.flagtemplate.txt",
            "# and rerun the calibration script from its analyst-flags step.",
        ]
        lines += [p.line() for p in review.proposals]
        proposed.write_text("\n".join(lines) + "\n")
        written.append(proposed)
    elif proposed.exists():
        proposed.unlink()
    diff = workdir / proposed_diff(review.ms)
    if review.script_diff:
        diff.write_text(review.script_diff)
        written.append(diff)
    elif diff.exists():
        diff.unlink()
    return written


def render_text(review: EbReview) -> str:
    out = [f"Review of {review.ms}"]
    out.append(f"  tables read: {', '.join(review.read) or 'none'}")
    if review.missing:
        out.append(f"  not made yet: {', '.join(review.missing)}")
    by_kind: dict[str, list] = {}
    for f in review.findings:
        by_kind.setdefault(f.kind, []).append(f)
    for kind in (
        "tsys",
        "wvr",
        "phase_jump",
        "gain_amplitude",
        "bandpass",
        "refant",
        "fluxscale",
    ):
        items = by_kind.get(kind, [])
        out.append(f"  {kind}: {len(items)} finding(s)")
        for f in items:
            when = (
                f"{rules.casa_time(f.start_mjd_s)}~{rules.casa_time(f.stop_mjd_s)}"
                if math.isfinite(f.start_mjd_s)
                else "all times"
            )
            out.append(f"    {f.antenna} spw {f.spw or 'all'} {when}: {f.reason}")
    if review.flagged_solutions:
        out.append(
            "  flagged solutions: "
            + ", ".join(
                f"{k} {100 * v:.1f} %"
                for k, v in sorted(review.flagged_solutions.items())
            )
        )
    for vis, versions in review.flagged.items():
        out.append(f"  flagged data in {vis} per flag version:")
        out.extend(f"    {name}: {100 * v:.2f} %" for name, v in versions.items())
    if review.fluxscale:
        out.append("  fluxscale (derived):")
        out.extend(
            f"    {r['field']} spw {r['spw']}: {r['flux_jy']:.4f} +- {r['error_jy']:.4f} Jy"
            for r in review.fluxscale
        )
    if review.wvr:
        w = review.wvr
        out.append(f"  WVR: {w['reason']}")
        out.append("    antenna: phase rms with / without WVR (deg)")
        out.extend(
            f"    {a}: {rw:.2f} / {ro:.2f}"
            for a, rw, ro in zip(w["antennas"], w["rms_with_deg"], w["rms_without_deg"])
            if math.isfinite(rw) and math.isfinite(ro)
        )
    if review.fluxscale_checks:
        out.append("  fluxscale against the catalogue recorded in the EB:")
        out.extend(
            f"    {'ok  ' if c['ok'] else 'FAIL'} {c['reason']}" for c in review.fluxscale_checks
        )
    if review.refant:
        out.append(f"  reference antenna: {review.refant['reason']}")
    out.append(f"  proposed flags: {len(review.proposals)}")
    out.extend(f"    {p.line()}" for p in review.proposals)
    for s in review.suggestions:
        out.append(f"  suggestion: {s}")
    if review.script_diff:
        out.append(
            f"  script changes proposed as a diff: {proposed_diff(review.ms)} "
            "(review it, then apply it with 'patch -p0 <' that file and rerun from the affected step)"
        )
    return "\n".join(out) + "\n"


def eb_names(workdir: Path) -> list[str]:
    """The EBs of a working folder: every ``*.ms`` with a Tsys or gain table beside it."""
    if not workdir.is_dir():
        raise ScriptgenError(f"{workdir} is not a folder")
    names = []
    for ms in sorted(workdir.glob("*.ms")):
        tables = naming.CalTables(ms.name)
        if any(
            (workdir / t).exists()
            for t in (tables.tsys, tables.wvr, tables.bandpass, tables.phase_inf)
        ):
            names.append(ms.name)
    if not names:
        raise ScriptgenError(
            f"no calibrated EB in {workdir}: run (part of) a calibration script first"
        )
    return names


def _finite(value):
    """NaN/inf -> None, so the JSON is valid everywhere."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
