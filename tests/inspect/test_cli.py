"""`scriptgen inspect` on real (synthetic) MeasurementSets."""

from __future__ import annotations

import pytest

from scriptgen import snapshot
from scriptgen.cli import main

pytestmark = pytest.mark.casa


def test_summary_and_snapshot(tdm_fdm_eb, inspected, tmp_path, capfd):
    target = tmp_path / "eb.json"
    assert main(["inspect", str(tdm_fdm_eb.ms_path), "--json", str(target)]) == 0
    out, err = capfd.readouterr()
    assert err == ""
    assert snapshot.load(target) == inspected(tdm_fdm_eb.ms_path)
    mapping = ", ".join(f"{s}->{t}" for s, t in tdm_fdm_eb.tsys_map.items())
    assert f"Tsys map  science -> Tsys spw: {mapping}" in out
    for heading in ("Spectral windows", "Scans", "Fields", "Antennas", "Tsys ", "WVR "):
        assert f"\n{heading}" in out
    assert f"snapshot written to {target}" in out


def test_json_into_an_existing_folder(standard_eb, tmp_path, capfd):
    assert main(["inspect", str(standard_eb.ms_path), "--json", str(tmp_path), "-q"]) == 0
    assert capfd.readouterr() == ("", "")
    assert (tmp_path / f"{standard_eb.ms_path.name.removesuffix('.ms')}.json").is_file()
