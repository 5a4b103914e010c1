"""The shape of a synthetic EB: windows, fields and the scan schedule.

Pure Python, no CASA: everything here is decided from the
:class:`~scriptgen.synthetic.config.SyntheticConfig` alone, so the schedule
can be unit-tested and printed without building anything. Spectral window
ids, field ids and scan numbers are final here; the simulator driver just
follows this plan and the fix-up pass renumbers what the simulator numbers
differently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ..errors import ScriptgenError
from .config import SyntheticConfig

#: Local oscillator and the four baseband centres (GHz) per band, in the
#: usual 2SB layout: basebands 1-2 in the lower sideband, 3-4 in the upper.
#: Lower-sideband windows get negative channel widths, as importasdm writes
#: them.
BAND_TUNINGS = {
    3: (97.5, (90.5, 92.5, 102.5, 104.5)),
    6: (233.0, (224.0, 226.0, 240.0, 242.0)),
    7: (343.5, (336.5, 338.5, 348.5, 350.5)),
}

#: Typical receiver + sky system temperature per band (K) at moderate
#: elevation; per-antenna values scatter around it.
BAND_TSYS_K = {3: 70.0, 6: 95.0, 7: 150.0}

#: A TDM window spans the full 2 GHz baseband.
TDM_BANDWIDTH_HZ = 2.0e9
#: An FDM science window spans 1/8 of the baseband, offset from the
#: baseband centre so that it sits inside (not centred in) its TDM window.
FDM_BANDWIDTH_HZ = 234.375e6
FDM_OFFSET_HZ = 150.0e6

#: WVR#NOMINAL: four channels above the 183.3 GHz water line. The
#: simulator only writes evenly spaced channels, which wvrgcal accepts.
WVR_FIRST_HZ = 184.55e9
WVR_WIDTH_HZ = 2.0e9
WVR_NCHAN = 4

INTENT_ATM = "CALIBRATE_ATMOSPHERE#ON_SOURCE"
INTENT_BANDPASS = "CALIBRATE_BANDPASS#ON_SOURCE,CALIBRATE_WVR#ON_SOURCE"
INTENT_FLUX = "CALIBRATE_FLUX#ON_SOURCE,CALIBRATE_WVR#ON_SOURCE"
INTENT_BANDPASS_POL = "CALIBRATE_BANDPASS#ON_SOURCE,CALIBRATE_POLARIZATION#ON_SOURCE,CALIBRATE_WVR#ON_SOURCE"
INTENT_PHASE = "CALIBRATE_PHASE#ON_SOURCE,CALIBRATE_WVR#ON_SOURCE"
INTENT_TARGET = "OBSERVE_TARGET#ON_SOURCE"
INTENT_CHECK = "OBSERVE_CHECK_SOURCE#ON_SOURCE"
#: The differential-gain calibrator in the reference windows (the
#: pipeline's DIFFGAINREF) and in the science windows (DIFFGAINSRC).
INTENT_DIFFGAIN_REF = "CALIBRATE_DIFFGAIN#REFERENCE"
INTENT_DIFFGAIN_SRC = "CALIBRATE_DIFFGAIN#ON_SOURCE"

#: Band-to-band EBs put their reference windows in this band.
B2B_REFERENCE_BAND = 3


@dataclass(frozen=True)
class SpwPlan:
    """One spectral window as it will appear in the MS.

    ``role`` is what the window is for in this EB: ``science``, ``tsys``
    (TDM windows used only on atmosphere scans), ``ch_avg`` (``partner`` is
    its full-resolution window) or ``wvr``. With Tsys measured on the science
    windows, those windows are ``science`` and also listed as Tsys windows.
    """

    spw_id: int
    name: str
    kind: str
    role: str
    nchan: int
    centre_hz: float
    chan_width_hz: float
    baseband: int
    partner: int | None = None
    ncorr: int = 2
    #: Which Tsys spectrum of the Tsys model the window sees (defaults to its
    #: baseband); band-to-band reference windows are in another receiver
    #: band and get their own.
    tsys_index: int | None = None
    #: Which tuning of a spectral scan the window belongs to (0: the first).
    tuning: int = 0

    @property
    def tsys_slot(self) -> int:
        return self.tsys_index if self.tsys_index is not None else self.baseband

    @property
    def bandwidth_hz(self) -> float:
        return abs(self.chan_width_hz) * self.nchan

    @property
    def first_chan_hz(self) -> float:
        """Centre frequency of channel 0 (what the simulator asks for)."""
        return self.centre_hz - self.chan_width_hz * (self.nchan - 1) / 2

    def chan_freqs_hz(self) -> list[float]:
        return [self.first_chan_hz + i * self.chan_width_hz for i in range(self.nchan)]

    def contains(self, freq_hz: float) -> bool:
        return abs(freq_hz - self.centre_hz) <= self.bandwidth_hz / 2


@dataclass(frozen=True)
class FieldPlan:
    """A field and the source model behind it.

    Offsets place the field relative to the EB's sky centre (chosen at build
    time so that everything is near transit). ``flux_jy`` is the true flux
    density at ``ref_freq_hz``; a solar-system body has no fixed flux here
    (``flux_jy`` 0): its model comes from CASA's Butler-JPL-Horizons 2012.
    """

    field_id: int
    name: str
    source_name: str
    roles: tuple[str, ...]
    dra_deg: float
    ddec_deg: float
    flux_jy: float
    spectral_index: float
    ref_freq_hz: float
    solar_system: bool = False
    #: Where the source behind the field sits (offset from the sky centre,
    #: degrees) when not at the field centre: a mosaic's centre for its
    #: pointings, the true position of a check source. None: at the centre.
    source_offset_deg: tuple[float, float] | None = None
    #: Sky region: 0 the first target's, 1 the second target's (its fields
    #: carry the region's extra per-antenna phase).
    region: int = 0


@dataclass(frozen=True)
class Visit:
    """A stretch of one scan spent on one field (a mosaic scan has several)."""

    field_id: int
    start_s: float
    stop_s: float


@dataclass(frozen=True)
class ScanPlan:
    """One scan: intents (the full STATE strings), its visits and windows."""

    number: int
    intents: str
    visits: tuple[Visit, ...]
    spw_ids: tuple[int, ...]

    @property
    def field_ids(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(v.field_id for v in self.visits))

    @property
    def start_s(self) -> float:
        return self.visits[0].start_s

    @property
    def stop_s(self) -> float:
        return self.visits[-1].stop_s


@dataclass(frozen=True)
class Layout:
    spws: tuple[SpwPlan, ...]
    fields: tuple[FieldPlan, ...]
    scans: tuple[ScanPlan, ...]

    def spw(self, spw_id: int) -> SpwPlan:
        return self.spws[spw_id]

    def spws_with_role(self, role: str) -> tuple[SpwPlan, ...]:
        return tuple(s for s in self.spws if s.role == role)

    @property
    def science(self) -> tuple[SpwPlan, ...]:
        return self.spws_with_role("science")

    @property
    def reference(self) -> tuple[SpwPlan, ...]:
        """Band-to-band / bandwidth-switching reference windows (else empty)."""
        return self.spws_with_role("reference")

    @property
    def data_windows(self) -> tuple[SpwPlan, ...]:
        """Full-resolution windows with sky data: science, then reference."""
        return self.science + self.reference

    @property
    def tsys(self) -> tuple[SpwPlan, ...]:
        """Windows measured on the atmosphere scans (SYSCAL rows)."""
        return self.spws_with_role("tsys") or self.data_windows

    @property
    def wvr(self) -> SpwPlan:
        return self.spws_with_role("wvr")[0]

    def tsys_map(self) -> dict[int, int]:
        """Science window -> the Tsys window of its baseband (itself when
        Tsys is measured on the data windows)."""
        if not self.spws_with_role("tsys"):
            return {s.spw_id: s.spw_id for s in self.science}
        by_bb = {s.baseband: s.spw_id for s in self.tsys}
        return {s.spw_id: by_bb[s.baseband] for s in self.science}

    def partner_of(self, spw_id: int) -> int | None:
        """The CH_AVG window of a full-resolution window."""
        for s in self.spws:
            if s.role == "ch_avg" and s.partner == spw_id:
                return s.spw_id
        return None

    def field(self, field_id: int) -> FieldPlan:
        return self.fields[field_id]

    def fields_with_role(self, role: str) -> tuple[FieldPlan, ...]:
        return tuple(f for f in self.fields if role in f.roles)

    @property
    def duration_s(self) -> float:
        return self.scans[-1].stop_s


def spectral_windows(cfg: SyntheticConfig) -> tuple[SpwPlan, ...]:
    """Windows in importasdm's order: WVR first, then full-res/CH_AVG pairs.

    With TDM Tsys, the TDM pairs come before the FDM science pairs (as in
    real EBs, where the atmosphere windows are set up first).
    """
    if cfg.diffgain:
        return diffgain_spectral_windows(cfg)
    if cfg.n_tunings > 1:
        return spectral_scan_windows(cfg)
    lo, centres = BAND_TUNINGS[cfg.band]
    plans = [
        SpwPlan(0, "WVR#NOMINAL", "WVR", "wvr", WVR_NCHAN,
                WVR_FIRST_HZ + WVR_WIDTH_HZ * (WVR_NCHAN - 1) / 2, WVR_WIDTH_HZ, 0, ncorr=1),
    ]  # fmt: skip
    groups = [("tsys", "TDM", cfg.tdm_nchan, TDM_BANDWIDTH_HZ, 0.0)] if cfg.tdm_tsys else []
    if cfg.tdm_tsys:
        groups.append(("science", "FDM", cfg.nchan, FDM_BANDWIDTH_HZ, FDM_OFFSET_HZ))
    else:
        groups.append(("science", "TDM", cfg.nchan, TDM_BANDWIDTH_HZ, 0.0))
    sw = 0
    for role, kind, nchan, bandwidth, offset in groups:
        for bb in range(1, cfg.n_spws + 1):
            sw += 1
            centre_ghz = centres[bb - 1]
            sign = -1.0 if centre_ghz < lo else 1.0
            base = f"ALMA_RB_{cfg.band:02d}#BB_{bb}#SW-{sw:02d}"
            full_id = len(plans)
            ncorr = 4 if cfg.full_polarisation and role == "science" else 2
            plans.append(SpwPlan(full_id, base + "#FULL_RES", kind, role, nchan,
                                 centre_ghz * 1e9 + offset, sign * bandwidth / nchan, bb,
                                 ncorr=ncorr))  # fmt: skip
            plans.append(SpwPlan(full_id + 1, base + "#CH_AVG", "CH_AVG", "ch_avg", 1,
                                 centre_ghz * 1e9 + offset, sign * bandwidth, bb,
                                 partner=full_id, ncorr=ncorr))  # fmt: skip
    return tuple(plans)


def _window_pair(plans: list, band: int, sw: int, bb: int, kind: str, role: str, nchan: int,
                 centre_hz: float, bandwidth_hz: float, lo_ghz: float, tsys_index=None) -> None:
    """Append a full-resolution window and its CH_AVG partner to ``plans``."""
    sign = -1.0 if centre_hz < lo_ghz * 1e9 else 1.0
    base = f"ALMA_RB_{band:02d}#BB_{bb}#SW-{sw:02d}"
    full_id = len(plans)
    plans.append(SpwPlan(full_id, base + "#FULL_RES", kind, role, nchan, centre_hz,
                         sign * bandwidth_hz / nchan, bb, tsys_index=tsys_index))  # fmt: skip
    plans.append(SpwPlan(full_id + 1, base + "#CH_AVG", "CH_AVG", "ch_avg", 1, centre_hz,
                         sign * bandwidth_hz, bb, partner=full_id, tsys_index=tsys_index))  # fmt: skip


def diffgain_spectral_windows(cfg: SyntheticConfig) -> tuple[SpwPlan, ...]:
    """WVR, the science pairs, then the reference pairs.

    Band-to-band: science windows are 2 GHz TDM windows in ``cfg.band``,
    reference windows 2 GHz TDM windows in band 3 (frequency ratio > 2, the
    pipeline's B2B signature); each reference window gets its own Tsys
    spectrum (another receiver). Bandwidth switching: science windows are
    234 MHz FDM windows, reference windows 2 GHz TDM windows of the same
    basebands (bandwidth ratio 8.5, the pipeline's BWSW signature).
    """
    lo, centres = BAND_TUNINGS[cfg.band]
    plans = [
        SpwPlan(0, "WVR#NOMINAL", "WVR", "wvr", WVR_NCHAN,
                WVR_FIRST_HZ + WVR_WIDTH_HZ * (WVR_NCHAN - 1) / 2, WVR_WIDTH_HZ, 0, ncorr=1),
    ]  # fmt: skip
    sw = 0
    for bb in range(1, cfg.n_spws + 1):
        sw += 1
        if cfg.diffgain == "b2b":
            _window_pair(plans, cfg.band, sw, bb, "TDM", "science", cfg.nchan,
                         centres[bb - 1] * 1e9, TDM_BANDWIDTH_HZ, lo)  # fmt: skip
        else:
            _window_pair(plans, cfg.band, sw, bb, "FDM", "science", cfg.nchan,
                         centres[bb - 1] * 1e9 + FDM_OFFSET_HZ, FDM_BANDWIDTH_HZ, lo)  # fmt: skip
    ref_band = B2B_REFERENCE_BAND if cfg.diffgain == "b2b" else cfg.band
    ref_lo, ref_centres = BAND_TUNINGS[ref_band]
    for bb in range(1, cfg.n_spws + 1):
        sw += 1
        slot = 4 + bb if cfg.diffgain == "b2b" else None
        _window_pair(plans, ref_band, sw, bb, "TDM", "reference", cfg.tdm_nchan if cfg.diffgain == "bwsw" else cfg.nchan,
                     ref_centres[bb - 1] * 1e9, TDM_BANDWIDTH_HZ, ref_lo, tsys_index=slot)  # fmt: skip
    return tuple(plans)


def spectral_scan_windows(cfg: SyntheticConfig) -> tuple[SpwPlan, ...]:
    """WVR, the first tuning's pairs, then the second's (``cfg.tuning_step_ghz``
    higher, LO moved with them). Every window is a science window with its
    Tsys measured on it; the second tuning's windows see their own Tsys
    spectra (slots 5-8)."""
    lo, centres = BAND_TUNINGS[cfg.band]
    plans = [
        SpwPlan(0, "WVR#NOMINAL", "WVR", "wvr", WVR_NCHAN,
                WVR_FIRST_HZ + WVR_WIDTH_HZ * (WVR_NCHAN - 1) / 2, WVR_WIDTH_HZ, 0, ncorr=1),
    ]  # fmt: skip
    sw = 0
    for tuning in range(cfg.n_tunings):
        step = tuning * cfg.tuning_step_ghz
        for bb in range(1, cfg.n_spws + 1):
            sw += 1
            _window_pair(plans, cfg.band, sw, bb, "TDM", "science", cfg.nchan,
                         (centres[bb - 1] + step) * 1e9, TDM_BANDWIDTH_HZ, lo + step,
                         tsys_index=4 * tuning + bb if tuning else None)  # fmt: skip
            plans[-2:] = [replace(p, tuning=tuning) for p in plans[-2:]]
    return tuple(plans)


def tuning_windows(spws: tuple[SpwPlan, ...]) -> list[tuple[int, ...]]:
    """The science windows of each tuning, first tuning first."""
    tunings = sorted({s.tuning for s in spws if s.role == "science"})
    return [tuple(s.spw_id for s in spws if s.role == "science" and s.tuning == t) for t in tunings]


def tsys_centres_hz(cfg: SyntheticConfig) -> list[float]:
    """Centres of the Tsys model's spectra: the basebands, then (band to
    band) the reference band's basebands (``SpwPlan.tsys_slot`` 5-8)."""
    centres = [c * 1e9 for c in BAND_TUNINGS[cfg.band][1]]
    if cfg.diffgain == "b2b":
        centres += [c * 1e9 for c in BAND_TUNINGS[B2B_REFERENCE_BAND][1]]
    if cfg.n_tunings > 1:
        centres += [(c + cfg.tuning_step_ghz) * 1e9 for c in BAND_TUNINGS[cfg.band][1]]
    return centres


def band_ref_freq_hz(cfg: SyntheticConfig) -> float:
    """The reference frequency for source fluxes: the LO (band centre)."""
    return BAND_TUNINGS[cfg.band][0] * 1e9


def primary_beam_fwhm_deg(freq_hz, dish_m: float):
    """Primary beam FWHM ~ 1.13 lambda / D (ALMA technical handbook).

    Works on floats and numpy arrays alike.
    """
    return 1.13 * 299792458.0 / freq_hz / dish_m * (180.0 / math.pi)


def mosaic_offsets_deg(cfg: SyntheticConfig) -> list[tuple[float, float]]:
    """Pointing offsets of the target mosaic (RA-like, Dec) in degrees.

    Pointings sit on a line in RA, spaced by lambda / (sqrt(3) D) at the
    band centre (ALMA's hexagonal Nyquist spacing), centred on the source.
    """
    n = cfg.mosaic_pointings
    wavelength = 299792458.0 / band_ref_freq_hz(cfg)
    spacing = math.degrees(wavelength / (math.sqrt(3) * cfg.dish_m))
    return [((i - (n - 1) / 2) * spacing, 0.0) for i in range(n)]


def fields(cfg: SyntheticConfig) -> tuple[FieldPlan, ...]:
    """Bandpass, flux, phase calibrators then the target pointing(s).

    Quasars are named ``Jsyn_<role>``: real catalogue names would invite a
    lookup in a calibrator catalogue, returning fluxes unrelated to this
    simulation.

    Fluxes are typical of ALMA grid quasars at 3 mm, given at the band's
    LO frequency, with steep-ish spectral indices so that a wrong reference
    frequency or a missing spectral index shows up in the fluxes.
    """
    ref = band_ref_freq_hz(cfg)
    plans = [
        FieldPlan(0, "Jsyn_bandpass", "Jsyn_bandpass", ("bandpass",), -12.0, 8.0, 2.5, -0.6, ref),
    ]
    if cfg.solar_system_flux_cal:
        body = cfg.flux_calibrator.strip().capitalize()
        plans.append(FieldPlan(1, body, body, ("flux",), 10.0, -6.0, 0.0, 0.0, ref, True))
    else:
        plans.append(FieldPlan(1, "Jsyn_flux", "Jsyn_flux", ("flux",), 10.0, -6.0, 1.2, -0.7, ref))
    phase_flux = cfg.phase_cal_flux_jy
    plans.append(FieldPlan(2, "Jsyn_phase", "Jsyn_phase", ("phase",), 3.0, 2.0, phase_flux, -0.5, ref))
    for i, (dra, ddec) in enumerate(mosaic_offsets_deg(cfg)):
        plans.append(
            FieldPlan(3 + i, "SynTarget", "SynTarget", ("target",), dra, ddec,
                      cfg.target_flux_jy, 0.0, ref, source_offset_deg=(0.0, 0.0))  # fmt: skip
        )
    if cfg.second_target:
        # Another region of the sky, about 8 degrees away, with its own
        # phase calibrator about 2 degrees from it.
        plans.append(FieldPlan(len(plans), "Jsyn_phase2", "Jsyn_phase2", ("phase",), -5.0, -3.0,
                               phase_flux, -0.5, ref, region=1))  # fmt: skip
        plans.append(FieldPlan(len(plans), "SynTarget2", "SynTarget2", ("target",), -7.0, -4.0,
                               cfg.target_flux_jy, 0.0, ref, region=1))  # fmt: skip
    if cfg.check_source:
        # Near the first phase calibrator, as ALMA picks it; the true
        # position is off the (catalogue) field centre by check_offset_arcsec.
        dra, ddec = 1.5, 1.0
        off_ra, off_dec = (v / 3600.0 for v in cfg.check_offset_arcsec)
        plans.append(FieldPlan(len(plans), "Jsyn_check", "Jsyn_check", ("check",), dra, ddec,
                               cfg.check_flux_jy, -0.4, ref,
                               source_offset_deg=(dra + off_ra, ddec + off_dec)))  # fmt: skip
    if cfg.diffgain:
        # A bright quasar near the target, observed in both setups.
        plans.append(FieldPlan(len(plans), "Jsyn_diffgain", "Jsyn_diffgain", ("diffgain",),
                               -2.0, 1.5, 1.5, -0.6, ref))  # fmt: skip
    return tuple(plans)


def schedule(
    cfg: SyntheticConfig, spws: tuple[SpwPlan, ...], flds: tuple[FieldPlan, ...]
) -> tuple[ScanPlan, ...]:
    """The scan sequence of a typical ALMA EB.

    An atmosphere scan precedes the first visit to each calibrator and the
    target; phase-calibrator scans bracket every target scan. Atmosphere
    scans observe the Tsys windows (and WVR); all other scans the science
    windows with their CH_AVG partners (and WVR).
    """
    if cfg.diffgain:
        return diffgain_schedule(cfg, spws, flds)
    scans: list[ScanPlan] = []
    for sci in tuning_windows(spws):
        # One complete block per tuning of a spectral scan (one block otherwise).
        tsys = [s.spw_id for s in spws if s.role == "tsys"] or list(sci)
        scans += _standard_block(cfg, spws, flds, sci, tsys, scans[-1].stop_s if scans else 0.0, len(scans))
    return tuple(scans)


def _standard_block(cfg, spws, flds, sci, tsys, clock, n_before) -> list[ScanPlan]:
    """The standard schedule in windows ``sci`` (Tsys in ``tsys``), from ``clock`` s on."""
    atm_spws = tuple(sorted({0, *tsys, *(s.spw_id for s in spws if s.partner in tsys)}))
    sci_spws = tuple(sorted({0, *sci, *(s.spw_id for s in spws if s.partner in sci)}))
    targets = [f.field_id for f in flds if "target" in f.roles and f.region == 0]
    bandpass, flux, phase = 0, 1, 2

    scans: list[ScanPlan] = []

    def add(intents: str, field_ids: list[int], total_s: float, spw_ids: tuple[int, ...]) -> None:
        nonlocal clock
        dwell = total_s / len(field_ids)
        visits = []
        for fid in field_ids:
            visits.append(Visit(fid, clock, clock + dwell))
            clock += dwell
        scans.append(ScanPlan(n_before + len(scans) + 1, intents, tuple(visits), spw_ids))

    bandpass_intent = INTENT_BANDPASS_POL if cfg.full_polarisation else INTENT_BANDPASS
    flux_intent = INTENT_FLUX.replace("CALIBRATE_FLUX", f"CALIBRATE_{cfg.flux_intent}")
    add(INTENT_ATM, [bandpass], cfg.atm_scan_s, atm_spws)
    add(bandpass_intent, [bandpass], cfg.bandpass_scan_s, sci_spws)
    add(INTENT_ATM, [flux], cfg.atm_scan_s, atm_spws)
    add(flux_intent, [flux], cfg.flux_scan_s, sci_spws)
    add(INTENT_ATM, [phase], cfg.atm_scan_s, atm_spws)
    add(INTENT_PHASE, [phase], cfg.phase_scan_s, sci_spws)
    add(INTENT_ATM, [targets[len(targets) // 2]], cfg.atm_scan_s, atm_spws)
    phase2 = [f.field_id for f in flds if "phase" in f.roles and f.region == 1]
    target2 = [f.field_id for f in flds if "target" in f.roles and f.region == 1]
    check = [f.field_id for f in flds if "check" in f.roles]
    n = cfg.n_target_scans
    for k in range(n):
        add(INTENT_TARGET, targets, cfg.target_scan_s, sci_spws)
        add(INTENT_PHASE, [phase], cfg.phase_scan_s, sci_spws)
        if check:
            # Between two scans of the phase calibrator it is checked against.
            if k == 0:
                add(INTENT_ATM, check, cfg.atm_scan_s, atm_spws)
            add(INTENT_CHECK, check, cfg.phase_scan_s, sci_spws)
            add(INTENT_PHASE, [phase], cfg.phase_scan_s, sci_spws)
        if target2:
            # The second group, bracketed by its own phase calibrator; then
            # back to the first phase calibrator before its next target scan.
            if k == 0:
                add(INTENT_ATM, phase2, cfg.atm_scan_s, atm_spws)
            add(INTENT_PHASE, phase2, cfg.phase_scan_s, sci_spws)
            if k == 0:
                add(INTENT_ATM, target2, cfg.atm_scan_s, atm_spws)
            add(INTENT_TARGET, target2, cfg.target_scan_s, sci_spws)
            add(INTENT_PHASE, phase2, cfg.phase_scan_s, sci_spws)
            if k < n - 1:
                add(INTENT_PHASE, [phase], cfg.phase_scan_s, sci_spws)
    return scans


def diffgain_schedule(
    cfg: SyntheticConfig, spws: tuple[SpwPlan, ...], flds: tuple[FieldPlan, ...]
) -> tuple[ScanPlan, ...]:
    """A band-to-band / bandwidth-switching EB (after the ALMA pipeline's
    hifa_diffgaincal description of such data).

    The bandpass calibrator is observed in both setups (each setup needs its
    bandpass), the flux calibrator and the target in the science windows,
    the phase calibrator only in the reference windows, and the DIFFGAIN
    calibrator in a group of alternating REFERENCE / ON_SOURCE scans. Every
    Tsys measurement is in the windows of the scans it precedes.
    """

    def with_partners(role: str) -> tuple[int, ...]:
        ids = [s.spw_id for s in spws if s.role == role]
        return tuple(sorted({0, *ids, *(s.spw_id for s in spws if s.partner in ids)}))

    sci, ref = with_partners("science"), with_partners("reference")
    targets = [f.field_id for f in flds if "target" in f.roles]
    diffgain = next(f.field_id for f in flds if "diffgain" in f.roles)
    bandpass, flux, phase = 0, 1, 2
    scans: list[ScanPlan] = []
    clock = 0.0

    def add(intents: str, field_ids: list[int], total_s: float, spw_ids: tuple[int, ...]) -> None:
        nonlocal clock
        dwell = total_s / len(field_ids)
        visits = []
        for fid in field_ids:
            visits.append(Visit(fid, clock, clock + dwell))
            clock += dwell
        scans.append(ScanPlan(len(scans) + 1, intents, tuple(visits), spw_ids))

    add(INTENT_ATM, [bandpass], cfg.atm_scan_s, sci)
    add(INTENT_BANDPASS, [bandpass], cfg.bandpass_scan_s, sci)
    add(INTENT_ATM, [bandpass], cfg.atm_scan_s, ref)
    add(INTENT_BANDPASS, [bandpass], cfg.phase_scan_s, ref)
    add(INTENT_ATM, [flux], cfg.atm_scan_s, sci)
    add(INTENT_FLUX, [flux], cfg.flux_scan_s, sci)
    add(INTENT_ATM, [diffgain], cfg.atm_scan_s, ref)
    add(INTENT_ATM, [diffgain], cfg.atm_scan_s, sci)
    for _ in range(2):
        add(INTENT_DIFFGAIN_REF, [diffgain], cfg.diffgain_scan_s, ref)
        add(INTENT_DIFFGAIN_SRC, [diffgain], cfg.diffgain_scan_s, sci)
    add(INTENT_DIFFGAIN_REF, [diffgain], cfg.diffgain_scan_s, ref)
    add(INTENT_ATM, [phase], cfg.atm_scan_s, ref)
    add(INTENT_PHASE, [phase], cfg.phase_scan_s, ref)
    add(INTENT_ATM, [targets[len(targets) // 2]], cfg.atm_scan_s, sci)
    for _ in range(cfg.n_target_scans):
        add(INTENT_TARGET, targets, cfg.target_scan_s, sci)
        add(INTENT_PHASE, [phase], cfg.phase_scan_s, ref)
    return tuple(scans)


def plan(cfg: SyntheticConfig) -> Layout:
    spws = spectral_windows(cfg)
    flds = fields(cfg)
    layout = Layout(spws, flds, schedule(cfg, spws, flds))
    if cfg.line is not None:
        line_hz = cfg.line.centre_ghz * 1e9
        # Doppler shifts between LSRK and TOPO are < 1e-4: a window that
        # holds the line with that margin holds it in both frames.
        margin = 1e-4 * line_hz
        if not any(
            s.contains(line_hz - margin) and s.contains(line_hz + margin) for s in layout.science
        ):
            ranges = ", ".join(
                f"{(s.centre_hz - s.bandwidth_hz / 2) / 1e9:.3f}-{(s.centre_hz + s.bandwidth_hz / 2) / 1e9:.3f}"
                for s in layout.science
            )
            raise ScriptgenError(
                f"line at {cfg.line.centre_ghz} GHz is not inside a science window "
                f"of band {cfg.band} (GHz: {ranges})"
            )
    return layout
