"""`scriptgen imaging MS MS ...` (a member OUS) as a user meets it: help and one-line refusals."""

from __future__ import annotations

import pytest

from scriptgen.cli import main


def test_help_names_the_ous_mode(capsys):
    with pytest.raises(SystemExit):
        main(["imaging", "--help"])
    out = capsys.readouterr().out
    for words in ("--execblock", "common LSRK grid", "archive window ids", "--beam-range"):
        assert words in out


@pytest.mark.parametrize(
    "extra, needle",
    [
        (["--execblock", "only_one.ms"], "--execblock needs one raw EB per calibrated MS"),
        (["--tsys-from", "x.ms"], "--execblock"),
        (["--beam-range", "2,1"], "--beam-range"),
        (["--beam-range", "wide"], "--beam-range"),
    ],
)
def test_bad_ous_options_are_one_line_errors(tmp_path, capsys, extra, needle):
    args = ["imaging", str(tmp_path / "a.ms.split.cal"), str(tmp_path / "b.ms.split.cal"), "--out", str(tmp_path)]
    assert main(args + extra) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("scriptgen: error:") and needle in err[0], err
