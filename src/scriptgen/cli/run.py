"""`scriptgen run`: run an emitted script, or whole science goals on Dask."""

from __future__ import annotations

import argparse

NAME = "run"
HELP = "run an emitted script in CASA, or every script of science goals in parallel"
DESCRIPTION = """\
Run what scriptgen wrote, with scriptgen's offline CASA setup (no ~/.casa
needed), streaming each script's output to SCRIPT.log beside it.

  scriptgen run SCRIPT [--steps 3,4]
      one script, in its folder (the folder of the MS). The terminal shows
      the current step and the elapsed time; 'tail -f SCRIPT.log' follows
      CASA's output. The exit status is the script's.

  scriptgen run WORKDIR [WORKDIR ...]
      every science goal in these folders: the calibration scripts of all
      EBs in parallel, then scriptForFluxCalibration.py, then
      scriptForImaging.py when it is there, as a task graph on Dask
      distributed. One EB failing stops only what needs it. The closing
      table (status, wall time, log per task) is also written to
      WORKDIR/scriptgen-run.json. Exit status 1 if any task failed.
      Cubes with an explicit channel grid are made in channel chunks on
      the spare workers (one per worker, >= 16 channels each; set it with
      --cube-chunks N), then joined into one cube.

Ctrl-C stops CASA cleanly (it gets time to close its tables); logs are
kept and unfinished tasks are recorded as incomplete, so --resume redoes
them and nothing else. See docs/run.md for clusters (SLURM, HTCondor).

examples:
  scriptgen run uid___A002_X95e355_X220a.ms.scriptForCalibration.py
  scriptgen run scriptForImaging.py --steps 0,1
  scriptgen run .                           # the goal in this folder
  scriptgen run goal1/ goal2/ --workers 4   # two goals, four CASA at a time
  scriptgen run . --resume                  # after a stop, or after 'scriptgen imaging'
  scriptgen run . --scheduler tcp://head:8786
  scriptgen run . --workers 8 --cube-chunks 8   # each cube in 8 channel chunks
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("targets", nargs="+", metavar="SCRIPT|WORKDIR", help="an emitted script, or working folders")
    parser.add_argument("--steps", metavar="N,N", help="run only these steps of SCRIPT (sets mysteps)")
    parser.add_argument("--workers", type=int, metavar="N", help="CASA processes at a time (default: one per core)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="use a running Dask cluster instead of a local one")
    parser.add_argument("--resume", action="store_true", help="skip tasks whose products are complete")
    parser.add_argument(
        "--cube-chunks",
        type=int,
        metavar="N",
        help="make each cube in N channel chunks (default for folders: one per spare worker, "
        ">= 16 channels each; 1 = one tclean per cube)",
    )


def parse_steps(text: str) -> list[int]:
    from ..errors import ScriptgenError

    try:
        steps = [int(s) for s in text.replace(" ", "").split(",") if s]
    except ValueError:
        raise ScriptgenError(f"--steps takes step numbers such as 3,4, not {text!r}") from None
    if not steps:
        raise ScriptgenError("--steps needs at least one step number")
    return steps


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..errors import ScriptgenError
    from ..runner import sigterm_as_interrupt

    paths = [Path(t) for t in args.targets]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise ScriptgenError(f"no such script or folder: {', '.join(missing)}")
    files = [p for p in paths if p.is_file()]
    with sigterm_as_interrupt():
        if files:
            if len(paths) > 1:
                raise ScriptgenError("give one script, or working folders (not both)")
            if args.workers or args.scheduler or args.resume:
                raise ScriptgenError("--workers, --scheduler and --resume are for working folders")
            variables = _chunk_variables(args.cube_chunks)
            return run_one(files[0], parse_steps(args.steps) if args.steps else None, variables=variables)
        if args.steps:
            raise ScriptgenError("--steps is for a single script")
        if args.workers is not None and args.workers < 1:
            raise ScriptgenError("--workers must be at least 1")
        _chunk_variables(args.cube_chunks)  # refuses N < 1
        return _run_goals(paths, args)


def _chunk_variables(cube_chunks) -> dict:
    """``--cube-chunks N`` for one script: its cubes' chunks one after the other.

    One process makes them in turn, so this only lowers tclean's peak memory
    (a chunk's planes at a time); the parallel gain needs working folders.
    """
    from ..errors import ScriptgenError

    if cube_chunks is None:
        return {}
    if cube_chunks < 1:
        raise ScriptgenError(f"--cube-chunks must be at least 1, not {cube_chunks}")
    return {"cube_chunks": cube_chunks}


def run_one(script, steps=None, variables=None) -> int:
    """Run one emitted script in its folder with the step view; its exit status.

    A whole calibration, flux or imaging script of a goal folder also gets
    its completion record, so a later ``scriptgen run WORKDIR --resume``
    does not run it again. ``scriptgen demo`` runs its scripts through this.
    """
    import sys
    from dataclasses import replace
    from pathlib import Path

    from ..orchestrate.execute import run_task
    from ..runner import run_script
    from .run_view import StepView

    script = Path(script).absolute()
    log = script.with_name(script.name + ".log")
    task = None if steps else _goal_task(script)
    if task is not None and variables:
        task = replace(task, variables=tuple(variables.items()))
    print(f"running {script.name} in {script.parent} (log: {log})", file=sys.stderr, flush=True)
    try:
        with StepView(script.name, sys.stderr) as view:
            if task is None:
                done = run_script(script, script.parent, mysteps=steps, variables=variables, log=log, on_line=view.line)
                ok, code, seconds, note = done.ok, done.returncode, done.seconds, ""
            else:
                result = run_task(task, on_line=view.line)
                ok, code, seconds, note = result.ok, result.returncode, result.seconds, result.note
    except KeyboardInterrupt:
        print(f"scriptgen: {script.name} stopped; its log is {log}", file=sys.stderr)
        raise
    if ok:
        print(f"{script.name} finished in {seconds:.0f} s; log: {log}", file=sys.stderr)
        return 0
    tail = log.read_text(errors="replace").splitlines()[-15:] if log.exists() else []
    print("\n".join(tail), file=sys.stderr)
    why = f"exit {code}" if note.startswith("exit") or not note else note
    print(f"{script.name} failed ({why}) after {seconds:.0f} s; log: {log}", file=sys.stderr)
    return code if code > 0 else 1


def _goal_task(script):
    """The task ``script`` is in its folder's goal graph, or None (any other script)."""
    from ..errors import ScriptgenError
    from ..orchestrate import graph

    try:
        tasks = graph.goal_tasks(script.parent, graph.scan(script.parent), script.parent.name)
    except ScriptgenError:
        return None
    return next((t for t in tasks if t.path == script and t.cwd == script.parent), None)


def _run_goals(paths, args) -> int:
    import sys

    from .. import casa_env
    from ..orchestrate import execute, graph, report

    tasks = graph.build(paths)
    casa_env.configure()  # before the workers start: they inherit CASASITECONFIG
    if args.scheduler:
        cluster, where = execute.connect(args.scheduler), f"Dask scheduler {args.scheduler}"
    else:
        workers = execute.worker_count(args.workers)
        cluster, where = execute.local_cluster(workers), f"a local Dask cluster of {workers} single-threaded workers"
    # (The cluster starts only when entered, so nothing starts when nothing is to run.)
    nothing_to_do = args.resume and len(execute.resumable(tasks)) == len(tasks)
    where = "all completed earlier, nothing to run" if nothing_to_do else f"on {where}"
    print(f"{len(tasks)} task(s) in {len(paths)} folder(s), {where}", file=sys.stderr, flush=True)
    results: dict = {}
    interrupted = False
    try:
        if nothing_to_do:
            execute.run_graph(tasks, None, resume=True, results=results)
        else:
            with cluster as client:
                tasks = _split_cubes(tasks, client, args, imaging_tasks=sum(t.kind == "imaging" for t in tasks))
                execute.run_graph(tasks, client, resume=args.resume, results=results)
    except KeyboardInterrupt:
        interrupted = True
    ordered = [results[t.key] for t in tasks if t.key in results]
    print("\n".join(report.table_lines(ordered)))
    for path in report.write_reports(tasks, ordered, scheduler=args.scheduler or "local", interrupted=interrupted):
        print(f"report: {path}", file=sys.stderr)
    if interrupted:
        raise KeyboardInterrupt
    return 0 if all(r.ok for r in ordered) else 1


def _split_cubes(tasks, client, args, *, imaging_tasks: int):
    """Imaging tasks with chunkable cubes as channel-chunk tasks (heuristics.cube_chunks)."""
    import sys

    from ..heuristics.cube_chunks import chunk_count
    from ..orchestrate import cube_tasks, execute

    skip = execute.resumable(tasks) if args.resume else {}
    if args.scheduler:
        workers = len(client.scheduler_info().get("workers", {})) or 1
    else:
        workers = execute.worker_count(args.workers)

    def chunks_for(cubes):
        return chunk_count(cubes.largest, workers, imaging_tasks=imaging_tasks, requested=args.cube_chunks)

    todo = tuple(t for t in tasks if t.key not in skip)
    split, notes = cube_tasks.with_cube_chunks(todo, chunks_for)
    for note in notes:
        print(note, file=sys.stderr, flush=True)
    done = {t.key for t in todo}
    # Tasks --resume skips stay as they are (run_graph reports them).
    return tuple(t for t in tasks if t.key not in done) + split
