"""Intents: the STATE table.

Each main-table row points at a STATE row whose OBS_MODE lists the ALMA
intents of that moment, comma separated, each with a sub-mode suffix
(``CALIBRATE_PHASE#ON_SOURCE``). The suffix is dropped (see
:func:`scriptgen.derive.strip_intent`); the scripts never act on it.
"""

from __future__ import annotations

from pathlib import Path

from .. import derive
from .tables import open_table, optional_subtable


def parse_obs_mode(obs_mode: str) -> tuple[str, ...]:
    """``'A#ON_SOURCE,B#ON_SOURCE'`` -> ``('A', 'B')``, order kept, no duplicates."""
    intents: list[str] = []
    for part in obs_mode.split(","):
        intent = derive.strip_intent(part.strip())
        if intent and intent not in intents:
            intents.append(intent)
    return tuple(intents)


def read_state_intents(ms: Path) -> tuple[tuple[str, ...], ...]:
    """State id -> its intents. Empty when STATE is absent or empty."""
    path = optional_subtable(ms, "STATE")
    if path is None:
        return ()
    with open_table(path, label="STATE") as tb:
        if tb.nrows() == 0 or "OBS_MODE" not in tb.colnames():
            return ()
        modes = tb.getcol("OBS_MODE")
    return tuple(parse_obs_mode(str(m)) for m in modes)
