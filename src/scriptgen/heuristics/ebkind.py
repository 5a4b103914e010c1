"""What kind of execution block this is, before any script is written.

Most EBs are standard interferometric observations, but the archive also
holds kinds that a standard script would calibrate wrongly while looking
normal: band-to-band and bandwidth-switching EBs (the phase calibrator is
observed in other windows than the target), full-polarisation and
total-power EBs, arrays mixing dish sizes, and MeasurementSets that are
not raw EBs at all (a ``.split`` or ``.split.cal`` a previous calibration
wrote). :func:`classify` looks at the metadata once and says which kind it
is, which observing mode handles it (or why none does), and the risks and
assumptions an analyst should read before trusting the script. Traits that
the standard mode handles but that deserve a word (Cycle 0-2 AMPLI flux
calibrators, spectral scans, several phase calibrators, pre-2013 data) are
reported as risks, not as kinds.

The classification is a pure function of :class:`~scriptgen.model.ExecBlock`
so it runs from a snapshot as well as from an MS.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import PurePath

from .. import derive
from ..model import ExecBlock, Intent, Role, SpwKind

#: 2013-01-21 00:00 UTC as MJD seconds (MJD 56313). For data taken before
#: it wvrgcal needs ``toffset=-1``, a -1 s offset between WVR and
#: interferometric time stamps (ALMA pipeline ``hifa_wvrgcal``). It is also
#: the start of ALMA Cycle 1 (pipeline ``MeasurementSet.get_alma_cycle_number``).
WVR_TOFFSET_EPOCH_MJD_S = 56313 * 86400.0

#: 2009-01-01 (MJD 54832): no ALMA EB is older. Earlier start times are
#: not real observing dates (hand-made test EBs start at MJD 0) and get no
#: era rule.
ALMA_EARLIEST_MJD_S = 54832 * 86400.0

#: Science over reference centre frequency above which a DIFFGAIN EB is
#: band-to-band, and reference over science bandwidth above which it is
#: bandwidth switching (ALMA pipeline ``MeasurementSet.get_diffgain_mode``).
B2B_FREQUENCY_RATIO = 1.661
BWSW_BANDWIDTH_RATIO = 1.5

#: Correlation products of a full-polarisation ALMA window.
FULL_POL_PRODUCTS = frozenset({"XX", "XY", "YX", "YY"})

#: Name endings of MSs a calibration script writes (ALMA's QA2 scripts and
#: scriptgen's own: ``<uid>.ms.split``, ``<uid>.ms.split.cal``), and of
#: pipeline products (``_targets.ms``, ``.calibrated``).
_DERIVED_NAME = re.compile(r"(\.split(\.cal)?|\.cal|\.calibrated|_targets(_line|_cont)?\.ms)/?$")

#: Antenna name prefixes of ALMA's total-power dishes.
TOTAL_POWER_PREFIX = "PM"


class EbKind(str, Enum):
    """The kinds of EB scriptgen tells apart."""

    STANDARD = "standard interferometric"
    BAND_TO_BAND = "band-to-band"
    BANDWIDTH_SWITCHING = "bandwidth switching"
    FULL_POLARISATION = "full polarisation"
    TOTAL_POWER = "total power"
    MIXED_ARRAYS = "mixed array types"
    SPLIT_MS = "split or calibrated MS"


#: The observing mode that calibrates each kind (None: no mode yet).
MODE_OF_KIND = {
    EbKind.STANDARD: "standard",
    EbKind.BAND_TO_BAND: "band_to_band",
    EbKind.BANDWIDTH_SWITCHING: "band_to_band",
    EbKind.FULL_POLARISATION: None,
    EbKind.TOTAL_POWER: None,
    EbKind.MIXED_ARRAYS: None,
    EbKind.SPLIT_MS: None,
}


@dataclass(frozen=True)
class Classification:
    """The kind of an EB, the mode for it, and what an analyst should know.

    ``reasons`` say what in the metadata made the kind; ``risks`` are
    assumptions the script makes or traits worth checking; ``refusal`` is
    one line (kind, why, what would be needed) when no mode handles it.
    """

    kind: EbKind
    mode: str | None
    reasons: tuple[str, ...]
    risks: tuple[str, ...] = ()
    refusal: str | None = None

    def to_json(self) -> dict:
        data = asdict(self)
        data["kind"] = self.kind.value
        data["reasons"] = list(self.reasons)
        data["risks"] = list(self.risks)
        return data


# --------------------------------------------------------------------------
# Single facts.


def _ids(values) -> str:
    return ",".join(str(v) for v in sorted(values))


def _correlator_ids(eb: ExecBlock, spw_ids) -> set[int]:
    known = {s.spw_id: s for s in eb.spws}
    return {i for i in spw_ids if i in known and known[i].kind in derive.CORRELATOR_KINDS}


def _windows_in_scans(eb: ExecBlock, intent: Intent) -> set[int]:
    """Correlator windows of the scans carrying ``intent``."""
    return _correlator_ids(eb, {i for s in eb.scans if intent.value in s.intents for i in s.spw_ids})


def before_wvr_toffset_epoch(eb: ExecBlock) -> bool:
    """Whether ``eb`` was observed before 2013-01-21 (wvrgcal needs ``toffset=-1``)."""
    start = eb.start_mjd_s
    return start is not None and ALMA_EARLIEST_MJD_S <= start < WVR_TOFFSET_EPOCH_MJD_S


def has_intent(eb: ExecBlock, intent: Intent) -> bool:
    """Whether any scan or field carries ``intent``."""
    return any(intent.value in s.intents for s in eb.scans) or any(intent.value in f.intents for f in eb.fields)


def dish_counts(eb: ExecBlock) -> dict[str, int]:
    """Antennas by type: ``12m``, ``7m``, ``TP`` (PM antennas), ``other``."""
    counts = {"12m": 0, "7m": 0, "TP": 0, "other": 0}
    for ant in eb.antennas:
        if ant.name.upper().startswith(TOTAL_POWER_PREFIX):
            counts["TP"] += 1
        elif abs(ant.diameter_m - 12.0) < 0.5:
            counts["12m"] += 1
        elif abs(ant.diameter_m - 7.0) < 0.5:
            counts["7m"] += 1
        else:
            counts["other"] += 1
    return counts


def split_evidence(eb: ExecBlock) -> tuple[bool, tuple[str, ...]]:
    """Whether ``eb`` is a split/calibrated MS rather than a raw EB, and why.

    Rule: the name says so (``.split``, ``.split.cal``, ``_targets.ms``),
    or the content does on two independent counts: no channel-average
    (CH_AVG) partner windows, which importasdm writes beside every ALMA
    correlator window, *and* no CALIBRATE_ATMOSPHERE scan, which every raw
    interferometric EB carries (calibration scripts split by science
    intent, dropping them). SYSCAL is no evidence: CASA's split copies it
    (measured on a scriptgen ``.split.cal``). A missing WVR window alone
    proves nothing (7 m EBs have none), nor do windows numbered from 0;
    they are listed as supporting evidence only.
    """
    name = PurePath(eb.ms_path).name if eb.ms_path else ""
    signals = []
    named = bool(_DERIVED_NAME.search(name))
    if named:
        signals.append(f"its name {name!r} is that of a split or calibrated MS")
    correlator = [s for s in eb.spws if s.kind in derive.CORRELATOR_KINDS]
    no_ch_avg = bool(correlator) and not any(s.kind is SpwKind.CH_AVG for s in eb.spws)
    no_atm = not has_intent(eb, Intent.ATMOSPHERE)
    if no_ch_avg:
        signals.append("no CH_AVG partner windows (importasdm writes one beside each correlator window)")
    if no_atm:
        signals.append("no CALIBRATE_ATMOSPHERE scans")
    if (named or (no_ch_avg and no_atm)) and correlator:
        if not any(s.kind is SpwKind.WVR for s in eb.spws):
            signals.append("no WVR window")
        ids = sorted(s.spw_id for s in eb.spws)
        if ids == list(range(len(ids))) and all(s.kind in derive.CORRELATOR_KINDS for s in eb.spws):
            signals.append(f"only correlator windows, numbered 0-{len(ids) - 1} (renumbered by split)")
    return named or (no_ch_avg and no_atm), tuple(signals)


@dataclass(frozen=True)
class DiffGain:
    """The window setups of a band-to-band or bandwidth-switching EB."""

    kind: EbKind
    reference_spws: tuple[int, ...]  # where the phase calibrator is observed
    science_spws: tuple[int, ...]  # the target's windows
    reason: str


def diffgain_setup(eb: ExecBlock) -> DiffGain | None:
    """B2B or BWSW when the phase calibrator is observed outside the target's windows.

    Evidence: CALIBRATE_DIFFGAIN scans, or phase-calibrator scans whose
    correlator windows share none with the target's. Which of the two: the
    ALMA pipeline's rule (``MeasurementSet.get_diffgain_mode``) compares
    the first window of each setup; science/reference centre frequency
    above 1.661 is band-to-band, reference/science bandwidth above 1.5
    bandwidth switching. A setup matching neither (e.g. only a small
    frequency shift) is reported as band-to-band, the mode that transfers
    phases across windows with an offset solution.
    """
    target = _windows_in_scans(eb, Intent.TARGET)
    phase = _windows_in_scans(eb, Intent.PHASE)
    diffgain = has_intent(eb, Intent.DIFFGAIN)
    separate = bool(target) and bool(phase) and not (phase & target)
    if not (diffgain or separate):
        return None
    reference = sorted(phase - target) or sorted(_windows_in_scans(eb, Intent.DIFFGAIN) - target)
    science = sorted(target)
    evidence = []
    if separate:
        evidence.append(
            f"phase calibrator observed only in spws {_ids(phase)}, the target in spws {_ids(target)}"
        )
    if diffgain:
        evidence.append("CALIBRATE_DIFFGAIN scans present")
    if not reference or not science:
        return DiffGain(EbKind.BAND_TO_BAND, tuple(reference), tuple(science), "; ".join(evidence))
    ref, sci = eb.spw(reference[0]), eb.spw(science[0])
    freq_ratio = sci.centre_freq_hz / ref.centre_freq_hz if ref.centre_freq_hz else 0.0
    bw_ratio = ref.bandwidth_hz / sci.bandwidth_hz if sci.bandwidth_hz else 0.0
    if freq_ratio <= B2B_FREQUENCY_RATIO and bw_ratio > BWSW_BANDWIDTH_RATIO:
        kind = EbKind.BANDWIDTH_SWITCHING
        rule = f"reference/science bandwidth {bw_ratio:.2f} > {BWSW_BANDWIDTH_RATIO}"
    else:
        kind = EbKind.BAND_TO_BAND
        if freq_ratio > B2B_FREQUENCY_RATIO:
            rule = f"science/reference frequency {freq_ratio:.2f} > {B2B_FREQUENCY_RATIO}"
        else:
            rule = (
                f"frequency ratio {freq_ratio:.2f} and bandwidth ratio {bw_ratio:.2f} match neither "
                "pipeline rule; treated as band-to-band (phase transfer across windows)"
            )
    reason = "; ".join(evidence) + f"; {rule} (ALMA pipeline get_diffgain_mode)"
    return DiffGain(kind, tuple(reference), tuple(science), reason)


def is_full_polarisation(eb: ExecBlock) -> tuple[bool, str]:
    science = [eb.spw(i) for i in derive.science_spws(eb)]
    four = [s.spw_id for s in science if FULL_POL_PRODUCTS <= set(s.corr_products)]
    pol_intent = has_intent(eb, Intent.POLARIZATION)
    why = []
    if pol_intent:
        why.append("CALIBRATE_POLARIZATION scans")
    if four:
        why.append(f"four correlation products (XX,XY,YX,YY) in spws {_ids(four)}")
    return bool(why), " and ".join(why)


def is_total_power(eb: ExecBlock) -> tuple[bool, str]:
    counts = dish_counts(eb)
    if eb.has_cross_correlations is False:
        return True, "the main table holds only autocorrelations"
    if eb.antennas and counts["TP"] == len(eb.antennas):
        return True, f"only total-power (PM) antennas ({counts['TP']})"
    correlator = [s for s in eb.spws if s.kind in derive.CORRELATOR_KINDS]
    if not correlator and any(s.kind is SpwKind.SQLD for s in eb.spws):
        return True, "only square-law detector (SQLD) windows"
    return False, ""


def spectral_tunings(eb: ExecBlock) -> tuple[tuple[int, ...], ...]:
    """The distinct correlator window sets of the target scans, when they do not overlap.

    Several disjoint sets are a spectral scan: one EB stepping through
    several tunings.
    """
    sets = []
    for scan in eb.scans:
        if Intent.TARGET.value in scan.intents:
            ids = tuple(sorted(_correlator_ids(eb, scan.spw_ids)))
            if ids and ids not in sets:
                sets.append(ids)
    disjoint = all(not set(a) & set(b) for i, a in enumerate(sets) for b in sets[i + 1:])
    return tuple(sets) if len(sets) > 1 and disjoint else ()


def standard_risks(eb: ExecBlock, *, phase_in_other_windows: bool = False) -> tuple[str, ...]:
    """Traits the standard calibration handles but an analyst should check.

    ``phase_in_other_windows`` is set for band-to-band / bandwidth-switching
    EBs, whose phase calibrator is observed in other windows by design (the
    mode maps its solutions across), so that is not flagged as a gap.
    """
    risks = []
    if has_intent(eb, Intent.AMPLI) and not has_intent(eb, Intent.FLUX):
        fields = derive.fields_with_role(eb, Role.FLUX)
        names = ", ".join(repr(eb.field(f).name) for f in fields)
        risks.append(
            f"Cycle 0-2 flux calibrator: CALIBRATE_AMPLI on {names} is taken as the flux calibrator "
            "(setjy model, fluxscale reference), as the observatory's generator does"
        )
    if before_wvr_toffset_epoch(eb):
        risks.append(
            "observed before 2013-01-21 (Cycle 0): wvrgcal runs with toffset=-1; "
            "early-era metadata (antenna positions, Tsys) deserve a look"
        )
    tunings = spectral_tunings(eb)
    if tunings:
        risks.append(
            f"spectral scan: {len(tunings)} tunings in one EB (target spws "
            + "; ".join(_ids(t) for t in tunings)
            + "): each tuning is calibrated in its own windows; the calibrators must be observed in every tuning"
        )
    target_windows = _windows_in_scans(eb, Intent.TARGET)
    # A tuning without flux-calibrator scans gets no fluxscale reference in its windows.
    for intent, who in ((Intent.PHASE, "phase"), (Intent.BANDPASS, "bandpass"), (Intent.FLUX, "flux")):
        if intent is Intent.PHASE and phase_in_other_windows:
            continue
        covered = _windows_in_scans(eb, intent)
        missing = target_windows - covered
        if covered and missing:
            risks.append(
                f"CHECK: target spws {_ids(missing)} have no {who}-calibrator scans "
                f"(it is observed in spws {_ids(covered)}): those windows get no {who} solutions"
            )
    phase = derive.fields_with_role(eb, Role.PHASE)
    if len(phase) > 1:
        risks.append(
            f"{len(phase)} phase calibrators (fields {_ids(phase)}): each target takes the one observed "
            "nearest in time"
        )
    check = derive.fields_with_role(eb, Role.CHECK)
    if check:
        risks.append(f"check source(s) (fields {_ids(check)}) calibrated like targets, never used to solve")
    counts = dish_counts(eb)
    if counts["TP"] and counts["TP"] < len(eb.antennas):
        risks.append(
            f"{counts['TP']} PM antenna(s) among the interferometric antennas: treated as 12 m dishes "
            "(as in Cycle 0-2 arrays)"
        )
    return tuple(risks)


# --------------------------------------------------------------------------
# The classification.


def _refused(kind: EbKind, reasons: list[str], needed: str) -> Classification:
    why = "; ".join(reasons)
    return Classification(
        kind=kind,
        mode=None,
        reasons=tuple(reasons),
        refusal=f"{kind.value} EB ({why}): {needed}",
    )


def classify(eb: ExecBlock) -> Classification:
    """The kind of ``eb``, in order of precedence.

    A split or calibrated MS first (no script for a raw EB applies to it),
    then total power, full polarisation, mixed array types, band-to-band /
    bandwidth switching, and otherwise the standard kind.
    """
    is_split, signals = split_evidence(eb)
    if is_split:
        return _refused(
            EbKind.SPLIT_MS,
            list(signals),
            "calibration scripts start from the raw EB; give its MS as imported by importasdm "
            "(<uid>.ms) or its ASDM, or run 'scriptgen imaging' on this one",
        )
    total_power, why = is_total_power(eb)
    if total_power:
        return _refused(
            EbKind.TOTAL_POWER,
            [why],
            "single-dish data need the total-power chain (sdcal, sdbaseline, sdimaging; ALMA "
            "pipeline hsd_* tasks); no scriptgen mode does that yet",
        )
    full_pol, why = is_full_polarisation(eb)
    if full_pol:
        return _refused(
            EbKind.FULL_POLARISATION,
            [why],
            "no polarisation mode yet; it would need polcal solutions (cross-hand delay, XY phase, "
            "leakage) over the polarisation calibrator's parallactic-angle range (ALMA pipeline "
            "hifa_polcal); --mode standard would calibrate XX,YY only",
        )
    counts = dish_counts(eb)
    present = [f"{n} x {k}" for k, n in counts.items() if n and k != "TP"]
    if counts["other"] or (counts["12m"] and counts["7m"]):
        return _refused(
            EbKind.MIXED_ARRAYS,
            [f"antennas {', '.join(present)}"],
            "no mode calibrates heterogeneous arrays (per-array weights and primary beams); "
            "split the antennas into one MS per array type",
        )
    diffgain = diffgain_setup(eb)
    if diffgain is not None:
        risks = (
            f"phase calibrator observed only in spws {_ids(diffgain.reference_spws) or '-'}: "
            f"its phases must be transferred to the target's spws {_ids(diffgain.science_spws)} "
            "with an offset solution from the DIFFGAIN calibrator",
        )
        return Classification(
            kind=diffgain.kind,
            mode=MODE_OF_KIND[diffgain.kind],
            reasons=(diffgain.reason,),
            risks=risks + standard_risks(eb, phase_in_other_windows=True),
        )
    arrays = ", ".join(present) or "no"
    cross = ", cross-correlations" if eb.has_cross_correlations else ""
    shared = (
        "the phase calibrator is observed in the target's windows"
        if has_intent(eb, Intent.PHASE) and has_intent(eb, Intent.TARGET)
        else "no phase calibrator observed in other windows than the target's"
    )
    return Classification(
        kind=EbKind.STANDARD,
        mode=MODE_OF_KIND[EbKind.STANDARD],
        reasons=(f"{shared}; {arrays} antennas{cross}, parallel hands only",),
        risks=standard_risks(eb),
    )
