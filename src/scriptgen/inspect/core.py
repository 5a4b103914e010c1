"""Assemble an :class:`~scriptgen.model.ExecBlock` from the table readers.

The readers each return what one table says; here the main-table
combinations tie them together: a window's intents are those of the states
it was observed in, a field's likewise, a scan's fields, windows and
intents are the union over its rows.

Decisions recorded here:

* ``uid`` is the MS directory name up to its ``.ms`` suffix, so
  ``uid___A002_X1_X2.ms`` and ``uid___A002_X1_X2.ms.split.cal`` both give
  ``uid___A002_X1_X2``; other names are used whole.
* ``ms_path`` is the absolute path (symbolic links kept, not resolved), so
  a snapshot names the data unambiguously whichever folder it is used from.
* ``strict=True`` (the default) raises :class:`NoIntents` or
  :class:`NoScienceWindows` for MSs that no script can be generated from.
  ``strict=False`` returns what is there, for a look at unusual data.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .. import casa_env, derive
from ..model import ExecBlock, Field, Scan, SpectralWindow, SpwKind
from ..safenames import check_stem
from ..spectral_response import online_averaging_from_ratio
from ..usable import check_usable
from .antennas import read_antennas
from .asdm_tables import read_catalogue_fluxes, read_rest_frequencies, read_science_goal
from .correlations import read_has_cross_correlations
from .fields import FieldInfo, read_fields
from .mainindex import Combination, MainIndex, read_main_index
from .observation import count_flag_commands, read_observation
from .spectral import SpwInfo, read_data_descriptions, read_polarizations, read_spectral_windows
from .states import read_state_intents
from .syscal import read_tsys
from .tables import check_measurement_set, dangling_subtables, open_table

_UID_FROM_NAME = re.compile(r"^(.+?)\.ms(\..*)?$")


@dataclass(frozen=True)
class Inspection:
    """An inspected EB with the remarks an analyst should see.

    ``notes`` are facts about the MS that do not stop inspection but may
    stop a CASA task later (a dangling subtable link, no Tsys), said once
    here rather than discovered when a script fails.
    """

    eb: ExecBlock
    notes: tuple[str, ...] = ()


def uid_from_path(path: Path) -> str:
    name = path.name.rstrip("/") or path.resolve().name
    match = _UID_FROM_NAME.match(name)
    # The uid names every file written for the EB (safenames has the rules).
    return check_stem(match.group(1) if match else name, f"EB name of {str(path)!r}")


def _sorted_union(groups) -> tuple:
    return tuple(sorted({item for group in groups for item in group}))


def _intents_of(combos: list[Combination], states: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    return _sorted_union(
        states[c.state_id] for c in combos if 0 <= c.state_id < len(states)
    )


def _spw_of(combo: Combination, spw_of_ddid: tuple[int, ...]) -> int | None:
    return spw_of_ddid[combo.ddid] if 0 <= combo.ddid < len(spw_of_ddid) else None


def _integration(combos: list[Combination], kinds: dict[int, SpwKind],
                 spw_of_ddid: tuple[int, ...]) -> float:
    """The scan's integration time: that of its correlator (TDM/FDM) windows.

    ALMA writes channel averages and the WVR at their own, shorter dump
    times; the full-resolution windows' interval is what solints refer to.
    The most common value wins; without correlator rows, the longest.
    """
    correlator = [
        c.interval_s for c in combos
        if kinds.get(_spw_of(c, spw_of_ddid)) in derive.CORRELATOR_KINDS
    ]
    if correlator:
        return Counter(correlator).most_common(1)[0][0]
    return max(c.interval_s for c in combos)


def build_scans(index: MainIndex, states: tuple[tuple[str, ...], ...],
                spw_of_ddid: tuple[int, ...], kinds: dict[int, SpwKind]) -> tuple[Scan, ...]:
    by_scan: dict[int, list[Combination]] = {}
    for combo in index.combinations:
        by_scan.setdefault(combo.scan, []).append(combo)
    scans = []
    for number in sorted(by_scan):
        combos = by_scan[number]
        spws = {_spw_of(c, spw_of_ddid) for c in combos} - {None}
        scans.append(
            Scan(
                number=number,
                field_ids=tuple(sorted({c.field_id for c in combos})),
                intents=_intents_of(combos, states),
                spw_ids=tuple(sorted(spws)),
                start_mjd_s=min(c.start_mjd_s for c in combos),
                end_mjd_s=max(c.end_mjd_s for c in combos),
                integration_s=_integration(combos, kinds, spw_of_ddid),
            )
        )
    return tuple(scans)


def build_spws(infos: tuple[SpwInfo, ...], index: MainIndex,
               states: tuple[tuple[str, ...], ...], spw_of_ddid: tuple[int, ...]) -> tuple[SpectralWindow, ...]:
    by_spw: dict[int, list[Combination]] = {}
    for combo in index.combinations:
        spw = _spw_of(combo, spw_of_ddid)
        if spw is not None:
            by_spw.setdefault(spw, []).append(combo)
    return tuple(
        SpectralWindow(
            spw_id=info.spw_id,
            name=info.name,
            kind=info.kind,
            nchan=info.nchan,
            chan_width_hz=info.chan_width_hz,
            bandwidth_hz=info.bandwidth_hz,
            ref_freq_hz=info.ref_freq_hz,
            centre_freq_hz=info.centre_freq_hz,
            band=info.band,
            baseband=info.baseband,
            corr_products=info.corr_products,
            intents=_intents_of(by_spw.get(info.spw_id, []), states),
            effective_bw_hz=info.effective_bw_hz,
            online_averaging=_online_averaging(info),
        )
        for info in infos
    )


def _online_averaging(info: SpwInfo) -> int | None:
    """N channels averaged online, from EFFECTIVE_BW / CHAN_WIDTH (None if not Hanning)."""
    if info.effective_bw_hz is None or not info.chan_width_hz:
        return None
    return online_averaging_from_ratio(info.effective_bw_hz / abs(info.chan_width_hz))


def build_fields(infos: tuple[FieldInfo, ...], index: MainIndex,
                 states: tuple[tuple[str, ...], ...]) -> tuple[Field, ...]:
    by_field: dict[int, list[Combination]] = {}
    for combo in index.combinations:
        by_field.setdefault(combo.field_id, []).append(combo)
    return tuple(
        Field(
            field_id=info.field_id,
            name=info.name,
            source_name=info.source_name,
            ra_rad=info.ra_rad,
            dec_rad=info.dec_rad,
            is_ephemeris=info.is_ephemeris,
            intents=_intents_of(by_field.get(info.field_id, []), states),
        )
        for info in infos
    )


def _main_keywords(ms: Path) -> dict:
    with open_table(ms, label="main") as tb:
        return dict(tb.getkeywords())


def _notes(eb: ExecBlock, ms: Path, index: MainIndex) -> tuple[str, ...]:
    notes = []
    keywords = _main_keywords(ms)
    gone = dangling_subtables(ms, keywords)
    if gone:
        notes.append(
            "subtable keyword(s) point at missing tables (ignored): " + ", ".join(gone)
        )
    if index.n_rows == 0:
        notes.append("the main table has no rows")
    if not eb.tsys:
        notes.append("no Tsys in SYSCAL: a Tsys calibration table cannot be made")
    elif "SYSCAL" not in keywords:
        notes.append(
            "SYSCAL is not linked from the main table's keywords: "
            "gencal(caltype='tsys') will not find it"
        )
    if not any(s.intents for s in eb.scans):
        notes.append("no scan has an intent (empty or missing STATE table)")
    elif not derive.science_spws(eb):
        notes.append("no correlator window was observed on a target or calibrator")
    return tuple(notes)


def inspect_with_notes(path: str | os.PathLike, *, strict: bool = True) -> Inspection:
    """Inspect a MeasurementSet; its EB plus the notes an analyst should see (see :func:`inspect_ms`)."""
    casa_env.configure()
    ms = Path(os.path.abspath(os.fspath(path)))
    check_measurement_set(ms)
    index = read_main_index(ms)
    dds = read_data_descriptions(ms)
    spw_infos = read_spectral_windows(ms, dds, read_polarizations(ms))
    states = read_state_intents(ms)
    kinds = {info.spw_id: info.kind for info in spw_infos}
    observation = read_observation(ms)
    combos = index.combinations
    eb = ExecBlock(
        uid=uid_from_path(ms),
        ms_path=str(ms),
        spws=build_spws(spw_infos, index, states, dds.spw_of_ddid),
        fields=build_fields(read_fields(ms), index, states),
        scans=build_scans(index, states, dds.spw_of_ddid, kinds),
        antennas=read_antennas(ms),
        tsys=read_tsys(ms),
        project=observation.project,
        observer=observation.observer,
        start_mjd_s=min(c.start_mjd_s for c in combos) if combos else None,
        end_mjd_s=max(c.end_mjd_s for c in combos) if combos else None,
        flag_cmd_rows=count_flag_commands(ms),
        has_cross_correlations=read_has_cross_correlations(ms),
        calibrator_fluxes=read_catalogue_fluxes(ms),
        science_goal=read_science_goal(ms),
        rest_frequencies=read_rest_frequencies(ms),
    )
    if strict:
        check_usable(eb)
    return Inspection(eb, _notes(eb, ms, index))


def inspect_ms(path: str | os.PathLike, *, strict: bool = True) -> ExecBlock:
    """Read an ALMA MeasurementSet's metadata into an :class:`ExecBlock`.

    Reads the subtables and the main table's index columns with the
    casatools table tool (never msmetadata, which refuses MSs with a
    malformed SYSCAL, and never a visibility column). Raises a
    :class:`~scriptgen.errors.ScriptgenError` subclass, with a one-line
    message, for anything that is not a readable MS, and with ``strict``
    (the default) for an MS without intents or science windows.
    """
    return inspect_with_notes(path, strict=strict).eb
