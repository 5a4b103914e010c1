"""Fields: the FIELD table, with source names from SOURCE.

A mosaic is recognised downstream by several target fields sharing one
source name, so the source name matters as much as the field name. ALMA
gives every pointing the same SOURCE row; the simulator writes one SOURCE
row per field with the same name. Either way the SOURCE name, looked up by
the field's SOURCE_ID, is the one to group on; the field name stands in when
SOURCE is absent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import derive
from .tables import open_table, optional_subtable


@dataclass(frozen=True)
class FieldInfo:
    """One FIELD row (intents come later, from the scans)."""

    field_id: int
    name: str
    source_name: str
    ra_rad: float
    dec_rad: float
    is_ephemeris: bool


def read_source_names(ms: Path) -> dict[int, str]:
    """SOURCE: source id -> name (the table has one row per source and window)."""
    path = optional_subtable(ms, "SOURCE")
    if path is None:
        return {}
    with open_table(path, label="SOURCE") as tb:
        if tb.nrows() == 0:
            return {}
        ids = tb.getcol("SOURCE_ID")
        names = tb.getcol("NAME")
    out: dict[int, str] = {}
    for sid, name in zip(ids, names):
        out.setdefault(int(sid), str(name))
    return out


def normalise_ra(ra: float) -> float:
    """Right ascension in [0, 2 pi): casacore hands back longitudes in (-pi, pi]."""
    wrapped = math.fmod(ra, 2 * math.pi)
    return wrapped + 2 * math.pi if wrapped < 0 else wrapped


def read_fields(ms: Path) -> tuple[FieldInfo, ...]:
    """FIELD rows with their phase centre (the polynomial's constant term).

    A field is an ephemeris object when FIELD has an EPHEMERIS_ID column
    with a non-negative id for it (what importasdm writes for solar-system
    sources), or when its name is a known solar-system body: old and
    simulated MSs have no ephemeris column but still observe Venus.
    """
    sources = read_source_names(ms)
    with open_table(ms / "FIELD", label="FIELD") as tb:
        n = tb.nrows()
        if n == 0:
            return ()
        names = [str(s) for s in tb.getcol("NAME")]
        source_ids = tb.getcol("SOURCE_ID")
        phase_dir = np.asarray(tb.getcol("PHASE_DIR"), dtype=float)  # (2, npoly+1, nfield)
        ephem = tb.getcol("EPHEMERIS_ID") if "EPHEMERIS_ID" in tb.colnames() else None
    fields = []
    for i in range(n):
        name = names[i]
        has_ephemeris = ephem is not None and int(ephem[i]) >= 0
        fields.append(
            FieldInfo(
                field_id=i,
                name=name,
                source_name=sources.get(int(source_ids[i]), name),
                ra_rad=normalise_ra(float(phase_dir[0, 0, i])),
                dec_rad=float(phase_dir[1, 0, i]),
                is_ephemeris=has_ephemeris or derive.is_solar_system_body(name),
            )
        )
    return tuple(fields)
