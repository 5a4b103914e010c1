"""`scriptgen imaging` as a user meets it: help, and one-line errors."""

from __future__ import annotations

import pytest

from scriptgen.cli import main


def test_help_explains_the_choices(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["imaging", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for words in ("cont.dat", "--cont-ranges", "minor axis / 5", "--tsys-from", "LSRK", "robust 0.5", "--beam-range"):
        assert words in out


def test_missing_ms_is_one_line_error(tmp_path, capsys):
    assert main(["imaging", str(tmp_path / "nope.ms"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("scriptgen: error:")


@pytest.mark.parametrize("option", [["--rest-freq", "2km/s"], ["--chan-width", "wide"], ["--tsys", "-5"]])
def test_bad_options_are_refused_before_reading_data(tmp_path, capsys, option):
    assert main(["imaging", str(tmp_path / "nope.ms"), "--out", str(tmp_path), *option]) == 2
    err = capsys.readouterr().err
    assert err.startswith("scriptgen: error:") and option[0] in err
