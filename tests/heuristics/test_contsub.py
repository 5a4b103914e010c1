"""uvcontsub's fitspec never leaves a window to CASA's fit-all-channels default."""

from scriptgen.heuristics.contsub import FIT_ORDER, contsub_choice
from scriptgen.heuristics.linefree import LineFree


def _w(spw, free, nchan=64):
    return LineFree(spw_id=spw, nchan=nchan, line_free=tuple(free), lines=(), sigma=1.0)


def test_every_window_is_listed_with_explicit_channels():
    choice = contsub_choice({"0": (_w(1, [(0, 63)]), _w(3, [(0, 20), (40, 63)]))})
    assert choice.spw == "1,3"
    assert choice.fitspec == {
        "0": {"1": {"chan": "0~63", "fitorder": FIT_ORDER}, "3": {"chan": "0~20;40~63", "fitorder": FIT_ORDER}}
    }


def test_a_window_without_line_free_channels_is_left_out_of_the_selection():
    choice = contsub_choice({"0": (_w(1, [(0, 30)]), _w(3, []))})
    assert choice.spw == "1"
    assert set(choice.fitspec["0"]) == {"1"}
    assert any("spw 3: no line-free channels in any field" in n for n in choice.notes)


def test_a_window_line_free_elsewhere_is_fitted_explicitly_and_said_so():
    choice = contsub_choice({"0": (_w(1, [(0, 30)]),), "2": (_w(1, []), _w(3, [(5, 60)]))})
    assert choice.spw == "1,3"
    assert choice.fitspec["2"]["1"] == {"chan": "0~63", "fitorder": 0}
    assert any("field '2' spw 1" in n and "nothing reads" in n for n in choice.notes)
    for per_spw in choice.fitspec.values():
        assert all(entry["chan"] for entry in per_spw.values())


def test_fields_without_any_line_free_channel_are_left_out_and_nothing_at_all_means_no_call():
    choice = contsub_choice({"0": (_w(1, [(0, 30)]),), "2": (_w(1, []),)})
    assert list(choice.fitspec) == ["0"]
    assert any("field '2': no line-free channels in any window" in n for n in choice.notes)
    assert contsub_choice({"0": (_w(1, []),)}) is None
