"""Real-world quirks the inspector survives, made on copies of a synthetic EB.

Also the proof that inspection never touches a visibility column: with the
storage files of DATA, CORRECTED_DATA, MODEL_DATA, FLAG, WEIGHT and SIGMA
gone, the inspected EB is unchanged.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from scriptgen import derive
from scriptgen.inspect import NoIntents, inspect_with_notes
from scriptgen.inspect.errors import CorruptTable

from tests.inspect.conftest import edit_table

pytestmark = pytest.mark.casa

VISIBILITY_COLUMNS = ("DATA", "CORRECTED_DATA", "MODEL_DATA", "FLAG", "WEIGHT", "SIGMA", "FLAG_CATEGORY")


def same_but_path(got, want) -> bool:
    """Equal EBs apart from where the MS lives (and hence its name)."""
    return dataclasses.replace(got, ms_path=want.ms_path, uid=want.uid) == want


def add_subtable_keyword(ms: Path, name: str, source: str = "STATE") -> Path:
    """Give the MS an extra subtable (a copy of ``source``) linked from its keywords."""
    shutil.copytree(ms / source, ms / name)
    with edit_table(ms) as tb:
        tb.putkeyword(name, f"Table: {ms / name}")
    return ms / name


def test_dangling_asdm_keyword(standard_copy, standard_eb, inspected):
    """importasdm links ASDM_* tables that are sometimes not shipped."""
    shutil.rmtree(add_subtable_keyword(standard_copy, "ASDM_CALWVR"))
    result = inspect_with_notes(standard_copy)
    assert same_but_path(result.eb, inspected(standard_eb.ms_path))
    assert any("ASDM_CALWVR" in note for note in result.notes)


def test_asdm_tables_present(standard_copy, standard_eb, inspected):
    add_subtable_keyword(standard_copy, "ASDM_RECEIVER")
    add_subtable_keyword(standard_copy, "ASDM_STATION", source="ANTENNA")
    result = inspect_with_notes(standard_copy)
    assert same_but_path(result.eb, inspected(standard_eb.ms_path))
    assert result.notes == ()


def test_dangling_syscal_keyword_means_no_tsys(standard_copy):
    shutil.rmtree(standard_copy / "SYSCAL")
    result = inspect_with_notes(standard_copy)
    assert result.eb.tsys == ()
    assert any("SYSCAL" in note for note in result.notes)
    assert any("no Tsys" in note for note in result.notes)
    # Without SYSCAL, the Tsys windows fall back to those on atmosphere scans.
    assert derive.tsys_map(result.eb)


def test_empty_syscal(standard_copy):
    with edit_table(standard_copy / "SYSCAL") as tb:
        tb.removerows(list(range(tb.nrows())))
        assert tb.nrows() == 0
    assert inspect_with_notes(standard_copy).eb.tsys == ()


def test_no_state_intents(standard_copy):
    with edit_table(standard_copy / "STATE") as tb:
        tb.putcol("OBS_MODE", [""] * tb.nrows())
    with pytest.raises(NoIntents):
        inspect_with_notes(standard_copy)
    eb = inspect_with_notes(standard_copy, strict=False).eb
    assert eb.scans and not any(s.intents for s in eb.scans)
    assert not any(f.intents for f in eb.fields)
    assert derive.science_spws(eb) == ()


def test_state_table_absent(standard_copy):
    with edit_table(standard_copy) as tb:
        tb.removekeyword("STATE")
    shutil.rmtree(standard_copy / "STATE")
    result = inspect_with_notes(standard_copy, strict=False)
    assert not any(s.intents for s in result.eb.scans)
    assert any("no scan has an intent" in note for note in result.notes)


def test_no_bbc_no_column_still_gives_basebands_from_names(standard_copy, standard_eb, inspected):
    with edit_table(standard_copy / "SPECTRAL_WINDOW") as tb:
        if "BBC_NO" in tb.colnames():
            tb.removecols(["BBC_NO"])
    assert same_but_path(inspect_with_notes(standard_copy).eb, inspected(standard_eb.ms_path))


def _storage_files(ms: Path, columns: tuple[str, ...]) -> list[Path]:
    """The bulk data files of the tiled managers that hold only ``columns``.

    Opening a table reads each manager's small header file (``table.fN``);
    the values live in ``table.fN_TSM*``, which is what we remove.
    """
    from scriptgen import casa_env

    tb = casa_env.casatools().table()
    tb.open(str(ms))
    try:
        dminfo = tb.getdminfo()
    finally:
        tb.close()
    files = []
    for manager in dminfo.values():
        held = set(manager["COLUMNS"])
        if held and held <= set(columns):
            files += sorted(ms.glob(f"table.f{manager['SEQNR']}_TSM*"))
    return files


def test_inspection_never_reads_visibilities(standard_copy, standard_eb, inspected):
    files = _storage_files(standard_copy, VISIBILITY_COLUMNS)
    # DATA, FLAG, WEIGHT/SIGMA and the scratch columns all have their own
    # managers in the synthetic EBs; if that changes this test must be redone.
    assert len(files) >= 4
    for path in files:
        path.unlink()
    assert same_but_path(inspect_with_notes(standard_copy).eb, inspected(standard_eb.ms_path))
    # ... while anything that does read visibilities now fails.
    from scriptgen import casa_env

    tb = casa_env.casatools().table()
    tb.open(str(standard_copy))
    try:
        with pytest.raises(RuntimeError):
            tb.getcol("DATA", 0, 1)
    finally:
        tb.close()


def test_damaged_subtable_is_named(standard_copy):
    (standard_copy / "FIELD" / "table.f0").write_bytes(b"")
    with pytest.raises(CorruptTable, match="FIELD table"):
        inspect_with_notes(standard_copy)


def test_ephemeris_column_marks_the_field(standard_copy):
    """importasdm links solar-system fields to an ephemeris via EPHEMERIS_ID."""
    with edit_table(standard_copy / "FIELD") as tb:
        tb.addcols({"EPHEMERIS_ID": {"valueType": "int", "dataManagerType": "StandardStMan",
                                     "option": 0, "maxlen": 0, "comment": ""}})  # fmt: skip
        ids = [-1] * tb.nrows()
        ids[1] = 0
        tb.putcol("EPHEMERIS_ID", ids)
    fields = inspect_with_notes(standard_copy).eb.fields
    assert [f.is_ephemeris for f in fields] == [i == 1 for i in range(len(fields))]


def test_flag_commands_are_counted(standard_copy):
    with edit_table(standard_copy / "FLAG_CMD") as tb:
        before = tb.nrows()
        tb.addrows(3)
    assert inspect_with_notes(standard_copy).eb.flag_cmd_rows == before + 3


def test_syscal_not_linked_is_noted(standard_copy):
    with edit_table(standard_copy) as tb:
        tb.removekeyword("SYSCAL")
    result = inspect_with_notes(standard_copy)
    assert result.eb.tsys  # the table is there and read ...
    assert any("gencal" in note for note in result.notes)  # ... but CASA would not see it


def test_undefined_tsys_cells_are_skipped(standard_copy, standard_eb, inspected):
    """A SYSCAL row without a spectrum (an antenna not measured) hides nothing."""
    with edit_table(standard_copy / "SYSCAL") as tb:
        spw = int(tb.getcell("SPECTRAL_WINDOW_ID", 0))
        n_rows = sum(1 for r in range(tb.nrows()) if tb.getcell("SPECTRAL_WINDOW_ID", r) == spw)
        tb.addrows(1)
        last = tb.nrows() - 1
        tb.putcell("SPECTRAL_WINDOW_ID", last, spw)
        assert not tb.iscelldefined("TSYS_SPECTRUM", last)
    got = {t.spw_id: t for t in inspect_with_notes(standard_copy).eb.tsys}
    want = {t.spw_id: t for t in inspected(standard_eb.ms_path).tsys}
    assert got[spw].median_tsys_k == want[spw].median_tsys_k
    assert got[spw].n_rows == n_rows + 1
