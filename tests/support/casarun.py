"""Running generated scripts in CASA, as the CASA-run tests do.

Scripts run as a PI would run them: ``python script.py`` in a subprocess,
in the folder they work in. The subprocess inherits ``CASASITECONFIG``
(set by ``casa_env.configure()`` in the test session), so CASA stays
offline. Wall times are recorded in ``TIMINGS`` and printed (see them
with ``pytest -s``): the machine is shared and a slow run is worth seeing.
"""

from __future__ import annotations

import resource
import shutil
from pathlib import Path

from scriptgen import naming, runner
from scriptgen.inspect import inspect_ms

#: Label -> seconds, for every CASA run of this session.
TIMINGS: dict[str, float] = {}


def _children_cpu() -> float:
    """CPU seconds (user + system) of every finished child process so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_script(script: Path, cwd: Path, label: str, variables=None, timeout: float = 1800) -> float:
    """Run a generated script with CASA's Python; fail with its output's tail."""
    cpu = _children_cpu()
    done = runner.run_script(script, cwd, variables=variables, timeout=timeout)
    TIMINGS[label] = round(done.seconds, 1)
    print(f"[timing] CASA run {label}: {done.seconds:.1f} s wall, {_children_cpu() - cpu:.1f} s CPU")
    if not done.ok:
        raise AssertionError(f"{script.name} failed (exit {done.returncode}) after {done.seconds:.0f} s:\n{done.tail()}")
    return done.seconds


def ms_path(item) -> Path:
    """A fixture item as an MS path (a Truth record or a path)."""
    return Path(getattr(item, "ms_path", None) or getattr(item, "ms", item))


def copy_tree(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest)
    return dest


def generate(ms_paths: list[Path], out_dir: Path, calibrator_fluxes: Path | None = None) -> dict[str, str]:
    """Write every script scriptgen makes for these EBs into ``out_dir``."""
    from scriptgen.generate import GenerateOptions, generate as write_scripts

    ebs = [inspect_ms(str(p)) for p in ms_paths]
    result = write_scripts(ebs, GenerateOptions(out_dir=out_dir, calibrator_fluxes=calibrator_fluxes))
    assert not result.missing, result.missing
    return dict(result.files)


def delivered_tables(ms_name: str, analyst_dir: Path) -> list[Path]:
    """The analyst's products a delivery's calibration/ folder carries."""
    return [analyst_dir / n for n in naming.CalTables(ms_name).delivered if (analyst_dir / n).exists()]


def calibrate_standard(truth, work: Path) -> dict:
    """One synthetic EB calibrated by its generated script, every step, in ``work``.

    The analyst's way: the catalogue fluxes of the quasar calibrators are
    given as a CSV (none for a solar-system flux calibrator, which CASA
    models). Returns the folder, the MS name, the pristine MS, the inspected
    EB, the script, its run (output included) and the run's seconds.
    """
    pristine = ms_path(truth)
    ms = copy_tree(pristine, work / pristine.name)
    catalogue = truth.calibrator_catalogue()
    fluxes = None
    if len(catalogue.splitlines()) > 1:
        fluxes = work / "calibrator_fluxes.csv"
        fluxes.write_text(catalogue)
    generate([ms], work, calibrator_fluxes=fluxes)
    script = work / naming.calibration_script(ms.name)
    cpu = _children_cpu()
    run = runner.run_script(script, work, timeout=1800)
    TIMINGS[f"calibration {ms.name}"] = round(run.seconds, 1)
    print(f"[timing] CASA run calibration {ms.name}: {run.seconds:.1f} s wall, {_children_cpu() - cpu:.1f} s CPU")
    if not run.ok:
        raise AssertionError(f"{script.name} failed (exit {run.returncode}) after {run.seconds:.0f} s:\n{run.tail()}")
    return {
        "work": work,
        "ms": ms.name,
        "pristine": pristine,
        "eb": inspect_ms(str(ms)),
        "script": script,
        "run": run,
        "seconds": run.seconds,
    }
