import pytest

from scriptgen.heuristics.calibrator_fluxes import CalibratorFluxError, load, lookup, parse

CSV = """\
# fluxes looked up on 2024-05-01
source,flux_jy,spix,reffreq_ghz,date,note
J1058+0133, 3.12, -0.55, 103.5, 2024-05-01, ALMA catalogue
J1130-1449,1.2,,100,,
"""


def test_csv_with_comments_and_optional_columns():
    entries = parse(CSV, fmt="csv")
    first = lookup(entries, "j1058+0133 ")
    assert first.flux_jy == 3.12 and first.spix == -0.55 and first.reffreq_ghz == 103.5
    assert first.date == "2024-05-01" and first.note == "ALMA catalogue"
    second = lookup(entries, "J1130-1449")
    assert second.spix == 0.0 and not second.spix_given


def test_json_object_and_list_forms_agree():
    as_object = parse('{"J1": {"flux_jy": 2, "reffreq_ghz": 100, "spix": -0.7}}', fmt="json")
    as_list = parse('[{"source": "J1", "flux_jy": 2, "reffreq_ghz": 100, "spix": -0.7}]', fmt="json")
    assert as_object == as_list


@pytest.mark.parametrize(
    "text, message",
    [
        ("source,flux_jy\nJ1,2\n", "missing reffreq_ghz"),
        ("source,flux_jy,reffreq_ghz\nJ1,abc,100\n", "not a number"),
        ("source,flux_jy,reffreq_ghz\nJ1,-1,100\n", "must be positive"),
        ("source,flux_jy,reffreq_ghz,colour\nJ1,1,100,red\n", "unknown column"),
        ("source,flux_jy,reffreq_ghz\nJ1,1,100\nj1,2,100\n", "listed twice"),
    ],
)
def test_bad_csv_says_what_is_wrong(text, message):
    with pytest.raises(CalibratorFluxError, match=message):
        parse(text, fmt="csv")


def test_load_picks_the_format_from_the_suffix(tmp_path):
    path = tmp_path / "fluxes.csv"
    path.write_text(CSV)
    assert set(load(path)) == {"j1058+0133", "j1130-1449"}
    with pytest.raises(CalibratorFluxError, match="unknown calibrator-flux format"):
        bad = tmp_path / "fluxes.txt"
        bad.write_text(CSV)
        load(bad)
    with pytest.raises(CalibratorFluxError, match="cannot read"):
        load(tmp_path / "missing.csv")


def test_lookup_without_a_catalogue_finds_nothing():
    assert lookup(None, "J1") is None
