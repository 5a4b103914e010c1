"""The synthetic EBs contain what their truth says, the way importasdm would
have written it. Read with casatools directly (not scriptgen's inspector,
which is tested against these EBs elsewhere)."""

from __future__ import annotations

import numpy as np
import pytest

from scriptgen import casa_env
from scriptgen.synthetic import Truth, truth_path

pytestmark = pytest.mark.casa


@pytest.fixture(scope="module")
def ct():
    return casa_env.casatools()


def _msmd(ct, ms):
    md = ct.msmetadata()
    md.open(str(ms))
    return md


def _column(ct, path, column):
    tb = ct.table()
    tb.open(str(path))
    try:
        return tb.getcol(column)
    finally:
        tb.close()


def test_truth_file_round_trips(standard_eb):
    assert Truth.load(truth_path(standard_eb.ms_path)) == standard_eb
    assert Truth.load(standard_eb.ms_path) == standard_eb


def test_windows_fields_and_scans_match_the_truth(ct, standard_eb):
    truth = standard_eb
    md = _msmd(ct, truth.ms_path)
    try:
        assert list(md.namesforspws()) == [s.name for s in truth.spws]
        assert [md.nchan(s.spw_id) for s in truth.spws] == [s.nchan for s in truth.spws]
        assert [md.baseband(s.spw_id) for s in truth.spws] == [s.baseband for s in truth.spws]
        assert list(md.almaspws(wvr=True)) == [truth.wvr_spw]
        assert list(md.almaspws(chavg=True)) == list(truth.ch_avg_spws)
        assert list(md.almaspws(tdm=True)) == list(truth.science_spws)
        assert list(md.fieldnames()) == [f.name for f in truth.fields]
        assert list(md.scannumbers()) == [s.number for s in truth.scans]
        for scan in truth.scans:
            assert sorted(md.intentsforscan(scan.number)) == sorted(scan.intents)
            assert list(md.fieldsforscan(scan.number)) == list(scan.field_ids)
            assert sorted(md.spwsforscan(scan.number)) == sorted(scan.spw_ids)
        assert sorted(md.spwsforintent("OBSERVE_TARGET#ON_SOURCE")) == sorted(
            [*truth.science_spws, *truth.ch_avg_spws, truth.wvr_spw]
        )
        assert list(md.antennanames()) == [a.name for a in truth.antennas]
        span = md.timerangeforobs(0)
        begin, end = span["begin"]["m0"]["value"] * 86400, span["end"]["m0"]["value"] * 86400
        assert begin == pytest.approx(truth.start_mjd_s, abs=1e-3)
        assert end == pytest.approx(truth.end_mjd_s, abs=1e-3)
    finally:
        md.close()


def test_tdm_tsys_windows_and_fdm_science_windows(ct, tdm_fdm_eb):
    truth = tdm_fdm_eb
    md = _msmd(ct, truth.ms_path)
    try:
        assert list(md.almaspws(tdm=True)) == list(truth.tsys_spws)
        assert list(md.almaspws(fdm=True)) == list(truth.science_spws)
        atm = md.spwsforintent("CALIBRATE_ATMOSPHERE#ON_SOURCE")
        assert set(truth.tsys_spws) <= set(atm)
        assert not set(truth.science_spws) & set(atm)
        for sci, tsys in truth.tsys_map.items():
            assert md.baseband(sci) == md.baseband(tsys)
    finally:
        md.close()
    assert set(_column(ct, truth.ms_path / "SYSCAL", "SPECTRAL_WINDOW_ID")) == set(truth.tsys_spws)


def test_looks_imported(ct, standard_eb):
    """The details wvrgcal, flagdata and the inspector rely on."""
    ms = standard_eb.ms_path
    tb = ct.table()
    tb.open(str(ms))
    try:
        assert "MODEL_DATA" not in tb.colnames() and "CORRECTED_DATA" not in tb.colnames()
        assert "SYSCAL" in tb.getkeywords()
        wvr = tb.query(f"DATA_DESC_ID=={standard_eb.wvr_spw}")
        try:
            assert wvr.nrows() > 0
            assert np.all(wvr.getcol("ANTENNA1") == wvr.getcol("ANTENNA2"))
            assert set(wvr.getcol("PROCESSOR_ID")) == {1}
            data = wvr.getcol("DATA")
            assert data.shape[0] == 1 and data.shape[1] == 4
            assert 2.7 < data.real.min() and data.real.max() < 300
        finally:
            wvr.close()
    finally:
        tb.close()
    assert list(_column(ct, ms / "PROCESSOR", "TYPE")) == ["CORRELATOR", "RADIOMETER"]
    tb.open(str(ms / "POINTING"))
    try:
        assert tb.getcolkeywords("DIRECTION")["MEASINFO"]["Ref"] == "AZELGEO"
        elevation = tb.getcol("DIRECTION")[1, 0]
        assert np.all(elevation > np.radians(30))
    finally:
        tb.close()
    schedule = ct.table()
    schedule.open(str(ms / "OBSERVATION"))
    try:
        assert schedule.getcell("SCHEDULE", 0)[1] == "ExecBlock uid://A002/Xsyn/X1"
    finally:
        schedule.close()


def test_tsys_spectra_are_in_syscal(ct, standard_eb):
    ms = standard_eb.ms_path
    tb = ct.table()
    tb.open(str(ms / "SYSCAL"))
    try:
        spws = tb.getcol("SPECTRAL_WINDOW_ID")
        for spw, median in standard_eb.median_tsys_k.items():
            rows = np.flatnonzero(spws == spw)
            values = np.concatenate([tb.getcell("TSYS_SPECTRUM", int(r)).ravel() for r in rows])
            assert np.median(values) == pytest.approx(median, rel=0.02)
    finally:
        tb.close()


def test_a_copied_eb_knows_where_it_is(standard_eb, copy_ms):
    copy = copy_ms(standard_eb.ms_path)
    truth = Truth.load(copy)
    assert truth.ms_path == copy
    assert truth.science_spws == standard_eb.science_spws


def test_mosaic_pointings_share_one_source_and_ceres_is_modelled(ct, mosaic_7m_eb):
    truth = mosaic_7m_eb
    targets = truth.target_fields
    assert len(targets) == 3 and {f.name for f in targets} == {"SynTarget"}
    source_ids = _column(ct, truth.ms_path / "FIELD", "SOURCE_ID")
    assert len({int(source_ids[f.field_id]) for f in targets}) == 1
    assert {a.diameter_m for a in truth.antennas} == {7.0}
    ceres = truth.fields_with_role("flux")[0]
    assert ceres.name == "Ceres" and ceres.solar_system
    # Butler-JPL-Horizons 2012 puts Ceres at roughly 1 Jy in band 6.
    assert all(0.3 < flux < 3.0 for flux in ceres.spw_flux_jy.values())
    md = _msmd(ct, truth.ms_path)
    try:
        target_scans = [s for s in truth.scans if "OBSERVE_TARGET#ON_SOURCE" in s.intents]
        for scan in target_scans:
            assert list(md.fieldsforscan(scan.number)) == [f.field_id for f in targets]
    finally:
        md.close()
