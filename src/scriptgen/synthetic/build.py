"""Build a synthetic EB: plan, simulate, model, corrupt, fix up, record.

:func:`build_execblock` is the one entry point; each stage lives in its own
module and this one only sequences them and writes the truth.
"""

from __future__ import annotations

import math
import shutil
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from .. import casa_env
from ..errors import ScriptgenError
from ..progress import step
from . import corrupt, faults, sky, tables
from .atmosphere import radiometer_sigma_jy, tsys_model
from .config import SyntheticConfig
from .layout import BAND_TUNINGS, Layout, plan, primary_beam_fwhm_deg, tsys_centres_hz, tuning_windows
from .observe import Sky, antennas, run_simulator, sky_for
from .truth import (
    SCHEMA_VERSION,
    AntennaTruth,
    FieldTruth,
    LineTruth,
    ScanTruth,
    SpwTruth,
    Truth,
    truth_path,
)


def injected_table_path(ms: Path, kind: str) -> Path:
    """Where a corruption table applied to ``ms`` is kept (beside it)."""
    return ms.with_name(f"{ms.name}.injected_{kind}.tbl")


def build_execblock(
    ms: str | Path,
    config: SyntheticConfig | None = None,
    *,
    progress: bool = False,
    overwrite: bool = False,
) -> Truth:
    """Write a synthetic ALMA-like EB at ``ms`` and its truth beside it.

    Returns the :class:`Truth` also saved as ``<ms>.truth.json``. Refuses to
    replace an existing path unless ``overwrite``. The build happens in a
    scratch folder next to ``ms`` and is moved into place at the end, so an
    interrupted build never leaves a half-made MS under the final name.
    """
    cfg = config or SyntheticConfig()
    ms = Path(ms).absolute()
    if ms.exists() and not overwrite:
        raise ScriptgenError(f"{ms} already exists (use --force / overwrite=True to replace it)")
    if not ms.parent.is_dir():
        raise ScriptgenError(f"folder {ms.parent} does not exist")
    layout = plan(cfg)
    quiet = not progress
    began = time.perf_counter()
    # Leftovers of a previous build must not survive beside the new MS.
    for stale in (truth_path(ms), *(injected_table_path(ms, k) for k in ("bandpass", "gains"))):
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    work = ms.with_name(ms.name + ".building")
    shutil.rmtree(work, ignore_errors=True)
    try:
        truth = _build(work, ms, cfg, layout, quiet)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    truth = _with_build_time(truth, time.perf_counter() - began)
    truth.save(truth_path(ms))
    return truth


def _with_build_time(truth: Truth, seconds: float) -> Truth:
    return replace(truth, build_seconds=round(seconds, 2))


def _build(work: Path, ms: Path, cfg: SyntheticConfig, layout: Layout, quiet: bool) -> Truth:
    rng = np.random.default_rng(cfg.seed)
    ants = antennas(cfg)
    n_ant = len(ants)
    with step(
        f"simulating {n_ant} antennas, {len(layout.spws)} windows, {len(layout.scans)} scans",
        quiet=quiet,
    ):
        where = sky_for(cfg, layout)
        if cfg.tuned_at_start:
            layout = _tuned_at_start(layout, where)
        run_simulator(work, cfg, layout, ants, where)
        dd = tables.data_description_map(work)
        tables.name_fields(work, layout)
        tables.renumber_scans(work, layout, where.start_mjd_s)
    directions = {
        f.field_id: _radians(where.direction_deg(f.dra_deg, f.ddec_deg)) for f in layout.fields
    }
    sources = {
        f.field_id: _radians(where.direction_deg(*f.source_offset_deg))
        for f in layout.fields
        if f.source_offset_deg is not None
    }
    region_phase = region_phases_deg(cfg, n_ant)
    line_topo_hz = _line_topo_hz(cfg, where, layout) if cfg.line else None
    extended = _extended_line(cfg, where, layout) if cfg.extended_line else None
    tsys = tsys_model(rng, cfg.band, n_ant, tsys_centres_hz(cfg))
    science = layout.science
    full_res = tuple(s for s in layout.spws if s.role in ("science", "tsys", "reference"))
    with step("writing the sky model", quiet=quiet):
        body_fluxes = {}
        for fld in layout.fields:
            if fld.solar_system:
                body_fluxes[fld.field_id] = sky.predict_solar_system(
                    work, fld, tuple(s.spw_id for s in science)
                )
                sky.scale_model(work, fld.field_id, cfg.flux_cal_scale_error)
        sky.write_models(
            work, cfg, layout, directions, sources, line_topo_hz, dd,
            None if region_phase is None else np.radians(region_phase), extended,
            where.start_mjd_s,
        )  # fmt: skip
    injected = {}
    diffgain: dict = {}
    with step("adding noise" + (", bandpass, gains and Tsys" if cfg.corrupt else ""), quiet=quiet):
        # Noise goes in once, before the corruptions: calibration divides the
        # gains out again, so the calibrated data carry exactly the noise
        # that SIGMA/WEIGHT (and the truth's noise_jy) describe.
        fault_bb = faults.tsys_fault_baseband(cfg, [s.baseband for s in science])
        corrupt.add_noise(work, cfg, full_res, tsys, dd, rng, where.start_mjd_s, fault_bb)
        if cfg.corrupt:
            bp, gains = injected_table_path(ms, "bandpass"), injected_table_path(ms, "gains")
            corrupt.make_bandpass_table(work, layout, bp, rng, n_ant)
            setup_offset = diffgain_setup_offsets(cfg, rng, n_ant)
            window_phases = corrupt.make_gain_table(
                work, layout, gains, rng, n_ant, BAND_TUNINGS[cfg.band][0] * 1e9, setup_offset,
                cfg, where.start_mjd_s,
            )  # fmt: skip
            corrupt.apply_gains_and_bandpass(work, cfg, layout, bp, gains)
            corrupt.scale_by_tsys(work, full_res, tsys, dd, cfg, where.start_mjd_s, fault_bb)
            injected = {"bandpass": str(bp), "gains": str(gains)}
            if setup_offset is not None:
                diffgain = diffgain_truth(layout, ants, setup_offset, window_phases)
        corrupt.fill_ch_avg(work, layout, dd)
        corrupt.fill_autocorrelations(work, layout, dd, raw=cfg.corrupt, tsys=tsys)
    with step("making the tables ALMA-like (WVR, SYSCAL, pointing, processors)", quiet=quiet):
        azel = _AzEl(directions)
        field_of_time = _field_of_time(layout, where.start_mjd_s)
        corrupt.fill_wvr(work, layout, dd, lambda t, f: azel(t, f)[1], rng, cfg)
        tables.add_processors(work, dd[layout.wvr.spw_id])
        tables.fix_observation(work, cfg)
        tables.fix_spectral_windows(work, layout)
        tables.horizontal_pointing(work, azel, field_of_time)
        tables.drop_scratch_columns(work)
        if ms.exists():
            shutil.rmtree(ms)
        tables.copy_without_wvr_cross(
            work, ms, dd[layout.wvr.spw_id], autocorrelations_only=cfg.total_power
        )
        tables.write_syscal(
            ms, layout, tsys, where.start_mjd_s, n_ant,
            lambda bb, a, t: faults.tsys_multiplier(
                cfg, bb, fault_bb, np.array([a]), np.array([t]), where.start_mjd_s
            )[0],
        )  # fmt: skip
    with step("recording what the observatory knew (ASDM_SOURCE, SBSummary, lines)", quiet=quiet):
        _observatory_records(ms, cfg, layout, where.start_mjd_s)
    truth = _truth(
        ms, cfg, layout, ants, where, directions, tsys, body_fluxes, line_topo_hz, injected, sources
    )
    injected_faults = faults.faults_truth(
        cfg, [a.name for a in ants], list(science), list(layout.tsys),
        truth.start_mjd_s, truth.end_mjd_s,
    )  # fmt: skip
    if injected_faults:
        truth = replace(truth, faults=injected_faults)
    if cfg.second_target or cfg.check_source:
        truth = replace(truth, multi_target=multi_target_truth(cfg, layout, ants, region_phase))
    if cfg.n_tunings > 1:
        truth = replace(truth, spectral_tunings=[list(t) for t in tuning_windows(layout.spws)])
    if extended is not None:
        truth = replace(truth, extended_line=extended_line_truth(cfg, layout, directions, extended))
    return replace(truth, diffgain=diffgain) if diffgain else truth


def region_phases_deg(cfg: SyntheticConfig, n_ant: int):
    """The second sky region's extra phase per antenna (degrees), or None.

    Drawn from its own generator so that adding a second target leaves
    every other random draw of the EB as it was. Antenna 0: none.
    """
    if not cfg.second_target:
        return None
    phases = np.random.default_rng([cfg.seed, 2]).uniform(-cfg.region_phase_deg, cfg.region_phase_deg, n_ant)
    phases[0] = 0.0
    return phases


def multi_target_truth(cfg: SyntheticConfig, layout: Layout, ants, region_phase) -> dict:
    """Which phase calibrator each target and check source must take, the
    second region's phases and the check source's position offset.

    ``phase_of`` maps a target or check field id to the phase calibrator
    of its region (the one scheduled around it). ``wrong_transfer_ratio``
    is what the second target's mean real visibility would become, as a
    fraction of its flux, if it took the first region's phase solutions
    (the mean over baselines of cos(phi_1 - phi_2)): a test that demands
    5 % can tell the right calibrator from the wrong one when it is below
    0.95.
    """
    phase_of_region = {f.region: f.field_id for f in layout.fields_with_role("phase")}
    phase_of = {
        str(f.field_id): phase_of_region[f.region]
        for f in layout.fields
        if "target" in f.roles or "check" in f.roles
    }
    out: dict = {"phase_of": phase_of}
    if region_phase is not None:
        i, j = np.triu_indices(len(ants), 1)
        out["region_phase_deg"] = {a.name: round(float(v), 3) for a, v in zip(ants, region_phase)}
        out["wrong_transfer_ratio"] = round(float(np.mean(np.cos(np.radians(region_phase[i] - region_phase[j])))), 4)
    if cfg.check_source:
        (check,) = layout.fields_with_role("check")
        out["check_field_id"] = check.field_id
        out["check_offset_arcsec"] = list(cfg.check_offset_arcsec)
    return out


def diffgain_setup_offsets(cfg: SyntheticConfig, rng: np.random.Generator, n_ant: int):
    """The per-antenna phase offset (degrees) between the science and the
    reference setup, or None for EBs without reference windows. Antenna 0
    (the steady reference antenna of the simulation) has none."""
    if not cfg.diffgain:
        return None
    offsets = rng.uniform(-cfg.diffgain_offset_deg, cfg.diffgain_offset_deg, n_ant)
    offsets[0] = 0.0
    return offsets


def diffgain_truth(layout: Layout, ants, setup_offset: np.ndarray, window_phases: dict) -> dict:
    """What a band-to-band calibration must find.

    ``expected_offset_deg[science spw][antenna]`` is the phase the offset
    table should hold once the reference window's phase has been carried to
    the science window by frequency ratio (CASA's ``linearPD``): the
    science window's constant phase minus ratio x the reference window's,
    wrapped to (-180, 180]. Antenna 0 carries no phase at all (the injected
    gains of antenna 0 are real), so its value is 0; a solution referenced
    to another antenna differs from these by that antenna's value.
    """
    by_bb = {s.baseband: s for s in layout.reference}
    spw_map = {s.spw_id: by_bb[s.baseband].spw_id for s in layout.science}
    expected = {}
    for sci in layout.science:
        ref = by_bb[sci.baseband]
        ratio = sci.centre_hz / ref.centre_hz
        value = window_phases[sci.spw_id] - ratio * window_phases[ref.spw_id]
        value[0] = 0.0
        wrapped = (value + 180.0) % 360.0 - 180.0
        expected[str(sci.spw_id)] = {a.name: round(float(v), 3) for a, v in zip(ants, wrapped)}
    return {
        "reference_spws": [s.spw_id for s in layout.reference],
        "spw_map": {str(k): v for k, v in spw_map.items()},
        "setup_offset_deg": {a.name: round(float(v), 3) for a, v in zip(ants, setup_offset)},
        "expected_offset_deg": expected,
    }


def _observatory_records(ms: Path, cfg: SyntheticConfig, layout: Layout, start_mjd_s: float) -> None:
    """Hanning EFFECTIVE_BW, the quasars' catalogue fluxes, the goal and the line's rest frequency."""
    tables.hanning_spectral_windows(ms, layout)
    quasars = {
        f.source_name: (f.flux_jy, f.spectral_index, f.ref_freq_hz)
        for f in layout.fields
        if not f.solar_system and "target" not in f.roles and f.flux_jy > 0
    }
    tables.write_asdm_source(ms, layout, start_mjd_s, quasars)
    if cfg.goal_rms_mjy is not None or cfg.goal_beam_range_arcsec is not None:
        tables.write_sbsummary(ms, _science_goal_strings(cfg, layout))
    tables.clear_rest_frequencies(ms)
    if cfg.line is not None:
        target = layout.fields_with_role("target")[0]
        line_spw = next(s.spw_id for s in layout.science if s.contains(cfg.line.centre_ghz * 1e9))
        tables.write_rest_frequency(
            ms, target.source_name, tuple(s.spw_id for s in layout.science), line_spw,
            cfg.line.centre_ghz * 1e9, "synthetic line",
        )  # fmt: skip


def _science_goal_strings(cfg: SyntheticConfig, layout: Layout) -> tuple[str, ...]:
    """SBSummary ``scienceGoal`` strings: the request over the aggregate science bandwidth."""
    centre_ghz = sum(s.centre_hz for s in layout.science) / len(layout.science) / 1e9
    bandwidth_mhz = sum(abs(s.chan_width_hz) * s.nchan for s in layout.science) / 1e6
    goal = [
        f"representativeFrequency = {centre_ghz:.6f} GHz",
        f"representativeBandwidth = {bandwidth_mhz:.6f} MHz",
        f"representativeSource = {layout.fields_with_role('target')[0].source_name}",
    ]
    if cfg.goal_rms_mjy is not None:
        goal.append(f"sensitivityGoal = {cfg.goal_rms_mjy!r} mJy")
    if cfg.goal_beam_range_arcsec is not None:
        goal.append(f"minAcceptableAngResolution = {cfg.goal_beam_range_arcsec[0]!r} arcsec")
        goal.append(f"maxAcceptableAngResolution = {cfg.goal_beam_range_arcsec[1]!r} arcsec")
    return tuple(goal)


def _radians(deg: tuple[float, float]) -> tuple[float, float]:
    return math.radians(deg[0]), math.radians(deg[1])


class _AzEl:
    """Azimuth/elevation of fields over time, cached per (time, field).

    Antennas are within a few hundred metres of each other, so one
    computation at the array centre serves all of them.
    """

    def __init__(self, directions: dict[int, tuple[float, float]]):
        self._me = casa_env.casatools().measures()
        self._me.doframe(self._me.observatory("ALMA"))
        self._dirs = {
            fid: self._me.direction("J2000", f"{ra!r}rad", f"{dec!r}rad")
            for fid, (ra, dec) in directions.items()
        }
        self._cache: dict[tuple[float, int], tuple[float, float]] = {}

    def one(self, t: float, field_id: int) -> tuple[float, float]:
        key = (round(float(t), 3), int(field_id))
        if key not in self._cache:
            self._me.doframe(self._me.epoch("UTC", f"{float(t)!r}s"))
            m = self._me.measure(self._dirs[int(field_id)], "AZELGEO")
            self._cache[key] = (m["m0"]["value"], m["m1"]["value"])
        return self._cache[key]

    def __call__(self, times: np.ndarray, fields: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pairs = [self.one(t, f) for t, f in zip(times, fields)]
        return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


def _field_of_time(layout: Layout, start_mjd_s: float):
    starts = np.array([v.start_s for s in layout.scans for v in s.visits])
    ids = np.array([v.field_id for s in layout.scans for v in s.visits])

    def lookup(times: np.ndarray) -> np.ndarray:
        idx = np.clip(
            np.searchsorted(starts, times - start_mjd_s, side="right") - 1, 0, len(ids) - 1
        )
        return ids[idx]

    return lookup


def _topo_over_lsrk(where: Sky, epoch_mjd_s: float) -> float:
    """TOPO / LSRK frequency ratio towards the sky centre at one instant.

    A Doppler shift is a factor on frequency, so one ratio serves every
    channel. casatools ``measures``: ALMA's position, the epoch, the J2000
    direction; the conversion of a 100 GHz LSRK frequency gives the ratio.
    """
    me = casa_env.casatools().measures()
    try:
        me.doframe(me.observatory("ALMA"))
        me.doframe(me.epoch("UTC", f"{epoch_mjd_s!r}s"))
        me.doframe(
            me.direction("J2000", f"{where.centre_ra_deg!r}deg", f"{where.centre_dec_deg!r}deg")
        )
        topo = me.measure(me.frequency("LSRK", "100GHz"), "TOPO")
        return float(topo["m0"]["value"]) / 100e9
    finally:
        me.done()


def _tuned_at_start(layout: Layout, where: Sky) -> Layout:
    """The windows as ALMA tunes them at the EB's start (no Doppler tracking).

    The nominal centre frequencies are read as LSRK requests and converted
    to TOPO with the ratio at the first integration; channel widths are the
    correlator's and stay as they are. WVR is a fixed-frequency radiometer.
    """
    ratio = _topo_over_lsrk(where, where.start_mjd_s)
    spws = tuple(s if s.role == "wvr" else replace(s, centre_hz=s.centre_hz * ratio) for s in layout.spws)
    return replace(layout, spws=spws)


def _line_topo_hz(cfg: SyntheticConfig, where: Sky, layout: Layout) -> float:
    """The injected line's LSRK centre as the array saw it (TOPO) mid-EB."""
    return _topo_hz(where, layout, cfg.line.centre_ghz * 1e9)


def _extended_line(cfg: SyntheticConfig, where: Sky, layout: Layout) -> sky.ExtendedLine:
    """The extended line source: sky position and its line in TOPO mid-EB."""
    ext = cfg.extended_line
    ra, dec = _radians(where.direction_deg(ext.offset_arcsec[0] / 3600.0, ext.offset_arcsec[1] / 3600.0))
    lsrk_hz = ext.centre_ghz * 1e9
    topo_hz = _topo_hz(where, layout, lsrk_hz)
    return sky.ExtendedLine(
        ra_rad=ra, dec_rad=dec, fwhm_rad=math.radians(ext.fwhm_arcsec / 3600.0),
        topo_centre_hz=topo_hz, topo_fwhm_hz=ext.fwhm_mhz * 1e6 * topo_hz / lsrk_hz, peak_jy=ext.peak_jy,
    )  # fmt: skip


def extended_line_truth(cfg: SyntheticConfig, layout: Layout, directions: dict, src: sky.ExtendedLine) -> dict:
    """Where the extended line source is and what each target pointing saw of it.

    Per pointing (field id): the source centre's distance from the pointing
    centre and the fraction of its flux that pointing sees at the line
    centre (``sky.attenuated_gaussian``: primary beam over the whole source).
    """
    ext = cfg.extended_line
    spw = next((s for s in layout.science if s.contains(src.topo_centre_hz)), None)
    pointings = {}
    for f in layout.fields_with_role("target"):
        if f.region != 0:
            continue
        l0, m0, _ = sky.direction_cosines(*directions[f.field_id], src.ra_rad, src.dec_rad)
        pb = math.radians(primary_beam_fwhm_deg(src.topo_centre_hz, cfg.dish_m))
        fraction = float(sky.attenuated_gaussian((l0, m0), src.fwhm_rad, np.array([pb]))[3][0])
        pointings[str(f.field_id)] = {
            "offset_arcsec": round(math.degrees(math.hypot(l0, m0)) * 3600.0, 3),
            "flux_fraction": round(fraction, 5),
        }
    return {
        "ra_deg": math.degrees(src.ra_rad),
        "dec_deg": math.degrees(src.dec_rad),
        "offset_arcsec": list(ext.offset_arcsec),
        "fwhm_arcsec": ext.fwhm_arcsec,
        "lsrk_centre_hz": ext.centre_ghz * 1e9,
        "lsrk_fwhm_hz": ext.fwhm_mhz * 1e6,
        "topo_centre_hz": src.topo_centre_hz,
        "topo_fwhm_hz": src.topo_fwhm_hz,
        "peak_jy": ext.peak_jy,
        "spw_id": None if spw is None else spw.spw_id,
        "pointings": pointings,
    }


def _topo_hz(where: Sky, layout: Layout, lsrk_hz: float) -> float:
    """An LSRK frequency towards the sky centre as the array saw it (TOPO) mid-EB."""
    me = casa_env.casatools().measures()
    try:
        me.doframe(me.observatory("ALMA"))
        me.doframe(me.epoch("UTC", f"{where.start_mjd_s + layout.duration_s / 2!r}s"))
        me.doframe(
            me.direction("J2000", f"{where.centre_ra_deg!r}deg", f"{where.centre_dec_deg!r}deg")
        )
        topo = me.measure(me.frequency("LSRK", f"{lsrk_hz!r}Hz"), "TOPO")
        return float(topo["m0"]["value"])
    finally:
        me.done()


def _truth(
    ms, cfg, layout, ants, where, directions, tsys, body_fluxes, line_topo_hz, injected, sources=None
) -> Truth:
    science_ids = tuple(s.spw_id for s in layout.science)
    fields = []
    for f in layout.fields:
        if f.solar_system:
            spw_flux = body_fluxes.get(f.field_id, {})
            flux = float(np.mean(list(spw_flux.values()))) if spw_flux else 0.0
        else:
            spw_flux = {
                s.spw_id: float(
                    sky.power_law(f.flux_jy, f.spectral_index, f.ref_freq_hz, s.centre_hz)
                )
                for s in layout.science
            }
            flux = f.flux_jy
        is_target = "target" in f.roles or "check" in f.roles
        source_deg = tuple(math.degrees(v) for v in (sources or {}).get(f.field_id, directions[f.field_id]))
        fields.append(
            FieldTruth(
                field_id=f.field_id, name=f.name, source_name=f.source_name, roles=f.roles,
                ra_deg=math.degrees(directions[f.field_id][0]), dec_deg=math.degrees(directions[f.field_id][1]),
                flux_jy=flux, spectral_index=f.spectral_index, ref_freq_hz=f.ref_freq_hz,
                spw_flux_jy=spw_flux, solar_system=f.solar_system,
                data_scale=cfg.flux_cal_scale_error if "flux" in f.roles else 1.0,
                source_ra_deg=source_deg[0] if is_target else None,
                source_dec_deg=source_deg[1] if is_target else None,
            )
        )  # fmt: skip
    scans = tuple(
        ScanTruth(
            number=s.number, field_ids=s.field_ids, intents=tuple(s.intents.split(",")), spw_ids=s.spw_ids,
            start_mjd_s=where.start_mjd_s + s.start_s, end_mjd_s=where.start_mjd_s + s.stop_s,
        )
        for s in layout.scans
    )  # fmt: skip
    median_tsys = {
        s.spw_id: float(np.median(tsys.per_antenna(s.tsys_slot, np.asarray(s.chan_freqs_hz()))))
        for s in layout.tsys
    }
    noise = {}
    for s in layout.science:
        t = float(np.median(tsys.per_antenna(s.tsys_slot, np.asarray(s.chan_freqs_hz()))))
        # Hanning-smoothed channels: the noise of the effective bandwidth.
        noise[s.spw_id] = float(
            radiometer_sigma_jy(t, t, cfg.dish_m, s.chan_width_hz, cfg.integration_s)
            * corrupt.HANNING_SIGMA_FACTOR
        )
    line = None
    if cfg.line is not None:
        spw_id = next(s.spw_id for s in layout.science if s.contains(line_topo_hz))
        target = layout.fields_with_role("target")[0]
        line = LineTruth(
            spec=cfg.line,
            spw_id=spw_id,
            topo_centre_hz=line_topo_hz,
            source_name=target.source_name,
        )
    return Truth(
        schema=SCHEMA_VERSION, uid=cfg.uid, ms=str(ms), config=cfg,
        start_mjd_s=where.start_mjd_s, end_mjd_s=where.start_mjd_s + layout.duration_s,
        integration_s=cfg.integration_s,
        spws=tuple(
            SpwTruth(s.spw_id, s.name, s.kind, s.role, s.nchan, s.centre_hz, s.chan_width_hz, s.baseband, s.partner)
            for s in layout.spws
        ),
        science_spws=science_ids, tsys_spws=tuple(s.spw_id for s in layout.tsys),
        wvr_spw=layout.wvr.spw_id, ch_avg_spws=tuple(s.spw_id for s in layout.spws_with_role("ch_avg")),
        tsys_map=layout.tsys_map(), fields=tuple(fields), scans=scans,
        antennas=tuple(AntennaTruth(i, a.name, a.station, a.diameter_m) for i, a in enumerate(ants)),
        median_tsys_k=median_tsys, noise_jy=noise, line=line, injected=injected,
    )  # fmt: skip
