"""Bad input to ``scriptgen inspect``: one line naming the problem, exit 2.

Every case goes through :func:`scriptgen.cli.main` and checks the process's
stderr at file-descriptor level (``capfd``), so that CASA's own C++ log
lines, which bypass Python, would be caught too.
"""

from __future__ import annotations

import pytest

from scriptgen.cli import main

from tests.inspect.conftest import edit_table


def run_inspect(capfd, *args: str) -> tuple[int, str, str]:
    code = main(["inspect", *args])
    out, err = capfd.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2
    assert err.count("\n") == 1, err
    assert err.startswith("scriptgen: error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


def test_missing_path(tmp_path, capfd):
    code, out, err = run_inspect(capfd, str(tmp_path / "nope.ms"))
    assert_one_line_error(code, err, "nope.ms: no such file or directory")
    assert out == ""


def test_plain_file(tmp_path, capfd):
    path = tmp_path / "data.fits"
    path.write_bytes(b"SIMPLE  =                    T")
    code, _, err = run_inspect(capfd, str(path))
    assert_one_line_error(code, err, "is a file; a MeasurementSet is a directory")


def test_directory_that_is_not_a_table(tmp_path, capfd):
    (tmp_path / "folder").mkdir()
    code, _, err = run_inspect(capfd, str(tmp_path / "folder"))
    assert_one_line_error(code, err, "not a CASA table (it has no table.dat)")


def test_folder_of_measurement_sets_names_them(tmp_path, capfd):
    for name in ("a.ms", "b.ms"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "table.dat").write_bytes(b"")
    code, _, err = run_inspect(capfd, str(tmp_path))
    assert_one_line_error(code, err, "it holds a.ms, b.ms")


def test_unparseable_json_is_not_taken_for_a_snapshot(tmp_path, capfd):
    path = tmp_path / "eb.json"
    path.write_text("{not json")
    code, _, err = run_inspect(capfd, str(path))
    assert_one_line_error(code, err, "snapshot is not valid JSON")


@pytest.mark.casa
def test_casa_table_that_is_not_a_measurement_set(standard_eb, capfd):
    code, _, err = run_inspect(capfd, str(standard_eb.ms_path / "ANTENNA"))
    assert_one_line_error(code, err, "is a CASA table but not a MeasurementSet")


@pytest.mark.casa
def test_truncated_main_table(standard_copy, capfd):
    data = standard_copy / "table.f0"
    data.write_bytes(data.read_bytes()[:1000])
    code, _, err = run_inspect(capfd, str(standard_copy))
    assert_one_line_error(code, err, "the main table of", "damaged or truncated")


@pytest.mark.casa
def test_subtable_without_table_dat(standard_copy, capfd):
    (standard_copy / "SPECTRAL_WINDOW" / "table.dat").unlink()
    code, _, err = run_inspect(capfd, str(standard_copy))
    assert_one_line_error(code, err, "SPECTRAL_WINDOW table is damaged")


@pytest.mark.casa
def test_missing_required_subtable(standard_copy, capfd):
    import shutil

    shutil.rmtree(standard_copy / "POLARIZATION")
    code, _, err = run_inspect(capfd, str(standard_copy))
    assert_one_line_error(code, err, "not a MeasurementSet (no POLARIZATION subtable)")


@pytest.mark.casa
def test_no_intents(standard_copy, capfd):
    with edit_table(standard_copy / "STATE") as tb:
        tb.putcol("OBS_MODE", [""] * tb.nrows())
    code, _, err = run_inspect(capfd, str(standard_copy))
    assert_one_line_error(code, err, "has no scan intents")
    # --lenient shows what is there instead.
    code, out, err = run_inspect(capfd, str(standard_copy), "--lenient")
    assert code == 0 and err == ""
    assert "no scan has an intent" in out


@pytest.mark.casa
def test_no_science_windows(standard_copy, capfd):
    """Only atmosphere scans: nothing was observed for science."""
    with edit_table(standard_copy / "STATE") as tb:
        tb.putcol("OBS_MODE", ["CALIBRATE_ATMOSPHERE#ON_SOURCE"] * tb.nrows())
    code, _, err = run_inspect(capfd, str(standard_copy))
    assert_one_line_error(code, err, "has no science spectral windows")


@pytest.mark.casa
def test_one_bad_input_among_good_ones_fails_before_writing(standard_eb, tmp_path, capfd):
    out_dir = tmp_path / "snaps"
    code, out, err = run_inspect(
        capfd, str(standard_eb.ms_path), str(tmp_path / "missing.ms"), "--json", str(out_dir)
    )
    assert_one_line_error(code, err, "missing.ms")
    assert not out_dir.exists()
