"""Fixtures for the calibration-script tests (hand-made EBs need no CASA)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scriptgen.render import make_environment

from tests.heuristics.variants import (
    mosaic_with_tsys_on_one_pointing,
    recorded_fluxes,
    two_phase_calibrators,
    with_quasar_flux_calibrator,
)
from tests.support.ebfactory import tdm_fdm_eb

HOSTILE = "x'); import os; os.system('touch PWNED'); ('\nimport os"


def _no_tsys():
    eb = tdm_fdm_eb()
    return replace(eb, tsys=(), scans=tuple(s for s in eb.scans if "CALIBRATE_ATMOSPHERE" not in s.intents))


def hostile_eb():
    """Every free-text name the MS can carry, set to code that would create PWNED."""
    eb = tdm_fdm_eb()
    fields = tuple(replace(f, name=HOSTILE + str(f.field_id), source_name=HOSTILE + str(f.field_id)) for f in eb.fields)
    fields = tuple(replace(f, is_ephemeris=False) for f in fields)
    antennas = tuple(replace(a, name=HOSTILE + a.name, station=HOSTILE) for a in eb.antennas)
    spws = tuple(replace(s, name=HOSTILE + s.name) for s in eb.spws)
    fluxes = recorded_fluxes(HOSTILE + "1")
    return replace(
        eb, fields=fields, antennas=antennas, spws=spws, project=HOSTILE, observer=HOSTILE, calibrator_fluxes=fluxes
    )


EB_VARIANTS = {
    "tdm_fdm_12m": lambda: tdm_fdm_eb(),
    "tdm_fdm_7m": lambda: tdm_fdm_eb(diameter=7.0),
    "mosaic": lambda: tdm_fdm_eb(mosaic=3),
    "mosaic_tsys_pointing": lambda: mosaic_with_tsys_on_one_pointing(3),
    "quasar_flux_cal": lambda: with_quasar_flux_calibrator(recorded=True),
    "two_phase_cals": two_phase_calibrators,
    "online_flags": lambda: replace(tdm_fdm_eb(), flag_cmd_rows=5),
    "no_tsys": _no_tsys,
    "hostile": hostile_eb,
}


@pytest.fixture(scope="session")
def env():
    return make_environment()


@pytest.fixture(params=sorted(EB_VARIANTS))
def any_eb(request):
    return EB_VARIANTS[request.param]()
