"""What the observatory recorded beside the data: ASDM_SOURCE, ASDM_SBSUMMARY, SOURCE lines.

``importasdm(asis='Source SBSummary ...')`` copies ASDM tables verbatim
into the MS as ``ASDM_SOURCE``, ``ASDM_SBSUMMARY`` (casa
``asdm2MS/ASDMTables.cc``): one column per ASDM attribute, in the ASDM's
names, times in seconds (``timeInterval`` = [start MJD s, length s]),
frequencies in Hz, flux densities in Jy; window ids stay ASDM tags
(``SpectralWindow_3``). Every reader here answers "nothing recorded" with an
empty result: an MS imported without ``asis`` is normal, not an error.

* ASDM_SOURCE rows of calibrators carry ``frequency`` [numFreq],
  ``flux`` / ``fluxErr`` [numFreq, numStokes] and ``stokesParameter``:
  the catalogue flux the observatory generator (almaqa2csg,
  ``getFluxesFromSourceTable``) falls back to and the pipeline's flux import
  (hifa ``importdata/dbfluxes.py``) starts from.
* ASDM_SBSUMMARY's ``scienceGoal`` holds ``"key = value unit"`` strings
  (``sensitivityGoal``, ``representativeFrequency``,
  ``representativeBandwidth``, ``minAcceptableAngResolution``,
  ``maxAcceptableAngResolution``; keys as the pipeline's
  ``infrastructure/tablereader.py`` reads them).
* SOURCE's ``REST_FREQUENCY`` / ``TRANSITION`` (optional MS columns) give
  the rest frequencies of the lines the PI asked for, per source and window.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..model import CatalogueFluxEntry, RecordedGoal, RestFrequency
from .tables import open_table, optional_subtable

_TAG_NUMBER = re.compile(r"(\d+)\s*$")

#: Unit factors for the science-goal strings (to Jy, Hz, arcsec).
_FLUX_UNITS = {"jy": 1.0, "mjy": 1e-3, "ujy": 1e-6, "µjy": 1e-6, "njy": 1e-9}
_FREQ_UNITS = {"hz": 1.0, "khz": 1e3, "mhz": 1e6, "ghz": 1e9, "thz": 1e12}
_ANGLE_UNITS = {"arcsec": 1.0, "mas": 1e-3, "arcmin": 60.0, "deg": 3600.0, "rad": 206264.80624709636}


def _tag_number(tag: str) -> int:
    """``'SpectralWindow_3'`` -> 3; -1 when there is no trailing number."""
    match = _TAG_NUMBER.search(str(tag))
    return int(match.group(1)) if match else -1


def _stokes_i_column(stokes: list[str], n: int) -> int:
    """Which Stokes column of a flux row is I (the first when unnamed)."""
    names = [s.strip().upper() for s in stokes]
    return names.index("I") if "I" in names and names.index("I") < n else 0


def _flux_matrix(cell, n_freq: int) -> np.ndarray:
    """A flux cell as [frequency, stokes], whichever axis order it came in."""
    values = np.atleast_2d(np.asarray(cell, dtype=float))
    if values.shape[0] != n_freq and values.shape[-1] == n_freq:
        values = values.T
    return values


def read_catalogue_fluxes(ms: Path) -> tuple[CatalogueFluxEntry, ...]:
    """Stokes I catalogue fluxes from ASDM_SOURCE, one entry per row and frequency.

    Rows without a positive flux (targets, and calibrators the catalogue
    did not know) are left out. Sorted by source, frequency and epoch.
    """
    path = optional_subtable(ms, "ASDM_SOURCE")
    if path is None:
        return ()
    entries = []
    with open_table(path, label="ASDM_SOURCE") as tb:
        columns = set(tb.colnames())
        if not {"sourceName", "frequency", "flux"} <= columns:
            return ()
        for row in range(tb.nrows()):
            if not tb.iscelldefined("flux", row) or not tb.iscelldefined("frequency", row):
                continue
            freqs = np.atleast_1d(np.asarray(tb.getcell("frequency", row), dtype=float))
            if freqs.size == 0:
                continue
            flux = _flux_matrix(tb.getcell("flux", row), freqs.size)
            err = None
            if "fluxErr" in columns and tb.iscelldefined("fluxErr", row):
                err = _flux_matrix(tb.getcell("fluxErr", row), freqs.size)
            stokes = []
            if "stokesParameter" in columns and tb.iscelldefined("stokesParameter", row):
                stokes = [str(s) for s in np.atleast_1d(tb.getcell("stokesParameter", row))]
            col = _stokes_i_column(stokes, flux.shape[1])
            epoch = None
            if "timeInterval" in columns:
                interval = np.atleast_1d(np.asarray(tb.getcell("timeInterval", row), dtype=float))
                epoch = float(interval[0]) if interval.size else None
            spw = _tag_number(tb.getcell("spectralWindowId", row)) if "spectralWindowId" in columns else -1
            name = str(tb.getcell("sourceName", row)).strip()
            for i, freq in enumerate(freqs):
                if i >= flux.shape[0] or not flux[i, col] > 0 or not freq > 0:
                    continue
                flux_err = float(err[i, col]) if err is not None and i < err.shape[0] else None
                entries.append(
                    CatalogueFluxEntry(
                        source=name,
                        freq_hz=float(freq),
                        flux_jy=float(flux[i, col]),
                        flux_err_jy=flux_err if flux_err is not None and flux_err > 0 else None,
                        epoch_mjd_s=epoch,
                        spw_id=spw,
                    )
                )
    # Duplicate rows (one per window, same catalogue value) collapse.
    unique = {(e.source, e.freq_hz, e.flux_jy, e.flux_err_jy, e.epoch_mjd_s): e for e in entries}
    return tuple(sorted(unique.values(), key=lambda e: (e.source, e.freq_hz, e.epoch_mjd_s or 0.0)))


def parse_goal_value(text: str, units: dict[str, float]) -> float | None:
    """``'0.5 mJy'`` -> 5e-4 with ``units`` = flux units; None if unreadable or not positive."""
    parts = str(text).replace("=", " ").split()
    if len(parts) < 2:
        return None
    try:
        value = float(parts[0])
    except ValueError:
        return None
    factor = units.get(parts[1].strip().lower().replace("/beam", ""))
    if factor is None or not value > 0:
        return None
    return value * factor


def goal_from_strings(strings: list[str]) -> RecordedGoal | None:
    """A :class:`RecordedGoal` from SBSummary ``scienceGoal`` strings; None if nothing usable."""
    values: dict[str, str] = {}
    for item in strings:
        key, sep, value = str(item).partition("=")
        if sep:
            values[key.strip()] = value.strip()

    def get(key: str, units: dict[str, float]) -> float | None:
        return parse_goal_value(values[key], units) if key in values else None

    goal = RecordedGoal(
        sensitivity_jy=get("sensitivityGoal", _FLUX_UNITS),
        sensitivity_bandwidth_hz=get("representativeBandwidth", _FREQ_UNITS),
        representative_freq_hz=get("representativeFrequency", _FREQ_UNITS),
        min_resolution_arcsec=get("minAcceptableAngResolution", _ANGLE_UNITS),
        max_resolution_arcsec=get("maxAcceptableAngResolution", _ANGLE_UNITS),
        source=values.get("representativeSource", "").strip(),
    )
    if goal == RecordedGoal(source=goal.source):
        return None
    return goal


def read_science_goal(ms: Path) -> RecordedGoal | None:
    """The first SBSummary row's science goal, or None without ASDM_SBSUMMARY."""
    path = optional_subtable(ms, "ASDM_SBSUMMARY")
    if path is None:
        return None
    with open_table(path, label="ASDM_SBSUMMARY") as tb:
        if tb.nrows() == 0 or "scienceGoal" not in tb.colnames() or not tb.iscelldefined("scienceGoal", 0):
            return None
        strings = [str(s) for s in np.atleast_1d(tb.getcell("scienceGoal", 0))]
    return goal_from_strings(strings)


def read_rest_frequencies(ms: Path) -> tuple[RestFrequency, ...]:
    """SOURCE rows' rest frequencies, by source name and window (first line of each)."""
    path = optional_subtable(ms, "SOURCE")
    if path is None:
        return ()
    found: dict[tuple[str, int], RestFrequency] = {}
    with open_table(path, label="SOURCE") as tb:
        if "REST_FREQUENCY" not in tb.colnames() or tb.nrows() == 0:
            return ()
        has_transition = "TRANSITION" in tb.colnames()
        for row in range(tb.nrows()):
            if not tb.iscelldefined("REST_FREQUENCY", row):
                continue
            rest = np.atleast_1d(np.asarray(tb.getcell("REST_FREQUENCY", row), dtype=float))
            if rest.size == 0 or not rest[0] > 0:
                continue
            transition = ""
            if has_transition and tb.iscelldefined("TRANSITION", row):
                names = np.atleast_1d(tb.getcell("TRANSITION", row))
                transition = str(names[0]).strip() if names.size else ""
            name = str(tb.getcell("NAME", row)).strip()
            spw = int(tb.getcell("SPECTRAL_WINDOW_ID", row))
            found.setdefault((name, spw), RestFrequency(name, spw, float(rest[0]), transition))
    return tuple(found[k] for k in sorted(found))
