"""Lossless JSON snapshots of an execution block.

A snapshot lets scripts be regenerated without the MeasurementSet and
without CASA (on a laptop, in CI, years later), and it is recorded next to
every generated script so that a generation can be reproduced exactly.
Floats are written with Python's shortest round-trip repr, so loading a
snapshot gives back an equal :class:`~scriptgen.model.ExecBlock`.
"""

from __future__ import annotations

import dataclasses
import json
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import atomicfile, snapshot_checks
from .errors import SnapshotError
from .model import ExecBlock

#: Bump when a field is renamed or its meaning changes; adding a field with
#: a default does not need a bump (old snapshots still load).
SCHEMA_VERSION = 1
FORMAT = "scriptgen-execblock"


@lru_cache(maxsize=None)
def _field_names(cls: type) -> tuple[str, ...] | None:
    """A dataclass's field names, looked up once per class (snapshots hold many scans)."""
    return tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else None


def _plain(value: Any) -> Any:
    names = _field_names(type(value))
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def to_dict(eb: ExecBlock) -> dict[str, Any]:
    return {"format": FORMAT, "schema_version": SCHEMA_VERSION, "execblock": _plain(eb)}


def dumps(eb: ExecBlock) -> str:
    """The snapshot text: stable key order and indentation, so diffs read well."""
    return json.dumps(to_dict(eb), indent=1, sort_keys=True, allow_nan=False) + "\n"


def _envelope_problem(data: Any) -> str | None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return "not a scriptgen execution-block snapshot"
    version = data.get("schema_version")
    if version != SCHEMA_VERSION or isinstance(version, bool):
        return (
            f"snapshot schema version {version!r} is not supported " f"(this scriptgen reads version {SCHEMA_VERSION})"
        )
    return None


def loads(text: str | bytes, *, content: bool = True) -> ExecBlock:
    """The EB of a snapshot's text, refused with one line unless sound.

    Types come from :mod:`scriptgen.snapshot_checks` (pydantic over the
    model's own dataclasses), then ranges, references and safe names;
    ``content`` also applies inspect's refusals (no intents, no science
    windows). ``content=False`` is for ``inspect --lenient`` only.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"snapshot is not valid JSON: {exc}") from None
    except (UnicodeDecodeError, RecursionError):
        raise SnapshotError("snapshot is not UTF-8 JSON text") from None
    problem = _envelope_problem(data)
    if problem:
        raise SnapshotError(problem)
    return snapshot_checks.check(snapshot_checks.parse(text), content=content)


def from_dict(data: dict[str, Any], *, content: bool = True) -> ExecBlock:
    problem = _envelope_problem(data)
    if problem:
        raise SnapshotError(problem)
    try:
        text = json.dumps(data, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise SnapshotError(f"snapshot cannot be JSON: {exc}") from None
    return loads(text, content=content)


def save(eb: ExecBlock, path: str | Path) -> Path:
    """Write the snapshot atomically: a reader never sees half of one."""
    path = Path(path)
    atomicfile.write_text(path, dumps(eb))
    return path


def load(path: str | Path, *, content: bool = True) -> ExecBlock:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SnapshotError(f"cannot read snapshot {path}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SnapshotError(f"snapshot {path} is not UTF-8 text (binary, or UTF-16?)") from None
    try:
        return loads(text, content=content)
    except SnapshotError as exc:
        raise SnapshotError(f"{path}: {exc}") from None


def is_snapshot_path(path: str | Path) -> bool:
    """Whether a command-line argument names a snapshot rather than an MS."""
    path = Path(path)
    return path.suffix == ".json" and path.is_file()
