"""Calibration decisions for one execution block.

Every function here is pure: it reads the frozen :class:`ExecBlock` (and,
for quasar fluxes, the user's catalogue) and returns a frozen value that
CASA accepts as is (``'DA41,DA42'``, ``'1:0~3;124~127'``, ``'inf,15ch'``)
together with the reason, in words an analyst reads in the emitted script's
comments. Magic numbers sit in named constants with the reason beside them.

Spectral-window ids: decisions about the imported MS use its ids; decisions
about the split MS (bandpass, gains, TDM edges) use the split's ids, which
CASA renumbers 0..n-1 in the order of the selected windows
(:func:`split_spw_ids`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from .. import derive
from ..errors import NotCalibratable
from ..model import ExecBlock, Intent, Role, Scan, SpwKind
from .calibrator_fluxes import CatalogueFlux, MissingCalibratorFlux, fit_recorded_flux, lookup
from .ebkind import before_wvr_toffset_epoch
from .selection import Use, selection

# --------------------------------------------------------------------------
# Constants, each with its reason.

#: Tsys spectra roll off at the window edges (the baseband filter), so the
#: outermost channels give wrong, noisy Tsys: ALMA's manual scripts flag
#: about 1/32 of a <= 256-channel Tsys window per side (4 of 128 channels).
TSYS_EDGE_FRACTION = 1 / 32

#: TDM windows lose sensitivity at the edges (the same filter roll-off, over
#: wider channels): ALMA flags about 1/16 per side of TDM science windows
#: (8 of 128 channels). FDM windows are left alone (their edges are
#: handled by the overlapping baseband layout).
TDM_EDGE_FRACTION = 1 / 16

#: Above this many channels a window is "wide" FDM; the bandpass is then
#: smoothed so that about this many solution points remain per window.
#: 256 points (TDM-like resolution, ~8 MHz over 2 GHz) still follow the
#: ripple of ALMA's bandpass while averaging nchan/256 channels per point
#: raises the solution's signal-to-noise by sqrt(nchan/256).
BANDPASS_POINTS_PER_WINDOW = 256

#: The bandpass phase pre-solve uses every channel of each window (the
#: observatory generator almaqa2csg's default; the pipeline's
#: ``phaseupbw=''``): a central 1/8 of the channels would cost sqrt(8) in
#: signal-to-noise, and the bandpass phase slope across a window is what the
#: bandpass itself then solves, so it does not bias a per-integration phase
#: that only has to make the time average coherent.
PRESOLVE_REASON = (
    "phase per integration over the whole window (observatory generator almaqa2csg, pipeline "
    "phaseupbw=''), sqrt(8) more signal-to-noise than the central 1/8 of the channels"
)

#: ALMA's water-vapour radiometers deliver a reading every 1.152 s; when
#: the correlator integrates longer, wvrgcal should smooth to the
#: integration time so that WVR noise is averaged like the data.
WVR_CYCLE_S = 1.152

#: The flux density put in for a quasar without a catalogue value: 1 Jy is
#: a typical bright ALMA calibrator, -0.7 a typical quasar spectral index.
#: Only a placeholder: the analyst must replace it (the script says so).
PLACEHOLDER_FLUX_JY = 1.0
PLACEHOLDER_SPIX = -0.7

#: CASA's model for solar-system flux calibrators (needs the JPL ephemeris
#: that casadata ships).
SOLAR_SYSTEM_STANDARD = "Butler-JPL-Horizons 2012"

#: How many antennas the reference-antenna list carries: CASA falls back to
#: the next one when the first is flagged (refantmode 'flex').
REFANT_CANDIDATES = 5

#: Scans whose data are not for calibration or imaging; their visibilities
#: are flagged a priori (pointing and focus offsets, sideband-ratio and
#: hot/ambient-load atmosphere scans are not on-sky science data).
APRIORI_FLAG_INTENTS = (
    Intent.POINTING,
    Intent.FOCUS,
    Intent.SIDEBAND_RATIO,
    Intent.ATMOSPHERE,
)

#: Intents whose scans carry data the calibration uses.
SCIENCE_INTENTS = frozenset(
    {
        Intent.BANDPASS.value,
        Intent.FLUX.value,
        Intent.PHASE.value,
        Intent.AMPLI.value,
        Intent.TARGET.value,
        Intent.CHECK.value,
        Intent.POLARIZATION.value,
        Intent.DIFFGAIN.value,
    }
)


# --------------------------------------------------------------------------
# Small helpers.


def _mid(scan: Scan) -> float:
    return 0.5 * (scan.start_mjd_s + scan.end_mjd_s)


def _science_scans(eb: ExecBlock) -> tuple[Scan, ...]:
    return tuple(s for s in eb.scans if SCIENCE_INTENTS & set(s.intents))


def _mids_by_field(scans: Iterable[Scan]) -> dict[int, np.ndarray]:
    """Each field's scan mid-times in scan order: computed once, not per comparison."""
    found: dict[int, list[float]] = {}
    for scan in scans:
        mid = _mid(scan)
        for fid in scan.field_ids:
            found.setdefault(fid, []).append(mid)
    return {fid: np.asarray(mids, dtype=float) for fid, mids in found.items()}


def _sorted_mids(mids: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    return {fid: np.sort(m) for fid, m in mids.items()}


_NO_SCANS = np.empty(0)


def _mean_time_gap_s(own: np.ndarray, others: np.ndarray) -> float:
    """Mean over the ``own`` mid-times of the time to the nearest of ``others`` (sorted).

    The nearest is found by bisection (``searchsorted``), so an EB of many
    thousands of scans costs n log n rather than n squared; the mean is a
    plain sequential sum, as it always was, so decisions do not move.
    """
    if not own.size or not others.size:
        return math.inf
    i = np.searchsorted(others, own)
    left = np.abs(own - others[np.clip(i - 1, 0, others.size - 1)])
    right = np.abs(own - others[np.clip(i, 0, others.size - 1)])
    return sum(np.minimum(left, right).tolist()) / own.size


def _angle_rad(eb: ExecBlock, a: int, b: int) -> float:
    fa, fb = eb.field(a), eb.field(b)
    cos = math.sin(fa.dec_rad) * math.sin(fb.dec_rad) + math.cos(fa.dec_rad) * math.cos(
        fb.dec_rad
    ) * math.cos(fa.ra_rad - fb.ra_rad)
    return math.acos(max(-1.0, min(1.0, cos)))


def field_label(eb: ExecBlock, field_id: int) -> str:
    """``field 3 ('NGC 253')``: the name as a repr, so any name is one safe token."""
    return f"field {field_id} ({eb.field(field_id).name!r})"


def ids(values: Iterable[int]) -> str:
    """A CASA id selection: ``'0,2,5'``."""
    return ",".join(str(v) for v in values)


def calibrated_fields(eb: ExecBlock) -> tuple[int, ...]:
    """Fields observed in scans whose data calibration uses (not only pointing/Tsys)."""
    found = {fid for scan in _science_scans(eb) for fid in scan.field_ids}
    return tuple(sorted(found))


def split_spw_ids(eb: ExecBlock) -> dict[int, int]:
    """Science window id in the MS -> its id in the split MS (CASA renumbers in order)."""
    return {spw_id: n for n, spw_id in enumerate(sorted(derive.science_spws(eb)))}


# --------------------------------------------------------------------------
# Reference antenna.


@dataclass(frozen=True)
class RefantChoice:
    refant: str
    ranked: tuple[str, ...]
    reason: str


def reference_antenna(eb: ExecBlock, n: int = REFANT_CANDIDATES) -> RefantChoice:
    """Antennas nearest the array centre, best first.

    A central antenna has the shortest baselines to all others, so its
    phases stay coherent with everyone (it is what ALMA's scripts and the
    pipeline favour, together with data completeness). The snapshot does not
    record per-scan antenna presence, so every antenna of the ANTENNA table
    is a candidate; several are listed so CASA can move to the next one
    where the first is flagged.
    """
    if not eb.antennas:
        raise NotCalibratable(f"{eb.uid} has no antennas")
    n_ant = len(eb.antennas)
    centre = tuple(sum(a.position_m[k] for a in eb.antennas) / n_ant for k in range(3))

    def distance(ant) -> float:
        return math.dist(ant.position_m, centre)

    order = sorted(eb.antennas, key=lambda a: (distance(a), a.antenna_id))
    ranked = tuple(a.name for a in order)
    chosen = order[: max(1, n)]
    best = order[0]
    # Names unless one would be misread as selection syntax (then ids).
    refant = selection(Use.REFANT, [a.name for a in chosen], [a.antenna_id for a in chosen])
    reason = (
        f"{best.name!r} (pad {best.station!r}) is the antenna nearest the array centre "
        f"({distance(best):.0f} m from it) of {n_ant}; the next nearest follow as "
        "fallbacks where it is flagged"
    )
    if refant.by_id:
        reason += f"; given by {refant.reason}"
    return RefantChoice(refant=refant.value or "", ranked=ranked, reason=reason)


# --------------------------------------------------------------------------
# Edge channels.


def edge_channels(nchan: int, fraction: float) -> int:
    """Channels to flag on each side; none for windows too small to have edges."""
    if nchan < 8:
        return 0
    return max(1, int(nchan * fraction))


def edge_selection(windows: Iterable[tuple[int, int]], fraction: float) -> str:
    """``'1:0~3;124~127,3:0~3;124~127'`` for (spw id, nchan) pairs."""
    parts = []
    for spw_id, nchan in windows:
        n = edge_channels(nchan, fraction)
        if n:
            parts.append(f"{spw_id}:0~{n - 1};{nchan - n}~{nchan - 1}")
    return ",".join(parts)


@dataclass(frozen=True)
class EdgeFlags:
    spw: str  # CASA selection; '' = nothing to flag
    reason: str


def tsys_edge_flags(eb: ExecBlock) -> EdgeFlags:
    """Edge channels of the Tsys windows, flagged in the Tsys table."""
    windows = [(i, eb.spw(i).nchan) for i in derive.tsys_spws(eb)]
    spw = edge_selection(windows, TSYS_EDGE_FRACTION)
    counts = sorted({(nchan, edge_channels(nchan, TSYS_EDGE_FRACTION)) for _, nchan in windows})
    detail = "; ".join(f"{n} of {nchan} channels per side" for nchan, n in counts)
    return EdgeFlags(
        spw=spw,
        reason=f"Tsys falls off at the window edges (baseband filter): about 1/32 per side ({detail})",
    )


def tdm_edge_flags(eb: ExecBlock, kept: Mapping[int, int] | None = None) -> EdgeFlags:
    """Edge channels of the kept TDM windows, in split-MS spw ids.

    ``kept`` maps each window the split keeps (MS id) to its id in the split
    MS: by default the science windows (:func:`split_spw_ids`). Band-to-band
    and bandwidth switching also keep their reference windows and pass their
    own map, so both modes flag edges by this one decision.
    """
    kept = split_spw_ids(eb) if kept is None else kept
    windows = [(kept[i], eb.spw(i).nchan) for i in sorted(kept) if eb.spw(i).kind is SpwKind.TDM]
    if not windows:
        return EdgeFlags(spw="", reason="no TDM windows kept (FDM edges are not flagged)")
    counts = sorted({(nchan, edge_channels(nchan, TDM_EDGE_FRACTION)) for _, nchan in windows})
    detail = "; ".join(f"{n} of {nchan} channels per side" for nchan, n in counts)
    return EdgeFlags(
        spw=edge_selection(windows, TDM_EDGE_FRACTION),
        reason=f"TDM windows lose sensitivity at their edges: about 1/16 per side ({detail})",
    )


# --------------------------------------------------------------------------
# Bandpass.


@dataclass(frozen=True)
class BandpassChoice:
    field_id: int
    solint: str
    presolve_spw: str  # spw selection for the phase pre-solve ('' = every channel)
    reason: str
    presolve_reason: str = PRESOLVE_REASON


def bandpass_field(eb: ExecBlock) -> int:
    """The bandpass calibrator: the CALIBRATE_BANDPASS field observed longest."""
    fields = derive.fields_with_role(eb, Role.BANDPASS)
    if not fields:
        raise NotCalibratable(
            f"{eb.uid} has no CALIBRATE_BANDPASS field; a calibration script needs a bandpass calibrator"
        )
    return max(fields, key=lambda f: (derive.time_on_field_s(eb, f, Intent.BANDPASS), -f))


def bandpass_solint(eb: ExecBlock) -> tuple[str, str]:
    """``('inf', why)`` or ``('inf,15ch', why)``: frequency smoothing for wide FDM windows.

    One solint serves every window, so smoothing applies only when every
    science window is wide FDM (a TDM window would lose its shape); the
    smallest factor among them is used.
    """
    windows = [eb.spw(i) for i in derive.science_spws(eb)]
    wide = [w for w in windows if w.kind is SpwKind.FDM and w.nchan > BANDPASS_POINTS_PER_WINDOW]
    if not wide:
        return "inf", f"no FDM window has more than {BANDPASS_POINTS_PER_WINDOW} channels: solved per channel"
    if len(wide) < len(windows):
        return "inf", "some science windows have <= 256 channels, which smoothing would blur: solved per channel"
    factor = min(w.nchan // BANDPASS_POINTS_PER_WINDOW for w in wide)
    if factor < 2:
        return "inf", "the FDM windows are barely wider than 256 channels: solved per channel"
    return (
        f"inf,{factor}ch",
        f"wide FDM windows ({min(w.nchan for w in wide)}+ channels): {factor} channels per solution keep "
        f">= {BANDPASS_POINTS_PER_WINDOW} points across each window and gain sqrt({factor}) in signal-to-noise",
    )


def presolve_selection(eb: ExecBlock) -> str:
    """The windows for the phase pre-solve: ``''``, every channel of every science window.

    (Edge channels flagged earlier stay out by their flags.)
    """
    return ""


def bandpass_choice(eb: ExecBlock) -> BandpassChoice:
    field_id = bandpass_field(eb)
    solint, why = bandpass_solint(eb)
    return BandpassChoice(
        field_id=field_id,
        solint=solint,
        presolve_spw=presolve_selection(eb),
        reason=f"{field_label(eb, field_id)} is the bandpass calibrator; {why}",
    )


# --------------------------------------------------------------------------
# Flux models.


@dataclass(frozen=True)
class FluxModel:
    field_id: int
    source: str
    standard: str  # SOLAR_SYSTEM_STANDARD or 'manual'
    fluxdensity: tuple[float, float, float, float] | None = None
    spix: float | None = None
    reffreq: str | None = None  # e.g. '103.5GHz'
    placeholder: bool = False
    reason: str = ""
    #: CASA cannot use a virtual (header) model for an ephemeris object: the
    #: model must go into a MODEL_DATA column (setjy usescratch=True).
    needs_model_column: bool = False


def flux_fields(eb: ExecBlock) -> tuple[tuple[int, ...], str]:
    """The flux reference fields and why.

    Without a CALIBRATE_FLUX field the bandpass calibrator (a bright quasar
    of known flux) sets the scale, as ALMA does when one source serves both.
    """
    fields = derive.fields_with_role(eb, Role.FLUX)
    if fields:
        ampli = [f for f in fields if Intent.FLUX.value not in eb.field(f).intents]
        if ampli:
            return fields, "observed with CALIBRATE_AMPLI, the Cycle 0-2 name of the flux calibrator intent"
        return fields, "observed with CALIBRATE_FLUX"
    bp = derive.fields_with_role(eb, Role.BANDPASS)
    if bp:
        return (bandpass_field(eb),), "no CALIBRATE_FLUX field: the bandpass calibrator sets the flux scale"
    raise NotCalibratable(f"{eb.uid} has neither a flux nor a bandpass calibrator")


def is_solar_system(eb: ExecBlock, field_id: int) -> bool:
    fld = eb.field(field_id)
    return fld.is_ephemeris or derive.is_solar_system_body(fld.source_name)


def mean_science_frequency_ghz(eb: ExecBlock) -> float:
    spws = [eb.spw(i) for i in derive.science_spws(eb)]
    return sum(s.centre_freq_hz for s in spws) / len(spws) / 1e9


def _ghz(value: float) -> str:
    return f"{value:.6g}GHz"


def flux_model(
    eb: ExecBlock,
    field_id: int,
    catalogue: dict[str, CatalogueFlux] | None,
    *,
    allow_placeholder: bool = False,
) -> FluxModel:
    """The setjy model of one flux calibrator, and where its flux came from.

    In order: CASA's solar-system models; the analyst's calibrator-flux
    file; the catalogue fluxes the observatory recorded in the EB
    (ASDM_SOURCE; spectral index fitted across its frequencies, as the
    observatory generator almaqa2csg falls back to ``getFluxesFromSourceTable``
    and the pipeline's hifa_importdata starts from Source.xml); otherwise a
    marked placeholder only when ``allow_placeholder``, else
    :class:`MissingCalibratorFlux` (a normal-looking script with an
    arbitrary flux scale is worse than none).
    """
    fld = eb.field(field_id)
    label = field_label(eb, field_id)
    if is_solar_system(eb, field_id):
        return FluxModel(
            field_id=field_id,
            source=fld.source_name,
            standard=SOLAR_SYSTEM_STANDARD,
            needs_model_column=True,
            reason=f"{label} is a solar-system body: CASA models its flux and size "
            f"from JPL ephemerides ({SOLAR_SYSTEM_STANDARD!r})",
        )
    entry = lookup(catalogue, fld.source_name)
    if entry is not None:
        extra = ", ".join(x for x in (entry.date and f"dated {entry.date}", entry.note) if x)
        spix_note = "" if entry.spix_given else "; spectral index not given, 0 assumed"
        return FluxModel(
            field_id=field_id,
            source=fld.source_name,
            standard="manual",
            fluxdensity=(entry.flux_jy, 0.0, 0.0, 0.0),
            spix=entry.spix,
            reffreq=_ghz(entry.reffreq_ghz),
            reason=f"{label} is a quasar: catalogue flux {entry.flux_jy:g} Jy at "
            f"{entry.reffreq_ghz:g} GHz, spectral index {entry.spix:g} from the calibrator-flux file"
            + (f" ({extra})" if extra else "")
            + spix_note,
        )
    freq = mean_science_frequency_ghz(eb)
    recorded = fit_recorded_flux(eb.calibrator_fluxes, fld.source_name, freq * 1e9, eb.start_mjd_s)
    if recorded is not None:
        return FluxModel(
            field_id=field_id,
            source=fld.source_name,
            standard="manual",
            # Six significant digits: far below the catalogue's uncertainty,
            # and the script stays readable.
            fluxdensity=(float(f"{recorded.flux_jy:.6g}"), 0.0, 0.0, 0.0),
            spix=float(f"{recorded.spix:.6g}"),
            reffreq=_ghz(recorded.reffreq_ghz),
            reason=f"{label} is a quasar: flux from the catalogue values the observatory recorded "
            "in the EB (ASDM_SOURCE; the observatory generator almaqa2csg falls back to them too): "
            f"{recorded.describe()}",
        )
    if not allow_placeholder:
        raise MissingCalibratorFlux(
            f"{eb.uid}: no flux for quasar flux calibrator {fld.source_name!r} (no ASDM_SOURCE "
            "entry, no --calibrator-fluxes file); give one, or --allow-placeholder for a marked 1 Jy draft"
        )
    return FluxModel(
        field_id=field_id,
        source=fld.source_name,
        standard="manual",
        fluxdensity=(PLACEHOLDER_FLUX_JY, 0.0, 0.0, 0.0),
        spix=PLACEHOLDER_SPIX,
        reffreq=_ghz(round(freq, 3)),
        placeholder=True,
        reason=f"{label} is a quasar with no catalogue flux given: PLACEHOLDER "
        f"{PLACEHOLDER_FLUX_JY:g} Jy, spectral index {PLACEHOLDER_SPIX:g} - CHECK: look it up "
        "(ALMA calibrator catalogue) and edit, or regenerate with --calibrator-fluxes",
    )


def flux_models(
    eb: ExecBlock,
    catalogue: dict[str, CatalogueFlux] | None = None,
    *,
    allow_placeholder: bool = False,
) -> tuple[FluxModel, ...]:
    fields, _ = flux_fields(eb)
    return tuple(flux_model(eb, f, catalogue, allow_placeholder=allow_placeholder) for f in fields)


# --------------------------------------------------------------------------
# Tsys: which field's Tsys calibrates which field.


@dataclass(frozen=True)
class FieldTsys:
    field_id: int
    tsys_field_id: int
    own: bool
    reason: str


def tsys_fields(eb: ExecBlock) -> tuple[int, ...]:
    """Fields with atmosphere (Tsys) scans."""
    found = {
        fid for scan in eb.scans if Intent.ATMOSPHERE.value in scan.intents for fid in scan.field_ids
    }
    return tuple(sorted(found))


def tsys_field_map(eb: ExecBlock) -> tuple[FieldTsys, ...]:
    """For each calibrated field, the field whose Tsys it takes.

    A field with its own atmosphere scans uses them. Otherwise (mosaic
    pointings, targets ALMA did not measure Tsys on) it takes, in order of
    preference: a Tsys field of the same source (another pointing of the same
    mosaic: same sky, same elevation); else the Tsys field nearest in time
    (usually the phase calibrator, observed between target scans), ties to
    the phase calibrator and then the nearest on the sky.
    """
    with_tsys = tsys_fields(eb)
    if not with_tsys:
        return ()
    atm_sorted = _sorted_mids(_mids_by_field(s for s in eb.scans if Intent.ATMOSPHERE.value in s.intents))
    science_mids = _mids_by_field(_science_scans(eb))
    phase = set(derive.fields_with_role(eb, Role.PHASE))
    result = []
    for fid in calibrated_fields(eb):
        if fid in with_tsys:
            result.append(FieldTsys(fid, fid, True, f"{field_label(eb, fid)} has its own Tsys scans"))
            continue
        source = eb.field(fid).source_name
        same_source = [t for t in with_tsys if eb.field(t).source_name == source]
        if same_source:
            chosen = min(same_source, key=lambda t: (_angle_rad(eb, fid, t), t))
            result.append(
                FieldTsys(
                    fid,
                    chosen,
                    False,
                    f"{field_label(eb, fid)} has no Tsys scans: takes Tsys from "
                    f"{field_label(eb, chosen)}, a pointing of the same source",
                )
            )
            continue
        own = science_mids.get(fid, _NO_SCANS)
        gap_to = {t: _mean_time_gap_s(own, atm_sorted.get(t, _NO_SCANS)) for t in with_tsys}

        def rank(t: int) -> tuple:
            return (round(gap_to[t], 3), t not in phase, _angle_rad(eb, fid, t), t)

        chosen = min(with_tsys, key=rank)
        gap = gap_to[chosen]
        role = " (phase calibrator)" if chosen in phase else ""
        when = f", on average {gap:.0f} s from its scans" if math.isfinite(gap) else ""
        result.append(
            FieldTsys(
                fid,
                chosen,
                False,
                f"{field_label(eb, fid)} has no Tsys scans: takes Tsys from "
                f"{field_label(eb, chosen)}{role}, the nearest Tsys measurement in time{when}",
            )
        )
    return tuple(result)


@dataclass(frozen=True)
class TsysGroup:
    """Fields that share one Tsys field: one applycal call."""

    tsys_field_id: int
    field_ids: tuple[int, ...]
    reasons: tuple[str, ...]


def tsys_groups(eb: ExecBlock) -> tuple[TsysGroup, ...]:
    groups: dict[int, list[FieldTsys]] = {}
    for choice in tsys_field_map(eb):
        groups.setdefault(choice.tsys_field_id, []).append(choice)
    return tuple(
        TsysGroup(
            tsys_field_id=t,
            field_ids=tuple(c.field_id for c in members),
            reasons=tuple(c.reason for c in members if not c.own),
        )
        for t, members in sorted(groups.items())
    )


# --------------------------------------------------------------------------
# A-priori flags.


@dataclass(frozen=True)
class AprioriFlags:
    autocorr: bool
    intent: str  # flagdata intent selection, '' when none
    scan: str  # flagdata scan selection, used instead of intent when scans mix intents
    flagged_intents: tuple[str, ...]
    online_flags: bool
    reasons: tuple[str, ...]


def apriori_flags(eb: ExecBlock) -> AprioriFlags:
    """What is flagged before any calibration.

    Autocorrelations always (interferometric calibration does not use
    them; the WVR rows are kept by flagdata). Pointing, focus,
    sideband-ratio and atmosphere scans are selected by intent; if a scan
    carries one of those intents together with a calibration or target
    intent, selecting by intent would flag good data, so the pure scans are
    selected by number instead. Online flags when FLAG_CMD has rows.
    """
    present = [i.value for i in APRIORI_FLAG_INTENTS if any(i.value in s.intents for s in eb.scans)]
    reasons = ["autocorrelations: not used by interferometric calibration"]
    intent = scan = ""
    if present:
        mixed = any(set(present) & set(s.intents) and SCIENCE_INTENTS & set(s.intents) for s in eb.scans)
        if mixed:
            numbers = [s.number for s in eb.scans if set(present) & set(s.intents) and not SCIENCE_INTENTS & set(s.intents)]
            scan = ids(numbers)
            reasons.append(
                f"scans {scan} ({', '.join(present)} only): selected by number because other "
                "scans mix these intents with calibration intents"
            )
        else:
            intent = ",".join(f"*{i}*" for i in present)
            reasons.append(f"{', '.join(present)} scans: not on-sky calibration or science data")
    online = eb.flag_cmd_rows > 0
    if online:
        reasons.append(f"online flags: {eb.flag_cmd_rows} FLAG_CMD rows written by the observatory")
    return AprioriFlags(
        autocorr=True,
        intent=intent,
        scan=scan,
        flagged_intents=tuple(present),
        online_flags=online,
        reasons=tuple(reasons),
    )


# --------------------------------------------------------------------------
# Phase calibrator of each target.


@dataclass(frozen=True)
class PhaseTransfer:
    phase_field_id: int
    target_field_ids: tuple[int, ...]
    reason: str


def phase_transfers(eb: ExecBlock) -> tuple[PhaseTransfer, ...]:
    """Targets (and check sources) grouped by the phase calibrator whose gains they take.

    With one phase calibrator every target takes it. With several, each
    target takes the one observed nearest in time to its scans (ALMA
    alternates a target with its own phase calibrator), ties going to the
    nearest on the sky.
    """
    phase = derive.fields_with_role(eb, Role.PHASE)
    targets = sorted(set(derive.target_fields(eb)) | set(derive.fields_with_role(eb, Role.CHECK)))
    targets = [t for t in targets if t not in phase]
    if not phase or not targets:
        return ()
    mids = _mids_by_field(_science_scans(eb))
    mids_sorted = _sorted_mids(mids)
    groups: dict[int, list[int]] = {}
    gaps: dict[int, list[float]] = {}
    for t in targets:
        own = mids.get(t, _NO_SCANS)
        gap_to = {p: _mean_time_gap_s(own, mids_sorted.get(p, _NO_SCANS)) for p in phase}
        chosen = min(phase, key=lambda p: (round(gap_to[p], 3), _angle_rad(eb, t, p), p))
        groups.setdefault(chosen, []).append(t)
        gaps.setdefault(chosen, []).append(gap_to[chosen])
    result = []
    for p, members in sorted(groups.items()):
        if len(phase) == 1:
            why = "the only phase calibrator"
        else:
            finite = [g for g in gaps[p] if math.isfinite(g)]
            mean = f", on average {sum(finite) / len(finite):.0f} s away" if finite else ""
            why = f"the phase calibrator observed nearest in time to them{mean}"
        result.append(PhaseTransfer(p, tuple(members), f"{field_label(eb, p)} is {why}"))
    return tuple(result)


# --------------------------------------------------------------------------
# Gain and flux-scale fields.


def gain_calibrators(eb: ExecBlock) -> tuple[int, ...]:
    """Fields whose gains are solved: bandpass, flux and phase calibrators."""
    found = set(derive.fields_with_role(eb, Role.PHASE)) | set(flux_fields(eb)[0])
    if derive.fields_with_role(eb, Role.BANDPASS):
        found.add(bandpass_field(eb))
    return tuple(sorted(found))


@dataclass(frozen=True)
class FluxscaleChoice:
    reference: tuple[int, ...]
    transfer: tuple[int, ...]
    reason: str


def fluxscale_choice(eb: ExecBlock) -> FluxscaleChoice:
    """Reference = the flux fields; transfer = every other gain calibrator."""
    reference, why = flux_fields(eb)
    transfer = tuple(f for f in gain_calibrators(eb) if f not in reference)
    if not transfer:
        return FluxscaleChoice(reference, (), "every gain calibrator is a flux calibrator: nothing to transfer")
    return FluxscaleChoice(
        reference,
        transfer,
        f"flux scale from {', '.join(field_label(eb, f) for f in reference)} ({why}) "
        f"transferred to {', '.join(field_label(eb, f) for f in transfer)}",
    )


# --------------------------------------------------------------------------
# WVR.


@dataclass(frozen=True)
class WvrChoice:
    apply: bool
    reason: str
    tie: tuple[str, ...] = ()
    statsource: str = ""
    smooth: str = ""
    #: wvrgcal's ``toffset``: -1 for EBs observed before 2013-01-21.
    toffset: int = 0


def wvr_choice(eb: ExecBlock) -> WvrChoice:
    """Whether to run wvrgcal, and how.

    ``tie`` joins each phase calibrator with its targets so that wvrgcal
    fits one coefficient set across the pair (the phase transfer is what
    WVR corrections must get right); ``smooth`` is the integration time when
    it exceeds the WVR cycle.
    """
    if not derive.wvr_available(eb):
        has_window = derive.wvr_spw(eb) is not None
        why = (
            "no 12 m antenna: only 12 m antennas carry water-vapour radiometers"
            if has_window
            else "the MS has no WVR window"
        )
        return WvrChoice(apply=False, reason=why)
    tie = []
    untied = []
    for transfer in phase_transfers(eb):
        names = [eb.field(transfer.phase_field_id).source_name]
        for t in transfer.target_field_ids:
            name = eb.field(t).source_name
            if name not in names:
                names.append(name)
        # wvrgcal splits a tie entry on commas: such names cannot be tied.
        entry = selection(Use.WVR_TIE, names)
        if entry.value is None:
            untied.append(entry.reason)
            continue
        tie.append(entry.value)
    targets = derive.target_fields(eb)
    stat = selection(Use.WVR_STATSOURCE, [eb.field(targets[0]).source_name] if targets else [])
    statsource = stat.value or ""
    integrations = [s.integration_s for s in _science_scans(eb) if s.integration_s > 0]
    smooth = ""
    if integrations and max(integrations) > WVR_CYCLE_S * 1.01:
        smooth = f"{max(integrations):.3f}s"
    reason = "12 m antennas with radiometers: WVR phase correction"
    if smooth:
        reason += f"; smoothed to the {smooth} integration (WVR cycle {WVR_CYCLE_S} s)"
    if untied:
        reason += "; " + "; ".join(untied)
    if targets and not statsource:
        reason += f"; {stat.reason}"
    toffset = 0
    if before_wvr_toffset_epoch(eb):
        toffset = -1
        reason += (
            "; observed before 2013-01-21: toffset=-1, the -1 s time offset between WVR and "
            "interferometric data of that era (ALMA pipeline hifa_wvrgcal)"
        )
    return WvrChoice(
        apply=True, reason=reason, tie=tuple(tie), statsource=statsource, smooth=smooth, toffset=toffset
    )
