"""Antennas: the ANTENNA table.

Diameters decide whether WVR calibration applies (only 12 m antennas carry
radiometers) and which primary beam imaging assumes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..model import Antenna
from .tables import open_table


def read_antennas(ms: Path) -> tuple[Antenna, ...]:
    with open_table(ms / "ANTENNA", label="ANTENNA") as tb:
        n = tb.nrows()
        if n == 0:
            return ()
        names = tb.getcol("NAME")
        stations = tb.getcol("STATION")
        diameters = tb.getcol("DISH_DIAMETER")
        positions = np.asarray(tb.getcol("POSITION"), dtype=float)  # (3, nant)
    return tuple(
        Antenna(
            antenna_id=i,
            name=str(names[i]),
            station=str(stations[i]),
            diameter_m=float(diameters[i]),
            position_m=(float(positions[0, i]), float(positions[1, i]), float(positions[2, i])),
        )
        for i in range(n)
    )
