"""What the observatory recorded, end to end on a synthetic EB in CASA.

One small uncorrupted band 3 EB whose builder wrote what importasdm and the
correlator write: ASDM_SOURCE with the quasars' catalogue fluxes, an
ASDM_SBSUMMARY science goal, the injected line's REST_FREQUENCY in SOURCE
and Hanning-smoothed channels (EFFECTIVE_BW = 8/3 x the width, noise
smoothed the same way). The target is a faint continuum (1 uJy) so that a
dirty cube is pure noise: its RMS is the achieved per-channel noise.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from scriptgen import derive
from scriptgen.cli import main
from scriptgen.heuristics import calibration as cal
from scriptgen.heuristics import sensitivity as sens
from scriptgen.synthetic import LineSpec, SyntheticConfig, build_execblock

pytestmark = pytest.mark.casa

LINE_GHZ = 102.8


@pytest.fixture(scope="module")
def records_eb(tmp_path_factory):
    cfg = SyntheticConfig(
        uid="uid___A002_Xsyn_X5",
        seed=5,
        nchan=64,
        corrupt=False,
        target_flux_jy=1e-6,
        line=LineSpec(centre_ghz=LINE_GHZ, fwhm_mhz=60.0, peak_jy=0.5),
        goal_rms_mjy=0.2,
        goal_beam_range_arcsec=(1.0, 8.0),
        note="observatory-records fixture",
    )
    began = time.perf_counter()
    truth = build_execblock(tmp_path_factory.mktemp("records_eb") / f"{cfg.uid}.ms", cfg)
    print(f"\nbuild {time.perf_counter() - began:.1f} s")
    from scriptgen.inspect import inspect_ms

    return truth, inspect_ms(truth.ms)


@pytest.fixture(scope="module")
def noise_cube(records_eb, tmp_path_factory):
    """A native-resolution dirty cube of the target in a window without the line."""
    from scriptgen import casa_env

    truth, eb = records_eb
    spw = next(s for s in derive.science_spws(eb) if not any(r.spw_id == s for r in eb.rest_frequencies))
    image = tmp_path_factory.mktemp("noise_cube") / "target.cube"
    began = time.perf_counter()
    casa_env.casatasks().tclean(
        vis=str(truth.ms), imagename=str(image), field=eb.field(derive.target_fields(eb)[0]).name,
        spw=str(spw), specmode="cube", outframe="TOPO", interpolation="nearest", imsize=[128, 128],
        cell="1arcsec", weighting="natural", niter=0, datacolumn="data",
    )  # fmt: skip
    print(f"tclean cube {time.perf_counter() - began:.1f} s")
    return spw, Path(f"{image}.image")


def test_setjy_flux_is_the_recorded_catalogue_flux_within_one_percent(records_eb, tmp_path):
    truth, eb = records_eb
    assert eb.calibrator_fluxes, "ASDM_SOURCE not read"
    flux_truth = next(f for f in truth.fields if "flux" in f.roles)
    (model,) = cal.flux_models(eb)
    ref_hz = float(model.reffreq.removesuffix("GHz")) * 1e9
    expected = flux_truth.flux_jy * (ref_hz / flux_truth.ref_freq_hz) ** flux_truth.spectral_index
    print(f"setjy {model.fluxdensity[0]:.5f} Jy vs truth {expected:.5f} Jy; spix {model.spix} vs {flux_truth.spectral_index}")
    assert model.fluxdensity[0] == pytest.approx(expected, rel=0.01)
    assert model.spix == pytest.approx(flux_truth.spectral_index, abs=0.01)
    assert "ASDM_SOURCE" in model.reason and "12 days old" in model.reason
    out = tmp_path / "out"
    assert main(["generate", str(truth.ms), "--out", str(out)]) == 0
    script = next(out.glob("*.scriptForCalibration.py")).read_text()
    assert f"fluxdensity=[{model.fluxdensity[0]!r}, 0.0, 0.0, 0.0]" in script


def test_without_asdm_source_or_file_generation_refuses(records_eb, tmp_path, capsys):
    truth, _ = records_eb
    ms = tmp_path / Path(truth.ms).name
    shutil.copytree(truth.ms, ms)
    shutil.rmtree(ms / "ASDM_SOURCE")
    assert main(["generate", str(ms), "--out", str(tmp_path / "out")]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and err[0].startswith("scriptgen: error:") and "--allow-placeholder" in err[0]


def test_qa2_takes_the_request_from_the_sbsummary(records_eb, noise_cube, capsys):
    truth, eb = records_eb
    assert eb.science_goal is not None and eb.science_goal.sensitivity_jy == pytest.approx(2e-4)
    _, image = noise_cube
    code = main(["qa2", str(image), "--execblock", str(truth.ms), "--json", "-"])
    report = json.loads(capsys.readouterr().out)
    assert code in (0, 1) and report["verdict"] in ("PASS", "SEMIPASS", "FAIL")
    assert any("SBSummary" in note for note in report["notes"])


def test_cube_noise_prediction_uses_the_effective_bandwidth(records_eb, noise_cube):
    from scriptgen import casa_env

    truth, eb = records_eb
    spw, image = noise_cube
    ia = casa_env.casatools().image()
    ia.open(str(image))
    try:
        pixels = ia.getchunk(dropdeg=True)
    finally:
        ia.close()
    achieved = float(np.sqrt(np.mean(pixels[np.isfinite(pixels)] ** 2)))
    width = abs(eb.spw(spw).chan_width_hz)
    fields = derive.target_fields(eb)
    after = sens.expected_noise(eb, width, field_ids=fields, spw_ids=(spw,)).sigma_jy
    plain = replace(eb, spws=tuple(replace(s, online_averaging=None) for s in eb.spws))
    before = sens.expected_noise(plain, width, field_ids=fields, spw_ids=(spw,)).sigma_jy
    print(
        f"native cube spw {spw}: achieved {achieved * 1e3:.4g} mJy/beam, predicted/achieved "
        f"before {before / achieved:.3f}, after {after / achieved:.3f}"
    )
    assert eb.spw(spw).online_averaging == 1
    assert after / achieved == pytest.approx(1.0, abs=0.1)
    assert before / achieved > 1.45


def test_cubes_get_the_rest_frequency_from_source(records_eb, tmp_path):
    from scriptgen.imaging_generate import generate_imaging

    truth, eb = records_eb
    (line,) = eb.rest_frequencies
    assert line.rest_freq_hz == pytest.approx(LINE_GHZ * 1e9)
    # The unsplit MS (allow_raw): its SOURCE table is what is read here.
    result = generate_imaging(truth.ms, tmp_path / "imaging", with_calibrators=False, allow_raw=True)
    cube = next(s for s in result.plan.cubes if s.spw == str(line.spw_id))
    assert cube.restfreq == f"{LINE_GHZ:.9g}GHz" and "SOURCE table" in " ".join(cube.notes)
    others = [s for s in result.plan.cubes if s.spw != str(line.spw_id)]
    assert others and all("window centre" in " ".join(s.notes) for s in others)
