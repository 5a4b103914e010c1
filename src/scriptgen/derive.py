"""Facts that follow from an execution block's metadata.

Each function answers one question an analyst would otherwise answer by
reading listobs: which windows carry science, where Tsys was measured, which
Tsys window calibrates which science window, which field is the bandpass
calibrator. They are pure functions of :class:`~scriptgen.model.ExecBlock`,
so they run from a snapshot without CASA and are unit-tested on hand-made
EBs.
"""

from __future__ import annotations

import re
from collections import Counter

from .model import ExecBlock, Field, Intent, Role, SpectralWindow, SpwKind

#: Correlator windows that can carry science or Tsys; the others
#: (WVR, channel averages, square-law detectors) never do.
CORRELATOR_KINDS = frozenset({SpwKind.FDM, SpwKind.TDM})

#: Which calibration role each intent gives a field.
ROLE_OF_INTENT = {
    Intent.BANDPASS: Role.BANDPASS,
    Intent.FLUX: Role.FLUX,
    # Cycle 0-2 EBs mark the flux calibrator CALIBRATE_AMPLI; the
    # observatory generator (almaqa2csg) treats it as CALIBRATE_FLUX for
    # setjy, fluxscale and flagging, and so does every use of Role.FLUX.
    Intent.AMPLI: Role.FLUX,
    Intent.PHASE: Role.PHASE,
    Intent.CHECK: Role.CHECK,
    Intent.POLARIZATION: Role.POLARIZATION,
    Intent.DIFFGAIN: Role.DIFFGAIN,
    Intent.TARGET: Role.TARGET,
}

#: ALMA receiver bands, sky frequency ranges in GHz (ALMA technical
#: handbook). Used only when a window's name does not say its band.
BAND_RANGES_GHZ = {
    1: (35.0, 50.0),
    2: (67.0, 84.0),
    3: (84.0, 116.0),
    4: (125.0, 163.0),
    5: (163.0, 211.0),
    6: (211.0, 275.0),
    7: (275.0, 373.0),
    8: (385.0, 500.0),
    9: (602.0, 720.0),
    10: (787.0, 950.0),
}

#: Solar-system bodies ALMA uses as flux calibrators; CASA's
#: 'Butler-JPL-Horizons 2012' standard models them by name.
SOLAR_SYSTEM_BODIES = frozenset(
    {
        "Mercury", "Venus", "Mars", "Jupiter", "Saturn", "Uranus", "Neptune",
        "Io", "Europa", "Ganymede", "Callisto", "Titan", "Ceres", "Pallas",
        "Vesta", "Juno", "Moon", "Sun",
    }
)  # fmt: skip

_BAND_IN_NAME = re.compile(r"ALMA_RB_(\d+)")
_BASEBAND_IN_NAME = re.compile(r"#BB_(\d+)")


def strip_intent(intent: str) -> str:
    """``CALIBRATE_PHASE#ON_SOURCE`` -> ``CALIBRATE_PHASE``."""
    return intent.split("#", 1)[0]


def band_from_name(name: str) -> int | None:
    """The receiver band importasdm wrote into a window name, if any."""
    match = _BAND_IN_NAME.search(name)
    return int(match.group(1)) if match else None


def baseband_from_name(name: str) -> int | None:
    """The baseband (1-4) importasdm wrote into a window name, if any."""
    match = _BASEBAND_IN_NAME.search(name)
    return int(match.group(1)) if match else None


def band_from_frequency(freq_hz: float) -> int | None:
    """The ALMA band whose sky range holds ``freq_hz``."""
    ghz = freq_hz / 1e9
    for band, (low, high) in BAND_RANGES_GHZ.items():
        if low <= ghz <= high:
            return band
    return None


def is_solar_system_body(name: str) -> bool:
    return name.strip().capitalize() in SOLAR_SYSTEM_BODIES


def _windows_with_intent(eb: ExecBlock, intent: Intent) -> tuple[SpectralWindow, ...]:
    return tuple(
        spw
        for spw in eb.spws
        if spw.kind in CORRELATOR_KINDS and intent.value in spw.intents
    )


def science_spws(eb: ExecBlock) -> tuple[int, ...]:
    """Correlator windows observed on the target.

    An EB without OBSERVE_TARGET scans (a calibrator-only test) falls back to
    the windows used on the phase, then the bandpass calibrator.
    """
    for intent in (Intent.TARGET, Intent.PHASE, Intent.BANDPASS):
        windows = _windows_with_intent(eb, intent)
        if windows:
            return tuple(spw.spw_id for spw in windows)
    return ()


def tsys_spws(eb: ExecBlock) -> tuple[int, ...]:
    """Correlator windows with SYSCAL Tsys, from the atmosphere scans.

    When SYSCAL has Tsys, it decides; the ATMOSPHERE intent alone is used
    only for EBs whose SYSCAL is empty (where no Tsys table can be made
    anyway, and the caller reports that).
    """
    with_syscal = set(eb.tsys_spw_ids)
    correlator = {spw.spw_id for spw in eb.spws if spw.kind in CORRELATOR_KINDS}
    if with_syscal:
        return tuple(sorted(with_syscal & correlator))
    return tuple(spw.spw_id for spw in _windows_with_intent(eb, Intent.ATMOSPHERE))


def _overlap_hz(a: SpectralWindow, b: SpectralWindow) -> float:
    return min(a.max_freq_hz, b.max_freq_hz) - max(a.min_freq_hz, b.min_freq_hz)


def best_tsys_spw(science: SpectralWindow, candidates: tuple[SpectralWindow, ...]) -> int | None:
    """The Tsys window that should calibrate ``science``.

    The window itself when it has Tsys; otherwise a window of the same
    baseband (same IF chain, so the same system temperature) with the
    largest frequency overlap; otherwise, across basebands, the largest
    overlap and then the nearest centre frequency.
    """
    if not candidates:
        return None
    by_id = {c.spw_id: c for c in candidates}
    if science.spw_id in by_id:
        return science.spw_id
    same_bb = [
        c for c in candidates if science.baseband is not None and c.baseband == science.baseband
    ]
    pool = same_bb or list(candidates)
    best = max(
        pool,
        key=lambda c: (
            _overlap_hz(science, c),
            -abs(c.centre_freq_hz - science.centre_freq_hz),
            -c.spw_id,
        ),
    )
    return best.spw_id


def tsys_map(eb: ExecBlock) -> dict[int, int]:
    """Science window id -> the Tsys window id that calibrates it."""
    candidates = tuple(eb.spw(i) for i in tsys_spws(eb))
    mapping = {}
    for spw_id in science_spws(eb):
        chosen = best_tsys_spw(eb.spw(spw_id), candidates)
        if chosen is not None:
            mapping[spw_id] = chosen
    return mapping


def tsys_spwmap(eb: ExecBlock) -> list[int]:
    """The tsys map as CASA's ``spwmap`` list (index = MS spw id).

    Windows that are not science keep their own id, which is what applycal
    expects for windows it does not calibrate.
    """
    mapping = tsys_map(eb)
    n = max(spw.spw_id for spw in eb.spws) + 1 if eb.spws else 0
    return [mapping.get(i, i) for i in range(n)]


def field_roles(fld: Field) -> frozenset[Role]:
    """Roles a field plays, from the intents of the scans it was in."""
    return frozenset(
        ROLE_OF_INTENT[Intent(i)]
        for i in fld.intents
        if i in Intent._value2member_map_ and Intent(i) in ROLE_OF_INTENT
    )


def fields_with_role(eb: ExecBlock, role: Role) -> tuple[int, ...]:
    return tuple(f.field_id for f in eb.fields if role in field_roles(f))


def calibrator_roles(eb: ExecBlock) -> dict[Role, tuple[int, ...]]:
    """Each calibration role -> the fields that play it (roles nobody plays omitted)."""
    roles = {}
    for role in Role:
        if role is Role.TARGET:
            continue
        ids = fields_with_role(eb, role)
        if ids:
            roles[role] = ids
    return roles


def target_fields(eb: ExecBlock) -> tuple[int, ...]:
    return fields_with_role(eb, Role.TARGET)


def mosaic_groups(eb: ExecBlock) -> dict[str, tuple[int, ...]]:
    """Target source name -> its fields, for sources observed as mosaics.

    ALMA gives every pointing of a mosaic its own field with the same
    source name, so a source with more than one target field is a mosaic.
    """
    groups: dict[str, list[int]] = {}
    for fid in target_fields(eb):
        groups.setdefault(eb.field(fid).source_name, []).append(fid)
    return {name: tuple(ids) for name, ids in groups.items() if len(ids) > 1}


def spw_band(spw: SpectralWindow) -> int | None:
    return spw.band if spw.band is not None else band_from_frequency(spw.centre_freq_hz)


def band(eb: ExecBlock) -> int | None:
    """The receiver band of the science windows (the most common one)."""
    bands = [spw_band(eb.spw(i)) for i in science_spws(eb)]
    counted = Counter(b for b in bands if b is not None)
    return counted.most_common(1)[0][0] if counted else None


def wvr_available(eb: ExecBlock) -> bool:
    """Whether wvrgcal can run: a WVR window and at least one 12 m antenna.

    Only 12 m antennas carry water-vapour radiometers; an all-7 m (ACA) or
    total-power EB has none, and the WVR step is skipped.
    """
    has_window = any(spw.kind is SpwKind.WVR for spw in eb.spws)
    has_12m = any(abs(a.diameter_m - 12.0) < 0.5 for a in eb.antennas)
    return has_window and has_12m


def wvr_spw(eb: ExecBlock) -> int | None:
    for spw in eb.spws:
        if spw.kind is SpwKind.WVR:
            return spw.spw_id
    return None


def repeated_uids(ebs) -> list[str]:
    """EB uids that occur more than once in ``ebs``, sorted.

    The same EB given twice would be calibrated twice and counted twice in
    a flux average; every generator refuses it.
    """
    uids = [eb.uid for eb in ebs]
    return sorted({u for u in uids if uids.count(u) > 1})


def time_on_field_s(eb: ExecBlock, field_id: int, intent: Intent | None = None) -> float:
    """Total scan time spent on a field (optionally only in scans of one intent)."""
    return sum(
        scan.duration_s
        for scan in eb.scans
        if field_id in scan.field_ids and (intent is None or intent.value in scan.intents)
    )
