"""The emitted calibration script: formatted, deterministic, valid CASA calls, safe."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from dataclasses import replace


from scriptgen import casa_env
from scriptgen.modes import PlanOptions
from scriptgen.render import format_python, make_environment
from scriptgen.scripts import calibration

from tests.support.ebfactory import tdm_fdm_eb
from tests.generate.conftest import EB_VARIANTS, hostile_eb


def _casatasks_calls(tree: ast.Module):
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "casatasks":
            imported |= {alias.name for alias in node.names}
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in imported
    ]
    return imported, calls


def test_script_is_black_formatted_and_deterministic(any_eb, env):
    first = calibration.render(any_eb, env)
    assert format_python(first) == first
    assert calibration.render(any_eb, make_environment()) == first
    assert "datetime" not in first and "time.time" not in first


def test_every_casatasks_call_uses_only_parameters_casatasks_accepts(env):
    casa_env.configure()
    import casatasks

    checked = 0
    for name, make in sorted(EB_VARIANTS.items()):
        tree = ast.parse(calibration.render(make(), env))
        imported, calls = _casatasks_calls(tree)
        for task in imported:
            assert hasattr(casatasks, task), f"casatasks has no {task}"
        for call in calls:
            task = getattr(casatasks, call.func.id)
            if not callable(task) or call.func.id == "casalog":
                continue
            accepted = set(inspect.signature(task).parameters)
            used = {kw.arg for kw in call.keywords}
            assert None not in used, f"{name}: {call.func.id} called with **kwargs"
            assert used <= accepted, f"{name}: {call.func.id} does not accept {sorted(used - accepted)}"
            assert not call.args, f"{name}: {call.func.id} called with positional arguments"
            checked += 1
    assert checked > 100


def test_script_needs_only_casa_and_the_standard_library(any_eb, env):
    tree = ast.parse(calibration.render(any_eb, env))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            modules.add(node.module.split(".")[0])
    assert modules <= {"os", "shutil", "json", "casatasks", "casatools"}


def test_header_says_generator_eb_casa_version_and_refant(env):
    options = PlanOptions(casa_version="casatasks 6.7.0.31")
    out = calibration.render(tdm_fdm_eb(), env, options=options)
    head = out.split("import os")[0]
    assert "scriptgen " in head and "uid___A002_Xunit_X1" in head
    assert "casatasks 6.7.0.31" in head
    assert "Reference antenna" in head and "nearest the array centre" in head
    assert "field 3: 'NGC_3256': OBSERVE_TARGET" in head


def test_step_structure_and_literal_tsys_map(env):
    out = calibration.render(tdm_fdm_eb(), env)
    namespace = {}
    # The assignments before the steps, executed alone (no CASA needed).
    tree = ast.parse(out)
    for node in tree.body:
        if isinstance(node, ast.Assign) and {t.id for t in node.targets if isinstance(t, ast.Name)} & {
            "step_title",
            "tsys_spwmap",
            "refant",
        }:
            exec(compile(ast.Module([node], []), "<test>", "exec"), namespace)
    assert namespace["step_title"][0] == "Import of the ASDM"
    assert list(namespace["step_title"]) == list(range(len(namespace["step_title"])))
    assert namespace["tsys_spwmap"][9] == 1 and namespace["tsys_spwmap"][15] == 7
    for n in namespace["step_title"]:
        assert f"mystep = {n}\nif mystep in thesteps:" in out


def test_skipped_steps_say_why(env):
    out = calibration.render(tdm_fdm_eb(diameter=7.0), env)
    assert "Skipped: no 12 m antenna" in out
    assert "wvrgcal(" not in out
    assert "apriori_tables.append(wvr_table)" not in out


def test_placeholder_flux_is_marked_when_allowed(env):
    eb = replace(EB_VARIANTS["quasar_flux_cal"](), calibrator_fluxes=())
    out = calibration.render(eb, env, options=PlanOptions(allow_placeholder=True))
    assert "CHECK: PLACEHOLDER" in out and "WARNING: the flux of" in out
    assert 'standard="manual"' in out


def test_recorded_flux_reaches_setjy_with_its_origin(env):
    out = " ".join(calibration.render(EB_VARIANTS["quasar_flux_cal"](), env).replace("#", " ").split())
    assert "ASDM_SOURCE" in out and "PLACEHOLDER" not in out
    assert "fitted to 2 catalogue frequencies (weighted least squares in log flux)" in out
    assert "spix=[-0.6]" in out


def test_online_flags_only_when_present(env):
    assert "flagcmd(" in calibration.render(EB_VARIANTS["online_flags"](), env)
    assert "flagcmd(" not in calibration.render(tdm_fdm_eb(), env)


def test_without_tsys_the_split_takes_the_data_column_when_nothing_was_applied(env):
    eb = EB_VARIANTS["no_tsys"]()
    from dataclasses import replace

    eb = replace(eb, spws=tuple(s for s in eb.spws if s.kind.value != "WVR"))
    out = calibration.render(eb, env)
    assert "Skipped: no Tsys spectra" in out
    # Without Tsys and WVR the a-priori step still runs: an antenna position
    # table made at run time is applied, and the split takes what it wrote.
    apply = out.split("apriori_tables = []", 1)[1].split("mystep = ", 1)[0]
    assert "if apriori_tables:" in apply and "applycal(" in apply
    assert 'datacolumn = "corrected" if os.path.exists(antpos_table) else "data"' in out


def test_user_templates_override_single_parts(tmp_path):
    part = tmp_path / "calibration" / "steps"
    part.mkdir(parents=True)
    (part / "listobs.py.j2").write_text('    listobs(vis=vis, listfile=listobs_file, verbose=False)  # site rule\n')
    out = calibration.render(tdm_fdm_eb(), make_environment(tmp_path))
    assert "# site rule" in out and "bandpass(" in out


# --- hostile names -----------------------------------------------------------


def test_hostile_names_stay_string_literals(env):
    out = calibration.render(hostile_eb(), env)
    tree = ast.parse(out)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr != "system"
    # The only module-level imports are the script's own.
    top_imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert [getattr(n, "module", None) or n.names[0].name for n in top_imports] == ["os", "casatasks"]
    # The hostile text appears only inside string constants or comments.
    constants = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert any("touch PWNED" in c for c in constants)
    for line in out.splitlines():
        if "PWNED" in line:
            stripped = line.strip()
            assert stripped.startswith("#") or "'" in stripped or '"' in stripped


def test_hostile_script_runs_without_executing_names(env, tmp_path):
    """Execute the whole script (every module-level statement) up to the first CASA task."""
    script = tmp_path / "hostile.py"
    script.write_text(calibration.render(hostile_eb(), env))
    casa_env.configure()
    # Step 1 (listobs) fails on the missing MS, after every top-level line ran.
    code = f"mysteps = [1]; exec(compile(open({str(script)!r}).read(), 'hostile.py', 'exec'))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert "Step 1: Listobs" in proc.stdout
    assert not (tmp_path / "PWNED").exists()
    assert not list(tmp_path.rglob("PWNED"))


def test_solar_system_models_go_into_a_model_column_started_at_one_jansky(env):
    out = calibration.render(tdm_fdm_eb(), env)
    assert "clearcal(vis=split_vis, addmodel=True)" in out
    assert out.count("usescratch=True") == 1
    quasar = calibration.render(EB_VARIANTS["quasar_flux_cal"](), env)
    assert "clearcal(vis" not in quasar
    assert "usescratch=False" in quasar
