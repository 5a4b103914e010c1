"""QA plots from real calibration tables and images; the index escapes names."""


import numpy as np
import pytest

from scriptgen import naming
from scriptgen.cli import main
from scriptgen.qaplots.caltables import read_caltable
from scriptgen.qaplots.gallery import Plot, index_html, make_gallery, plots_for

from tests.package.conftest import MS


@pytest.mark.casa
def test_tables_read_with_their_meaning(reduced_workdir):
    t = naming.CalTables(MS)
    tsys = read_caltable(reduced_workdir / t.tsys)
    assert tsys.viscal.upper().startswith("B TSYS") and not tsys.is_complex
    assert len(tsys.antenna_names) == 5 and len(tsys.spws) >= 2
    values = np.concatenate([s.values[~s.flags] for s in tsys.spws])
    assert 40 < np.median(values) < 300  # Tsys in K, band 6
    bp = read_caltable(reduced_workdir / t.bandpass)
    assert bp.is_complex and bp.spws[0].values.shape[1] == 16
    assert np.median(np.abs(bp.spws[0].values)) == pytest.approx(1.0, abs=0.2)  # solnorm
    gains = read_caltable(reduced_workdir / t.phase_int)
    assert gains.spws[0].values.shape[1] == 1 and gains.spws[0].time_s.size > 10


@pytest.mark.casa
def test_gallery_draws_every_table_and_image(reduced_workdir, tmp_path):
    images = sorted((reduced_workdir / "images").glob("*.fits"))
    g = make_gallery(tmp_path / "qa", reduced_workdir, images, (MS,))
    assert not g.warnings
    expected = [p.png for p in plots_for(MS)] + [f"{p.name}.preview.png" for p in images if ".pb.fits" not in p.name]
    assert g.files == expected + ["index.html"]
    for name in expected:
        png = tmp_path / "qa" / name
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000, name
    # a missing table is skipped, a broken one is a warning
    (tmp_path / "w").mkdir()
    broken = tmp_path / "w" / naming.CalTables(MS).tsys
    broken.mkdir()
    (broken / "table.dat").write_text("not a table")
    g2 = make_gallery(tmp_path / "qa2", tmp_path / "w", [], (MS,))
    assert g2.files == ["index.html"] and len(g2.warnings) == 1


@pytest.mark.casa
def test_qaplots_command(reduced_workdir, tmp_path, capsys):
    assert main(["qaplots", str(reduced_workdir), "--out", str(tmp_path / "qa")]) == 0
    out = capsys.readouterr().out
    assert "index.html" in out and "target.cont.image.pbcor.fits.preview.png" in out


def test_index_escapes_names_from_the_data():
    hostile = "x'\"><script>alert(1)</script>"
    html = index_html([Plot(hostile, f"{hostile}.tsys", "tsys", f"{hostile}.png", "Tsys <b>")])
    assert "<script>" not in html and "&lt;script&gt;" in html and "Tsys &lt;b&gt;" in html
    assert 'src="x%27%22%3E%3Cscript%3E' in html
    assert "No calibration tables" in index_html([])
    assert '<a href="qa2%20%3Creport%3E.txt">qa2 &lt;report&gt;.txt</a>' in index_html([], ("qa2 <report>.txt",))


def test_primary_beams_and_masks_get_no_preview():
    from scriptgen.qaplots.gallery import is_pb_or_mask

    assert is_pb_or_mask("t.cont.pb.fits") and is_pb_or_mask("t.cont.mask.fits")
    assert not is_pb_or_mask("t.cont.pbcor.fits") and not is_pb_or_mask("pbtarget.cont.image.fits")
