"""The review's findings on the QA page (from its JSON report; no CASA)."""

from __future__ import annotations

import json

from scriptgen.qaplots.gallery import make_gallery, review_plots_for

MS = "uid___A002_Xsyn_X40.ms"


def _review_json() -> dict:
    names = [f"DA{41 + a}" for a in range(4)]
    return {
        "ms": MS,
        "findings": [
            {"kind": "wvr", "antenna": "DA44", "spw": "", "reason": "phase rms 20 deg with WVR, 8 deg without <b>"},
        ],
        "script_edits": [{"what": "wvrflag=['DA44']", "reason": "noisy", "applied": True}],
        "fluxscale_checks": [{"ok": True, "reason": "Jsyn_phase spw 0: ratio 1.010"}],
        "wvr": {
            "antennas": names,
            "rms_with_deg": [None, 8.0, 8.2, 20.0],
            "rms_without_deg": [None, 8.1, 8.1, 8.0],
            "bad_antennas": ["DA44"],
            "apply": True,
            "improvement": 1.0,
        },
        "tsys_ratios": [
            {
                "spw": 3,
                "antennas": names,
                "times_mjd_s": [0.0, 120.0, 240.0],
                "ratio": [[1.0, 1.0, 1.0], [1.0, 0.9, 1.0], [1.0, 1.1, None], [1.0, 5.0, 5.0]],
                "limit": 2.0,
            }
        ],
    }


def test_review_plots_and_findings_reach_the_index(tmp_path):
    (tmp_path / f"{MS}.review.json").write_text(json.dumps(_review_json()))
    g = make_gallery(tmp_path / "qa", tmp_path, [], (MS,))
    assert not g.warnings
    assert g.files == [p.png for p in review_plots_for(MS)] + ["index.html"]
    for name in g.files[:-1]:
        png = tmp_path / "qa" / name
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000, name
    html = (tmp_path / "qa" / "index.html").read_text()
    assert "Review findings" in html
    assert "wvr: DA44: phase rms 20 deg with WVR, 8 deg without &lt;b&gt;" in html
    assert "proposed script change: wvrflag=[&#x27;DA44&#x27;]" in html
    assert f"{MS}.review.wvr.png" in html


def test_without_a_review_there_are_no_review_plots(tmp_path):
    g = make_gallery(tmp_path / "qa", tmp_path, [], (MS,))
    assert g.files == ["index.html"] and not g.warnings
    assert "Review findings" not in (tmp_path / "qa" / "index.html").read_text()
