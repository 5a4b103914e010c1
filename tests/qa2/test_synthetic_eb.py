"""QA2 on the imaging script's own output for the synthetic imaging EB.

Reuses the session's ``imaging_run`` fixture (generate and run
scriptForImaging.py on the ``imaging_eb`` fixture) and judges the
continuum image against the radiometer-equation prediction from the EB:
the achieved / predicted ratio is reported, and should be what Briggs 0.5
weighting and the line-free selection explain (about 1.0-1.4), not more.
"""

import json
from pathlib import Path

import pytest

from scriptgen.cli import main


pytestmark = pytest.mark.casa


def _continuum(run) -> tuple[Path, Path]:
    """The target's continuum image and residual (mfs, or mtmfs's Taylor term 0)."""
    for image_glob, residual_suffix in (("*.cont.image", ".residual"), ("*.cont.image.tt0", ".residual.tt0")):
        images = sorted(p for p in run.workdir.glob(image_glob) if not p.name.startswith(("J", "3C")))
        if images:
            image = images[0]
            stem = image.name.split(".image")[0]
            return image, image.with_name(stem + residual_suffix)
    listing = sorted(p.name for p in run.workdir.iterdir())
    raise AssertionError(f"no continuum image in {run.workdir}: {listing}\n{run.log[-2000:]}")


def test_achieved_over_predicted_on_the_synthetic_eb(imaging_run, tmp_path, capsys):
    assert imaging_run.returncode == 0, imaging_run.log[-3000:]
    image, residual = _continuum(imaging_run)
    out = tmp_path / "qa2.json"
    status = main(["qa2", str(image), "--residual", str(residual), "--execblock", str(imaging_run.truth.ms),
                   "--json", str(out)])
    text = capsys.readouterr().out
    report = json.loads(out.read_text())
    with capsys.disabled():
        print(f"\nQA2 on {image.name}: {text.splitlines()[3].strip()}; "
              f"achieved/predicted {report['achieved_over_predicted']:.2f}")
    predicted = report["predicted_rms_jy_per_beam"]
    ratio = report["achieved_over_predicted"]
    assert predicted > 0 and ratio == pytest.approx(report["measured"]["rms_jy_per_beam"] / predicted)
    assert report["pixel"]["status"] == "ok", report["pixel"]["reason"]  # cell = beam/5 within 10 %
    assert 0.9 < ratio < 1.5, f"achieved/predicted = {ratio:.2f}\n{text}"
    # a PI who asked for the predicted noise (robust 0.5: x 1.1) at this resolution gets a PASS
    beam = report["measured"]["beam_arcsec"]
    size = (beam["major"] * beam["minor"]) ** 0.5
    status = main(["qa2", str(image), "--residual", str(residual), "--rms", f"{1.1 * predicted * 1.25}Jy",
                   "--beam", f"{size}arcsec"])
    assert status == 0 and "QA2 verdict: PASS" in capsys.readouterr().out
