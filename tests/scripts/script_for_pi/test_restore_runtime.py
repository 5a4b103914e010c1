"""The run-time helpers copied into a restore scriptForPI.py (no CASA)."""

from __future__ import annotations

import tarfile

import pytest

from scriptgen.errors import ScriptgenError
from scriptgen.heuristics.restore import science_spw
from scriptgen.scripts.restore_runtime import (
    delivered_raw_data,
    unpack_flag_versions,
    version_warning,
)
from scriptgen.scripts.runtime import has_flag_version

UID = "uid___A002_X1_X2"


def raw(folder, name, marker):
    (folder / name).mkdir(parents=True)
    (folder / name / marker).write_text("")
    return str(folder / name)


def test_the_archive_asdm_name_is_found_first(tmp_path):
    sdm = raw(tmp_path, f"{UID}.asdm.sdm", "ASDM.xml")
    raw(tmp_path, UID, "ASDM.xml")
    ms = raw(tmp_path, f"{UID}.ms", "table.dat")
    assert delivered_raw_data(str(tmp_path), UID, False) == ("asdm", sdm)
    assert delivered_raw_data(str(tmp_path), UID, True) == ("ms", ms)


def test_an_ms_alone_is_used_and_nothing_is_an_error(tmp_path):
    ms = raw(tmp_path, f"{UID}.ms", "table.dat")
    assert delivered_raw_data(str(tmp_path), UID, False) == ("ms", ms)
    with pytest.raises(RuntimeError, match=r"expected an MS uid___A002_X9\.ms \(USEMS is set\)"):
        delivered_raw_data(str(tmp_path), "uid___A002_X9", True)
    raw(tmp_path, "uid___A002_X9", "ASDM.xml")
    with pytest.raises(RuntimeError, match="USEMS"):
        delivered_raw_data(str(tmp_path), "uid___A002_X9", True)


def test_version_warning_compares_releases_only():
    assert version_warning("6.5.4-9", "6.5.4.9") is not None  # a different release string
    assert version_warning("6.5.4-9", "6.5.4-9") is None
    assert version_warning("6.6.1-17", "6.6.1") is None
    assert version_warning("unknown", "6.6.1") is None
    message = version_warning("6.2.1-7", "6.6.1")
    assert "CASA 6.2.1-7" in message and "CASA 6.6.1" in message and "goes on" in message


def _versions(folder, *names):
    folder.mkdir()
    (folder / "FLAG_VERSION_LIST").write_text("".join(f"{n} : comment : with colons\n" for n in names))
    for n in names:
        (folder / f"flags.{n}").mkdir()
        (folder / f"flags.{n}" / "table.dat").write_text(n)


def test_flag_versions_are_unpacked_beside_the_ms(tmp_path, monkeypatch):
    staging = tmp_path / "staging"
    staging.mkdir()
    _versions(staging / "x.ms.flagversions", "Original", "Pipeline_Final")
    tgz = tmp_path / "x.ms.flagversions.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        tar.add(staging / "x.ms.flagversions", arcname="x.ms.flagversions")
        tar.add(staging / "x.ms.flagversions" / "FLAG_VERSION_LIST", arcname="elsewhere.txt")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert unpack_flag_versions(str(tgz), "x.ms") == "x.ms.flagversions"
    assert (work / "x.ms.flagversions" / "flags.Pipeline_Final" / "table.dat").read_text() == "Pipeline_Final"
    assert not (work / "elsewhere.txt").exists()  # only the MS's own flag versions
    assert has_flag_version("x.ms", "Pipeline_Final") and not has_flag_version("x.ms", "Pipeline")
    assert not has_flag_version("y.ms", "Original")
    # A folder, too, replacing what was there.
    unpack_flag_versions(str(staging / "x.ms.flagversions"), "x.ms")
    assert has_flag_version("x.ms", "Original")


def test_a_tarball_escaping_the_folder_is_refused(tmp_path, monkeypatch):
    evil = tmp_path / "evil"
    evil.write_text("x")
    tgz = tmp_path / "x.ms.flagversions.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        tar.add(evil, arcname="x.ms.flagversions/../../evil")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RuntimeError, match="unsafe member"):
        unpack_flag_versions(str(tgz), "x.ms")


def test_science_spw_is_the_union_of_the_library_selections():
    assert science_spw(("17,19", "21", "19:0~10")).spw == "17,19,21"
    assert science_spw(("17", "")).spw == ""
    assert "every window" in science_spw(("17", "")).reason
    with pytest.raises(ScriptgenError, match="only window ids"):
        science_spw(("1~3",))
