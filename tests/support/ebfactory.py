"""Hand-made execution blocks for unit tests that need no CASA.

The layout follows a real band 3 spectral-line EB: spw 0 WVR, TDM windows
(with CH_AVG partners) measured on the atmosphere scans, and FDM science
windows in the same four basebands.
"""

from __future__ import annotations

from scriptgen.model import (
    Antenna,
    ExecBlock,
    Field,
    Scan,
    SpectralWindow,
    SpwKind,
    TsysMeasurement,
)

ATM = "CALIBRATE_ATMOSPHERE"
CAL = ("CALIBRATE_BANDPASS", "CALIBRATE_FLUX", "CALIBRATE_PHASE", "OBSERVE_TARGET")


def spw(spw_id, kind, centre_ghz, bw_mhz, nchan, baseband, intents, suffix="FULL_RES"):
    return SpectralWindow(
        spw_id=spw_id,
        name=f"ALMA_RB_03#BB_{baseband}#SW-01#{suffix}" if baseband else "WVR#NOMINAL",
        kind=kind,
        nchan=nchan,
        chan_width_hz=bw_mhz * 1e6 / nchan,
        bandwidth_hz=bw_mhz * 1e6,
        ref_freq_hz=centre_ghz * 1e9,
        centre_freq_hz=centre_ghz * 1e9,
        band=3 if baseband else None,
        baseband=baseband,
        corr_products=("XX", "YY"),
        intents=tuple(intents),
    )


def tdm_fdm_eb(*, diameter=12.0, mosaic=1, tsys_on_science=False) -> ExecBlock:
    centres = (90.5, 92.5, 102.5, 104.5)
    spws = [spw(0, SpwKind.WVR, 183.3, 7500, 4, None, (ATM, "CALIBRATE_WVR"))]
    for bb, centre in enumerate(centres, start=1):
        spws.append(spw(len(spws), SpwKind.TDM, centre, 2000, 128, bb, (ATM,)))
        spws.append(spw(len(spws), SpwKind.CH_AVG, centre, 2000, 1, bb, (ATM,), "CH_AVG"))
    for bb, centre in enumerate(centres, start=1):
        # FDM windows sit inside their baseband's TDM window, slightly offset.
        intents = CAL + ((ATM,) if tsys_on_science else ())
        spws.append(spw(len(spws), SpwKind.FDM, centre + 0.3, 234.4, 960, bb, intents))
        spws.append(spw(len(spws), SpwKind.CH_AVG, centre + 0.3, 234.4, 1, bb, intents, "CH_AVG"))
    fields = [
        Field(0, "J1058+0133", "J1058+0133", 2.85, 0.02, False, ("CALIBRATE_BANDPASS", ATM)),
        Field(1, "Venus", "Venus", 1.0, 0.1, True, ("CALIBRATE_FLUX", ATM)),
        Field(2, "J1130-1449", "J1130-1449", 2.98, -0.25, False, ("CALIBRATE_PHASE", ATM)),
    ]
    for i in range(mosaic):
        fields.append(Field(3 + i, "NGC_3256", "NGC_3256", 2.73 + 1e-4 * i, -0.76, False, ("OBSERVE_TARGET",)))
    tsys_ids = [s.spw_id for s in spws if s.kind is (SpwKind.FDM if tsys_on_science else SpwKind.TDM)]
    scans = (
        Scan(1, (0,), (ATM,), tuple(tsys_ids), 0.0, 30.0, 1.0),
        Scan(2, (0,), ("CALIBRATE_BANDPASS",), (9, 11, 13, 15), 40.0, 340.0, 6.0),
        Scan(3, (2,), ("CALIBRATE_PHASE",), (9, 11, 13, 15), 350.0, 410.0, 6.0),
        Scan(4, tuple(range(3, 3 + mosaic)), ("OBSERVE_TARGET",), (9, 11, 13, 15), 420.0, 900.0, 6.0),
    )
    antennas = tuple(
        Antenna(i, f"DA{41 + i}", f"A{100 + i:03d}", diameter, (2225000.0 + i, -5440000.0, -2480000.0))
        for i in range(6)
    )
    return ExecBlock(
        uid="uid___A002_Xunit_X1",
        ms_path="uid___A002_Xunit_X1.ms",
        spws=tuple(spws),
        fields=tuple(fields),
        scans=scans,
        antennas=antennas,
        tsys=tuple(TsysMeasurement(i, 75.0 + i, 120) for i in tsys_ids),
        project="2099.1.00001.S",
        observer="unit",
        start_mjd_s=0.0,
        end_mjd_s=900.0,
        flag_cmd_rows=0,
    )
