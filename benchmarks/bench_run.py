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

The cube part (``--part cube``; issue 10, item 3) builds one EB with a
single ``--cube-nchan``-channel window (256 by default) and a line source,
writes its imaging script, runs the steps before the cubes once, and then
makes the cube on fresh copies

* ``serial``   the cube step as one tclean, in one CASA process;
* ``N chunks`` for each of ``--chunks`` (2 and 4): the cube step as N
               channel-chunk tasks (``cube_chunks = N``, ``cube_chunk = k``)
               on a LocalCluster of ``--workers`` workers, then the join
               (concatenation and restoration), as ``scriptgen run`` does.

It prints each wall time and its ratio to the serial one (measured in the
same run), and the peak resident memory per CASA process (psutil samples
every CASA child every 0.2 s): the largest single process, and the largest
sum of CASA processes alive at once. With W workers and N >= W chunks the
ideal ratio is about 1/W plus the join (a restoration: a few percent of
the cube's clean time) and each chunk's fixed cost (reading the selection,
PSF set-up); each chunk's memory scales with its channels (cube / N).

    .venv/bin/python benchmarks/bench_run.py --part cube                   # 256 channels, 2 workers
    .venv/bin/python benchmarks/bench_run.py --part cube --workers 16 --chunks 16,32 --cube-nchan 3840
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


class CasaMemory:
    """Peak RSS of this process's CASA descendants (sampled; psutil)."""

    def __init__(self, period: float = 0.2):
        import threading

        self.period = period
        self.per_process: dict[int, int] = {}
        self.total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for child in me.children(recursive=True):
                try:
                    if "exec(compile(open(" not in " ".join(child.cmdline()):
                        continue  # Dask workers, not CASA
                    rss = child.memory_info().rss
                except psutil.Error:
                    continue
                total += rss
                self.per_process[child.pid] = max(rss, self.per_process.get(child.pid, 0))
            self.total = max(self.total, total)
            self._stop.wait(self.period)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def largest_mb(self) -> float:
        return max(self.per_process.values(), default=0) / 2**20

    @property
    def total_mb(self) -> float:
        return self.total / 2**20


def build_cube_eb(cache: Path, nchan: int) -> Path:
    """One EB with a single nchan-channel window, a line source, imaging script and contsub done."""
    from scriptgen import casa_env, naming
    from scriptgen.imaging_generate import generate_imaging
    from scriptgen.runner import run_script
    from scriptgen.synthetic import LineSpec, SyntheticConfig, Truth, build_execblock, truth_path

    folder = cache / f"cube{nchan}"
    script = folder / "prepared" / naming.IMAGING_SCRIPT
    if script.exists() and (folder / "prepared" / "ready").exists():
        return folder / "prepared"
    cfg = SyntheticConfig(
        uid=f"uid___A002_Xbench_Xc{nchan}", seed=40, n_spws=1, nchan=nchan, n_antennas=8, integration_s=5.0,
        n_target_scans=1, target_flux_jy=0.02, corrupt=False,
        line=LineSpec(centre_ghz=90.65, fwhm_mhz=40.0, peak_jy=0.08), note="bench_run cube",
    )  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    ms = folder / f"{cfg.uid}.ms"
    with casa_env.casa_output_to(casa_env.new_logfile("bench-run-cube")):
        truth = build_execblock(ms, cfg) if not (ms / "table.dat").exists() else Truth.load(truth_path(ms))
        prepared = folder / "prepared"
        if prepared.exists():
            shutil.rmtree(prepared)
        prepared.mkdir()
        split = prepared / naming.CalTables(ms.name).split_cal
        casa_env.casatasks().split(vis=str(ms), outputvis=str(split), spw=",".join(map(str, truth.science_spws)),
                                   intent="*BANDPASS*,*PHASE*,*FLUX*,*TARGET*", datacolumn="data")  # fmt: skip
    generate_imaging(split, prepared, tsys_from=str(ms), with_calibrators=False)
    from scriptgen.orchestrate.cube_tasks import script_cube_steps

    cubes = script_cube_steps(script)
    if cubes is None:
        raise SystemExit("the imaging script has no chunkable cube")
    before = [s for s in cubes.steps if s < cubes.cube_step]
    if before:
        done = run_script(script, prepared, mysteps=before, log=prepared / "before.log")
        if not done.ok:
            raise SystemExit(f"steps {before} failed:\n{done.tail()}")
    (prepared / "ready").write_text("")
    return prepared


def fresh_cube_folder(prepared: Path, folder: Path) -> Path:
    """A copy of the prepared folder without any cube product."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for entry in prepared.iterdir():
        if entry.name.endswith((".ms", ".split.cal", ".contsub", ".py")):
            (shutil.copytree if entry.is_dir() else shutil.copy)(entry, folder / entry.name)
    return folder


def cube_serial(folder: Path, cube_step: int) -> tuple[float, CasaMemory]:
    from scriptgen import naming, runner

    script = folder / naming.IMAGING_SCRIPT
    with CasaMemory() as memory:
        done = runner.run_script(script, folder, mysteps=[cube_step], variables={"cube_chunks": 1},
                                 log=folder / "serial.log")  # fmt: skip
    if not done.ok:
        raise SystemExit(f"serial cube failed:\n{done.tail()}")
    return done.seconds, memory


def cube_chunked(folder: Path, cube_step: int, n: int, workers: int) -> tuple[float, float, CasaMemory]:
    """(wall time of chunks + join, of which the join, memory) on a LocalCluster."""
    from scriptgen import naming
    from scriptgen.orchestrate import execute
    from scriptgen.orchestrate.cube_tasks import CUBE_CHUNK
    from scriptgen.orchestrate.graph import Task

    chunks = [
        Task(f"chunk{k}", CUBE_CHUNK, folder, naming.IMAGING_SCRIPT, part=f"chunk{k}of{n}", steps=(cube_step,),
             variables=(("cube_chunks", n), ("cube_chunk", k)))  # fmt: skip
        for k in range(n)
    ]
    join = Task("join", "imaging", folder, naming.IMAGING_SCRIPT, outputs=(), depends=tuple(c.key for c in chunks),
                part="join", steps=(cube_step,), variables=(("cube_chunks", n), ("cube_chunk", "join")))  # fmt: skip
    with execute.local_cluster(workers) as client, CasaMemory() as memory:
        start = time.perf_counter()
        results = execute.run_graph([*chunks, join], client, progress=lambda total: _Quiet())
        seconds = time.perf_counter() - start
    failed = [r.key for r in results if not r.ok]
    if failed:
        raise SystemExit(f"chunked cube ({n}) failed: {failed}; logs in {folder}")
    return seconds, results[-1].seconds, memory


class _Quiet:
    def done(self, result) -> None:
        print(f"    {result.key}: {result.status} {result.seconds:.1f} s", file=sys.stderr, flush=True)

    def close(self) -> None:
        pass


def cube_part(args) -> None:
    from scriptgen.orchestrate.cube_tasks import script_cube_steps

    prepared = build_cube_eb(args.cache, args.cube_nchan)
    cubes = script_cube_steps(prepared / "scriptForImaging.py")
    nchan = cubes.largest
    print(f"cube of {nchan} channels ({', '.join(cubes.chunkable_cubes)}), {args.workers} workers", file=sys.stderr)
    serial, mem = cube_serial(fresh_cube_folder(prepared, args.cache / "cube-serial"), cubes.cube_step)
    lines = [f"cube {nchan} channels: serial tclean {serial:.1f} s, CASA peak {mem.largest_mb:.0f} MB"]
    for n in args.chunks:
        folder = fresh_cube_folder(prepared, args.cache / f"cube-chunks{n}")
        seconds, join, cm = cube_chunked(folder, cubes.cube_step, n, args.workers)
        lines.append(
            f"  {n} chunks on {args.workers} workers: {seconds:.1f} s (join {join:.1f} s), ratio {seconds / serial:.2f}; "
            f"largest CASA process {cm.largest_mb:.0f} MB, CASA processes together at most {cm.total_mb:.0f} MB"
        )
    print("\n".join(lines))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("goal", "cube", "both"), default="both")
    parser.add_argument("--ebs", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cube-nchan", type=int, default=256)
    parser.add_argument("--chunks", type=lambda t: [int(x) for x in t.split(",")], default=[2, 4])
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "scriptgen" / "bench-run")
    args = parser.parse_args(argv)

    from scriptgen import casa_env

    casa_env.configure()
    if args.part in ("cube", "both"):
        cube_part(args)
    if args.part == "cube":
        return 0
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
