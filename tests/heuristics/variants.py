"""Variations of the hand-made unit-test EB (tests/support/ebfactory.py)."""

from __future__ import annotations

from dataclasses import replace

from scriptgen.model import Antenna, CatalogueFluxEntry, Field, Scan

from tests.support.ebfactory import tdm_fdm_eb

ATM = "CALIBRATE_ATMOSPHERE"


def recorded_fluxes(name, flux_jy=2.0, spix=-0.6, ref_hz=100e9, err_fraction=0.05, epoch=None):
    """ASDM_SOURCE-like catalogue entries for ``name`` at 91.5 and 343.5 GHz (a power law)."""
    return tuple(
        CatalogueFluxEntry(name, f, flux_jy * (f / ref_hz) ** spix, err_fraction * flux_jy * (f / ref_hz) ** spix, epoch)
        for f in (91.5e9, 343.5e9)
    )


def with_quasar_flux_calibrator(eb=None, name="J0423-0120", recorded=False):
    """Field 1 a quasar flux calibrator; ``recorded`` adds its ASDM_SOURCE fluxes."""
    eb = eb or tdm_fdm_eb()
    fields = tuple(
        replace(f, name=name, source_name=name, is_ephemeris=False) if f.field_id == 1 else f for f in eb.fields
    )
    return replace(eb, fields=fields, calibrator_fluxes=recorded_fluxes(name) if recorded else ())


def with_antennas(eb, positions, diameter=12.0):
    antennas = tuple(
        Antenna(i, f"DA{41 + i}", f"A{i:03d}", diameter, tuple(float(c) for c in pos))
        for i, pos in enumerate(positions)
    )
    return replace(eb, antennas=antennas)


def two_phase_calibrators():
    """Targets 3 (with phase cal 2) and 5 (with phase cal 4), alternating in time."""
    eb = tdm_fdm_eb()
    fields = list(eb.fields) + [
        Field(4, "J1200-1000", "J1200-1000", 3.14, -0.17, False, ("CALIBRATE_PHASE", ATM)),
        Field(5, "NGC_4038", "NGC_4038", 3.15, -0.33, False, ("OBSERVE_TARGET",)),
    ]
    science = (9, 11, 13, 15)
    scans = [
        Scan(1, (0,), (ATM,), (1, 3, 5, 7), 0.0, 30.0, 1.0),
        Scan(2, (0,), ("CALIBRATE_BANDPASS",), science, 40.0, 340.0, 6.0),
        Scan(3, (1,), ("CALIBRATE_FLUX",), science, 350.0, 400.0, 6.0),
        Scan(4, (2,), (ATM,), (1, 3, 5, 7), 410.0, 420.0, 1.0),
        Scan(5, (2,), ("CALIBRATE_PHASE",), science, 420.0, 450.0, 6.0),
        Scan(6, (3,), ("OBSERVE_TARGET",), science, 460.0, 700.0, 6.0),
        Scan(7, (2,), ("CALIBRATE_PHASE",), science, 710.0, 740.0, 6.0),
        Scan(8, (4,), (ATM,), (1, 3, 5, 7), 2000.0, 2010.0, 1.0),
        Scan(9, (4,), ("CALIBRATE_PHASE",), science, 2010.0, 2040.0, 6.0),
        Scan(10, (5,), ("OBSERVE_TARGET",), science, 2050.0, 2300.0, 6.0),
        Scan(11, (4,), ("CALIBRATE_PHASE",), science, 2310.0, 2340.0, 6.0),
    ]
    return replace(eb, fields=tuple(fields), scans=tuple(scans))


def mosaic_with_tsys_on_one_pointing(n=3):
    """A mosaic whose first pointing (field 3) has its own atmosphere scan."""
    eb = tdm_fdm_eb(mosaic=n)
    scans = list(eb.scans) + [Scan(5, (3,), (ATM,), (1, 3, 5, 7), 905.0, 915.0, 1.0)]
    return replace(eb, scans=tuple(scans))
