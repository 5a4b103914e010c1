"""Line detection on synthetic spectra, and the continuum-ranges file."""

from __future__ import annotations

import numpy as np
import pytest

from scriptgen.heuristics import linefree as lf


def spectrum(n=64, *, seed=0, noise=1e-3, lines=(), slope=2e-4):
    rng = np.random.default_rng(seed)
    x = np.arange(n)
    s = 0.25 + slope * (x - n / 2) + rng.normal(0, noise, n)
    for centre, fwhm, peak in lines:
        s += peak * np.exp(-4 * np.log(2) * ((x - centre) / fwhm) ** 2)
    return s


def test_bright_line_is_excluded_with_its_wings():
    res = lf.line_free(0, spectrum(lines=[(30, 4, 0.05)]))
    assert len(res.lines) == 1
    a, b = res.lines[0]
    # Above 4 sigma (= 8 % of 0.05) out to about 1.3 FWHM, plus growth.
    assert a <= 24 and b >= 36
    assert a >= 18 and b <= 42
    assert res.sigma == pytest.approx(1e-3, rel=0.3)
    assert res.line_free == ((0, a - 1), (b + 1, 63))


def test_pure_continuum_keeps_every_channel():
    for seed in range(20):
        res = lf.line_free(0, spectrum(seed=seed, n=256))
        assert res.fraction_free > 0.95, seed


def test_broad_weak_line_found_by_smoothing():
    # Peak ~4 sigma per channel: marginal channel by channel, clear over 9.
    res = lf.line_free(1, spectrum(lines=[(40, 14, 4e-3)], n=128, seed=3))
    assert res.lines, "broad line missed"
    centre = [(a + b) / 2 for a, b in res.lines]
    assert any(abs(c - 40) < 8 for c in centre)


def test_absorption_line_is_found():
    res = lf.line_free(0, spectrum(lines=[(10, 3, -0.02)]))
    assert any(a <= 10 <= b for a, b in res.lines)


def test_flagged_channels_are_not_continuum():
    s = spectrum()
    s[5:8] = np.nan
    res = lf.line_free(0, s)
    assert any(a <= 5 and b >= 7 for a, b in res.lines)


def test_ranges_and_selection_strings():
    mask = np.array([0, 1, 1, 0, 0, 1, 0], dtype=bool)
    assert lf.channel_ranges(mask) == ((1, 2), (5, 5))
    assert lf.channel_ranges(np.zeros(4, bool)) == ()
    assert lf.selection(((0, 9), (20, 31))) == "0~9;20~31"
    assert lf.selection(((0, 31),), nchan=32) == ""


def test_cont_file_round_trip_and_annotations():
    det = {
        "NGC 3256": [
            lf.line_free(1, spectrum(lines=[(30, 4, 0.05)])),
            lf.line_free(0, spectrum(seed=5)),
        ]
    }
    text = lf.format_cont_ranges(det, {0: (100e9, 15.625e6), 1: (102e9, -15.625e6)}, header=["test"])
    assert text.startswith("# test\n")
    assert "Field: NGC 3256" in text
    assert "SpectralWindow: 0\nALL" in text
    assert "GHz TOPO" in text
    back = lf.parse_cont_ranges(text, nchan={0: 64, 1: 64})
    assert back["NGC 3256"][1].line_free == det["NGC 3256"][0].line_free
    assert back["NGC 3256"][0].line_free == ((0, 63),)
    assert back["NGC 3256"][1].source == "user file"


def test_user_file_edits_and_errors():
    text = "Field: X\n\nSpectralWindow: 0\n10~20  # note\n0~5\n4~8\n\nSpectralWindow: 1\nNONE\n"
    got = lf.parse_cont_ranges(text, nchan={0: 32, 1: 16})
    assert got["X"][0].line_free == ((0, 8), (10, 20))
    assert got["X"][1].line_free == ()
    with pytest.raises(lf.ContRangesError, match="line 3"):
        lf.parse_cont_ranges("Field: X\n\n0~3\n")
    with pytest.raises(lf.ContRangesError, match="beyond"):
        lf.parse_cont_ranges("Field: X\nSpectralWindow: 0\n0~40\n", nchan={0: 32})
    with pytest.raises(lf.ContRangesError, match="first~last"):
        lf.parse_cont_ranges("Field: X\nSpectralWindow: 0\n0-40\n")
