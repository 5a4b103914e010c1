import json
from dataclasses import replace

import pytest

from scriptgen import snapshot
from scriptgen.errors import SnapshotError

from tests.support.ebfactory import tdm_fdm_eb


def test_round_trip_is_lossless(tmp_path):
    eb = tdm_fdm_eb(mosaic=3)
    # a float that needs all 17 digits
    eb = replace(eb, start_mjd_s=4.9e9 + 0.1 + 0.2, end_mjd_s=4.9e9 + 900.0)
    path = snapshot.save(eb, tmp_path / "eb.json")
    back = snapshot.load(path)
    assert back == eb
    assert snapshot.dumps(back) == path.read_text()


def test_snapshot_records_format_and_version():
    data = json.loads(snapshot.dumps(tdm_fdm_eb()))
    assert data["format"] == "scriptgen-execblock"
    assert data["schema_version"] == snapshot.SCHEMA_VERSION


def test_unknown_version_is_refused():
    data = snapshot.to_dict(tdm_fdm_eb())
    data["schema_version"] = 99
    with pytest.raises(SnapshotError, match="schema version 99"):
        snapshot.from_dict(data)


def test_wrong_types_are_refused_with_the_field_named():
    data = json.loads(snapshot.dumps(tdm_fdm_eb()))
    data["execblock"]["spws"][2]["nchan"] = "many"
    with pytest.raises(SnapshotError, match=r"spws\[2\]\.nchan"):
        snapshot.from_dict(data)


def test_not_json():
    with pytest.raises(SnapshotError, match="not valid JSON"):
        snapshot.loads("{nope")
