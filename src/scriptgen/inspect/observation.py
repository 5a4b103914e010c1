"""Project and observer: the OBSERVATION table.

Only the identifying strings are taken. The EB's time range comes from the
main table instead, because TIME_RANGE is unreliable (the simulator, for
one, records only its first scan there).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .tables import open_table, optional_subtable


@dataclass(frozen=True)
class ObservationInfo:
    project: str = ""
    observer: str = ""


def read_observation(ms: Path) -> ObservationInfo:
    path = optional_subtable(ms, "OBSERVATION")
    if path is None:
        return ObservationInfo()
    with open_table(path, label="OBSERVATION") as tb:
        if tb.nrows() == 0:
            return ObservationInfo()
        projects = [str(p) for p in tb.getcol("PROJECT")]
        observers = [str(o) for o in tb.getcol("OBSERVER")]
    # The first non-empty value: an EB has one project, but concatenated
    # or re-imported MSs can carry blank extra rows.
    return ObservationInfo(
        project=next((p for p in projects if p.strip()), ""),
        observer=next((o for o in observers if o.strip()), ""),
    )


def count_flag_commands(ms: Path) -> int:
    """FLAG_CMD rows: the online flags importasdm stored, for a-priori flagging."""
    path = optional_subtable(ms, "FLAG_CMD")
    if path is None:
        return 0
    with open_table(path, label="FLAG_CMD") as tb:
        return int(tb.nrows())
