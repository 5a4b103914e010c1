"""scriptgen generate on band-to-band snapshots (no CASA): the mode is chosen
and printed; what it cannot calibrate is refused with one line, exit 2."""

from dataclasses import replace

from scriptgen import snapshot
from scriptgen.cli import main

from tests.modes.band_to_band.ebs import diffgain_eb


def test_generate_prints_the_mode_and_its_decisions(tmp_path, capsys):
    path = snapshot.save(diffgain_eb("b2b"), tmp_path / "uid___A002_Xsyn_Xb2b.ms.snapshot.json")
    assert main(["generate", str(path), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "(mode band_to_band)" in out
    assert "band-to-band: frequency ratio 2.48 > 1.661" in out
    assert "window map: science -> reference window (MS ids): 1->5 (same baseband), 3->7" in out
    script = tmp_path / "out" / "uid___A002_Xsyn_Xb2b.ms.scriptForCalibration.py"
    assert "diffgain_offset_table" in script.read_text()


def test_a_bandpass_calibrator_missing_from_a_setup_is_refused_in_one_line(tmp_path, capsys):
    eb = diffgain_eb("b2b")
    scans = tuple(s for s in eb.scans if not (0 in s.field_ids and 5 in s.spw_ids))
    path = snapshot.save(replace(eb, scans=scans), tmp_path / "uid___A002_Xsyn_Xb2b.ms.snapshot.json")
    assert main(["generate", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not observed in windows 5,7" in err[0]
    assert not (tmp_path / "out" / "uid___A002_Xsyn_Xb2b.ms.scriptForCalibration.py").exists()
