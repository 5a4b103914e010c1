"""Opening MS tables safely: existence checks, and CASA errors made readable.

Every reader opens its table through :func:`open_table`, so that a missing,
truncated or otherwise unreadable table always ends in the same one-line
:class:`~scriptgen.inspect.errors.CorruptTable` (naming the table) instead of
a bare ``RuntimeError`` from casatools. Optional subtables are looked up with
:func:`optional_subtable`, which answers "absent" for a subtable that was
never written *and* for a keyword that points at a directory that is gone
(real ALMA MSs ship with such dangling ``ASDM_*`` and ``SYSCAL`` links).

Subtables are opened by their path inside the MS directory rather than
through the main table's keywords: following a keyword to a missing table
is exactly the failure we must survive, and the directory layout is what
every CASA task relies on anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .. import casa_env
from .errors import CorruptTable, NotAMeasurementSet, PathNotFound

#: Subtables without which a directory is not a MeasurementSet we can use.
#: STATE is deliberately absent: an MS without it is readable, it just has
#: no intents (reported separately).
REQUIRED_SUBTABLES = (
    "ANTENNA",
    "DATA_DESCRIPTION",
    "FIELD",
    "POLARIZATION",
    "SPECTRAL_WINDOW",
)

#: The main-table columns the scan reader needs. Visibility columns (DATA,
#: CORRECTED_DATA, MODEL_DATA, FLAG, UVW, WEIGHT...) are never read.
INDEX_COLUMNS = ("SCAN_NUMBER", "FIELD_ID", "DATA_DESC_ID", "STATE_ID", "TIME", "INTERVAL")


def is_table_dir(path: Path) -> bool:
    """Whether ``path`` is a directory holding a casacore table."""
    return path.is_dir() and (path / "table.dat").is_file()


def check_measurement_set(path: Path) -> None:
    """Refuse, in one line, anything that is not a plausible MS directory.

    Done with the file system before casatools gets involved, so that the
    common mistakes (a typo, a FITS file, the parent folder) are named
    precisely rather than as "table does not exist".
    """
    if not path.exists():
        raise PathNotFound(f"{path}: no such file or directory")
    if not path.is_dir():
        raise NotAMeasurementSet(
            f"{path} is a file; a MeasurementSet is a directory (e.g. uid___A002_X1_X2.ms)"
        )
    if not (path / "table.dat").exists():
        inside = sorted(p.name for p in path.glob("*.ms*") if is_table_dir(p))
        hint = f"; it holds {', '.join(inside[:3])}{', ...' if len(inside) > 3 else ''}" if inside else ""
        raise NotAMeasurementSet(
            f"{path} is a directory but not a CASA table (it has no table.dat){hint}"
        )
    missing = [name for name in REQUIRED_SUBTABLES if not (path / name).exists()]
    if missing:
        raise NotAMeasurementSet(
            f"{path} is a CASA table but not a MeasurementSet "
            f"(no {', '.join(missing)} subtable{'s' if len(missing) > 1 else ''})"
        )
    for name in REQUIRED_SUBTABLES:
        if not is_table_dir(path / name):
            raise CorruptTable(f"{path}: the {name} table is damaged (its table.dat is missing)")


def optional_subtable(ms: Path, name: str) -> Path | None:
    """The path of an optional subtable, or None when it is absent or dangling."""
    path = ms / name
    return path if is_table_dir(path) else None


def _casa_message(exc: BaseException) -> str:
    """casatools' message, trimmed to one line without its C++ preamble."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


@contextmanager
def open_table(path: Path, *, label: str | None = None) -> Iterator[Any]:
    """A read-only casatools table, closed on exit.

    Any ``RuntimeError`` raised while opening *or reading* becomes a
    :class:`CorruptTable` naming ``label`` (the subtable name, or "main"),
    because at that point the MS passed the structural checks and a failing
    read means damaged files.
    """
    label = label or path.name
    ms = path if label == "main" else path.parent
    tb = casa_env.casatools().table()
    try:
        # 'usernoread': we only read, and taking no read lock both avoids
        # writing lock files into other people's MSs and is measurably
        # faster on the main table.
        tb.open(str(path), nomodify=True, lockoptions={"option": "usernoread"})
    except RuntimeError as exc:
        raise CorruptTable(
            f"the {label} table of {ms} cannot be opened (damaged or truncated?): {_casa_message(exc)}"
        ) from None
    try:
        yield tb
    except RuntimeError as exc:
        raise CorruptTable(
            f"the {label} table of {ms} cannot be read (damaged or truncated?): {_casa_message(exc)}"
        ) from None
    finally:
        tb.close()


def dangling_subtables(ms: Path, keywords: dict[str, Any]) -> tuple[str, ...]:
    """Main-table keywords that name a subtable whose directory is gone.

    Reported as a note: CASA tasks that follow such a keyword fail, so the
    analyst should know, but the inspector itself does not need them.
    """
    gone = []
    for name, value in keywords.items():
        if isinstance(value, str) and value.startswith("Table: "):
            if not is_table_dir(ms / name) and not is_table_dir(Path(value[len("Table: "):])):
                gone.append(name)
    return tuple(sorted(gone))
