"""Reading calibrated amplitudes back from an MS, for the CASA-run tests."""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from scriptgen import casa_env


def field_ids(vis: str | Path, name: str) -> list[int]:
    md = casa_env.casatools().msmetadata()
    md.open(str(vis))
    try:
        return [int(i) for i in md.fieldsforname(name)]
    finally:
        md.close()


def mean_real(vis: str | Path, field_name: str, column: str = "DATA") -> dict[int, float]:
    """Mean real part of the unflagged visibilities of a field, per DATA_DESC_ID.

    For a point source at the phase centre this is its flux density as the
    calibration put it on the data. Queried one DATA_DESC_ID at a time:
    windows of different widths cannot be read in one getcol.
    """
    tb = casa_env.casatools().table()
    ids = ",".join(str(i) for i in field_ids(vis, field_name))
    tb.open(str(vis))
    try:
        ddids = sorted(set(int(d) for d in tb.getcol("DATA_DESC_ID")))
        out = {}
        for dd in ddids:
            sel = tb.query(f"FIELD_ID IN [{ids}] && DATA_DESC_ID=={dd} && !FLAG_ROW")
            try:
                if sel.nrows() == 0:
                    continue
                data = sel.getcol(column)
                flags = sel.getcol("FLAG")
            finally:
                sel.close()
            good = ~flags
            out[dd] = float(np.real(data[good]).mean()) if good.any() else float("nan")
        return out
    finally:
        tb.close()


def column(vis: str | Path, name: str) -> np.ndarray:
    """A whole data column, concatenated per DATA_DESC_ID (for comparisons)."""
    tb = casa_env.casatools().table()
    tb.open(str(vis))
    try:
        parts = []
        for dd in sorted(set(int(d) for d in tb.getcol("DATA_DESC_ID"))):
            sel = tb.query(f"DATA_DESC_ID=={dd}", sortlist="TIME,ANTENNA1,ANTENNA2")
            try:
                parts.append(sel.getcol(name).ravel())
            finally:
                sel.close()
        return np.concatenate(parts)
    finally:
        tb.close()


@contextmanager
def stopwatch(record: dict, label: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        record[label] = time.perf_counter() - start
