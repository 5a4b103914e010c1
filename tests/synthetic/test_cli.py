"""`scriptgen simulate` on the command line."""

from __future__ import annotations

import json

import pytest

from scriptgen.cli import main


def test_help_teaches_the_options(capsys):
    with pytest.raises(SystemExit):
        main(["simulate", "--help"])
    text = capsys.readouterr().out
    for option in (
        "--band",
        "--tdm-tsys",
        "--mosaic",
        "--flux-calibrator",
        "--line",
        "--no-corrupt",
        "--force",
    ):
        assert option in text
    assert "truth.json" in text


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--line", "102.8,60"], "FREQ_GHZ,FWHM_MHZ,PEAK_JY"),
        (["--band", "6", "--line", "102.8,60,0.5"], "not inside a science window"),
        (["--spws", "5"], "n_spws"),
        (["--mosaic", "0"], "mosaic_pointings"),
        (["--uid", "A002/X1"], "uid"),
    ],
)
def test_bad_options_exit_2_with_one_line(tmp_path, capsys, argv, message):
    assert main(["simulate", str(tmp_path / "x.ms"), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "x.ms").exists()


def test_refuses_to_overwrite_without_force(tmp_path, capsys):
    out = tmp_path / "eb.ms"
    out.mkdir()
    assert main(["simulate", str(out)]) == 2
    assert "--force" in capsys.readouterr().err


def test_refuses_to_replace_something_that_is_not_an_ms(tmp_path, capsys):
    out = tmp_path / "notes.ms"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    assert main(["simulate", str(out), "--force"]) == 2
    assert (out / "precious.txt").exists()


@pytest.mark.casa
def test_builds_a_small_eb_and_replaces_it_with_force(tmp_path, capsys):
    out = tmp_path / "uid___A002_Xsyn_X9.ms"
    small = ["--antennas", "4", "--spws", "1", "--nchan", "16", "-q"]
    assert main(["simulate", str(out), *small]) == 0
    truth = json.loads((tmp_path / "uid___A002_Xsyn_X9.ms.truth.json").read_text())
    assert truth["uid"] == "uid___A002_Xsyn_X9"
    assert truth["science_spws"] == [1]
    assert "wrote" in capsys.readouterr().out
    assert main(["simulate", str(out), *small, "--seed", "2", "--force"]) == 0
    truth = json.loads((tmp_path / "uid___A002_Xsyn_X9.ms.truth.json").read_text())
    assert truth["config"]["seed"] == 2
