"""Band-to-band (B2B) and bandwidth-switching (BWSW) decisions.

In these EBs the phase calibrator is observed in other spectral windows
(the *reference* windows: a lower band, or wide windows of the same band)
than the target (the *science* windows). A DIFFGAIN calibrator observed in
both setups measures the phase offset between them. The calibration
sequence follows the ALMA pipeline's ``hifa_diffgaincal`` and
``hifa_timegaincal`` (PIPE-2087):

1. phases of the DIFFGAIN calibrator per scan in the reference windows;
2. the offset between the setups: phases of the DIFFGAIN calibrator in the
   science windows, per group of scans (``combine='scan'``), with step 1
   applied through a science -> reference window map and
   ``interp='linearPD'``;
3. the target takes the phase calibrator's reference-window phases through
   the same window map with ``linearPD``, plus the offset table of step 2,
   and the amplitudes of the bandpass calibrator (observed in the science
   windows, where the flux scale is).

Every function is pure over the metadata model and returns its value with
the reason. The inspector drops the ``#REFERENCE`` / ``#ON_SOURCE`` suffix
of ``CALIBRATE_DIFFGAIN``; the windows tell the two apart (ON_SOURCE scans
are in the target's windows, REFERENCE scans in the phase calibrator's).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import derive
from ..errors import ScriptgenError
from ..model import ExecBlock, Intent, Role, SpectralWindow
from .calibration import SCIENCE_INTENTS, field_label, ids

#: The pipeline calls a DIFFGAIN dataset band-to-band when the science
#: windows' centre frequency exceeds the reference windows' by this ratio
#: ("out of band", Cycle 10; ``MeasurementSet.get_diffgain_mode``).
B2B_FREQUENCY_RATIO = 1.661

#: ... and bandwidth switching when the reference windows are wider than
#: the science windows by this ratio (same method).
BWSW_BANDWIDTH_RATIO = 1.5

#: DIFFGAIN scans whose numbers differ by at most this much belong to one
#: group, solved together with ``combine='scan'`` (pipeline
#: ``DiffGaincal._get_scan_groups``: groups split where ids jump by > 3).
SCAN_GROUP_GAP = 3

#: Central fraction of each window for the bandpass phase pre-solve (the
#: standard mode's value, :data:`scriptgen.heuristics.calibration.PRESOLVE_FRACTION`).
PRESOLVE_FRACTION = 1 / 8

def _correlator(eb: ExecBlock) -> tuple[SpectralWindow, ...]:
    return tuple(s for s in eb.spws if s.kind in derive.CORRELATOR_KINDS)


def science_windows(eb: ExecBlock) -> tuple[int, ...]:
    """Correlator windows observed on the target (the science setup)."""
    return tuple(s.spw_id for s in _correlator(eb) if Intent.TARGET.value in s.intents)


def reference_windows(eb: ExecBlock) -> tuple[int, ...]:
    """Correlator windows of the phase calibrator (or DIFFGAIN calibrator)
    that the target was not observed in: the reference setup.

    The observatory generator (almaqa2csg, ``doGainCalibration``) detects
    B2B/BWSW exactly so: the phase calibrator's windows differ from the
    science windows.
    """
    science = set(science_windows(eb))
    return tuple(
        s.spw_id
        for s in _correlator(eb)
        if s.spw_id not in science and (Intent.PHASE.value in s.intents or Intent.DIFFGAIN.value in s.intents)
    )


def has_diffgain_scans(eb: ExecBlock) -> bool:
    return any(Intent.DIFFGAIN.value in s.intents for s in eb.scans)


def is_band_to_band(eb: ExecBlock) -> bool:
    """Whether the EB needs the band-to-band / bandwidth-switching mode:
    CALIBRATE_DIFFGAIN scans, or a phase calibrator observed in windows the
    target was not."""
    return bool(science_windows(eb)) and (has_diffgain_scans(eb) or bool(reference_windows(eb)))


@dataclass(frozen=True)
class DiffgainSetup:
    """The two setups of a B2B/BWSW EB (MS window ids) and which it is."""

    mode: str  # 'B2B' or 'BWSW'
    science_spws: tuple[int, ...]
    reference_spws: tuple[int, ...]
    reason: str


class UnsupportedSetup(ScriptgenError):
    """A B2B/BWSW-like EB that this mode cannot calibrate (said in one line)."""


def diffgain_setup(eb: ExecBlock) -> DiffgainSetup:
    """B2B or BWSW by the pipeline's rule, from the first window of each setup.

    B2B when science centre / reference centre > 1.661; BWSW when reference
    bandwidth / science bandwidth > 1.5 (ALMA pipeline
    ``MeasurementSet.get_diffgain_mode``, which also compares only the first
    window of each setup: the setups are uniform). Anything else is refused.
    """
    science, reference = science_windows(eb), reference_windows(eb)
    if not science or not reference:
        missing = "science (OBSERVE_TARGET)" if not science else "reference (phase calibrator only)"
        raise UnsupportedSetup(f"{eb.uid}: no {missing} windows, so no band-to-band transfer is possible")
    sci, ref = eb.spw(science[0]), eb.spw(reference[0])
    freq_ratio = sci.centre_freq_hz / ref.centre_freq_hz
    bw_ratio = ref.bandwidth_hz / sci.bandwidth_hz
    detail = (
        f"science spw {sci.spw_id} at {sci.centre_freq_hz / 1e9:.3f} GHz ({sci.bandwidth_hz / 1e6:.1f} MHz), "
        f"reference spw {ref.spw_id} at {ref.centre_freq_hz / 1e9:.3f} GHz ({ref.bandwidth_hz / 1e6:.1f} MHz)"
    )
    if freq_ratio > B2B_FREQUENCY_RATIO:
        return DiffgainSetup(
            "B2B", science, reference,
            f"band-to-band: frequency ratio {freq_ratio:.2f} > {B2B_FREQUENCY_RATIO} ({detail}; "
            "ALMA pipeline get_diffgain_mode)",
        )  # fmt: skip
    if bw_ratio > BWSW_BANDWIDTH_RATIO:
        return DiffgainSetup(
            "BWSW", science, reference,
            f"bandwidth switching: bandwidth ratio {bw_ratio:.2f} > {BWSW_BANDWIDTH_RATIO} ({detail}; "
            "ALMA pipeline get_diffgain_mode)",
        )  # fmt: skip
    raise UnsupportedSetup(
        f"{eb.uid}: phase calibrator and target windows differ but fit neither band-to-band "
        f"(frequency ratio {freq_ratio:.2f} <= {B2B_FREQUENCY_RATIO}) nor bandwidth switching "
        f"(bandwidth ratio {bw_ratio:.2f} <= {BWSW_BANDWIDTH_RATIO}); {detail}"
    )


def kept_windows(eb: ExecBlock) -> tuple[int, ...]:
    """Windows the split keeps: science and reference, in MS order."""
    return tuple(sorted(set(science_windows(eb)) | set(reference_windows(eb))))


def split_ids(eb: ExecBlock) -> dict[int, int]:
    """MS window id -> id in the split MS (CASA renumbers in order)."""
    return {spw_id: n for n, spw_id in enumerate(kept_windows(eb))}


@dataclass(frozen=True)
class WindowMap:
    """Science -> reference windows, as CASA's spwmap over the split MS."""

    pairs: tuple[tuple[int, int], ...]  # (science, reference) in MS ids
    spwmap: tuple[int, ...]  # index = split id
    reason: str


def _reference_for(sci: SpectralWindow, refs: tuple[SpectralWindow, ...]) -> tuple[SpectralWindow, str]:
    same_bb = [r for r in refs if sci.baseband is not None and r.baseband == sci.baseband]
    if same_bb:
        # PIPE-2059: any reference window of the baseband would do; the
        # pipeline takes the one with the highest id.
        return max(same_bb, key=lambda r: r.spw_id), "same baseband"
    nearest = min(refs, key=lambda r: (abs(r.centre_freq_hz - sci.centre_freq_hz), r.spw_id))
    return nearest, "no reference window in its baseband: nearest in frequency"


def window_map(eb: ExecBlock) -> WindowMap:
    """Each science window takes the reference window of its baseband.

    ALMA pipeline ``update_spwmap_for_band_to_band`` (``hifa/heuristics/
    phasespwmap.py``): a science (DIFFGAIN on-source) window is mapped to a
    reference window with the same baseband, the highest id if several.
    Windows that are not science keep their own id.
    """
    ids_in_split = split_ids(eb)
    refs = tuple(eb.spw(r) for r in reference_windows(eb))
    if not refs:
        raise UnsupportedSetup(f"{eb.uid}: no reference windows to map the science windows to")
    pairs, notes = [], []
    for s in science_windows(eb):
        ref, why = _reference_for(eb.spw(s), refs)
        pairs.append((s, ref.spw_id))
        notes.append(f"{s}->{ref.spw_id} ({why})")
    spwmap = list(range(len(ids_in_split)))
    for s, r in pairs:
        spwmap[ids_in_split[s]] = ids_in_split[r]
    return WindowMap(
        pairs=tuple(pairs),
        spwmap=tuple(spwmap),
        reason="science -> reference window (MS ids): "
        + ", ".join(notes)
        + " (ALMA pipeline update_spwmap_for_band_to_band)",
    )


def diffgain_field(eb: ExecBlock) -> tuple[int, str]:
    """The DIFFGAIN calibrator: the CALIBRATE_DIFFGAIN field observed longest.

    Without DIFFGAIN scans the observatory generator falls back to the
    bandpass calibrator, which works only if it was observed in both setups.
    """
    fields = derive.fields_with_role(eb, Role.DIFFGAIN)
    if fields:
        chosen = max(fields, key=lambda f: (derive.time_on_field_s(eb, f, Intent.DIFFGAIN), -f))
        extra = f" (of {len(fields)})" if len(fields) > 1 else ""
        return chosen, f"{field_label(eb, chosen)} is the CALIBRATE_DIFFGAIN calibrator{extra}"
    reference = set(reference_windows(eb))
    science = set(science_windows(eb))
    for bp in derive.fields_with_role(eb, Role.BANDPASS):
        seen = {s for scan in eb.scans if bp in scan.field_ids for s in scan.spw_ids}
        if reference & seen and science & seen:
            return bp, (
                f"no CALIBRATE_DIFFGAIN scans: {field_label(eb, bp)}, the bandpass calibrator observed in "
                "both setups, measures the offset (observatory generator almaqa2csg fallback)"
            )
    raise UnsupportedSetup(
        f"{eb.uid}: the phase calibrator is observed only in windows the target was not, and no "
        "calibrator (CALIBRATE_DIFFGAIN, or a bandpass calibrator in both setups) links the two setups"
    )


def diffgain_scans(eb: ExecBlock, field_id: int, windows: tuple[int, ...]) -> tuple[int, ...]:
    """Scans of the DIFFGAIN calibrator in the given windows (REFERENCE or ON_SOURCE)."""
    wanted = set(windows)
    diffgain = [s for s in eb.scans if Intent.DIFFGAIN.value in s.intents]
    pool = diffgain or [s for s in eb.scans if Intent.BANDPASS.value in s.intents]
    return tuple(s.number for s in pool if field_id in s.field_ids and wanted & set(s.spw_ids))


def scan_groups(numbers: tuple[int, ...]) -> tuple[str, ...]:
    """Scan numbers split where they jump by more than :data:`SCAN_GROUP_GAP`.

    ``(5, 7, 9, 11, 79, 81)`` -> ``('5,7,9,11', '79,81')``: the ON_SOURCE
    scans taken together (interleaved with REFERENCE scans, usually at the
    start and at the end of the EB) give one offset solution each (ALMA
    pipeline ``DiffGaincal._get_scan_groups``).
    """
    groups: list[list[int]] = []
    for n in sorted(numbers):
        if groups and n - groups[-1][-1] <= SCAN_GROUP_GAP:
            groups[-1].append(n)
        else:
            groups.append([n])
    return tuple(ids(g) for g in groups)


@dataclass(frozen=True)
class DiffgainSolve:
    field_id: int
    reference_spw: str  # split ids
    science_spw: str  # split ids
    reference_scans: str
    science_scan_groups: tuple[str, ...]
    reason: str


def diffgain_solve(eb: ExecBlock) -> DiffgainSolve:
    field_id, why = diffgain_field(eb)
    ids_in_split = split_ids(eb)
    ref, sci = reference_windows(eb), science_windows(eb)
    ref_scans = diffgain_scans(eb, field_id, ref)
    sci_scans = diffgain_scans(eb, field_id, sci)
    if not ref_scans or not sci_scans:
        raise UnsupportedSetup(
            f"{eb.uid}: {field_label(eb, field_id)} has no scans in "
            + ("the reference" if not ref_scans else "the science")
            + " windows, so the offset between the setups cannot be measured"
        )
    return DiffgainSolve(
        field_id=field_id,
        reference_spw=ids(ids_in_split[s] for s in ref),
        science_spw=ids(ids_in_split[s] for s in sci),
        reference_scans=ids(ref_scans),
        science_scan_groups=scan_groups(sci_scans),
        reason=why,
    )


def presolve_selection(eb: ExecBlock) -> str:
    """Central channels of every kept window (split ids) for the bandpass phase pre-solve."""
    parts = []
    for spw_id, n in split_ids(eb).items():
        nchan = eb.spw(spw_id).nchan
        width = max(1, int(round(nchan * PRESOLVE_FRACTION)))
        start = (nchan - width) // 2
        parts.append(f"{n}:{start}~{start + width - 1}")
    return ",".join(parts)


def tsys_spwmap(eb: ExecBlock) -> list[int]:
    """Tsys window of every kept window (index = MS id), reference windows included.

    The standard map covers only the target's windows; here each kept
    window takes its best Tsys window (itself when measured on it, else its
    baseband's: :func:`scriptgen.derive.best_tsys_spw`).
    """
    candidates = tuple(eb.spw(i) for i in derive.tsys_spws(eb))
    n = max(s.spw_id for s in eb.spws) + 1 if eb.spws else 0
    mapping = {}
    for spw_id in kept_windows(eb):
        chosen = derive.best_tsys_spw(eb.spw(spw_id), candidates)
        if chosen is not None:
            mapping[spw_id] = chosen
    return [mapping.get(i, i) for i in range(n)]


def amplitude_field(eb: ExecBlock) -> tuple[int, str]:
    """Where the target's amplitudes come from: the bandpass calibrator.

    The phase calibrator is observed only in the reference windows, so its
    amplitudes say nothing about the science windows; the pipeline applies
    the BANDPASS calibrator's flux-scaled amplitudes to the target's
    science windows (``hifa_timegaincal``, PIPE-2087).
    """
    bands = derive.fields_with_role(eb, Role.BANDPASS)
    if not bands:
        raise UnsupportedSetup(f"{eb.uid}: no bandpass calibrator to carry the amplitude scale to the target")
    chosen = max(bands, key=lambda f: (derive.time_on_field_s(eb, f, Intent.BANDPASS), -f))
    return chosen, (
        f"{field_label(eb, chosen)} (bandpass calibrator, observed in the science windows) gives the "
        "target's amplitudes: the phase calibrator is observed only in the reference windows "
        "(ALMA pipeline hifa_timegaincal, PIPE-2087)"
    )


def bandpass_covers(eb: ExecBlock, field_id: int) -> None:
    """Refuse when the bandpass calibrator misses a kept window.

    Each setup needs its own bandpass: the reference windows' phases (phase
    and DIFFGAIN calibrators) are solved with the bandpass applied, and a
    window without bandpass solutions cannot be calibrated.
    """
    seen = {s for scan in eb.scans if field_id in scan.field_ids for s in scan.spw_ids}
    missing = [s for s in kept_windows(eb) if s not in seen]
    if missing:
        raise UnsupportedSetup(
            f"{eb.uid}: the bandpass calibrator {field_label(eb, field_id)} is not observed in "
            f"windows {ids(missing)}, so they get no bandpass; the band-to-band mode needs it in "
            "both setups (or an analyst's bandpass for those windows)"
        )


def fields_in_windows(eb: ExecBlock, windows: tuple[int, ...]) -> tuple[int, ...]:
    """Fields with calibration or target data in any of ``windows``."""
    wanted = set(windows)
    found = set()
    for scan in eb.scans:
        if not SCIENCE_INTENTS & set(scan.intents):
            continue  # atmosphere, pointing...: no data calibration uses
        if wanted & set(scan.spw_ids):
            found.update(scan.field_ids)
    return tuple(sorted(found))
