"""What finished: one small JSON per task, and a check that its products are there.

``--resume`` must never skip work that did not really finish. A task's
record is written as ``running`` when it starts, and only a successful run
turns it into ``complete`` with the list of its products; an interrupted or
failed run leaves ``incomplete`` or ``failed`` (and a killed one leaves
``running``). On resume a task counts as done only if its record says
``complete``, the script is the one that ran (same SHA-256: an edited
script runs again), and every recorded product still exists and opens.

Records live in ``WORKDIR/.scriptgen-run/``, out of the way of the
packager, which delivers only what it recognises.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from .graph import Task

RECORD_DIR = ".scriptgen-run"
COMPLETE = "complete"


def record_path(task: Task) -> Path:
    part = f".{task.part}" if task.part else ""
    return task.workdir / RECORD_DIR / (task.script.replace("/", "__") + part + ".json")


def script_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_record(task: Task) -> dict | None:
    try:
        return json.loads(record_path(task).read_text())
    except (OSError, ValueError):
        return None


def write_record(task: Task, status: str, **fields) -> Path:
    """Write the task's record atomically (a reader never sees half a file)."""
    path = record_path(task)
    path.parent.mkdir(exist_ok=True)
    data = {"task": task.key, "script": task.script, "status": status, "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
    data.update(fields)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    tmp.replace(path)
    return path


def mark_unfinished(task: Task, status: str = "incomplete") -> None:
    """Turn a ``running`` record into ``status`` (a cancelled or killed run)."""
    record = read_record(task)
    if record is not None and record.get("status") == "running":
        fields = {k: v for k, v in record.items() if k not in ("task", "script", "status", "time")}
        write_record(task, status, **fields)


def is_table(path: Path) -> bool:
    """A CASA table or image directory (they all have ``table.dat``)."""
    return (path / "table.dat").is_file()


def table_opens(path: Path) -> bool:
    """Whether casatools can open the table read-only (a half-written one fails)."""
    from .. import casa_env

    tb = casa_env.casatools().table()
    with casa_env.casa_output_to(None):
        try:
            ok = bool(tb.open(str(path), nomodify=True))
        except Exception:
            return False
        finally:
            tb.close()
    return ok


def product_problem(path: Path) -> str | None:
    """Why a recorded product is not usable, or None."""
    if path.is_dir():
        if not is_table(path):
            return f"{path.name} has no table.dat"
        if not table_opens(path):
            return f"{path.name} does not open as a CASA table"
        return None
    if path.is_file():
        return None
    return f"{path.name} is missing"


def completion(task: Task) -> tuple[bool, str]:
    """(done, why): whether ``--resume`` may skip this task."""
    record = read_record(task)
    if record is None:
        return False, "never completed"
    if record.get("status") != COMPLETE:
        return False, f"last run {record.get('status')}"
    if not task.path.is_file() or record.get("script_sha256") != script_digest(task.path):
        return False, "script changed since it ran"
    for name in record.get("outputs", []):
        problem = product_problem(task.cwd / name)
        if problem:
            return False, problem
    return True, f"completed {record.get('time')}"


def written_since(folder: Path, since: float) -> list[str]:
    """Top-level CASA tables and files of ``folder`` modified after ``since``.

    Used for products whose names only the script knows (the images of an
    edited imaging script); logs, records and Python files are not products.
    """
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.suffix in (".log", ".py", ".new"):
            continue
        stamp = entry / "table.dat" if entry.is_dir() else entry
        try:
            if stamp.exists() and stamp.stat().st_mtime >= since:
                found.append(entry.name)
        except OSError:
            continue
    return found
