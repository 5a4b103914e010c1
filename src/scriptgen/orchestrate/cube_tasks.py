"""An imaging script's cubes as channel-chunk tasks, one per worker.

An imaging script whose cubes have explicit channel grids carries, as
literals, its cube step's number (``cube_step``), the cubes it can chunk
with their channel counts (``chunkable_cubes``) and its ``step_title``.
They are read here without running the script (``ast``), and its task is
split into

* the steps before the cubes (continuum, continuum subtraction), if any;
* one task per channel chunk: the cube step with ``cube_chunks = N`` and
  ``cube_chunk = k`` (every cube's chunk k), in parallel;
* the join (``cube_chunk = "join"``: concatenation and restoration of each
  cube) followed by the remaining steps, under the original task's key, so
  its record still means "the imaging script is done".

How many chunks is :func:`scriptgen.heuristics.cube_chunks.chunk_count`.
A script without these literals (edited, or older) stays one task.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from pathlib import Path

from .graph import Task

#: Task kind of one channel chunk.
CUBE_CHUNK = "cube chunk"

_NAMES = ("cube_step", "chunkable_cubes", "step_title")


@dataclass(frozen=True)
class CubeSteps:
    """What an imaging script says about its chunkable cubes."""

    cube_step: int
    chunkable_cubes: dict[str, int]
    steps: tuple[int, ...]

    @property
    def largest(self) -> int:
        return max(self.chunkable_cubes.values(), default=0)


def read_cube_steps(source: str) -> CubeSteps | None:
    """The script's cube literals, or None when it has no chunkable cube."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in _NAMES and name not in found:
                try:
                    found[name] = ast.literal_eval(node.value)
                except ValueError:
                    return None
    if set(found) != set(_NAMES):
        return None
    step, cubes, titles = found["cube_step"], found["chunkable_cubes"], found["step_title"]
    if not isinstance(step, int) or not isinstance(cubes, dict) or not cubes or not isinstance(titles, dict):
        return None
    if step not in titles or not all(isinstance(n, int) and n > 0 for n in cubes.values()):
        return None
    return CubeSteps(step, dict(cubes), tuple(sorted(titles)))


def script_cube_steps(path: Path) -> CubeSteps | None:
    try:
        return read_cube_steps(path.read_text(errors="replace"))
    except OSError:
        return None


def split_imaging(task: Task, cubes: CubeSteps, n: int) -> tuple[Task, ...]:
    """The imaging task as before-cubes, N chunk tasks and the join (see module doc)."""
    if n < 2:
        return (task,)
    before = tuple(s for s in cubes.steps if s < cubes.cube_step)
    after = tuple(s for s in cubes.steps if s > cubes.cube_step)
    tasks: list[Task] = []
    depends = task.depends
    if before:
        first = Task(
            f"{task.key} [steps {','.join(map(str, before))}]",
            "imaging",
            task.workdir,
            task.script,
            depends=task.depends,
            part="before-cubes",
            steps=before,
        )
        tasks.append(first)
        depends = (first.key,)
    chunks = [
        Task(
            f"{task.key} [cube chunk {k + 1}/{n}]",
            CUBE_CHUNK,
            task.workdir,
            task.script,
            depends=depends,
            part=f"chunk{k}of{n}",
            steps=(cubes.cube_step,),
            variables=(("cube_chunks", n), ("cube_chunk", k)),
        )
        for k in range(n)
    ]
    tasks.extend(chunks)
    tasks.append(
        replace(
            task,
            depends=tuple(c.key for c in chunks),
            steps=(cubes.cube_step, *after),
            variables=(("cube_chunks", n), ("cube_chunk", "join")),
        )
    )
    return tuple(tasks)


def with_cube_chunks(tasks: tuple[Task, ...], chunks_for) -> tuple[tuple[Task, ...], list[str]]:
    """Every imaging task split by ``chunks_for(cubes) -> (n, reason)``; the reasons said.

    Tasks stay in dependency order (the parts replace their task in place).
    """
    out: list[Task] = []
    notes: list[str] = []
    for task in tasks:
        cubes = script_cube_steps(task.path) if task.kind == "imaging" and not task.part else None
        if cubes is None:
            out.append(task)
            continue
        n, why = chunks_for(cubes)
        notes.append(f"{task.key}: {why}")
        out.extend(split_imaging(task, cubes, n))
    return tuple(out), notes
