"""`scriptgen qa2 --execblock`: the prediction from a real EB (MS or snapshot)."""

import json

import pytest

from scriptgen import snapshot
from scriptgen.cli import main
from scriptgen.inspect import inspect_ms

from tests.package.conftest import MS, UID

pytestmark = pytest.mark.casa


def test_prediction_from_ms_and_snapshot_agree(reduced_workdir, tmp_path, capsys):
    image = str(reduced_workdir / "images" / "target.cont.image")
    snap = snapshot.save(inspect_ms(reduced_workdir / MS), tmp_path / f"{UID}.json")
    results = []
    for eb in (reduced_workdir / MS, snap):
        out = tmp_path / "r.json"
        assert main(["qa2", image, "--rms", "0.1mJy", "--execblock", str(eb), "--json", str(out)]) == 0
        data = json.loads(out.read_text())
        assert data["predicted_rms_jy_per_beam"] > 0
        assert data["achieved_over_predicted"] == pytest.approx(
            data["measured"]["rms_jy_per_beam"] / data["predicted_rms_jy_per_beam"])
        assert any(UID in n and "Tsys" in n for n in data["notes"])
        results.append(data["predicted_rms_jy_per_beam"])
    assert results[0] == pytest.approx(results[1])
    assert "achieved / predicted RMS" in capsys.readouterr().out
    # two EBs: the prediction improves by sqrt(2)
    out = tmp_path / "two.json"
    main(["qa2", image, "--execblock", str(snap), "--execblock", str(snap), "--json", str(out)])
    assert json.loads(out.read_text())["predicted_rms_jy_per_beam"] == pytest.approx(results[0] / 2**0.5)
    assert main(["qa2", image, "--execblock", str(snap), "--predicted-rms", "1mJy"]) == 2
