"""Make the simulator's MS look like one importasdm wrote.

The simulator numbers a new scan per ``observe`` call, names fields after
whatever it was given, leaves PROCESSOR empty, records only the first
scan's time range in OBSERVATION, writes J2000 pointings and no SYSCAL, and
keeps MODEL_DATA / CORRECTED_DATA columns an imported EB does not have.
Each function here fixes one of those, in place.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from .. import casa_env
from .atmosphere import TsysModel
from .config import SyntheticConfig
from .layout import Layout


#: Scalar column description in casatools' table-description dialect.
def _scalar_desc(value_type: str, comment: str) -> dict:
    return {
        "valueType": value_type, "dataManagerType": "StandardStMan",
        "dataManagerGroup": "StandardStMan", "option": 0, "maxlen": 0,
        "comment": comment, "keywords": {},
    }  # fmt: skip


def _array_desc(value_type: str, ndim: int, comment: str, unit: str | None = None) -> dict:
    desc = {**_scalar_desc(value_type, comment), "ndim": ndim}
    if unit:
        desc["keywords"] = {"QuantumUnits": np.array([unit])}
    return desc


def data_description_map(ms: Path) -> dict[int, int]:
    """spw id -> data description id, as the simulator created them."""
    tb = casa_env.casatools().table()
    tb.open(str(ms / "DATA_DESCRIPTION"))
    try:
        spws = tb.getcol("SPECTRAL_WINDOW_ID")
    finally:
        tb.close()
    return {int(spw): dd for dd, spw in enumerate(spws)}


def renumber_scans(ms: Path, layout: Layout, start_mjd_s: float) -> None:
    """One scan number per planned scan, whatever window or pointing.

    The simulator starts a new scan at each ``observe`` call (one per
    window and pointing); rows are assigned to the planned scan whose time
    span holds their mid-integration time.
    """
    starts = np.array([s.start_s for s in layout.scans])
    numbers = np.array([s.number for s in layout.scans])
    tb = casa_env.casatools().table()
    tb.open(str(ms), nomodify=False)
    try:
        rel = tb.getcol("TIME") - start_mjd_s
        idx = np.clip(np.searchsorted(starts, rel, side="right") - 1, 0, len(starts) - 1)
        tb.putcol("SCAN_NUMBER", numbers[idx].astype(np.int32))
    finally:
        tb.close()


def name_fields(ms: Path, layout: Layout) -> None:
    """Real field and source names; mosaic pointings share one source.

    importasdm gives every pointing of a mosaic its own field with the
    source's name and one SOURCE_ID, which is how mosaics are recognised.
    """
    tb = casa_env.casatools().table()
    source_of_name: dict[str, int] = {}
    tb.open(str(ms / "FIELD"), nomodify=False)
    try:
        for fld in layout.fields:
            source_of_name.setdefault(fld.source_name, fld.field_id)
            tb.putcell("NAME", fld.field_id, fld.name)
            tb.putcell("SOURCE_ID", fld.field_id, source_of_name[fld.source_name])
    finally:
        tb.close()
    tb.open(str(ms / "SOURCE"), nomodify=False)
    try:
        ids = tb.getcol("SOURCE_ID")
        for row, sid in enumerate(ids):
            tb.putcell("NAME", row, layout.field(int(sid)).source_name)
    finally:
        tb.close()


def add_processors(ms: Path, wvr_dd: int) -> None:
    """A correlator and a radiometer processor; WVR rows use the latter.

    ``flagdata(autocorr=True)`` spares autocorrelations of RADIOMETER
    processors, and wvrgcal looks for them.
    """
    tb = casa_env.casatools().table()
    tb.open(str(ms / "PROCESSOR"), nomodify=False)
    try:
        tb.addrows(2)
        tb.putcol("TYPE", np.array(["CORRELATOR", "RADIOMETER"]))
        tb.putcol("SUB_TYPE", np.array(["ALMA_CORRELATOR_MODE", "ALMA_RADIOMETER"]))
        tb.putcol("TYPE_ID", np.array([0, 0], dtype=np.int32))
        tb.putcol("MODE_ID", np.array([0, 1], dtype=np.int32))
        tb.putcol("FLAG_ROW", np.array([False, False]))
    finally:
        tb.close()
    tb.open(str(ms), nomodify=False)
    try:
        dd = tb.getcol("DATA_DESC_ID")
        tb.putcol("PROCESSOR_ID", np.where(dd == wvr_dd, 1, 0).astype(np.int32))
    finally:
        tb.close()


def fix_observation(ms: Path, cfg: SyntheticConfig) -> None:
    """Whole-EB time range, project, observer and the ALMA schedule strings."""
    tb = casa_env.casatools().table()
    tb.open(str(ms))
    try:
        time, interval = tb.getcol("TIME"), tb.getcol("INTERVAL")
    finally:
        tb.close()
    span = np.array([(time - interval / 2).min(), (time + interval / 2).max()])
    eb = cfg.uid.replace("uid___", "uid://").replace("_", "/")
    sb = eb.rsplit("/", 1)[0] + "/X0"
    tb.open(str(ms / "OBSERVATION"), nomodify=False)
    try:
        for row in range(tb.nrows()):
            tb.putcell("TIME_RANGE", row, span)
            tb.putcell("PROJECT", row, cfg.project)
            tb.putcell("OBSERVER", row, cfg.observer)
            tb.putcell("TELESCOPE_NAME", row, "ALMA")
            tb.putcell("SCHEDULE", row, np.array([f"SchedulingBlock {sb}", f"ExecBlock {eb}"]))
            tb.putcell("SCHEDULE_TYPE", row, "ALMA")
    finally:
        tb.close()


def fix_spectral_windows(ms: Path, layout: Layout) -> None:
    """BBC_NO (msmetadata's baseband calls need it), sideband, positive widths."""
    tb = casa_env.casatools().table()
    tb.open(str(ms / "SPECTRAL_WINDOW"), nomodify=False)
    try:
        if "BBC_NO" not in tb.colnames():
            tb.addcols({"BBC_NO": _scalar_desc("int", "Baseband converter number")})
        for spw in layout.spws:
            tb.putcell("BBC_NO", spw.spw_id, spw.baseband)
            tb.putcell("NET_SIDEBAND", spw.spw_id, 2 if spw.chan_width_hz < 0 else 1)
            # The simulator copies the sign of a lower-sideband channel width
            # into bandwidths and resolution; importasdm keeps them positive
            # (and msmetadata's TDM/FDM classification relies on that).
            for column in ("EFFECTIVE_BW", "RESOLUTION"):
                tb.putcell(column, spw.spw_id, np.abs(tb.getcell(column, spw.spw_id)))
            tb.putcell("TOTAL_BANDWIDTH", spw.spw_id, spw.bandwidth_hz)
    finally:
        tb.close()


def horizontal_pointing(
    ms: Path,
    azel_of: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    field_of_time: Callable[[np.ndarray], np.ndarray],
) -> None:
    """POINTING in AZELGEO, one row per antenna and time, as ALMA records it.

    The simulator writes a J2000 row per antenna, integration and
    ``observe`` call (so duplicates across windows); wvrgcal needs the
    elevation from an AZEL pointing table.
    """
    tb = casa_env.casatools().table()
    tb.open(str(ms / "POINTING"), nomodify=False)
    try:
        time, ant = tb.getcol("TIME"), tb.getcol("ANTENNA_ID")
        keys = np.round(time * 1000).astype(np.int64) * 1000 + ant
        _, first = np.unique(keys, return_index=True)
        duplicates = np.setdiff1d(np.arange(len(time)), first)
        if duplicates.size:
            tb.removerows(duplicates.tolist())
        time = tb.getcol("TIME")
        az, el = azel_of(time, field_of_time(time))
        direction = np.stack([az, el])[:, None, :]
        tb.putcol("DIRECTION", direction)
        keywords = tb.getcolkeywords("DIRECTION")
        keywords["MEASINFO"] = {"type": "direction", "Ref": "AZELGEO"}
        tb.putcolkeywords("DIRECTION", keywords)
    finally:
        tb.close()


def write_syscal(
    ms: Path,
    layout: Layout,
    tsys: TsysModel,
    start_mjd_s: float,
    n_ant: int,
    tsys_factor=None,
) -> None:
    """SYSCAL with TSYS_SPECTRUM per antenna, Tsys window and atmosphere scan.

    This is what ``gencal(caltype='tsys')`` turns into a Tsys table. Tsys is
    written for both polarisations (equal: the model has no polarisation
    dependence).
    """
    ct = casa_env.casatools()
    tb = ct.table()
    atm_scans = [s for s in layout.scans if s.intents.startswith("CALIBRATE_ATMOSPHERE")]
    tsys_spws = layout.tsys
    rows = []
    for scan in atm_scans:
        mid = start_mjd_s + (scan.start_s + scan.stop_s) / 2
        for spw in tsys_spws:
            spectra = tsys.per_antenna(spw.tsys_slot, np.asarray(spw.chan_freqs_hz()))
            for a in range(n_ant):
                # An injected Tsys fault (``faults.tsys_multiplier``) shows here too.
                k = 1.0 if tsys_factor is None else float(tsys_factor(spw.baseband, a, mid))
                rows.append((a, spw.spw_id, mid, scan.stop_s - scan.start_s, spectra[a] * k))
    time_desc = _scalar_desc(
        "double", "Midpoint of time for which this set of parameters is accurate"
    )
    time_desc["keywords"] = {
        "QuantumUnits": np.array(["s"]),
        "MEASINFO": {"type": "epoch", "Ref": "UTC"},
    }
    interval_desc = _scalar_desc("double", "Interval for which this set of parameters is accurate")
    interval_desc["keywords"] = {"QuantumUnits": np.array(["s"])}
    desc = {
        "ANTENNA_ID": _scalar_desc("int", "ID of antenna in this array"),
        "FEED_ID": _scalar_desc("int", "Feed's ID"),
        "SPECTRAL_WINDOW_ID": _scalar_desc("int", "ID for this spectral window setup"),
        "TIME": time_desc,
        "INTERVAL": interval_desc,
        "NUM_RECEPTOR": _scalar_desc("int", "Number of receptors"),
        "TSYS_SPECTRUM": _array_desc("float", 2, "System temp. for each of the two receptors", "K"),
        "TRX_SPECTRUM": _array_desc(
            "float", 2, "Receiver temperature for each of the two receptors", "K"
        ),
        "TSKY_SPECTRUM": _array_desc(
            "float", 2, "Sky temperature for each of the two receptors", "K"
        ),
    }
    path = ms / "SYSCAL"
    tb.create(str(path), desc, nrow=len(rows))
    try:
        tb.putcol("ANTENNA_ID", np.array([r[0] for r in rows], dtype=np.int32))
        tb.putcol("FEED_ID", np.zeros(len(rows), dtype=np.int32))
        tb.putcol("SPECTRAL_WINDOW_ID", np.array([r[1] for r in rows], dtype=np.int32))
        tb.putcol("TIME", np.array([r[2] for r in rows]))
        tb.putcol("INTERVAL", np.array([r[3] for r in rows]))
        tb.putcol("NUM_RECEPTOR", np.full(len(rows), 2, dtype=np.int32))
        for i, r in enumerate(rows):
            spectrum = np.repeat(r[4][None].astype(np.float32), 2, axis=0)
            tb.putcell("TSYS_SPECTRUM", i, spectrum)
            # A plausible split of Tsys into receiver and sky parts.
            tb.putcell("TRX_SPECTRUM", i, (0.6 * spectrum).astype(np.float32))
            tb.putcell("TSKY_SPECTRUM", i, (0.4 * spectrum).astype(np.float32))
    finally:
        tb.close()
    tb.open(str(ms), nomodify=False)
    try:
        tb.putkeyword("SYSCAL", f"Table: {path.resolve()}")
    finally:
        tb.close()


def drop_scratch_columns(ms: Path) -> None:
    """Remove MODEL_DATA and CORRECTED_DATA: an imported EB has only DATA."""
    tb = casa_env.casatools().table()
    tb.open(str(ms), nomodify=False)
    try:
        extra = [c for c in ("MODEL_DATA", "CORRECTED_DATA") if c in tb.colnames()]
        if extra:
            tb.removecols(extra)
    finally:
        tb.close()


def copy_without_wvr_cross(ms: Path, out: Path, wvr_dd: int, *, autocorrelations_only: bool = False) -> None:
    """Copy the MS without the WVR window's cross-correlations.

    WVR data are autocorrelations only; the simulator writes every baseline.
    ``tb.removerows`` fails on simulator MSs (measured), so the wanted rows
    are copied out through a query into a new, plain table. A total-power
    EB keeps only autocorrelations in every window.
    """
    tb = casa_env.casatools().table()
    tb.open(str(ms))
    try:
        query = "ANTENNA1==ANTENNA2" if autocorrelations_only else f"NOT (DATA_DESC_ID=={wvr_dd} && ANTENNA1!=ANTENNA2)"
        sel = tb.query(query)
        try:
            sel.copy(str(out), deep=True)
        finally:
            sel.close()
    finally:
        tb.close()


# --------------------------------------------------------------------------
# What importasdm(asis=...) and the online system record beside the data.

#: ALMA's online Hanning smoothing at native resolution (no online channel
#: averaging): EFFECTIVE_BW = 8/3 of the channel width, RESOLUTION about
#: twice it (ALMA Technical Handbook; pipeline get_bw_corr_factor).
HANNING_EFFECTIVE_BW_FACTOR = 8 / 3
HANNING_RESOLUTION_FACTOR = 2.0

#: Frequencies at which the synthetic catalogue records each quasar's
#: flux: the ALMA calibrator catalogue's usual band 3 pair and band 7
#: point, so a spectral index can be fitted across them.
CATALOGUE_FREQS_HZ = (91.5e9, 103.5e9, 343.5e9)

#: The catalogue's relative uncertainty and how old its values are at
#: observing time (typical grid-survey cadence: measured every few weeks).
CATALOGUE_ERROR_FRACTION = 0.05
CATALOGUE_AGE_S = 12 * 86400.0


def hanning_spectral_windows(ms: Path, layout: Layout) -> None:
    """EFFECTIVE_BW and RESOLUTION of the correlator windows as ALMA writes them.

    The simulator writes the channel width into both; ALMA's data are
    Hanning-smoothed online, so its MSs record 8/3 of the width as the
    noise bandwidth. (The builder's noise is smoothed the same way, see
    :func:`scriptgen.synthetic.corrupt.add_noise`.)
    """
    tb = casa_env.casatools().table()
    tb.open(str(ms / "SPECTRAL_WINDOW"), nomodify=False)
    try:
        for spw in layout.spws:
            if spw.role not in ("science", "tsys"):
                continue
            width = np.abs(tb.getcell("CHAN_WIDTH", spw.spw_id))
            tb.putcell("EFFECTIVE_BW", spw.spw_id, width * HANNING_EFFECTIVE_BW_FACTOR)
            tb.putcell("RESOLUTION", spw.spw_id, width * HANNING_RESOLUTION_FACTOR)
    finally:
        tb.close()


def _link_subtable(ms: Path, name: str) -> None:
    """Point the main table's keyword at a subtable, as importasdm links its ASDM_* copies."""
    tb = casa_env.casatools().table()
    tb.open(str(ms), nomodify=False)
    try:
        tb.putkeyword(name, f"Table: {(ms / name).resolve()}")
    finally:
        tb.close()


def write_asdm_source(ms: Path, layout: Layout, start_mjd_s: float, fluxes: dict[str, tuple[float, float, float]]) -> None:
    """An ASDM_SOURCE table in the layout importasdm(asis='Source') writes.

    Columns and units as casa's asdm2MS ``ASDMTables.cc``: ``timeInterval``
    [start, length] in MJD seconds, ``spectralWindowId`` the ASDM tag,
    ``frequency`` in Hz, ``flux`` / ``fluxErr`` [numFreq, numStokes] in Jy.
    One row per source and science window; ``fluxes`` maps each quasar
    calibrator's source name to (flux at ref, spectral index, ref Hz), and
    its rows carry that power law at :data:`CATALOGUE_FREQS_HZ` with a 5 %
    uncertainty, valid from :data:`CATALOGUE_AGE_S` before the EB.
    """
    tb = casa_env.casatools().table()
    desc = {
        "sourceId": _scalar_desc("int", "ASDM source id"),
        "timeInterval": _array_desc("double", 1, "valid from [start, length] (s)"),
        "spectralWindowId": {**_scalar_desc("string", "ASDM spectral window tag")},
        "code": _scalar_desc("string", "source code"),
        "direction": _array_desc("double", 1, "direction (rad)"),
        "properMotion": _array_desc("double", 1, "proper motion (rad/s)"),
        "sourceName": _scalar_desc("string", "source name"),
        "numFreq": _scalar_desc("int", "number of flux frequencies"),
        "numStokes": _scalar_desc("int", "number of Stokes parameters"),
        "frequency": _array_desc("double", 1, "flux frequencies (Hz)"),
        "stokesParameter": _array_desc("string", 1, "Stokes parameters"),
        "flux": _array_desc("double", 2, "flux densities [numFreq, numStokes] (Jy)"),
        "fluxErr": _array_desc("double", 2, "flux uncertainties [numFreq, numStokes] (Jy)"),
    }
    sources: dict[str, int] = {}
    for fld in layout.fields:
        sources.setdefault(fld.source_name, len(sources))
    rows = [(name, sid, spw.spw_id) for name, sid in sources.items() for spw in layout.science]
    path = ms / "ASDM_SOURCE"
    tb.create(str(path), desc, nrow=len(rows))
    try:
        freqs = np.asarray(CATALOGUE_FREQS_HZ)
        for i, (name, sid, spw_id) in enumerate(rows):
            tb.putcell("sourceId", i, sid)
            tb.putcell("timeInterval", i, np.array([start_mjd_s - CATALOGUE_AGE_S, 3.0e8]))
            tb.putcell("spectralWindowId", i, f"SpectralWindow_{spw_id}")
            tb.putcell("code", i, "none")
            tb.putcell("direction", i, np.zeros(2))
            tb.putcell("properMotion", i, np.zeros(2))
            tb.putcell("sourceName", i, name)
            if name in fluxes:
                flux_ref, spix, ref_hz = fluxes[name]
                flux = flux_ref * (freqs / ref_hz) ** spix
                tb.putcell("numFreq", i, len(freqs))
                tb.putcell("numStokes", i, 1)
                tb.putcell("frequency", i, freqs)
                tb.putcell("stokesParameter", i, np.array(["I"]))
                tb.putcell("flux", i, flux[:, None])
                tb.putcell("fluxErr", i, (CATALOGUE_ERROR_FRACTION * flux)[:, None])
            else:
                tb.putcell("numFreq", i, 0)
                tb.putcell("numStokes", i, 0)
    finally:
        tb.close()
    _link_subtable(ms, "ASDM_SOURCE")


def write_sbsummary(ms: Path, science_goal: tuple[str, ...]) -> None:
    """An ASDM_SBSUMMARY table (one row) whose ``scienceGoal`` holds ``"key = value unit"`` strings."""
    tb = casa_env.casatools().table()
    desc = {
        "sbSummaryUID": _scalar_desc("string", "scheduling block uid"),
        "numScienceGoal": _scalar_desc("int", "number of science goal strings"),
        "scienceGoal": _array_desc("string", 1, "science goal as 'key = value unit' strings"),
    }
    path = ms / "ASDM_SBSUMMARY"
    tb.create(str(path), desc, nrow=1)
    try:
        tb.putcell("sbSummaryUID", 0, "uid://A002/Xsyn/X0")
        tb.putcell("numScienceGoal", 0, len(science_goal))
        tb.putcell("scienceGoal", 0, np.array(science_goal))
    finally:
        tb.close()
    _link_subtable(ms, "ASDM_SBSUMMARY")


def clear_rest_frequencies(ms: Path) -> None:
    """No lines unless asked: the simulator puts the first window's
    frequency into every SOURCE row's REST_FREQUENCY (TRANSITION 'X')."""
    tb = casa_env.casatools().table()
    tb.open(str(ms / "SOURCE"), nomodify=False)
    try:
        for row in range(tb.nrows()):
            tb.putcell("NUM_LINES", row, 0)
            tb.putcell("REST_FREQUENCY", row, np.zeros(0))
            tb.putcell("TRANSITION", row, np.array([], dtype=str))
            tb.putcell("SYSVEL", row, np.zeros(0))
    finally:
        tb.close()


def write_rest_frequency(ms: Path, source_name: str, spw_ids: tuple[int, ...], line_spw: int,
                         rest_hz: float, transition: str) -> None:
    """SOURCE rows per window for ``source_name``, the line's window with its rest frequency.

    importasdm writes one SOURCE row per source and window; the line the
    PI asked for sits in REST_FREQUENCY / TRANSITION of its window's row.
    """
    tb = casa_env.casatools().table()
    tb.open(str(ms / "SOURCE"), nomodify=False)
    try:
        names = [str(n) for n in tb.getcol("NAME")]
        template = names.index(source_name)
        for spw_id in spw_ids:
            tb.copyrows(str(ms / "SOURCE"), startrowin=template, startrowout=-1, nrow=1)
            row = tb.nrows() - 1
            tb.putcell("SPECTRAL_WINDOW_ID", row, spw_id)
            tb.putcell("NUM_LINES", row, 0)
            tb.putcell("REST_FREQUENCY", row, np.zeros(0))
            tb.putcell("TRANSITION", row, np.array([], dtype=str))
            tb.putcell("SYSVEL", row, np.zeros(0))
            if spw_id == line_spw:
                tb.putcell("NUM_LINES", row, 1)
                tb.putcell("REST_FREQUENCY", row, np.array([rest_hz]))
                tb.putcell("TRANSITION", row, np.array([transition]))
                tb.putcell("SYSVEL", row, np.array([0.0]))
    finally:
        tb.close()
