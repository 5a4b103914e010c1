"""Drive casatools' simulator to lay down the rows of the EB.

The simulator writes the main table (times, baselines, UVW, empty data) and
the subtables from the plan in :mod:`~scriptgen.synthetic.layout`. It
numbers scans and sources its own way and leaves several subtables
un-ALMA-like; :mod:`~scriptgen.synthetic.tables` fixes those afterwards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .. import casa_env
from ..errors import ScriptgenError
from .config import SyntheticConfig
from .layout import Layout

#: Antenna layouts shipped with casadata (``alma/simmos``): the most compact
#: configurations, so that short baselines keep small EBs well sampled.
CONFIG_FILES = {"12m": "alma.cycle10.1.cfg", "7m": "aca.cycle10.cfg"}

#: Antenna name prefixes as ALMA uses them (DA/DV 12 m, CM 7 m).
NAME_PREFIX = {"12m": ("DA", 41), "7m": ("CM", 1)}
#: Total-power antennas are PM01-PM04 at ALMA.
TOTAL_POWER_PREFIX = ("PM", 1)
#: Correlation products written for each number of correlations.
STOKES_OF_NCORR = {1: "XX", 2: "XX YY", 4: "XX XY YX YY"}


@dataclass(frozen=True)
class AntennaSpec:
    name: str
    station: str
    diameter_m: float
    local_xyz_m: tuple[float, float, float]


@dataclass(frozen=True)
class Sky:
    """Where the EB points: sky centre (J2000, degrees) and start time."""

    centre_ra_deg: float
    centre_dec_deg: float
    start_mjd_s: float

    def direction_deg(self, dra_deg: float, ddec_deg: float) -> tuple[float, float]:
        """Field centre for an offset; RA offsets are true angles on the sky."""
        dec = self.centre_dec_deg + ddec_deg
        ra = self.centre_ra_deg + dra_deg / math.cos(math.radians(dec))
        return ra % 360.0, dec


def antennas(cfg: SyntheticConfig) -> tuple[AntennaSpec, ...]:
    """The first ``n_antennas`` pads of a compact ALMA (or ACA) configuration."""
    path = casa_env.casadata_path() / "alma" / "simmos" / CONFIG_FILES[cfg.array]
    rows = [
        line.split()
        for line in path.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    if len(rows) < cfg.n_antennas:
        raise ScriptgenError(
            f"the {cfg.array} layout {path.name} has {len(rows)} pads; asked for {cfg.n_antennas} antennas"
        )
    prefix, first = TOTAL_POWER_PREFIX if cfg.total_power else NAME_PREFIX[cfg.array]
    return tuple(
        AntennaSpec(
            name=f"{prefix}{first + i:02d}",
            station=row[4],
            diameter_m=cfg.dish_m,
            local_xyz_m=(float(row[0]), float(row[1]), float(row[2])),
        )
        for i, row in enumerate(rows[: cfg.n_antennas])
    )


def _mjd_seconds(iso: str) -> float:
    when = datetime.fromisoformat(iso)
    return (when - datetime(1858, 11, 17)).total_seconds()


def sky_for(cfg: SyntheticConfig, layout: Layout) -> Sky:
    """Put the sky centre on the meridian at mid-observation (by default).

    Every field is then high in the sky for the whole EB: no shadowing
    flags in compact configurations and sensible WVR airmasses.
    """
    start = _mjd_seconds(cfg.start)
    ra = cfg.ra_deg
    if ra is None:
        me = casa_env.casatools().measures()
        try:
            me.doframe(me.observatory("ALMA"))
            last = me.measure(me.epoch("UTC", f"{start + layout.duration_s / 2!r}s"), "LAST")
            ra = float(round((last["m0"]["value"] % 1.0) * 360.0)) % 360.0
        finally:
            me.done()
    return Sky(centre_ra_deg=ra, centre_dec_deg=cfg.dec_deg, start_mjd_s=start)


def sim_source_name(field_id: int) -> str:
    """Unique names for the simulator (mosaic pointings share a name later)."""
    return f"SIMFIELD{field_id}"


def run_simulator(
    ms: Path, cfg: SyntheticConfig, layout: Layout, ants: tuple[AntennaSpec, ...], sky: Sky
) -> None:
    """Write the skeleton MS: every row the schedule asks for, data zero."""
    ct = casa_env.casatools()
    sm, me = ct.simulator(), ct.measures()
    try:
        sm.open(str(ms))
        sm.setconfig(
            telescopename="ALMA",
            x=[a.local_xyz_m[0] for a in ants],
            y=[a.local_xyz_m[1] for a in ants],
            z=[a.local_xyz_m[2] for a in ants],
            dishdiameter=[a.diameter_m for a in ants],
            mount=["ALT-AZ"],
            antname=[a.name for a in ants],
            padname=[a.station for a in ants],
            coordsystem="local",
            referencelocation=me.observatory("ALMA"),
        )
        for spw in layout.spws:
            sm.setspwindow(
                spwname=spw.name,
                freq=f"{spw.first_chan_hz!r}Hz",
                deltafreq=f"{spw.chan_width_hz!r}Hz",
                freqresolution=f"{abs(spw.chan_width_hz)!r}Hz",
                refcode="TOPO",
                nchannels=spw.nchan,
                stokes=STOKES_OF_NCORR[spw.ncorr],
            )
        sm.setfeed(mode="perfect X Y", pol=[""])
        for fld in layout.fields:
            ra, dec = sky.direction_deg(fld.dra_deg, fld.ddec_deg)
            sm.setfield(
                sourcename=sim_source_name(fld.field_id),
                sourcedirection=me.direction("J2000", f"{ra!r}deg", f"{dec!r}deg"),
            )
        sm.setlimits(shadowlimit=0.001, elevationlimit="3deg")
        # Autocorrelations: WVR data are autocorrelations, and imported ALMA
        # EBs carry them for the correlator windows too.
        sm.setauto(autocorrwt=1.0)
        # A TAI reference holding the wanted UTC clock value: given a UTC
        # reference the simulator writes times ~35 s late (measured).
        start_utc = datetime.fromisoformat(cfg.start).strftime("%Y/%m/%d/%H:%M:%S")
        sm.settimes(
            integrationtime=f"{cfg.integration_s!r}s",
            usehourangle=False,
            referencetime=me.epoch("TAI", start_utc),
        )
        for scan in layout.scans:
            for visit in scan.visits:
                for spw_id in scan.spw_ids:
                    sm.observe(
                        sourcename=sim_source_name(visit.field_id),
                        spwname=layout.spw(spw_id).name,
                        starttime=f"{visit.start_s!r}s",
                        stoptime=f"{visit.stop_s!r}s",
                        state_obs_mode=scan.intents,
                        observer=cfg.observer,
                        project=cfg.project,
                    )
    finally:
        sm.close()
        me.done()
