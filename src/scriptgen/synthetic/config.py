"""What a synthetic execution block should contain.

:class:`SyntheticConfig` is the whole recipe: the builder is a pure function
of it (and its seed), so a test that needs "a band 6 mosaic with a line"
says exactly that and gets the same bytes every time. Validation happens
here, at construction, so a bad request fails before CASA is even imported.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from ..errors import ScriptgenError

#: Bands the builder knows sky frequencies for (see ``layout.BAND_TUNINGS``).
SUPPORTED_BANDS = (3, 6, 7)

#: Observing modes with a differential-gain (DIFFGAIN) calibrator: none,
#: band-to-band, bandwidth switching.
DIFFGAIN_MODES = ("", "b2b", "bwsw")
#: Band-to-band: the reference windows are in band 3 (the builder's lowest
#: band), so the science band must be above it.
B2B_SCIENCE_BANDS = (6, 7)
#: Intents the flux calibrator can carry: CALIBRATE_FLUX (Cycle 3 on) or
#: CALIBRATE_AMPLI (Cycles 0-2).
FLUX_INTENTS = ("FLUX", "AMPLI")

#: Dish diameter of each array; 12 m antennas carry WVR radiometers, 7 m do not.
ARRAY_DISH_M = {"12m": 12.0, "7m": 7.0}


@dataclass(frozen=True)
class LineSpec:
    """A Gaussian spectral line injected into the target's continuum.

    ``centre_ghz`` is the LSRK frequency: the imaging scripts make cubes in
    LSRK, so the truth is stated in the frame the test will look in. The
    builder converts it to the (topocentric) sky frequency of the data.
    """

    centre_ghz: float
    fwhm_mhz: float
    peak_jy: float

    def __post_init__(self) -> None:
        if self.fwhm_mhz <= 0:
            raise ScriptgenError(f"line FWHM must be positive, got {self.fwhm_mhz} MHz")
        if self.centre_ghz <= 0:
            raise ScriptgenError(f"line frequency must be positive, got {self.centre_ghz} GHz")


@dataclass(frozen=True)
class ExtendedLineSpec:
    """A line-only source off the sky centre: a circular Gaussian on the sky
    whose spectrum is a Gaussian line (no continuum).

    ``offset_arcsec`` (RA-like true angle, Dec) is from the sky centre (the
    mosaic centre); ``fwhm_arcsec`` its size; ``peak_jy`` its total flux
    density at the line peak; ``centre_ghz`` the LSRK line frequency and
    ``fwhm_mhz`` the line width. Such emission, under an outer pointing and
    resolved by the longer baselines, is what an all-baseline average over
    every pointing misses (issue 9, line finding).
    """

    offset_arcsec: tuple[float, float]
    fwhm_arcsec: float
    centre_ghz: float
    fwhm_mhz: float
    peak_jy: float

    def __post_init__(self) -> None:
        _check(len(self.offset_arcsec) == 2, "extended line offset_arcsec must be (RA, Dec)")
        _check(
            all(abs(v) <= 600.0 for v in self.offset_arcsec),
            f"extended line offset must be within 600 arcsec of the centre, got {self.offset_arcsec}",
        )
        _check(0 < self.fwhm_arcsec <= 60.0, f"extended line size must be 0-60 arcsec, got {self.fwhm_arcsec}")
        _check(self.centre_ghz > 0, f"line frequency must be positive, got {self.centre_ghz} GHz")
        _check(self.fwhm_mhz > 0, f"line FWHM must be positive, got {self.fwhm_mhz} MHz")
        _check(self.peak_jy > 0, f"extended line peak must be positive, got {self.peak_jy} Jy")


@dataclass(frozen=True)
class SyntheticConfig:
    """The recipe of one synthetic ALMA-like EB.

    Defaults give a small, fast, realistic band 3 EB: 10 x 12 m antennas, four
    TDM-like science windows of 64 channels with Tsys measured on them,
    quasar bandpass / flux / phase calibrators and a single-field target,
    corrupted by Tsys, gains, bandpass and thermal noise. About six minutes
    of observing in 2 s integrations.

    ``flux_cal_scale_error`` multiplies the flux calibrator's visibilities
    only: fluxscale in this EB is then off by that factor, which is what a
    flux-equalisation test across EBs needs to detect and undo.

    ``corrupt=False`` leaves the data calibrated-looking (sky model plus
    thermal noise, no Tsys scaling, gains or bandpass): for imaging tests
    that do not want to run calibration first. SYSCAL Tsys is still written
    so that noise predictions from Tsys work.
    """

    band: int = 3
    array: str = "12m"
    n_antennas: int = 10
    n_spws: int = 4
    nchan: int = 64
    tdm_tsys: bool = False
    tdm_nchan: int = 64
    mosaic_pointings: int = 1
    flux_calibrator: str = "quasar"
    flux_cal_scale_error: float = 1.0
    line: LineSpec | None = None
    corrupt: bool = True
    seed: int = 1
    uid: str = "uid___A002_Xsyn_X1"
    start: str = "2024-03-15T03:00:00"
    integration_s: float = 2.0
    atm_scan_s: float = 10.0
    bandpass_scan_s: float = 60.0
    flux_scan_s: float = 30.0
    phase_scan_s: float = 30.0
    target_scan_s: float = 60.0
    n_target_scans: int = 2
    target_flux_jy: float = 0.25
    #: Sky centre (target position) in J2000 degrees. ``ra_deg=None`` puts
    #: it on the meridian at mid-EB, rounded to a whole degree so that EBs
    #: of one science goal observed at the same LST share source positions
    #: (pass the same ``ra_deg`` to be certain).
    ra_deg: float | None = None
    dec_deg: float = -35.0
    project: str = "2024.1.00001.S"
    observer: str = "synthetic"
    #: Free-form note recorded in the truth file (e.g. which fixture made it).
    note: str = field(default="", compare=False)
    #: ``"b2b"``: band-to-band (reference windows in band 3, science in
    #: ``band`` 6 or 7); ``"bwsw"``: bandwidth switching (wide 2 GHz
    #: reference windows, narrow FDM science windows, same band); ``""``:
    #: neither. The phase calibrator is then observed only in the reference
    #: windows, a DIFFGAIN calibrator in both, and the science windows carry
    #: a per-antenna phase offset (up to +-``diffgain_offset_deg``) that
    #: the reference windows do not (see docs/synthetic.md).
    diffgain: str = ""
    diffgain_offset_deg: float = 60.0
    diffgain_scan_s: float = 20.0
    #: ``"AMPLI"`` marks the flux calibrator CALIBRATE_AMPLI, as Cycle 0-2
    #: EBs do (pair it with a ``start`` before 2015-10 for a realistic EB).
    flux_intent: str = "FLUX"
    #: Four correlation products (XX,XY,YX,YY) in the science windows and a
    #: CALIBRATE_POLARIZATION intent on the bandpass calibrator. The sky is
    #: unpolarised (XY = YX = 0); only uncorrupted builds are supported.
    full_polarisation: bool = False
    #: A total-power EB: PM antennas and only autocorrelation rows.
    total_power: bool = False
    #: The PI's request written into ASDM_SBSUMMARY (as importasdm copies
    #: the SBSummary): the requested continuum sensitivity in mJy over the
    #: aggregate science bandwidth, and the acceptable resolution range.
    #: None: no SBSummary table (an EB imported without it).
    goal_rms_mjy: float | None = None
    goal_beam_range_arcsec: tuple[float, float] | None = None
    #: True: tuned as ALMA tunes each EB: the windows' nominal frequencies
    #: (``layout.BAND_TUNINGS``) are the requested LSRK frequencies, turned
    #: into TOPO once at the EB's start and then held (no Doppler tracking
    #: during the observation). EBs months apart then differ in TOPO by tens
    #: of channels while a line at a fixed LSRK frequency keeps its channel.
    #: False (default, as before): the nominal frequencies are TOPO, the same
    #: for every EB whatever its date ("one shared TOPO tuning").
    tuned_at_start: bool = False
    #: Injected faults for the analyst's review (``faults.py``): antenna
    #: ``tsys_fault_antenna`` (-1: none) has ``tsys_fault_factor`` x Tsys in
    #: the baseband of science window number ``tsys_fault_spw`` from
    #: ``tsys_fault_start_s`` to ``tsys_fault_stop_s`` after the EB start.
    tsys_fault_antenna: int = -1
    tsys_fault_spw: int = 0
    tsys_fault_factor: float = 5.0
    tsys_fault_start_s: float = 0.0
    tsys_fault_stop_s: float = 1e9
    #: Antenna ``phase_jump_antenna`` (-1: none) gets a gain phase step of
    #: ``phase_jump_deg`` at ``phase_jump_s`` after the EB start.
    phase_jump_antenna: int = -1
    phase_jump_deg: float = 120.0
    phase_jump_s: float = 0.0
    #: Antenna ``wvr_noise_antenna`` (-1: none) has a radiometer that adds
    #: ``wvr_noise_k`` K rms of noise to each WVR reading.
    wvr_noise_antenna: int = -1
    wvr_noise_k: float = 1.0
    #: The phase calibrator's flux at the reference frequency (Jy): lower it
    #: for a weak-phase-calibrator EB (solution SNR, ``heuristics/solution_snr``).
    phase_cal_flux_jy: float = 0.8
    #: A second target (``SynTarget2``, a point source at its phase centre)
    #: with its own phase calibrator (``Jsyn_phase2``), scheduled after the
    #: first target's group as ALMA does for multi-target SBs. Both fields of
    #: this second sky region carry an extra per-antenna phase (drawn in
    #: +-``region_phase_deg``, antenna 0: none; a direction-dependent error
    #: such as a different atmospheric path): the second target is recovered
    #: only with its own phase calibrator's solutions.
    second_target: bool = False
    region_phase_deg: float = 60.0
    #: A check source (``Jsyn_check``, OBSERVE_CHECK_SOURCE) near the first
    #: phase calibrator, observed between its scans: a point source of
    #: ``check_flux_jy`` whose true position is off its field centre by
    #: ``check_offset_arcsec`` (RA, Dec), as a catalogue position error.
    check_source: bool = False
    check_flux_jy: float = 0.15
    check_offset_arcsec: tuple[float, float] = (0.06, -0.04)
    #: A spectral scan: 2 tunings, the second's windows ``tuning_step_ghz``
    #: above the first's (same basebands, LO moved by the step). Each tuning
    #: is a complete block (bandpass, flux, phase calibrator and target
    #: scans, with their atmosphere scans) in its own windows, the first
    #: tuning's block first.
    n_tunings: int = 1
    tuning_step_ghz: float = 4.0
    #: A line-only extended source (:class:`ExtendedLineSpec`) off the sky
    #: centre, seen by every target pointing through its primary beam; the
    #: truth's ``extended_line`` records where it is and what each pointing saw.
    extended_line: ExtendedLineSpec | None = None
    #: Residual phase errors on the targets only (``faults.py``): each
    #: antenna but antenna 0 gets a constant phase drawn in
    #: +-``target_phase_error_deg`` plus a slow sinusoid of half that
    #: amplitude and period ``target_phase_period_s``, on the target fields'
    #: visibilities and on no calibrator (a path difference the phase
    #: calibrator does not see). A calibrated split of the target then needs
    #: self-calibration. 0: none.
    target_phase_error_deg: float = 0.0
    target_phase_period_s: float = 300.0

    def __post_init__(self) -> None:
        _check(
            self.band in SUPPORTED_BANDS, f"band must be one of {SUPPORTED_BANDS}, got {self.band}"
        )
        _check(self.array in ARRAY_DISH_M, f"array must be '12m' or '7m', got {self.array!r}")
        _check(3 <= self.n_antennas <= 40, f"n_antennas must be 3-40, got {self.n_antennas}")
        _check(1 <= self.n_spws <= 4, f"n_spws must be 1-4 (one per baseband), got {self.n_spws}")
        _check(8 <= self.nchan <= 4096, f"nchan must be 8-4096, got {self.nchan}")
        _check(16 <= self.tdm_nchan <= 256, f"tdm_nchan must be 16-256, got {self.tdm_nchan}")
        _check(
            1 <= self.mosaic_pointings <= 7,
            f"mosaic_pointings must be 1-7, got {self.mosaic_pointings}",
        )
        _check(self.flux_cal_scale_error > 0, "flux_cal_scale_error must be positive")
        _check(
            bool(self.flux_calibrator.strip()), "flux_calibrator must be 'quasar' or a body name"
        )
        _check(self.n_target_scans >= 1, "n_target_scans must be at least 1")
        _check(self.target_flux_jy > 0, "target_flux_jy must be positive")
        _check(self.phase_cal_flux_jy > 0, "phase_cal_flux_jy must be positive")
        _check(
            -80.0 <= self.dec_deg <= 40.0,
            f"dec_deg must be -80..40 (visible from ALMA), got {self.dec_deg}",
        )
        _check(
            self.uid.startswith("uid___") and "/" not in self.uid,
            f"uid must look like uid___A002_Xsyn_X1, got {self.uid!r}",
        )
        try:
            datetime.fromisoformat(self.start)
        except ValueError:
            raise ScriptgenError(f"start must be an ISO date-time, got {self.start!r}") from None
        _check(self.integration_s > 0, "integration_s must be positive")
        _check(
            self.diffgain in DIFFGAIN_MODES,
            f"diffgain must be one of {DIFFGAIN_MODES}, got {self.diffgain!r}",
        )
        if self.diffgain:
            _check(
                not self.tdm_tsys,
                "diffgain EBs measure Tsys on their data windows: tdm_tsys must be False",
            )
            _check(
                self.diffgain != "b2b" or self.band in B2B_SCIENCE_BANDS,
                f"b2b needs a science band in {B2B_SCIENCE_BANDS} (band 3 is the reference), got {self.band}",
            )
            _check(0 <= self.diffgain_offset_deg <= 180, "diffgain_offset_deg must be 0-180")
            self._check_duration("diffgain_scan_s", 1)
        self._check_faults()
        self._check_multi_target()
        _check(self.n_tunings in (1, 2), f"n_tunings must be 1 or 2, got {self.n_tunings}")
        if self.n_tunings > 1:
            _check(
                not (self.diffgain or self.tdm_tsys or self.second_target or self.check_source),
                "a spectral scan (n_tunings=2) needs Tsys on its data windows (tdm_tsys=False), "
                "no diffgain, no second target or check source",
            )
            _check(2.0 <= self.tuning_step_ghz <= 8.0, "tuning_step_ghz must be 2-8 GHz")
        for name in ("atm_scan_s", "bandpass_scan_s", "flux_scan_s", "phase_scan_s"):
            self._check_duration(name, 1)
        _check(
            self.flux_intent in FLUX_INTENTS,
            f"flux_intent must be one of {FLUX_INTENTS}, got {self.flux_intent!r}",
        )
        _check(
            not (self.full_polarisation and self.corrupt),
            "full_polarisation needs corrupt=False (the corruptions model dual-polarisation data only)",
        )
        _check(self.goal_rms_mjy is None or self.goal_rms_mjy > 0, "goal_rms_mjy must be positive")
        if self.goal_beam_range_arcsec is not None:
            low, high = self.goal_beam_range_arcsec
            _check(0 < low <= high, "goal_beam_range_arcsec must be (min, max) with 0 < min <= max")
        if self.extended_line is not None:
            _check(
                not (self.second_target or self.diffgain or self.n_tunings > 1),
                "extended_line needs one target region (no second_target, diffgain or spectral scan)",
            )
        # A mosaic scan visits every pointing for the same dwell time.
        self._check_duration("target_scan_s", self.mosaic_pointings)

    def _check_faults(self) -> None:
        """Faulty antennas exist and are not antenna 0 (kept steady as the
        simulation's phase reference); fault windows are real windows."""
        for name in ("tsys_fault_antenna", "phase_jump_antenna", "wvr_noise_antenna"):
            value = getattr(self, name)
            _check(
                value == -1 or 1 <= value < self.n_antennas,
                f"{name} must be -1 (none) or 1-{self.n_antennas - 1}, got {value}",
            )
        if self.tsys_fault_antenna >= 0:
            _check(
                0 <= self.tsys_fault_spw < self.n_spws,
                f"tsys_fault_spw must be 0-{self.n_spws - 1}, got {self.tsys_fault_spw}",
            )
            _check(self.tsys_fault_factor > 0, "tsys_fault_factor must be positive")
            _check(
                0 <= self.tsys_fault_start_s < self.tsys_fault_stop_s,
                "tsys_fault_start_s must be >= 0 and before tsys_fault_stop_s",
            )
        if self.phase_jump_antenna >= 0:
            _check(self.phase_jump_s >= 0, "phase_jump_s must be >= 0")
        if self.wvr_noise_antenna >= 0:
            _check(self.wvr_noise_k > 0, "wvr_noise_k must be positive")
        _check(0 <= self.target_phase_error_deg <= 180, "target_phase_error_deg must be 0-180")
        _check(self.target_phase_period_s > 0, "target_phase_period_s must be positive")

    def _check_multi_target(self) -> None:
        """Second target and check source: the standard schedule only."""
        if not (self.second_target or self.check_source):
            return
        _check(not self.diffgain, "second_target / check_source need diffgain='' (standard schedule)")
        _check(0 <= self.region_phase_deg <= 180, "region_phase_deg must be 0-180")
        _check(self.check_flux_jy > 0, "check_flux_jy must be positive")
        _check(
            all(abs(v) <= 1.0 for v in self.check_offset_arcsec),
            f"check_offset_arcsec must be small (|offset| <= 1 arcsec), got {self.check_offset_arcsec}",
        )

    def _check_duration(self, name: str, parts: int) -> None:
        """Scan lengths must be whole integrations: the simulator mis-sizes
        rows otherwise (measured, see casa-simulation-facts)."""
        value = getattr(self, name)
        n = value / (self.integration_s * parts)
        _check(
            value > 0 and abs(n - round(n)) < 1e-9 and round(n) >= 1,
            f"{name}={value} must be a positive multiple of "
            f"{parts} x integration_s ({self.integration_s} s)",
        )

    @property
    def dish_m(self) -> float:
        return ARRAY_DISH_M[self.array]

    @property
    def solar_system_flux_cal(self) -> bool:
        return self.flux_calibrator.strip().lower() != "quasar"

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> SyntheticConfig:
        data = dict(data)
        if data.get("line") is not None:
            data["line"] = LineSpec(**data["line"])
        if data.get("goal_beam_range_arcsec") is not None:
            data["goal_beam_range_arcsec"] = tuple(data["goal_beam_range_arcsec"])
        if data.get("check_offset_arcsec") is not None:
            data["check_offset_arcsec"] = tuple(data["check_offset_arcsec"])
        if data.get("extended_line") is not None:
            ext = dict(data["extended_line"])
            ext["offset_arcsec"] = tuple(ext["offset_arcsec"])
            data["extended_line"] = ExtendedLineSpec(**ext)
        return cls(**data)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ScriptgenError(message)
