"""The inspector reports exactly what the synthetic builder made.

Each shared synthetic EB (see ``tests/conftest.py``) is inspected once and
compared, table by table, with the truth the builder saved beside it.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from scriptgen import derive, snapshot
from scriptgen.inspect import inspect_ms, inspect_with_notes
from scriptgen.model import Role

pytestmark = pytest.mark.casa

EB_FIXTURES = ("standard_eb", "tdm_fdm_eb", "mosaic_7m_eb")


@pytest.fixture(params=EB_FIXTURES)
def case(request, inspected):
    """(truth, inspected EB) for each shared synthetic EB."""
    truth = request.getfixturevalue(request.param)
    return truth, inspected(truth.ms_path)


def _stripped(intents) -> tuple[str, ...]:
    return tuple(sorted({derive.strip_intent(i) for i in intents}))


def test_identity_and_times(case):
    truth, eb = case
    assert eb.uid == Path(truth.ms).name.removesuffix(".ms")
    assert eb.ms_path == str(Path(truth.ms).absolute())
    assert eb.project == truth.config.project
    assert eb.observer == truth.config.observer
    assert eb.start_mjd_s == pytest.approx(truth.start_mjd_s, abs=1e-3)
    assert eb.end_mjd_s == pytest.approx(truth.end_mjd_s, abs=1e-3)


def test_spectral_windows(case):
    truth, eb = case
    assert [s.spw_id for s in eb.spws] == [s.spw_id for s in truth.spws]
    for got, want in zip(eb.spws, truth.spws):
        assert got.name == want.name
        assert got.kind.value == want.kind, got.name
        assert got.nchan == want.nchan
        assert got.centre_freq_hz == pytest.approx(want.centre_hz, rel=1e-12)
        assert got.chan_width_hz == pytest.approx(want.chan_width_hz, rel=1e-12)
        assert got.bandwidth_hz == pytest.approx(abs(want.chan_width_hz) * want.nchan, rel=1e-12)
        # The truth writes baseband 0 for the WVR window; the model says None.
        assert got.baseband == (want.baseband or None)
        assert got.band == (truth.config.band if want.kind != "WVR" else None)
    products = {s.spw_id: s.corr_products for s in eb.spws}
    assert products[truth.wvr_spw] == ("XX",)
    assert all(products[i] == ("XX", "YY") for i in truth.science_spws)


def test_science_tsys_and_the_tsys_map(case):
    truth, eb = case
    assert derive.science_spws(eb) == truth.science_spws
    assert derive.tsys_spws(eb) == truth.tsys_spws
    assert derive.tsys_map(eb) == truth.tsys_map
    assert derive.wvr_spw(eb) == truth.wvr_spw
    assert derive.band(eb) == truth.config.band
    assert tuple(s.spw_id for s in eb.spws if s.kind.value == "CH_AVG") == truth.ch_avg_spws


def test_tsys_medians(case):
    truth, eb = case
    assert eb.tsys_spw_ids == tuple(sorted(truth.median_tsys_k))
    for t in eb.tsys:
        # SYSCAL stores float32: compare at its precision.
        assert t.median_tsys_k == pytest.approx(truth.median_tsys_k[t.spw_id], rel=1e-6)
        assert t.n_rows > 0


def test_fields_roles_and_coordinates(case):
    truth, eb = case
    assert [f.field_id for f in eb.fields] == [f.field_id for f in truth.fields]
    for got, want in zip(eb.fields, truth.fields):
        assert (got.name, got.source_name) == (want.name, want.source_name)
        assert got.is_ephemeris == want.solar_system
        assert sorted(r.value for r in derive.field_roles(got)) == sorted(want.roles)
        if not want.solar_system:
            assert math.degrees(got.ra_rad) == pytest.approx(want.ra_deg % 360, abs=1e-9)
            assert math.degrees(got.dec_rad) == pytest.approx(want.dec_deg, abs=1e-9)
    assert derive.fields_with_role(eb, Role.TARGET) == tuple(f.field_id for f in truth.target_fields)
    mosaic = derive.mosaic_groups(eb)
    if truth.config.mosaic_pointings > 1:
        assert list(mosaic.values()) == [tuple(f.field_id for f in truth.target_fields)]
    else:
        assert mosaic == {}


def test_scans(case):
    truth, eb = case
    assert [s.number for s in eb.scans] == [s.number for s in truth.scans]
    for got, want in zip(eb.scans, truth.scans):
        assert got.field_ids == want.field_ids
        assert got.intents == _stripped(want.intents)
        assert got.spw_ids == want.spw_ids
        assert got.start_mjd_s == pytest.approx(want.start_mjd_s, abs=1e-3)
        assert got.end_mjd_s == pytest.approx(want.end_mjd_s, abs=1e-3)
        assert got.integration_s == pytest.approx(truth.integration_s)


def test_intents_per_window_and_field(case):
    """A window's (a field's) intents are those of the scans it was in."""
    truth, eb = case
    for spw in eb.spws:
        scans = [s for s in truth.scans if spw.spw_id in s.spw_ids]
        assert spw.intents == _stripped(i for s in scans for i in s.intents)
    for fld in eb.fields:
        scans = [s for s in truth.scans if fld.field_id in s.field_ids]
        assert fld.intents == _stripped(i for s in scans for i in s.intents)


def test_antennas_and_wvr(case):
    truth, eb = case
    assert [(a.name, a.station, a.diameter_m) for a in eb.antennas] == [
        (a.name, a.station, a.diameter_m) for a in truth.antennas
    ]
    # ITRF positions: about one Earth radius from the centre.
    assert all(6.3e6 < math.dist((0, 0, 0), a.position_m) < 6.4e6 for a in eb.antennas)
    assert derive.wvr_available(eb) == (truth.config.array == "12m")


def test_tdm_tsys_maps_each_fdm_science_window_to_its_basebands_tdm_window(tdm_fdm_eb, inspected):
    eb = inspected(tdm_fdm_eb.ms_path)
    mapping = derive.tsys_map(eb)
    assert mapping == tdm_fdm_eb.tsys_map and len(mapping) == len(tdm_fdm_eb.science_spws)
    for sci, tsys in mapping.items():
        science, tdm = eb.spw(sci), eb.spw(tsys)
        assert (science.kind.value, tdm.kind.value) == ("FDM", "TDM")
        assert science.baseband == tdm.baseband
        assert tdm.min_freq_hz <= science.min_freq_hz and science.max_freq_hz <= tdm.max_freq_hz


def test_snapshot_round_trip_is_lossless(case, tmp_path):
    _, eb = case
    assert snapshot.loads(snapshot.dumps(eb)) == eb
    assert snapshot.load(snapshot.save(eb, tmp_path / "eb.json")) == eb


def test_relative_path_gives_the_same_eb(standard_eb, inspected, monkeypatch):
    ms = Path(standard_eb.ms)
    monkeypatch.chdir(ms.parent)
    assert inspect_ms(ms.name) == inspected(ms)


def test_a_clean_eb_has_no_notes(standard_eb):
    assert inspect_with_notes(standard_eb.ms_path).notes == ()


def test_window_kinds_agree_with_msmetadata_almaspws(case):
    """Our classification, done without msmetadata, matches CASA's own."""
    from scriptgen import casa_env

    truth, eb = case
    md = casa_env.casatools().msmetadata()
    md.open(str(truth.ms_path))
    try:
        casa = {kind: set(md.almaspws(**{key: True}).tolist())
                for kind, key in (("WVR", "wvr"), ("TDM", "tdm"), ("FDM", "fdm"),
                                  ("CH_AVG", "chavg"), ("SQLD", "sqld"))}  # fmt: skip
    finally:
        md.close()
    ours = {kind: {s.spw_id for s in eb.spws if s.kind.value == kind} for kind in casa}
    assert ours == casa
