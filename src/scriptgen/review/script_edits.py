"""Script-level proposals as a unified diff against the calibration script.

Some of what a review finds is not a flag: a noisy radiometer is fixed by
rerunning wvrgcal with ``wvrflag``, a WVR table that harms is left out of
the a-priori applycal, a reference antenna that comes and goes is replaced.
These edits are made on the text of the script as it is in the working
folder (the analyst may have edited it) and written as a unified diff
(``difflib``) the analyst reads and applies with ``patch -p0``. An edit
whose anchor line is not in the script (an edited step) is not made; the
report says so and the suggestion stays in words.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ScriptEdit:
    """One proposed change: what, why, and whether the script could take it."""

    what: str
    reason: str
    applied: bool


def add_wvrflag(text: str, antennas: tuple[str, ...], reason: str) -> str | None:
    """``wvrflag`` (merged with any already there) in the wvrgcal call."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, ln in enumerate(lines) if ln.strip() == "wvrgcal("), None)
    if start is None:
        return None
    indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].rstrip("\n") == indent + ")"),
        None,
    )
    if end is None:
        return None
    names = list(antennas)
    existing = [i for i in range(start + 1, end) if lines[i].strip().startswith("wvrflag=")]
    for i in existing:
        names = re.findall(r"[\"']([^\"']+)[\"']", lines[i]) + [n for n in names]
        names = list(dict.fromkeys(names))
    arg = f"{indent}    wvrflag=[{', '.join(_quoted(n) for n in names)}],\n"
    for i in reversed(existing):
        del lines[i]
        end -= 1
    lines.insert(end, arg)
    lines.insert(start, f"{indent}# review: {reason}\n")
    return "".join(lines)


def reject_wvr(text: str, reason: str) -> str | None:
    """The WVR table left out of the a-priori tables (step 'Application of
    the WVR, Tsys and antpos cal tables')."""
    lines = text.splitlines(keepends=True)
    for i in range(len(lines) - 2):
        if (
            lines[i].strip() == "apriori_tables.append(wvr_table)"
            and lines[i + 1].strip().startswith("apriori_interp.append(")
            and lines[i + 2].strip().startswith("apriori_spwmap.append(")
        ):
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            lines[i : i + 3] = [
                f"{indent}# review: WVR not applied: {reason}\n",
                f"{indent}# (was: apriori_tables.append(wvr_table))\n",
            ]
            return "".join(lines)
    return None


def change_refant(text: str, refant: str, reason: str) -> str | None:
    """The script's ``refant = "..."`` line replaced."""
    pattern = re.compile(r'^refant = "[^"]*"\n', re.M)
    if not pattern.search(text):
        return None
    return pattern.sub(lambda _: f"# review: {reason}\nrefant = {_quoted(refant)}\n", text, count=1)


def combine_spw_for_phase_inf(text: str, n_spw: int, reason: str) -> str | None:
    """The per-scan phase solve over all windows together (``combine='spw'``,
    solutions written to window 0) and every applycal of ``phase_inf_table``
    mapping each window to window 0 (``spwmap``). The script's other
    tables keep their own windows (an empty spwmap each)."""
    lines = text.splitlines(keepends=True)
    solve = _call_with(lines, "gaincal(", "caltable=phase_inf_table,")
    if solve is None:
        return None
    start, end, indent = solve
    if any(lines[i].strip().startswith("combine=") for i in range(start, end)):
        return None
    lines.insert(end, f"{indent}    combine=\"spw\",\n")
    lines.insert(start, f"{indent}# review: {reason}\n")
    changed = False
    i = 0
    while True:
        call = _call_with(lines, "applycal(", "phase_inf_table", after=i)
        if call is None:
            break
        start, end, indent = call
        i = end + 1
        tables_line = next(
            (k for k in range(start, end) if lines[k].strip().startswith("gaintable=[")), None
        )
        if (
            tables_line is None
            or not lines[tables_line].rstrip().endswith("],")
            or any(lines[k].strip().startswith("spwmap=") for k in range(start, end))
        ):
            return None
        names = [t.strip() for t in lines[tables_line].strip()[len("gaintable=[") :].rstrip("],\n").split(",")]
        maps = ["[" + ", ".join(["0"] * n_spw) + "]" if n == "phase_inf_table" else "[]" for n in names]
        lines.insert(end, f"{indent}    spwmap=[{', '.join(maps)}],\n")
        changed = True
    return "".join(lines) if changed else None


def _call_with(lines: list[str], opener: str, needle: str, after: int = 0):
    """(first line, closing line, indent) of the first call ``opener`` at
    or after line ``after`` whose arguments contain ``needle``."""
    for start in range(after, len(lines)):
        if lines[start].strip() != opener:
            continue
        indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
        end = next(
            (k for k in range(start + 1, len(lines)) if lines[k].rstrip("\n") == indent + ")"),
            None,
        )
        if end is None:
            return None
        if any(needle in lines[k] for k in range(start + 1, end)):
            return start, end, indent
    return None


def current_refant(text: str) -> tuple[str, ...]:
    """The script's reference antennas, best first (empty when not found)."""
    match = re.search(r'^refant = "([^"]*)"', text, re.M)
    return tuple(a for a in match.group(1).split(",") if a) if match else ()


def unified_diff(name: str, old: str, new: str) -> str:
    """A diff ``patch -p0`` applies in the folder that holds ``name``."""
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), fromfile=name, tofile=name
        )
    )


def _quoted(value: str) -> str:
    """A Python string literal in black's style (double quotes)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
