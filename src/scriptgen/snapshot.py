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
import typing
from enum import Enum
from pathlib import Path
from types import UnionType
from typing import Any

from .errors import SnapshotError
from .model import ExecBlock

#: Bump when a field is renamed or its meaning changes; adding a field with
#: a default does not need a bump (old snapshots still load).
SCHEMA_VERSION = 1
FORMAT = "scriptgen-execblock"


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
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


def _build(tp: Any, value: Any, where: str) -> Any:
    """Rebuild a value of type ``tp`` from its JSON form."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _build(inner, value, where)
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(value, list):
            raise SnapshotError(f"snapshot field {where} should be a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_build(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
        return tuple(_build(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, value)))
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise SnapshotError(f"snapshot field {where} should be an object")
        hints = typing.get_type_hints(tp)
        known = {f.name for f in dataclasses.fields(tp)}
        unknown = set(value) - known
        if unknown:
            raise SnapshotError(f"snapshot field {where} has unknown keys {sorted(unknown)}")
        return tp(**{k: _build(hints[k], v, f"{where}.{k}") for k, v in value.items()})
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(value)
        except ValueError:
            raise SnapshotError(f"snapshot field {where} has unknown value {value!r}") from None
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(tp, type) and not isinstance(value, tp):
        raise SnapshotError(f"snapshot field {where} should be {tp.__name__}, not {value!r}")
    return value


def from_dict(data: dict[str, Any]) -> ExecBlock:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SnapshotError("not a scriptgen execution-block snapshot")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise SnapshotError(
            f"snapshot schema version {version!r} is not supported "
            f"(this scriptgen reads version {SCHEMA_VERSION})"
        )
    try:
        return _build(ExecBlock, data["execblock"], "execblock")
    except (TypeError, KeyError) as exc:
        raise SnapshotError(f"snapshot is incomplete: {exc}") from None


def loads(text: str) -> ExecBlock:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"snapshot is not valid JSON: {exc}") from None
    return from_dict(data)


def save(eb: ExecBlock, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(dumps(eb))
    return path


def load(path: str | Path) -> ExecBlock:
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise SnapshotError(f"cannot read snapshot {path}: {exc.strerror}") from None
    return loads(text)


def is_snapshot_path(path: str | Path) -> bool:
    """Whether a command-line argument names a snapshot rather than an MS."""
    path = Path(path)
    return path.suffix == ".json" and path.is_file()
