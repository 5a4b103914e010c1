"""Line finding per pointing (heuristics.pointing_lines), no CASA."""

from __future__ import annotations

import numpy as np

from scriptgen.heuristics import linefree as lf
from scriptgen.heuristics import ous_grid as og
from scriptgen.heuristics import pointing_lines as pl


def _pointings(seed: int = 7, nchan: int = 96):
    """Three pointings: a bright continuum one (over a continuum source), a
    faint one with a line at channel 60, and a faint line-free one."""
    rng = np.random.default_rng(seed)
    chans = np.arange(nchan)
    line = 0.12 * np.exp(-0.5 * ((chans - 60) / 1.5) ** 2)
    return {
        3: 0.25 + rng.normal(0, 0.01, nchan),
        4: 0.05 + line + rng.normal(0, 0.01, nchan),
        5: 0.05 + rng.normal(0, 0.01, nchan),
    }


def test_a_line_in_a_faint_pointing_is_found_where_the_maximum_hides_it():
    spectra = _pointings()
    maximum = og.max_over_pointings([tuple(s) for s in spectra.values()])
    assert not any(a <= 60 <= b for a, b in lf.line_free(0, maximum).lines)  # the bright pointing wins
    mask, seen = pl.pointing_line_mask(spectra, 96)
    assert seen == (4,)
    assert mask[58:63].all() and mask.sum() <= 20


def test_combined_line_free_is_the_union_of_both_searches_and_says_so():
    rng = np.random.default_rng(3)
    nchan = 96
    chans = np.arange(nchan)
    all_baselines = 0.1 + 0.05 * np.exp(-0.5 * ((chans - 20) / 1.5) ** 2) + rng.normal(0, 0.002, nchan)
    result, why = pl.combined_line_free(7, all_baselines, _pointings(), "baselines up to 30 m")
    assert any(a <= 20 <= b for a, b in result.lines)
    assert any(a <= 60 <= b for a, b in result.lines)
    assert result.spw_id == 7 and result.source == "detected"
    assert "pointing(s) [4] of 3" in why and "baselines up to 30 m" in why
    alone, why_alone = pl.combined_line_free(7, all_baselines, {})
    assert not any(a <= 60 <= b for a, b in alone.lines) and "all-baseline average only" in why_alone


def test_pointings_of_another_length_or_all_flagged_are_ignored():
    spectra = _pointings()
    spectra[6] = tuple([np.nan] * 96)
    spectra[7] = (1.0, 2.0)
    mask, seen = pl.pointing_line_mask(spectra, 96)
    assert seen == (4,)
    # A channel flagged in one pointing only is not a line.
    spectra[5] = np.where(np.arange(96) == 10, np.nan, spectra[5])
    mask, _ = pl.pointing_line_mask(spectra, 96)
    assert not mask[10]


def test_noise_alone_gives_no_line():
    rng = np.random.default_rng(11)
    spectra = {f: 0.1 + rng.normal(0, 0.01, 128) for f in range(3, 10)}
    mask, seen = pl.pointing_line_mask(spectra, 128)
    assert not mask.any() and seen == ()
