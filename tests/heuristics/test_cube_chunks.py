"""Channel-chunked cubes: the chunk rule, the tiling, and what the script carries."""

from __future__ import annotations

import ast
import inspect as pyinspect

import numpy as np
import pytest

from scriptgen.errors import ScriptgenError
from scriptgen.heuristics import cube_chunks as cc
from scriptgen.heuristics.imaging_plan import CubeOptions, ImagingInputs, plan_imaging
from scriptgen.heuristics.ous_grid import EbWindow, common_grid
from scriptgen.render import make_environment
from scriptgen.scripts import imaging as script
from tests.support.ebfactory import tdm_fdm_eb

SCIENCE = (9, 11, 13, 15)


def _inputs(ratio=1.0000485):
    rng = np.random.default_rng(1)
    spectra = {s: tuple(0.25 + rng.normal(0, 1e-3, 960)) for s in SCIENCE}
    return ImagingInputs(
        ms="x.ms.split.cal", datacolumn="data", uv_l80_m=150.0, uv_max_m=300.0,
        spectra={"NGC_3256": spectra}, lsrk_over_topo={"NGC_3256": ratio} if ratio else {},
    )  # fmt: skip


@pytest.mark.parametrize("nchan", [1, 2, 7, 16, 48, 255, 256, 1920, 3839])
@pytest.mark.parametrize("n", [1, 2, 3, 4, 8, 100])
def test_chunks_tile_the_channels_exactly(nchan, n):
    chunks = cc.channel_chunks(nchan, n)
    assert len(chunks) == min(n, nchan)
    covered = [c for first, count in chunks for c in range(first, first + count)]
    assert covered == list(range(nchan))  # each channel once, in order
    sizes = {count for _, count in chunks}
    assert max(sizes) - min(sizes) <= 1 and min(sizes) >= 1


def test_chunk_starts_are_the_cube_grid_channels():
    start, width = 230.1e9, 488281.25
    grids = cc.chunk_grids(start, width, 257, 4)
    assert [g.nchan for g in grids] == [65, 64, 64, 64]
    assert [g.first for g in grids] == [0, 65, 129, 193]
    for g in grids:
        assert g.start_hz == start + g.first * width
        assert cc.frequency_hz(g.start) == g.start_hz  # the string round-trips exactly
    # The last channel of the last chunk is the cube's last channel.
    assert grids[-1].start_hz + (grids[-1].nchan - 1) * width == start + 256 * width


def test_chunk_count_rule():
    # A chunk per spare worker ...
    assert cc.chunk_count(1920, 4)[0] == 4
    # ... shared between the run's imaging scripts ...
    assert cc.chunk_count(1920, 4, imaging_tasks=2)[0] == 2
    n, why = cc.chunk_count(1920, 4, imaging_tasks=4)
    assert n == 1 and "one worker" in why
    # ... and no chunk smaller than MIN_CHANNELS_PER_CHUNK.
    assert cc.chunk_count(48, 8)[0] == 48 // cc.MIN_CHANNELS_PER_CHUNK == 3
    n, why = cc.chunk_count(20, 8)
    assert n == 1 and "fewer than 2 x 16" in why
    # --cube-chunks overrides, capped at one channel per chunk.
    assert cc.chunk_count(48, 1, requested=2) == (2, "2 chunk(s) as requested (--cube-chunks 2)")
    assert cc.chunk_count(3, 1, requested=8)[0] == 3
    with pytest.raises(ScriptgenError):
        cc.chunk_count(48, 2, requested=0)
    with pytest.raises(ScriptgenError):
        cc.channel_chunks(0, 2)


def test_frequency_quantities():
    assert cc.frequency_hz("230538.000000MHz") == 230538.0 * 1e6
    assert cc.frequency_hz("1.5GHz") == 1.5e9
    assert cc.frequency_hz("2km/s") is None and cc.frequency_hz("") is None
    assert cc.cube_grid("", "", -1) is None
    assert cc.cube_grid("100GHz", "2km/s", 10) is None
    assert cc.cube_grid("100GHz", "1MHz", 10) == (100e9, 1e6, 10)


def test_plan_gives_each_lsrk_cube_its_own_grid():
    eb = tdm_fdm_eb()
    plan = plan_imaging(eb, _inputs())
    assert plan.cubes
    for cube in plan.cubes:
        spw = eb.spw(int(cube.spw))
        assert cube.nchan == spw.nchan
        start_hz, width_hz, nchan = cc.cube_grid(cube.start, cube.width, cube.nchan)
        assert width_hz == pytest.approx(abs(spw.chan_width_hz) * 1.0000485, rel=1e-12)
        # The lowest channel's LSRK centre, whatever the sideband.
        window = EbWindow("", spw.spw_id, spw.spw_id, spw.centre_freq_hz - (spw.nchan - 1) / 2 * spw.chan_width_hz,
                          spw.chan_width_hz, spw.nchan, 1.0000485)  # fmt: skip
        assert start_hz == pytest.approx(common_grid([window]).start_hz, rel=1e-15)
        assert any("explicit LSRK grid" in note for note in cube.notes)
    # Unmeasured ratio, or a velocity width: tclean's own grid, not chunkable.
    assert all(c.start == "" and c.nchan == -1 for c in plan_imaging(eb, _inputs(ratio=0)).cubes)
    velocity = plan_imaging(eb, _inputs(), cube=CubeOptions(chan_width="2km/s"))
    assert all(c.start == "" and c.width == "2km/s" for c in velocity.cubes)
    coarse = plan_imaging(eb, _inputs(), cube=CubeOptions(chan_width="4MHz"))
    assert all(cc.cube_grid(c.start, c.width, c.nchan)[1] >= 4e6 for c in coarse.cubes)


def _rendered(plan):
    return script.render(plan, make_environment())


def test_script_carries_the_chunk_literals_and_helper():
    plan = plan_imaging(tdm_fdm_eb(), _inputs())
    src = _rendered(plan)
    tree = ast.parse(src)
    literals = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id in ("cube_step", "chunkable_cubes", "step_title")
    }  # fmt: skip
    assert literals["chunkable_cubes"] == {c.imagename: c.nchan for c in plan.cubes}
    assert literals["step_title"][literals["cube_step"]] == "Line cubes (LSRK)"
    # The emitted copy of channel_chunks is the heuristic, value for value.
    helper = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "channel_chunks")
    namespace: dict = {}
    exec(compile(ast.Module([helper], []), "<script>", "exec"), namespace)
    for nchan in (1, 5, 48, 257, 1920):
        for n in (1, 2, 3, 4, 7):
            assert tuple(map(tuple, namespace["channel_chunks"](nchan, n))) == cc.channel_chunks(nchan, n)
    # Every cube goes through make_cube with its grid; no tclean call left in the step.
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "make_cube"]
    assert len(calls) == len(plan.cubes)


def test_tclean_keywords_of_chunked_cubes_are_real():
    casatasks = pytest.importorskip("casatasks")
    src = _rendered(plan_imaging(tdm_fdm_eb(), _inputs()))
    accepted = set(pyinspect.signature(casatasks.tclean.__call__).parameters)
    tree = ast.parse(src)
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "dict":
            assert {k.arg for k in call.keywords if k.arg} <= accepted | {"imagename"}
    # The keywords the chunk helpers add to tclean's.
    assert {"calcpsf", "calcres", "restart", "restoration", "start", "nchan", "pbcor"} <= accepted


def test_script_without_grids_has_no_chunk_helpers():
    src = _rendered(plan_imaging(tdm_fdm_eb(), _inputs(ratio=0)))
    assert "make_cube" not in src and "chunkable_cubes" not in src
