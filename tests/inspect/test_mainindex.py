"""The distinct-combination finder, on hand-made index columns (no CASA)."""

from __future__ import annotations

import numpy as np
import pytest

from scriptgen.inspect.mainindex import distinct_runs, pack_keys, summarise


def constant_interval(value):
    return lambda rows: np.full(len(rows), value)


def test_pack_keys_is_injective_on_the_observed_ranges():
    rng = np.random.default_rng(3)
    cols = [rng.integers(lo, hi, 5000) for lo, hi in ((1, 300), (0, 150), (0, 40), (-1, 90))]
    key = pack_keys(cols)
    tuples = {tuple(int(c[i]) for c in cols) for i in range(5000)}
    assert len(np.unique(key)) == len(tuples)


def test_pack_keys_gives_up_beyond_62_bits():
    huge = np.array([0, 2**31 - 1])
    assert pack_keys([huge, huge, huge]) is None


def test_distinct_runs_groups_repeated_runs():
    key = np.array([5, 5, 7, 7, 7, 5, 9])
    starts, group = distinct_runs(key)
    assert starts.tolist() == [0, 2, 5, 6]
    assert group.tolist() == [0, 1, 0, 2]


def test_summarise_alma_order_interleaved_windows():
    """Time-major rows with windows interleaved, as ALMA writes them."""
    times, ddids = [], []
    for t in range(10):
        for dd in (0, 1, 2):
            times += [100.0 + t] * 3  # three baselines
            ddids += [dd] * 3
    n = len(times)
    scan = np.where(np.array(times) < 105, 1, 2)
    field = np.where(scan == 1, 0, 3)
    state = np.where(scan == 1, 4, -1)  # -1: a row without a STATE
    combos = summarise(scan, field, np.array(ddids), state, np.array(times), constant_interval(1.0))
    assert [(c.scan, c.field_id, c.ddid, c.state_id) for c in combos] == [
        (1, 0, 0, 4), (1, 0, 1, 4), (1, 0, 2, 4), (2, 3, 0, -1), (2, 3, 1, -1), (2, 3, 2, -1),
    ]  # fmt: skip
    first = combos[0]
    assert (first.start_mjd_s, first.end_mjd_s) == (99.5, 104.5)
    assert combos[-1].end_mjd_s == 109.5
    assert sum(c.n_rows for c in combos) == n


def test_summarise_asks_interval_only_at_first_rows():
    asked = []

    def interval_at(rows):
        asked.extend(int(r) for r in rows)
        return np.full(len(rows), 2.0)

    scan = np.array([1, 1, 1, 2, 2])
    zeros = np.zeros(5, dtype=int)
    summarise(scan, zeros, zeros, zeros, np.arange(5.0), interval_at)
    assert sorted(asked) == [0, 3]


def test_summarise_empty():
    empty = np.array([], dtype=int)
    assert summarise(empty, empty, empty, empty, np.array([]), constant_interval(1.0)) == ()


@pytest.mark.parametrize("seed", [1, 2])
def test_summarise_matches_a_plain_groupby(seed):
    rng = np.random.default_rng(seed)
    n = 3000
    cols = [rng.integers(1, 6, n), rng.integers(0, 4, n), rng.integers(0, 3, n), rng.integers(-1, 3, n)]
    time = rng.uniform(0, 1000, n)
    combos = summarise(*cols, time, constant_interval(0.0))
    expected: dict[tuple, list[float]] = {}
    for i in range(n):
        expected.setdefault(tuple(int(c[i]) for c in cols), []).append(time[i])
    assert {(c.scan, c.field_id, c.ddid, c.state_id) for c in combos} == set(expected)
    for c in combos:
        ts = expected[(c.scan, c.field_id, c.ddid, c.state_id)]
        assert (c.start_mjd_s, c.end_mjd_s, c.n_rows) == (min(ts), max(ts), len(ts))
