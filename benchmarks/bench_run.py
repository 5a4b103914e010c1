"""How much does ``scriptgen run`` gain by running a goal's EBs in parallel?

Run on demand (it is not part of the test suite)::

    .venv/bin/python benchmarks/bench_run.py                 # 4 EBs, 2 workers
    .venv/bin/python benchmarks/bench_run.py --ebs 8 --workers 8 --cache /scratch/bench

It builds a science goal of ``--ebs`` synthetic EBs (same sources and
set-up, observed a day apart; the builder of the test suite) once into the
cache folder, writes their scripts with ``scriptgen generate``, and then
runs the whole goal twice on fresh copies:

* ``serial``   every calibration script, then the flux script, one after
               the other (what an analyst does by hand);
* ``dask``     ``scriptgen run`` on a LocalCluster of ``--workers``
               single-threaded workers: the calibrations in parallel, then
               the flux script.

It prints the wall times, their ratio (dask / serial), the peak resident
memory of the largest CASA process of the serial run, and the dask run's
wall time over the summed time of its tasks (how well the graph packed its
own work, independent of what else loads the machine). With W
workers and E EBs of equal cost c and a flux step f, the ideal ratio is
(ceil(E / W) c + f) / (E c + f): about 0.55 for 4 EBs on 2 cores with
this goal. Expect less than ideal on a loaded machine (other work takes
cores) and when the EBs' sizes differ (the slowest sets the pace). On a
bigger machine give ``--workers`` the number of cores, or fewer if
memory is short: each CASA needs its own (several GB for real EBs).

Channel-parallel cube imaging (issue 10, item 3) is not built yet, so this
benchmark measures the calibration graph only.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import time
from pathlib import Path


def build_goal(cache: Path, n_ebs: int) -> list[Path]:
    from scriptgen.casa_env import casa_output_to, new_logfile
    from scriptgen.synthetic import SyntheticConfig, build_execblock

    cache.mkdir(parents=True, exist_ok=True)
    paths, ra = [], None
    with casa_output_to(new_logfile("bench-run")):
        for i in range(n_ebs):
            cfg = SyntheticConfig(
                uid=f"uid___A002_Xbench_X{20 + i}",
                seed=20 + i,
                start=f"2024-03-{15 + i:02d}T03:00:00",
                ra_deg=ra,
                note="bench_run goal",
            )
            ms = cache / f"{cfg.uid}.ms"
            if not (ms / "table.dat").exists():
                print(f"building {ms.name} ...", file=sys.stderr, flush=True)
                truth = build_execblock(ms, cfg)
            else:
                from scriptgen.synthetic import Truth, truth_path

                truth = Truth.load(truth_path(ms))
            ra = truth.target_fields[0].source_ra_deg if ra is None else ra
            paths.append(ms)
    return paths


def fresh_goal(ebs: list[Path], folder: Path) -> Path:
    from scriptgen.generate import GenerateOptions, generate
    from scriptgen.inspect import inspect_ms

    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    copies = [Path(shutil.copytree(ms, folder / ms.name)) for ms in ebs]
    generate([inspect_ms(str(ms)) for ms in copies], GenerateOptions(out_dir=folder))
    return folder


def run_serial(folder: Path) -> float:
    from scriptgen import naming, runner

    scripts = sorted(folder.glob("*" + naming.calibration_script(".ms"))) + [folder / naming.FLUX_SCRIPT]
    start = time.perf_counter()
    for script in scripts:
        done = runner.run_script(script, folder, log=script.with_name(script.name + ".log"))
        if not done.ok:
            raise SystemExit(f"{script.name} failed:\n{done.tail()}")
        print(f"  serial {script.name}: {done.seconds:.1f} s", file=sys.stderr, flush=True)
    return time.perf_counter() - start


def run_dask(folder: Path, workers: int) -> tuple[float, float]:
    from scriptgen.orchestrate import execute, graph

    tasks = graph.build([folder])
    with execute.local_cluster(workers) as client:
        start = time.perf_counter()
        results = execute.run_graph(tasks, client)
        seconds = time.perf_counter() - start
    failed = [r.key for r in results if not r.ok]
    if failed:
        raise SystemExit(f"dask run failed: {failed}")
    return seconds, sum(r.seconds for r in results)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ebs", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "scriptgen" / "bench-run")
    args = parser.parse_args(argv)

    from scriptgen import casa_env

    casa_env.configure()
    ebs = build_goal(args.cache / f"ebs{args.ebs}", args.ebs)
    serial = run_serial(fresh_goal(ebs, args.cache / "serial"))
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    parallel, casa_seconds = run_dask(fresh_goal(ebs, args.cache / "dask"), args.workers)
    print(f"goal of {args.ebs} EBs: serial {serial:.1f} s, dask with {args.workers} workers {parallel:.1f} s, "
          f"ratio {parallel / serial:.2f}; largest CASA process (serial) {peak_mb:.0f} MB")  # fmt: skip
    # On a shared machine the load changes between the two runs; the dask
    # run's wall time over the CASA time of its own tasks does not depend on it.
    print(f"dask run: {casa_seconds:.1f} s of CASA tasks in {parallel:.1f} s of wall time "
          f"(wall / task time {parallel / casa_seconds:.2f}; 1/{args.workers} is perfect packing)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
