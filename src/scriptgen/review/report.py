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
    if tsys:
        for win in tsys_windows(tsys, windows):
            findings.extend(rules.tsys_outliers(win, end))
    wvr = load(tables.wvr)
    if wvr and wvr.table.spws:
        findings.extend(
            rules.noisy_radiometers(wvr.table.antenna_names, _wvr_phases(wvr))
        )
    bandpass = load(tables.bandpass)
    if bandpass:
        names = bandpass.table.antenna_names
        for b in bandpass.table.spws:
            amp, flags = _per_antenna_bandpass(b, len(names))
            findings.extend(rules.bandpass_outliers(b.spw_id, names, amp, flags))
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
        suggestions=tuple(_suggestions(findings, flagged_solutions)),
        read=tuple(read),
        missing=tuple(missing),
    )


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


def _suggestions(findings, flagged_solutions) -> list[str]:
    """Script-level changes flags cannot express."""
    out = [f"{f.antenna}: {f.reason}" for f in findings if f.kind == "wvr"]
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
    return written


def render_text(review: EbReview) -> str:
    out = [f"Review of {review.ms}"]
    out.append(f"  tables read: {', '.join(review.read) or 'none'}")
    if review.missing:
        out.append(f"  not made yet: {', '.join(review.missing)}")
    by_kind: dict[str, list] = {}
    for f in review.findings:
        by_kind.setdefault(f.kind, []).append(f)
    for kind in ("tsys", "wvr", "phase_jump", "gain_amplitude", "bandpass"):
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
    out.append(f"  proposed flags: {len(review.proposals)}")
    out.extend(f"    {p.line()}" for p in review.proposals)
    for s in review.suggestions:
        out.append(f"  suggestion: {s}")
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
