"""Hand-made EBs of each kind the preflight classification tells apart.

Each is the unit-test EB (tests/support/ebfactory.py) changed in the one way
that makes the kind, so a test shows which fact the classifier reads.
"""

from __future__ import annotations

from dataclasses import replace

from scriptgen.model import Antenna, Scan, SpwKind

from tests.support.ebfactory import spw, tdm_fdm_eb

#: 2012-06-01 as MJD seconds (Cycle 0).
CYCLE0_MJD_S = 56079 * 86400.0


def _with_phase_scan_windows(eb, windows, *, diffgain=False):
    scans = [replace(s, spw_ids=tuple(windows)) if "CALIBRATE_PHASE" in s.intents else s for s in eb.scans]
    if diffgain:
        end = scans[-1].end_mjd_s
        scans.append(Scan(len(scans) + 1, (0,), ("CALIBRATE_DIFFGAIN",), tuple(windows), end + 10, end + 40, 6.0))
        scans.append(Scan(len(scans) + 1, (0,), ("CALIBRATE_DIFFGAIN",), (9, 11, 13, 15), end + 50, end + 80, 6.0))
    return replace(eb, scans=tuple(scans))


def band_to_band(diffgain=True):
    """Phase calibrator in two band 1 windows (40-42 GHz), target at 90-105 GHz."""
    eb = tdm_fdm_eb()
    low = (
        spw(17, SpwKind.FDM, 40.0, 1875, 480, 1, ("CALIBRATE_PHASE",)),
        spw(18, SpwKind.FDM, 42.0, 1875, 480, 2, ("CALIBRATE_PHASE",)),
    )
    eb = replace(eb, spws=eb.spws + low)
    return _with_phase_scan_windows(eb, (17, 18), diffgain=diffgain)


def bandwidth_switching():
    """Phase calibrator in the wide TDM windows (2 GHz), target in 234 MHz FDM windows."""
    return _with_phase_scan_windows(tdm_fdm_eb(), (1, 3, 5, 7), diffgain=True)


def ampli_flux_calibrator(start_mjd_s=CYCLE0_MJD_S):
    """A Cycle 0 EB: the flux calibrator (Venus) marked CALIBRATE_AMPLI."""
    eb = tdm_fdm_eb()
    fields = tuple(
        replace(f, intents=tuple("CALIBRATE_AMPLI" if i == "CALIBRATE_FLUX" else i for i in f.intents))
        for f in eb.fields
    )
    scans = tuple(
        replace(s, intents=tuple("CALIBRATE_AMPLI" if i == "CALIBRATE_FLUX" else i for i in s.intents))
        for s in eb.scans
    )
    return replace(eb, fields=fields, scans=scans, start_mjd_s=start_mjd_s, end_mjd_s=start_mjd_s + 900)


def full_polarisation(intent=True, products=True):
    eb = tdm_fdm_eb()
    if products:
        eb = replace(
            eb,
            spws=tuple(
                replace(s, corr_products=("XX", "XY", "YX", "YY")) if s.kind is SpwKind.FDM else s for s in eb.spws
            ),
        )
    if intent:
        fields = tuple(
            replace(f, intents=f.intents + ("CALIBRATE_POLARIZATION",)) if f.field_id == 0 else f for f in eb.fields
        )
        scans = tuple(
            replace(s, intents=s.intents + ("CALIBRATE_POLARIZATION",)) if s.number == 2 else s for s in eb.scans
        )
        eb = replace(eb, fields=fields, scans=scans)
    return eb


def total_power_pm():
    eb = tdm_fdm_eb()
    antennas = tuple(replace(a, name=f"PM0{a.antenna_id + 1}") for a in eb.antennas[:4])
    return replace(eb, antennas=antennas)


def mixed_12m_7m():
    eb = tdm_fdm_eb()
    antennas = tuple(
        replace(a, name=f"CM{a.antenna_id:02d}", diameter_m=7.0) if a.antenna_id >= 3 else a for a in eb.antennas
    )
    return replace(eb, antennas=antennas)


def split_cal(name=True, content=True):
    """What <uid>.ms.split.cal looks like: science windows renumbered, nothing else."""
    eb = tdm_fdm_eb()
    if content:
        science = [s for s in eb.spws if s.kind is SpwKind.FDM]
        renumbered = tuple(replace(s, spw_id=n) for n, s in enumerate(science))
        old_to_new = {s.spw_id: n for n, s in enumerate(science)}
        scans = tuple(
            replace(s, spw_ids=tuple(old_to_new[i] for i in s.spw_ids if i in old_to_new))
            for s in eb.scans
            if "CALIBRATE_ATMOSPHERE" not in s.intents
        )
        fields = tuple(replace(f, intents=tuple(i for i in f.intents if i != "CALIBRATE_ATMOSPHERE")) for f in eb.fields)
        eb = replace(eb, spws=renumbered, scans=scans, fields=fields, tsys=())
    if name:
        eb = replace(eb, ms_path="/data/uid___A002_Xunit_X1.ms.split.cal")
    return eb


def spectral_scan():
    """Two tunings: target scans alternate between windows 9,11 and 13,15."""
    eb = tdm_fdm_eb()
    scans = list(eb.scans)
    last = scans[-1]
    scans[-1] = replace(last, spw_ids=(9, 11))
    scans.append(replace(last, number=5, spw_ids=(13, 15), start_mjd_s=910.0, end_mjd_s=1300.0))
    return replace(eb, scans=tuple(scans))


def aca_raw():
    """A raw 7 m EB: no WVR (no radiometers), but CH_AVG partners and Tsys."""
    eb = tdm_fdm_eb(diameter=7.0)
    return replace(eb, spws=tuple(s for s in eb.spws if s.kind is not SpwKind.WVR))


def with_antenna_names(eb, names):
    antennas = tuple(
        Antenna(i, n, f"A{i:03d}", 12.0, (2225000.0 + i, -5440000.0, -2480000.0)) for i, n in enumerate(names)
    )
    return replace(eb, antennas=antennas)
