"""Running the task graph on Dask distributed.

Every task is one emitted script run by :func:`scriptgen.runner.run_script`
in a fresh CASA subprocess, so a worker only waits: Dask schedules, CASA
computes. The graph is submitted as Dask futures, each task taking its
dependencies' results as arguments; a task whose dependency did not succeed
does not run and reports itself ``skipped``, so one failing EB stops only
what needs it (ALMA pipeline ``infrastructure/daskhelpers.py`` fans tasks
out the same way).

Workers are single-threaded and have Dask's memory management off: CASA
allocates outside Python, where Dask cannot see or spill it, and pausing
or killing a worker for memory it cannot free would only lose the run.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from .. import runner
from . import records
from .cube_tasks import CUBE_CHUNK
from .graph import Task

OK = "ok"
FAILED = "failed"
SKIPPED = "skipped"
RESUMED = "done earlier"
INTERRUPTED = "interrupted"

#: Set on a worker when the run is cancelled: its CASA children are being stopped.
_cancelling = threading.Event()


@dataclass(frozen=True)
class TaskResult:
    key: str
    kind: str
    status: str
    seconds: float
    log: str
    note: str = ""
    returncode: int = 0

    @property
    def ok(self) -> bool:
        return self.status in (OK, RESUMED)

    def as_dict(self) -> dict:
        return asdict(self)


def _failure_note(output: str, returncode: int) -> str:
    last = [line for line in output.strip().splitlines() if line.strip()]
    return f"exit {returncode}: {last[-1][:200]}" if last else f"exit {returncode}"


def execute(task: Task, *upstream: TaskResult) -> TaskResult:
    """Run one task on a worker (never raises for a failing script)."""
    blocked = [u.key for u in upstream if not u.ok]
    if blocked:
        return TaskResult(task.key, task.kind, SKIPPED, 0.0, "", "needs " + ", ".join(blocked))
    return run_task(task)


def run_task(task: Task, on_line: Callable[[str], None] | None = None) -> TaskResult:
    """Run one task's script with its log, keeping its completion record.

    Also used by ``scriptgen run SCRIPT`` for a script of a goal folder, so
    a later ``scriptgen run WORKDIR --resume`` knows it finished.
    """
    digest = records.script_digest(task.path)
    started = time.time()
    records.write_record(task, "running", log=str(task.log), host=os.uname().nodename, script_sha256=digest)
    try:
        run = runner.run_script(
            task.path,
            task.cwd,
            mysteps=task.steps or None,
            variables=dict(task.variables) or None,
            log=task.log,
            on_line=on_line,
        )
    except BaseException:
        records.mark_unfinished(task)
        raise
    if _cancelling.is_set() and not run.ok:
        records.write_record(task, "incomplete", log=str(task.log), script_sha256=digest)
        return TaskResult(task.key, task.kind, INTERRUPTED, run.seconds, str(task.log), "cancelled", run.returncode)
    if not run.ok:
        records.write_record(task, FAILED, log=str(task.log), script_sha256=digest, returncode=run.returncode)
        note = _failure_note(run.output, run.returncode)
        return TaskResult(task.key, task.kind, FAILED, run.seconds, str(task.log), note, run.returncode)
    # A cube chunk's products are consumed (and removed) by the join: its
    # record lists none, the join's record stands for them.
    outputs = [] if task.kind == CUBE_CHUNK else list(task.outputs) or records.written_since(task.cwd, started)
    problems = [p for p in (records.product_problem(task.cwd / name) for name in task.outputs) if p]
    if problems:
        records.write_record(task, FAILED, log=str(task.log), script_sha256=digest, problems=problems)
        return TaskResult(task.key, task.kind, FAILED, run.seconds, str(task.log), "; ".join(problems), 1)
    records.write_record(
        task, records.COMPLETE, log=str(task.log), script_sha256=digest, outputs=outputs, seconds=round(run.seconds, 1)
    )
    return TaskResult(task.key, task.kind, OK, run.seconds, str(task.log))


def cancel_on_worker() -> int:
    """Stop this worker's CASA children (run on every worker when the run is cancelled)."""
    _cancelling.set()
    return runner.stop_all()


def resumable(tasks: Sequence[Task]) -> dict[str, str]:
    """Tasks ``--resume`` skips, with why: complete, and everything before them skipped too."""
    skip: dict[str, str] = {}
    for task in tasks:  # dependency order
        if all(d in skip for d in task.depends):
            done, why = records.completion(task)
            if done:
                skip[task.key] = why
    return skip


def worker_count(requested: int | None) -> int:
    """One worker per core by default (each runs one CASA at a time)."""
    return max(1, requested or os.cpu_count() or 1)


@contextmanager
def local_cluster(workers: int):
    """A Dask LocalCluster of single-threaded worker processes, memory management off."""
    import dask
    from distributed import Client, LocalCluster

    settings = {
        "distributed.worker.memory.target": False,
        "distributed.worker.memory.spill": False,
        "distributed.worker.memory.pause": False,
        "distributed.worker.memory.terminate": False,
        "distributed.logging.distributed": "error",
    }
    with dask.config.set(settings):
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=0,
            dashboard_address=None,
        )
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()


@contextmanager
def connect(scheduler: str):
    """A client of an existing Dask cluster (its workers must see the working folders)."""
    from distributed import Client

    from ..errors import ScriptgenError

    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise ScriptgenError(f"cannot reach the Dask scheduler {scheduler} ({exc})") from None
    with client:
        yield client


class Progress:
    """One line per finished task; on a terminal also a bar (tqdm) for the whole graph."""

    def __init__(self, total: int, stream=None):
        self.stream = stream or sys.stderr
        self.bar = None
        if total and getattr(self.stream, "isatty", lambda: False)():
            from tqdm import tqdm

            self.bar = tqdm(total=total, file=self.stream, unit="task", dynamic_ncols=True)

    def done(self, result: TaskResult) -> None:
        seconds = f" {result.seconds:.0f} s" if result.seconds else ""
        note = f" ({result.note})" if result.note else ""
        line = f"{result.status:<12} {result.key}{seconds}{note}"
        if self.bar is not None:
            self.bar.write(line, file=self.stream)
            self.bar.update(1)
        else:
            print(line, file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_graph(
    tasks: Sequence[Task],
    client,
    *,
    resume: bool = False,
    progress: Callable[[int], Progress] = Progress,
    results: dict[str, TaskResult] | None = None,
) -> list[TaskResult]:
    """Run the tasks (in dependency order) on ``client``'s cluster; results in task order.

    ``results`` (key -> result), when given, is filled as tasks finish, so
    the caller has them also when the run is interrupted. On
    KeyboardInterrupt every worker stops its CASA children (they get time
    to close their tables), unfinished tasks are recorded ``incomplete``
    and reported ``interrupted``, and the interrupt propagates.
    """
    from distributed import as_completed

    skip = resumable(tasks) if resume else {}
    results = {} if results is None else results
    futures = {}
    view = progress(len(tasks))
    for task in tasks:
        if task.key in skip:
            results[task.key] = TaskResult(task.key, task.kind, RESUMED, 0.0, str(task.log), skip[task.key])
            view.done(results[task.key])
            continue
        upstream = [futures[d] for d in task.depends if d in futures]
        futures[task.key] = client.submit(execute, task, *upstream, key=f"scriptgen-{task.key}-{time.time_ns()}", pure=False)
    by_future = {f.key: k for k, f in futures.items()}
    by_key = {t.key: t for t in tasks}
    try:
        for future in as_completed(list(futures.values())) if futures else ():
            key = by_future[future.key]
            task = by_key[key]
            try:
                result = future.result()
            except Exception as exc:  # the worker died or the task function failed
                blocked = [d for d in task.depends if d in results and not results[d].ok]
                if blocked:
                    result = TaskResult(key, task.kind, SKIPPED, 0.0, "", "needs " + ", ".join(blocked))
                else:
                    records.mark_unfinished(task, FAILED)
                    result = TaskResult(key, task.kind, FAILED, 0.0, str(task.log), f"{type(exc).__name__}: {exc}"[:200])
            results[key] = result
            view.done(result)
    except KeyboardInterrupt:
        print("scriptgen: interrupted; stopping CASA on every worker (it closes its tables first)", file=sys.stderr)
        try:
            client.run(cancel_on_worker)
        except Exception:  # a worker already gone: its CASA stops itself (runner watchdog)
            pass
        client.cancel(list(futures.values()))
        for task in tasks:
            if task.key not in results:
                records.mark_unfinished(task)
                results[task.key] = TaskResult(task.key, task.kind, INTERRUPTED, 0.0, str(task.log), "cancelled")
        raise
    finally:
        view.close()
    return [results[t.key] for t in tasks]
