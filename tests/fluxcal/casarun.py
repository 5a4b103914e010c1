"""Running generated scripts in CASA for the flux and scriptForPI tests.

Scripts run as a PI would run them: ``python script.py`` in a subprocess,
in the folder they work in. The subprocess inherits ``CASASITECONFIG``
(set by ``casa_env.configure()`` in the test session), so CASA stays
offline. Wall times are recorded in ``TIMINGS`` and printed (see them
with ``pytest -s``): the machine is shared and a slow run is worth seeing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from scriptgen import naming, runner
from scriptgen.inspect import inspect_ms

#: Label -> seconds, for every CASA run of this session.
TIMINGS: dict[str, float] = {}


def run_script(script: Path, cwd: Path, label: str, variables=None, timeout: float = 1800) -> float:
    """Run a generated script with CASA's Python; fail with its output's tail."""
    done = runner.run_script(script, cwd, variables=variables, timeout=timeout)
    TIMINGS[label] = round(done.seconds, 1)
    print(f"[timing] CASA run {label}: {done.seconds:.1f} s")
    if not done.ok:
        raise AssertionError(f"{script.name} failed (exit {done.returncode}) after {done.seconds:.0f} s:\n{done.tail()}")
    return done.seconds


def ms_path(item) -> Path:
    """A fixture item as an MS path (a Truth record or a path)."""
    return Path(getattr(item, "ms_path", None) or getattr(item, "ms", item))


def copy_tree(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest)
    return dest


def generate(ms_paths: list[Path], out_dir: Path) -> dict[str, str]:
    """Write every script scriptgen makes for these EBs into ``out_dir``."""
    from scriptgen.generate import GenerateOptions, generate as write_scripts

    ebs = [inspect_ms(str(p)) for p in ms_paths]
    result = write_scripts(ebs, GenerateOptions(out_dir=out_dir))
    assert not result.missing, result.missing
    return dict(result.files)


def delivered_tables(ms_name: str, analyst_dir: Path) -> list[Path]:
    """The analyst's products a delivery's calibration/ folder carries."""
    return [analyst_dir / n for n in naming.CalTables(ms_name).delivered if (analyst_dir / n).exists()]


def analyst_goal_run(goal_ebs, tmp_path_factory) -> dict:
    """Both EBs of the goal calibrated by their scripts, then flux-equalised.

    Runs once per session: the result folder is kept under the session's
    base temporary folder with a marker, so the flux tests and the
    scriptForPI tests (each with its own conftest fixture) share one run.
    """
    from scriptgen import derive

    from .measure import mean_real

    work = tmp_path_factory.getbasetemp() / "analyst_goal"
    marker = work / "analyst_goal.json"
    if marker.exists():
        state = json.loads(marker.read_text())
        state["work"] = Path(state["work"])
        state["pristine"] = [Path(p) for p in state["pristine"]]
        for key in ("before", "after"):
            state[key] = {ms: {int(k): v for k, v in d.items()} for ms, d in state[key].items()}
        return state
    if work.exists():
        shutil.rmtree(work)  # an earlier attempt in this session failed half-way
    work.mkdir()
    pristine = [ms_path(item) for item in goal_ebs]
    copies = [copy_tree(p, work / p.name) for p in pristine]
    generate(copies, work)
    for ms in copies:
        run_script(work / naming.calibration_script(ms.name), work, f"goal calibration {ms.name}")
    eb = inspect_ms(str(pristine[0]))
    target = eb.field(derive.target_fields(eb)[0]).name
    tables = {ms.name: naming.CalTables(ms.name) for ms in copies}
    before = {name: mean_real(work / t.split_cal, target, "DATA") for name, t in tables.items()}
    run_script(work / naming.FLUX_SCRIPT, work, "goal flux equalisation")
    after = {name: mean_real(work / t.split_cal, target, "CORRECTED_DATA") for name, t in tables.items()}
    state = {
        "work": str(work),
        "pristine": [str(p) for p in pristine],
        "names": [ms.name for ms in copies],
        "target": target,
        "before": before,
        "after": after,
    }
    marker.write_text(json.dumps(state, indent=1))
    return analyst_goal_run(goal_ebs, tmp_path_factory)
