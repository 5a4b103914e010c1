"""scriptForPI's run-time decisions, on folders made here (no CASA)."""

import pytest

from scriptgen.scripts import pi_runtime as rt
from scriptgen.scripts.runtime import remove_outputs


def make_asdm(path):
    path.mkdir(parents=True)
    (path / "ASDM.xml").write_text("<ASDM/>")
    return path


def make_ms(path, size=10):
    path.mkdir(parents=True)
    (path / "table.dat").write_bytes(b"x" * size)
    (path / "ANTENNA").mkdir()
    (path / "ANTENNA" / "table.dat").write_bytes(b"y" * size)
    return path


def test_kinds(tmp_path):
    assert rt.raw_data_kind(str(make_asdm(tmp_path / "uid___A"))) == "asdm"
    assert rt.raw_data_kind(str(make_ms(tmp_path / "uid___A.ms"))) == "ms"
    assert rt.raw_data_kind(str(tmp_path / "nothing")) is None


def test_the_asdm_is_preferred_unless_usems(tmp_path):
    make_asdm(tmp_path / "uid___A")
    make_ms(tmp_path / "uid___A.ms")
    assert rt.locate_raw_data(str(tmp_path), "uid___A", False) == ("asdm", str(tmp_path / "uid___A"))
    assert rt.locate_raw_data(str(tmp_path), "uid___A", True) == ("ms", str(tmp_path / "uid___A.ms"))


def test_an_ms_alone_is_used_without_usems(tmp_path):
    make_ms(tmp_path / "uid___A.ms")
    assert rt.locate_raw_data(str(tmp_path), "uid___A", False) == ("ms", str(tmp_path / "uid___A.ms"))


def test_usems_without_an_ms_says_what_is_missing(tmp_path):
    make_asdm(tmp_path / "uid___A")
    with pytest.raises(RuntimeError, match="USEMS"):
        rt.locate_raw_data(str(tmp_path), "uid___A", True)


def test_no_raw_data_names_both_candidates(tmp_path):
    with pytest.raises(RuntimeError, match="uid___A.ms"):
        rt.locate_raw_data(str(tmp_path), "uid___A", False)


def test_the_archive_layout_asdm_sdm_is_found_first(tmp_path):
    make_asdm(tmp_path / "uid___A.asdm.sdm")
    make_asdm(tmp_path / "uid___A")
    make_ms(tmp_path / "uid___A.ms")
    found = rt.locate_raw_data(str(tmp_path), "uid___A", False)
    assert found == ("asdm", str(tmp_path / "uid___A.asdm.sdm"))


def test_asdm_sdm_alone_is_used(tmp_path):
    make_asdm(tmp_path / "uid___A.asdm.sdm")
    assert rt.locate_raw_data(str(tmp_path), "uid___A", False) == ("asdm", str(tmp_path / "uid___A.asdm.sdm"))


def test_nothing_found_lists_every_path_and_what_was_there(tmp_path):
    (tmp_path / "uid___A.asdm.sdm").mkdir()  # unpacked but empty
    (tmp_path / "uid___A").write_text("not a folder")
    with pytest.raises(RuntimeError) as caught:
        rt.locate_raw_data(str(tmp_path), "uid___A", False)
    message = str(caught.value)
    assert f"{tmp_path / 'uid___A.asdm.sdm'} (a folder with neither ASDM.xml nor table.dat)" in message
    assert f"{tmp_path / 'uid___A'} (not a folder)" in message
    assert f"{tmp_path / 'uid___A.ms'} (missing)" in message


def test_usems_with_only_an_archive_asdm_says_to_unset_it(tmp_path):
    make_asdm(tmp_path / "uid___A.asdm.sdm")
    with pytest.raises(RuntimeError, match=r"uid___A.asdm.sdm \(an ASDM: unset USEMS to import it\)"):
        rt.locate_raw_data(str(tmp_path), "uid___A", True)


def test_folder_size_counts_every_file(tmp_path):
    assert rt.folder_size(str(make_ms(tmp_path / "a.ms", size=100))) == 200
    (tmp_path / "f").write_bytes(b"z" * 7)
    assert rt.folder_size(str(tmp_path / "f")) == 7


def test_disk_space_verdict():
    assert rt.disk_space_verdict(10, 60, 6.0) == (True, 60)
    assert rt.disk_space_verdict(10, 59, 6.0) == (False, 60)


@pytest.mark.parametrize(
    "level, have_calibrated, expected",
    [
        (0, True, []),
        (1, True, ["a.ms.split"]),
        (2, False, ["a.ms.split", "a.ms"]),
        (3, False, ["a.ms.split", "a.ms"]),
        (3, True, ["a.ms.split", "a.ms", "a.ms.split.cal"]),
    ],
)
def test_space_saving_levels(level, have_calibrated, expected):
    assert rt.space_saving_removals(level, "a.ms", "a.ms.split", "a.ms.split.cal", have_calibrated) == expected


def test_run_script_gives_a_fresh_namespace_with_applyonly(tmp_path, monkeypatch):
    script = tmp_path / "s.py"
    script.write_text(
        "with open('seen.txt', 'w') as h:\n"
        "    h.write(repr((applyonly, 'mysteps' in globals(), __name__)))\n"
    )
    monkeypatch.chdir(tmp_path)
    mysteps = [3]  # noqa: F841 - must not leak into the script
    rt.run_script(str(script), applyonly=True)
    assert (tmp_path / "seen.txt").read_text() == "(True, False, '__main__')"


def test_copy_replaces_and_remove_is_quiet(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    src = make_ms(tmp_path / "src.ms")
    dest = tmp_path / "dest.ms"
    make_ms(dest, size=1)
    (dest / "stale").write_text("old")
    rt.copy_path(str(src), str(dest))
    assert not (dest / "stale").exists()
    assert (dest / "table.dat").read_bytes() == b"x" * 10
    (tmp_path / "f.json").write_text("{}")
    rt.copy_path(str(tmp_path / "f.json"), str(tmp_path / "g.json"))
    assert (tmp_path / "g.json").read_text() == "{}"
    remove_outputs(str(dest))
    remove_outputs(str(dest))
    assert not dest.exists()
