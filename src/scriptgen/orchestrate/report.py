"""The closing table of a run: per task its status, wall time and log."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

from .execute import TaskResult
from .graph import Task

#: Written in each working folder at the end of a run.
REPORT_FILE = "scriptgen-run.json"


def table_lines(results: Sequence[TaskResult]) -> list[str]:
    width = max([len(r.key) for r in results] + [4])
    lines = [f"{'task':<{width}}  {'status':<12} {'wall':>8}  log / note"]
    for r in results:
        wall = f"{r.seconds:.0f} s" if r.seconds else "-"
        detail = r.log if r.status == "ok" else "; ".join(x for x in (r.note, r.log) if x)
        lines.append(f"{r.key:<{width}}  {r.status:<12} {wall:>8}  {detail}")
    return lines


def write_reports(tasks: Sequence[Task], results: Sequence[TaskResult], **about) -> list[Path]:
    """``scriptgen-run.json`` in every working folder, with that folder's tasks."""
    by_key = {r.key: r for r in results}
    written = []
    for workdir in dict.fromkeys(t.workdir for t in tasks):
        mine = [by_key[t.key].as_dict() for t in tasks if t.workdir == workdir and t.key in by_key]
        data = {"finished": time.strftime("%Y-%m-%dT%H:%M:%S"), **about, "tasks": mine}
        path = workdir / REPORT_FILE
        path.write_text(json.dumps(data, indent=1) + "\n")
        written.append(path)
    return written
