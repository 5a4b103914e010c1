"""The readable summary ``scriptgen inspect`` prints, from an ExecBlock alone.

It answers, in the order an analyst asks, what listobs makes them work out
by eye: which windows are science and which Tsys, their bands and
basebands, what each scan did, which field plays which role, whether Tsys
and WVR calibration can run, and how Tsys maps onto the science windows.
It needs no CASA (it also summarises a snapshot), only astropy for time
and sexagesimal formatting.
"""

from __future__ import annotations

from collections import Counter

from .. import derive
from ..model import ExecBlock

#: Intent prefixes dropped in the tables to keep columns narrow; the
#: remainder (BANDPASS, TARGET, ...) is unambiguous.
_INTENT_PREFIXES = ("CALIBRATE_", "OBSERVE_")


def short_intent(intent: str) -> str:
    for prefix in _INTENT_PREFIXES:
        if intent.startswith(prefix):
            return intent[len(prefix):]
    return intent


def short_intents(intents: tuple[str, ...]) -> str:
    return ",".join(short_intent(i) for i in intents) or "-"


def format_freq(hz: float) -> str:
    """A frequency in the unit that keeps it readable (GHz, MHz or kHz)."""
    value = abs(hz)
    sign = "-" if hz < 0 else ""
    if value >= 1e9:
        return f"{sign}{value / 1e9:.6g} GHz"
    if value >= 1e6:
        return f"{sign}{value / 1e6:.6g} MHz"
    return f"{sign}{value / 1e3:.6g} kHz"


def format_time(mjd_s: float | None, *, date: bool = True) -> str:
    if mjd_s is None:
        return "-"
    import warnings

    from astropy.time import Time

    with warnings.catch_warnings():
        # ERFA warns about "dubious years" for dates far from today (test
        # EBs at MJD 0, dates past its leap-second table): irrelevant here.
        warnings.simplefilter("ignore")
        iso = Time(mjd_s / 86400.0, format="mjd", scale="utc").iso
    return iso[:19] if date else iso[11:19]


def format_ra_dec(ra_rad: float, dec_rad: float) -> tuple[str, str]:
    from astropy import units as u
    from astropy.coordinates import Angle

    ra = Angle(ra_rad, unit=u.rad).wrap_at(360 * u.deg)
    dec = Angle(dec_rad, unit=u.rad)
    return (
        ra.to_string(unit=u.hourangle, sep=":", precision=3, pad=True),
        dec.to_string(unit=u.deg, sep=":", precision=2, pad=True, alwayssign=True),
    )


def _ids(ids) -> str:
    return ",".join(str(i) for i in ids) or "-"


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]], right: set[int]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]

    def line(cells) -> str:
        out = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))]
        return "  " + "  ".join(out).rstrip()

    return [line(header)] + [line(r) for r in rows]


def header_lines(eb: ExecBlock) -> list[str]:
    duration = (
        f" ({(eb.end_mjd_s - eb.start_mjd_s) / 60:.1f} min)"
        if eb.start_mjd_s is not None and eb.end_mjd_s is not None
        else ""
    )
    band = derive.band(eb)
    return [
        f"Execution block {eb.uid}",
        f"  MS        {eb.ms_path}",
        f"  project   {eb.project or '-'}    observer {eb.observer or '-'}",
        f"  time      {format_time(eb.start_mjd_s)} - {format_time(eb.end_mjd_s, date=False)} UTC{duration}",
        f"  contents  {len(eb.spws)} spws, {len(eb.fields)} fields, {len(eb.scans)} scans, "
        f"{len(eb.antennas)} antennas; band {band if band is not None else '?'}; "
        f"{eb.flag_cmd_rows} online flag commands",
    ]


def spw_lines(eb: ExecBlock) -> list[str]:
    science = set(derive.science_spws(eb))
    tsys = set(derive.tsys_spws(eb))
    rows = []
    for s in eb.spws:
        use = "+".join(label for label, on in (("sci", s.spw_id in science), ("tsys", s.spw_id in tsys)) if on)
        rows.append((
            str(s.spw_id), s.name, s.kind.value, str(s.band) if s.band is not None else "-",
            str(s.baseband) if s.baseband is not None else "-", str(s.nchan),
            format_freq(s.chan_width_hz), format_freq(s.centre_freq_hz), " ".join(s.corr_products) or "-",
            use or "-", short_intents(s.intents),
        ))
    head = ("id", "name", "kind", "band", "bb", "nchan", "chan width", "centre", "corr", "use", "intents")
    return ["Spectral windows"] + _table(head, rows, right={0, 3, 4, 5, 6, 7})


def scan_lines(eb: ExecBlock) -> list[str]:
    rows = [
        (
            str(s.number), format_time(s.start_mjd_s, date=False), f"{s.duration_s:.0f}",
            f"{s.integration_s:.3g}", _ids(s.field_ids),
            ",".join(sorted({eb.field(f).name for f in s.field_ids if f < len(eb.fields)})) or "-",
            _ids(s.spw_ids), short_intents(s.intents),
        )
        for s in eb.scans
    ]
    head = ("scan", "start", "dur s", "int s", "fields", "names", "spws", "intents")
    return ["Scans"] + _table(head, rows, right={0, 2, 3})


def field_lines(eb: ExecBlock) -> list[str]:
    rows = []
    for f in eb.fields:
        ra, dec = format_ra_dec(f.ra_rad, f.dec_rad)
        roles = ",".join(sorted(r.value for r in derive.field_roles(f))) or "-"
        rows.append((
            str(f.field_id), f.name, f.source_name, ra, dec, roles,
            "yes" if f.is_ephemeris else "", short_intents(f.intents),
        ))
    head = ("id", "name", "source", "RA (J2000)", "Dec (J2000)", "roles", "ephem", "intents")
    lines = ["Fields"] + _table(head, rows, right={0})
    for source, ids in derive.mosaic_groups(eb).items():
        lines.append(f"  mosaic: {source} = fields {_ids(ids)}")
    return lines


def antenna_lines(eb: ExecBlock) -> list[str]:
    diameters = Counter(round(a.diameter_m, 1) for a in eb.antennas)
    sizes = ", ".join(f"{n} x {d:g} m" for d, n in sorted(diameters.items())) or "none"
    names = " ".join(a.name for a in eb.antennas)
    return [f"Antennas  {len(eb.antennas)} ({sizes})", f"  {names}" if names else "  -"]


def calibration_lines(eb: ExecBlock) -> list[str]:
    lines = []
    if eb.tsys:
        medians = ", ".join(f"{t.spw_id}: {t.median_tsys_k:.0f} K" for t in eb.tsys)
        lines.append(f"Tsys      yes, in SYSCAL for spws {_ids(eb.tsys_spw_ids)} (median {medians})")
    else:
        lines.append("Tsys      no SYSCAL Tsys (no Tsys table can be made)")
    wvr = derive.wvr_spw(eb)
    if derive.wvr_available(eb):
        lines.append(f"WVR       yes (spw {wvr}, 12 m antennas present)")
    elif wvr is not None:
        lines.append(f"WVR       no (spw {wvr} present but no 12 m antenna carries a radiometer)")
    else:
        lines.append("WVR       no (no WVR window)")
    mapping = derive.tsys_map(eb)
    text = ", ".join(f"{sci}->{tsys}" for sci, tsys in mapping.items()) or "-"
    lines.append(f"Tsys map  science -> Tsys spw: {text}")
    roles = derive.calibrator_roles(eb)
    role_text = "; ".join(f"{role.value} {_ids(ids)}" for role, ids in roles.items()) or "-"
    lines.append(f"Roles     {role_text}; target {_ids(derive.target_fields(eb))}")
    return lines


def record_lines(eb: ExecBlock) -> list[str]:
    """What the observatory recorded beside the data (empty when nothing was)."""
    lines = []
    by_source: dict[str, list[str]] = {}
    for entry in eb.calibrator_fluxes:
        by_source.setdefault(entry.source, []).append(f"{entry.flux_jy:.3g} Jy at {format_freq(entry.freq_hz)}")
    for source, values in by_source.items():
        lines.append(f"Catalogue {source}: {', '.join(values)} (ASDM_SOURCE)")
    if eb.science_goal is not None:
        lines.append(f"Goal      {eb.science_goal.describe()}")
    for line in eb.rest_frequencies:
        what = f" {line.transition!r}" if line.transition else ""
        lines.append(f"Line      {line.source} spw {line.spw_id}: rest {format_freq(line.rest_freq_hz)}{what}")
    hanning = sorted({s.online_averaging for s in eb.spws if s.online_averaging})
    if hanning:
        lines.append(f"Channels  Hanning-smoothed online, N = {', '.join(map(str, hanning))} averaged (EFFECTIVE_BW)")
    return lines


def summarise(eb: ExecBlock, notes: tuple[str, ...] = ()) -> str:
    """The whole summary as one string ending with a newline."""
    sections = [
        header_lines(eb),
        spw_lines(eb),
        scan_lines(eb),
        field_lines(eb),
        antenna_lines(eb),
        calibration_lines(eb),
    ]
    records = record_lines(eb)
    if records:
        sections.append(records)
    if notes:
        sections.append(["Notes"] + [f"  - {n}" for n in notes])
    return "\n\n".join("\n".join(s) for s in sections) + "\n"
