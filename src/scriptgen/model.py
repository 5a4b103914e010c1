"""What an ALMA execution block contains, as frozen dataclasses.

This is the one description of an EB that everything downstream consumes:
the inspector fills it from a MeasurementSet, the snapshot stores it as
JSON, heuristics decide from it and templates present those decisions.
It is plain data: no CASA import, no I/O. Facts that follow from it (science
windows, the Tsys map, calibrator roles) live in :mod:`scriptgen.derive`.

Conventions, so that nobody has to guess a unit:

* frequencies in Hz, times as MJD seconds (CASA's native epoch, UTC),
  durations in seconds, positions in metres (ITRF), angles in radians;
* intents are ALMA strings without the ``#ON_SOURCE`` style suffix on
  fields, spws and scans (``CALIBRATE_BANDPASS``); the suffix carries no
  information the scripts use;
* every collection is a tuple sorted by id, so equal EBs compare equal and
  serialise to the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = [
    "Intent",
    "SpwKind",
    "Role",
    "SpectralWindow",
    "Field",
    "Scan",
    "Antenna",
    "TsysMeasurement",
    "ExecBlock",
    "CatalogueFluxEntry",
    "RecordedGoal",
    "RestFrequency",
]


class Intent(str, Enum):
    """ALMA scan intents that scriptgen makes decisions on.

    Intents are stored as plain strings in the model (an EB may carry
    intents we do not know); this enum names the ones we compare against.
    """

    TARGET = "OBSERVE_TARGET"
    BANDPASS = "CALIBRATE_BANDPASS"
    FLUX = "CALIBRATE_FLUX"
    PHASE = "CALIBRATE_PHASE"
    AMPLI = "CALIBRATE_AMPLI"
    ATMOSPHERE = "CALIBRATE_ATMOSPHERE"
    WVR = "CALIBRATE_WVR"
    POINTING = "CALIBRATE_POINTING"
    FOCUS = "CALIBRATE_FOCUS"
    SIDEBAND_RATIO = "CALIBRATE_SIDEBAND_RATIO"
    POLARIZATION = "CALIBRATE_POLARIZATION"
    DIFFGAIN = "CALIBRATE_DIFFGAIN"
    CHECK = "OBSERVE_CHECK_SOURCE"


class SpwKind(str, Enum):
    """What a spectral window is for, as ALMA's correlator set it up.

    ``FDM`` and ``TDM`` are full-resolution correlator windows (many narrow
    channels, or at most 256 wide ones); ``CH_AVG`` is the one-channel
    average partner importasdm writes beside each; ``WVR`` the water-vapour
    radiometer; ``SQLD`` square-law detector total power.
    """

    WVR = "WVR"
    TDM = "TDM"
    FDM = "FDM"
    CH_AVG = "CH_AVG"
    SQLD = "SQLD"
    OTHER = "OTHER"


class Role(str, Enum):
    """The part a field plays in calibration, derived from its intents."""

    BANDPASS = "bandpass"
    FLUX = "flux"
    PHASE = "phase"
    CHECK = "check"
    POLARIZATION = "polarization"
    DIFFGAIN = "diffgain"
    TARGET = "target"


@dataclass(frozen=True)
class SpectralWindow:
    """One spectral window of the MS.

    ``chan_width_hz`` keeps its sign: a negative width means frequency falls
    with channel number (lower sideband), which matters for edge flagging
    and line-free ranges expressed in channels.
    """

    spw_id: int
    name: str
    kind: SpwKind
    nchan: int
    chan_width_hz: float
    bandwidth_hz: float
    ref_freq_hz: float
    centre_freq_hz: float
    band: int | None = None
    baseband: int | None = None
    corr_products: tuple[str, ...] = ()
    intents: tuple[str, ...] = ()
    #: SPECTRAL_WINDOW.EFFECTIVE_BW (median over channels): the noise
    #: bandwidth of one channel; ALMA's online Hanning smoothing makes it
    #: wider than the channel. None when the MS does not record it.
    effective_bw_hz: float | None = None
    #: Channels averaged online (1, 2, 4, 8, 16), inferred from
    #: EFFECTIVE_BW / CHAN_WIDTH; None when the ratio is not a Hanning one.
    online_averaging: int | None = None

    @property
    def min_freq_hz(self) -> float:
        return self.centre_freq_hz - self.bandwidth_hz / 2

    @property
    def max_freq_hz(self) -> float:
        return self.centre_freq_hz + self.bandwidth_hz / 2


@dataclass(frozen=True)
class Field:
    """A pointing on the sky.

    ``is_ephemeris`` marks solar-system objects (a FIELD ephemeris or a
    known planet/moon/asteroid name): their flux model and imaging phase
    centre are handled differently.
    """

    field_id: int
    name: str
    source_name: str
    ra_rad: float
    dec_rad: float
    is_ephemeris: bool = False
    intents: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scan:
    """One scan: a stretch of time on some fields with some intents."""

    number: int
    field_ids: tuple[int, ...]
    intents: tuple[str, ...]
    spw_ids: tuple[int, ...]
    start_mjd_s: float
    end_mjd_s: float
    integration_s: float

    @property
    def duration_s(self) -> float:
        return self.end_mjd_s - self.start_mjd_s


@dataclass(frozen=True)
class Antenna:
    """An antenna as recorded in the ANTENNA table."""

    antenna_id: int
    name: str
    station: str
    diameter_m: float
    position_m: tuple[float, float, float]


@dataclass(frozen=True)
class TsysMeasurement:
    """Summary of the SYSCAL Tsys recorded for one spectral window.

    Only the median is kept: it is what the radiometer equation needs and it
    keeps snapshots small.
    """

    spw_id: int
    median_tsys_k: float
    n_rows: int


@dataclass(frozen=True)
class ExecBlock:
    """Everything scriptgen knows about one execution block.

    ``tsys`` records the Tsys found in SYSCAL; whether WVR calibration
    applies depends on the windows and the antennas together (see
    :func:`scriptgen.derive.wvr_available`). ``flag_cmd_rows`` counts the
    online flags (FLAG_CMD rows) the a-priori flagging step can apply.
    """

    uid: str
    ms_path: str
    spws: tuple[SpectralWindow, ...]
    fields: tuple[Field, ...]
    scans: tuple[Scan, ...]
    antennas: tuple[Antenna, ...]
    tsys: tuple[TsysMeasurement, ...] = ()
    project: str = ""
    observer: str = ""
    start_mjd_s: float | None = None
    end_mjd_s: float | None = None
    flag_cmd_rows: int = 0
    #: Catalogue fluxes the observatory knew at observing time (ASDM_SOURCE).
    calibrator_fluxes: tuple[CatalogueFluxEntry, ...] = ()
    #: The PI's request as recorded in the SBSummary (ASDM_SBSUMMARY).
    science_goal: RecordedGoal | None = None
    #: Rest frequencies per source and window (SOURCE.REST_FREQUENCY).
    rest_frequencies: tuple[RestFrequency, ...] = ()

    def spw(self, spw_id: int) -> SpectralWindow:
        for spw in self.spws:
            if spw.spw_id == spw_id:
                return spw
        raise KeyError(f"no spectral window {spw_id} in {self.uid}")

    def field(self, field_id: int) -> Field:
        for fld in self.fields:
            if fld.field_id == field_id:
                return fld
        raise KeyError(f"no field {field_id} in {self.uid}")

    @property
    def tsys_spw_ids(self) -> tuple[int, ...]:
        """Spectral windows with Tsys recorded in SYSCAL."""
        return tuple(t.spw_id for t in self.tsys)


@dataclass(frozen=True)
class CatalogueFluxEntry:
    """One ASDM_SOURCE flux: a calibrator's catalogue flux at one frequency.

    importasdm copies the ASDM Source table (``asis='Source'``); for
    calibrators it holds the catalogue flux densities the observatory knew
    when the EB was observed. ``epoch_mjd_s`` is the start of the row's
    time interval (when the entry was valid from), ``spw_id`` the MS
    window of the row (-1 when it cannot be told).
    """

    source: str
    freq_hz: float
    flux_jy: float
    flux_err_jy: float | None = None
    epoch_mjd_s: float | None = None
    spw_id: int = -1


@dataclass(frozen=True)
class RecordedGoal:
    """The science goal recorded in the SBSummary, in Jy, Hz and arcsec.

    Unset parts are None. ``sensitivity_jy`` refers to
    ``sensitivity_bandwidth_hz`` (the representative bandwidth) at
    ``representative_freq_hz``.
    """

    sensitivity_jy: float | None = None
    sensitivity_bandwidth_hz: float | None = None
    representative_freq_hz: float | None = None
    min_resolution_arcsec: float | None = None
    max_resolution_arcsec: float | None = None
    largest_scale_arcsec: float | None = None
    source: str = ""


@dataclass(frozen=True)
class RestFrequency:
    """A line rest frequency the PI gave for a source in one window."""

    source: str
    spw_id: int
    rest_freq_hz: float
    transition: str = ""
