"""generate(): which scripts are written, and the command line around it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scriptgen import naming, snapshot
from scriptgen.cli import main
from scriptgen.errors import ScriptgenError
from scriptgen.generate import GenerateOptions, generate, render_files

from tests.support.ebfactory import tdm_fdm_eb
from tests.generate.conftest import EB_VARIANTS


def _second_eb():
    eb = tdm_fdm_eb()
    return replace(eb, uid="uid___A002_Xunit_X2", ms_path="uid___A002_Xunit_X2.ms")


def test_one_eb_gives_its_calibration_script_snapshot_and_scriptforpi(tmp_path):
    result = generate([tdm_fdm_eb()], GenerateOptions(out_dir=tmp_path))
    ms = "uid___A002_Xunit_X1.ms"
    assert (tmp_path / naming.calibration_script(ms)).is_file()
    assert snapshot.load(tmp_path / naming.snapshot_file(ms)) == tdm_fdm_eb()
    assert naming.FLUX_SCRIPT not in result.files
    assert naming.PI_SCRIPT in result.files and result.missing == ()
    text = "\n".join(result.summary_lines())
    assert "reference antenna" in text and "Tsys map: 9->1, 11->3, 13->5, 15->7" in text
    assert "flux model" in text and "generated in" in text


def test_two_ebs_also_get_the_flux_equalisation_script():
    files, plans, missing = render_files([tdm_fdm_eb(), _second_eb()], GenerateOptions(out_dir="unused"))
    assert len(plans) == 2
    assert naming.FLUX_SCRIPT in files and missing == ()
    assert naming.calibration_script("uid___A002_Xunit_X2.ms") in files
    assert "scriptForFluxCalibration.py" in files[naming.PI_SCRIPT]


def test_ebs_without_a_shared_phase_calibrator_are_calibrated_without_equalisation():
    other = _second_eb()
    renamed = tuple(
        replace(f, name="J0000+0000", source_name="J0000+0000") if f.field_id == 2 else f for f in other.fields
    )
    files, plans, missing = render_files([tdm_fdm_eb(), replace(other, fields=renamed)], GenerateOptions(out_dir="unused"))
    assert len(plans) == 2
    assert naming.FLUX_SCRIPT not in files
    assert "share no phase calibrator" in dict(missing)[naming.FLUX_SCRIPT]
    assert "scriptForFluxCalibration.py" not in files[naming.PI_SCRIPT]


def test_the_same_eb_twice_is_an_error():
    with pytest.raises(ScriptgenError, match="given twice"):
        render_files([tdm_fdm_eb(), tdm_fdm_eb()], GenerateOptions(out_dir="unused"))


def test_regenerating_keeps_an_edited_script(tmp_path):
    generate([tdm_fdm_eb()], GenerateOptions(out_dir=tmp_path))
    script = tmp_path / naming.calibration_script("uid___A002_Xunit_X1.ms")
    script.write_text(script.read_text() + "# my edit\n")
    result = generate([tdm_fdm_eb()], GenerateOptions(out_dir=tmp_path))
    assert script.read_text().endswith("# my edit\n")
    assert any(p == script for p, _ in result.report.kept)


def test_catalogue_fluxes_reach_the_script(tmp_path):
    fluxes = tmp_path / "fluxes.csv"
    fluxes.write_text("source,flux_jy,spix,reffreq_ghz\nJ0423-0120,2.5,-0.6,97.5\n")
    files, _, _ = render_files([EB_VARIANTS["quasar_flux_cal"]()], GenerateOptions(out_dir=tmp_path, calibrator_fluxes=fluxes))
    script = files[naming.calibration_script("uid___A002_Xunit_X1.ms")]
    assert "fluxdensity=[2.5, 0.0, 0.0, 0.0]" in script and 'reffreq="97.5GHz"' in script
    assert "PLACEHOLDER" not in script


# --- command line ------------------------------------------------------------


def test_cli_generates_from_a_snapshot(tmp_path, capsys):
    snap = snapshot.save(tdm_fdm_eb(), tmp_path / "eb.json")
    assert main(["generate", str(snap), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "wrote" in out and "scriptForCalibration.py" in out
    assert "reference antenna:" in out and "Tsys map:" in out and "flux model:" in out
    assert (tmp_path / "out" / "uid___A002_Xunit_X1.ms.scriptForCalibration.py").is_file()


def test_cli_reports_skipped_steps(tmp_path, capsys):
    snap = snapshot.save(tdm_fdm_eb(diameter=7.0), tmp_path / "eb.json")
    assert main(["generate", str(snap), "--out", str(tmp_path / "out")]) == 0
    assert "skipped step: 4 (Generation of the WVR cal table): no 12 m antenna" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["does-not-exist.ms"], "no such MeasurementSet or snapshot"),
        (["EB", "--calibrator-fluxes", "missing.csv"], "cannot read calibrator fluxes"),
        (["EB", "--mode", "nope"], "unknown observing mode"),
    ],
)
def test_cli_bad_input_is_one_line(tmp_path, capsys, args, message):
    snap = snapshot.save(tdm_fdm_eb(), tmp_path / "eb.json")
    args = [str(snap) if a == "EB" else a for a in args]
    assert main(["generate", *args, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("scriptgen: error:")]
    assert len(errors) == 1 and message in errors[0]
    assert "Traceback" not in err


def test_cli_help_explains_the_calibrator_flux_file(capsys):
    with pytest.raises(SystemExit):
        main(["generate", "--help"])
    out = capsys.readouterr().out
    assert "--calibrator-fluxes" in out and "source,flux_jy,spix,reffreq_ghz" in out


def test_every_emitted_script_calls_casatasks_with_accepted_parameters():
    """All scripts a two-EB generation writes (calibration, flux equalisation, scriptForPI)."""
    import ast
    import inspect

    from scriptgen import casa_env

    casa_env.configure()
    import casatasks

    files, _, missing = render_files([tdm_fdm_eb(), _second_eb()], GenerateOptions(out_dir="unused"))
    scripts = {name: text for name, text in files.items() if name.endswith(".py")}
    assert len(scripts) == 4 and missing == ()
    for name, text in scripts.items():
        tree = ast.parse(text)
        imported = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "casatasks"
            for alias in node.names
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in imported:
                task = getattr(casatasks, node.func.id)
                if node.func.id == "casalog" or not callable(task):
                    continue
                used = {kw.arg for kw in node.keywords if kw.arg}
                accepted = set(inspect.signature(task).parameters)
                assert used <= accepted, f"{name}: {node.func.id} does not accept {sorted(used - accepted)}"


def test_run_instructions_name_the_scripts_and_mysteps(tmp_path):
    result = generate([tdm_fdm_eb(), _second_eb()], GenerateOptions(out_dir=tmp_path))
    text = "\n".join(result.run_instructions())
    assert "python uid___A002_Xunit_X1.ms.scriptForCalibration.py" in text
    assert "python uid___A002_Xunit_X2.ms.scriptForCalibration.py" in text
    assert "mysteps = [0, 1, 2]" in text and "11 Bandpass calibration" in text
