"""Snapshot validation: the schema is the model, plus ranges, references and content."""

from __future__ import annotations

import copy
import json
from dataclasses import replace

import pytest

from scriptgen import snapshot, snapshot_checks
from scriptgen.errors import ScriptgenError, SnapshotError
from scriptgen.model import Scan

from tests.support.ebfactory import tdm_fdm_eb


def _leaf_paths(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaf_paths(value, path + (key,))
    elif isinstance(node, list) and node and not all(isinstance(v, (int, float, str)) for v in node):
        for i, value in enumerate(node):
            yield from _leaf_paths(value, path + (i,))
    else:
        yield path


def test_every_field_of_the_model_is_type_checked():
    """Walks the snapshot's own keys, so a field added to the model is covered too."""
    base = snapshot.to_dict(tdm_fdm_eb())
    paths = list(_leaf_paths(base["execblock"]))
    assert len(paths) > 100
    for path in paths:
        data = copy.deepcopy(base)
        node = data["execblock"]
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = {"not": "this"}
        with pytest.raises(SnapshotError, match=str(path[-1]) if isinstance(path[-1], str) else ""):
            snapshot.loads(json.dumps(data))


def test_old_snapshots_without_defaulted_fields_still_load():
    data = snapshot.to_dict(tdm_fdm_eb())
    for key in ("tsys", "project", "observer", "start_mjd_s", "end_mjd_s", "flag_cmd_rows"):
        del data["execblock"][key]
    for spw in data["execblock"]["spws"]:
        del spw["corr_products"]
    eb = snapshot.loads(json.dumps(data))
    assert eb.project == "" and eb.tsys == ()


def test_problems_of_a_sound_eb_are_none():
    assert snapshot_checks.problems(tdm_fdm_eb()) == []


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda eb: replace(eb, scans=eb.scans + (Scan(9, (42,), ("OBSERVE_TARGET",), (9,), 1.0, 2.0, 1.0),)),
         "fields [42]"),
        (lambda eb: replace(eb, scans=eb.scans + (Scan(9, (3,), ("OBSERVE_TARGET",), (77,), 1.0, 2.0, 1.0),)),
         "spectral windows [77]"),
        (lambda eb: replace(eb, spws=eb.spws + eb.spws[:1]), "spectral window ids repeated: [0]"),
        (lambda eb: replace(eb, spws=(replace(eb.spws[0], nchan=0),) + eb.spws[1:]), "0 channels"),
        (lambda eb: replace(eb, uid="a/b"), "path separator"),
        (lambda eb: replace(eb, uid="x" * 201), "longer than 200 bytes"),
        (lambda eb: replace(eb, observer="a\nb"), "control character"),
        (lambda eb: replace(eb, start_mjd_s=float("nan")), "not a finite number"),
    ],
)  # fmt: skip
def test_range_and_reference_problems_are_named(change, words):
    found = snapshot_checks.problems(change(tdm_fdm_eb()))
    assert any(words in p for p in found), found


def test_content_checks_match_inspect():
    eb = tdm_fdm_eb()
    no_intents = replace(eb, scans=tuple(replace(s, intents=()) for s in eb.scans))
    with pytest.raises(ScriptgenError, match="no scan intents"):
        snapshot.loads(snapshot.dumps(no_intents))
    assert snapshot.loads(snapshot.dumps(no_intents), content=False) == no_intents


def test_a_snapshot_written_by_inspect_json_loads_back_with_its_preflight():
    """'inspect --json' puts the preflight classification beside the EB; the
    strict envelope must still accept that file as a snapshot."""
    from pathlib import Path

    from scriptgen import snapshot
    from scriptgen.cli.inspect import snapshot_text
    from scriptgen.modes import preflight

    example = Path(__file__).parents[1] / "examples/single_eb/uid___A002_Xsyn_X1.ms.snapshot.json"
    eb = snapshot.load(example)
    text = snapshot_text(eb, preflight(eb))
    assert '"preflight"' in text
    assert snapshot.loads(text) == eb
