"""Antenna position corrections from a getantposalma JSON file, in CASA.

No network here, so the file is written by the test in getantposalma's
format (absolute ITRF positions: the MS's positions plus known offsets) and
given to ``scriptgen generate --antpos``. The emitted script must make the
antpos table from it with gencal, apply it, and, with applyonly (as
scriptForPI runs it), rebuild the table from the delivered JSON alone.
"""

from __future__ import annotations

import ast
import json
import shutil
from dataclasses import replace

import numpy as np
import pytest

from scriptgen import casa_env, naming
from scriptgen.derive import science_spws
from scriptgen.generate import GenerateOptions, generate
from scriptgen.inspect import inspect_ms
from scriptgen.runner import run_script

pytestmark = pytest.mark.casa

#: Offsets (metres) the file gives two antennas: millimetres, as real ones.
OFFSETS_M = {0: (0.003, -0.002, 0.004), 3: (-0.001, 0.0, 0.002)}


def _antennas(ms):
    tb = casa_env.casatools().table()
    tb.open(str(ms / "ANTENNA"))
    try:
        return list(tb.getcol("NAME")), tb.getcol("POSITION").T
    finally:
        tb.close()


def _antpos_table(table):
    """Antenna name -> (dx, dy, dz) metres from a gencal antpos table."""
    tb = casa_env.casatools().table()
    tb.open(str(table))
    try:
        ants, fparam = tb.getcol("ANTENNA1"), tb.getcol("FPARAM")  # [3, 1, row]
    finally:
        tb.close()
    return {int(a): fparam[:, 0, row] for row, a in enumerate(ants)}


def _corrected(ms):
    tb = casa_env.casatools().table()
    tb.open(str(ms))
    try:
        sub = tb.query("DATA_DESC_ID==1 && ANTENNA1!=ANTENNA2")
        try:
            return sub.getcol("ANTENNA1"), sub.getcol("ANTENNA2"), sub.getcol("CORRECTED_DATA")
        finally:
            sub.close()
    finally:
        tb.close()


def test_antpos_table_is_made_from_the_json_applied_and_rebuilt_with_applyonly(standard_eb, copy_ms, tmp_path):
    ms = copy_ms(standard_eb.ms_path)
    names, positions = _antennas(ms)
    data = {names[i]: [float(c) for c in positions[i] + np.array(d)] for i, d in OFFSETS_M.items()}
    metadata = {"product_code": "antposalma", "asdm": "uid://A002/Xsyn/X1", "caltype": "ALMA antenna positions"}
    given = tmp_path / "positions.json"
    given.write_text(json.dumps({"data": data, "metadata": metadata}))

    eb = inspect_ms(ms)
    fluxes = tmp_path / "fluxes.csv"
    fluxes.write_text(standard_eb.calibrator_catalogue())
    generate([eb], GenerateOptions(out_dir=tmp_path, calibrator_fluxes=fluxes, antpos=(given,)))
    tables = naming.CalTables(naming.ms_name(eb.uid))
    script = tmp_path / naming.calibration_script(tables.ms)
    source = script.read_text()
    assert "getantposalma(" not in source and "positions.json" in source
    titles = ast.literal_eval(source.split("step_title = ", 1)[1].split("\n}\n", 1)[0] + "\n}")
    antpos_step = next(n for n, t in titles.items() if "antenna position" in t)
    apply_step = antpos_step + 1

    run = run_script(script, tmp_path, mysteps=range(apply_step + 1), timeout=1200)
    print(f"[timing] CASA run steps 0-{apply_step}: {run.seconds:.1f} s")
    assert run.ok, run.tail(60)
    assert json.loads((tmp_path / tables.antpos_json).read_text())["data"] == data

    made = _antpos_table(tmp_path / tables.antpos)
    for i, offset in OFFSETS_M.items():
        assert np.allclose(made[i], offset, atol=1e-6), (names[i], made[i], offset)
    assert all(np.allclose(v, 0.0) for a, v in made.items() if a not in OFFSETS_M)
    print("[antpos] table offsets (mm):", {names[a]: np.round(v * 1e3, 4).tolist() for a, v in made.items() if a in OFFSETS_M})

    # Applied: the same step without the table changes only baselines to the
    # corrected antennas.
    without = tmp_path / "without"
    without.mkdir()
    for name in (tables.ms, tables.tsys, tables.wvr):
        if (tmp_path / name).exists():
            shutil.copytree(tmp_path / name, without / name)
    shutil.copytree(tmp_path / (tables.ms + ".flagversions"), without / (tables.ms + ".flagversions"))
    shutil.copy(script, without / script.name)
    rerun = run_script(without / script.name, without, mysteps=[apply_step], timeout=1200)
    assert rerun.ok, rerun.tail(60)
    a1, a2, with_antpos = _corrected(tmp_path / tables.ms)
    _, _, no_antpos = _corrected(without / tables.ms)
    moved = np.isin(a1, list(OFFSETS_M)) | np.isin(a2, list(OFFSETS_M))
    change = np.abs(np.angle(with_antpos * np.conj(no_antpos)))
    print(f"[antpos] phase change: corrected baselines max {np.degrees(change[..., moved].max()):.4f} deg, "
          f"others max {np.degrees(change[..., ~moved].max()):.2e} deg")  # fmt: skip
    assert change[..., moved].max() > np.radians(0.01)
    assert change[..., ~moved].max() < np.radians(1e-4)

    # scriptForPI: applyonly rebuilds the table from the delivered JSON, no network.
    shutil.rmtree(tmp_path / tables.antpos)
    again = run_script(script, tmp_path, mysteps=[antpos_step], applyonly=True, timeout=600)
    assert again.ok, again.tail(60)
    assert "antenna positions from the delivered" in again.output
    rebuilt = _antpos_table(tmp_path / tables.antpos)
    for i, offset in OFFSETS_M.items():
        assert np.allclose(rebuilt[i], offset, atol=1e-6)


def test_without_tsys_and_wvr_the_antenna_positions_still_reach_the_split(standard_eb, copy_ms, tmp_path):
    """An EB whose snapshot has neither Tsys nor WVR (as Cycle-0 and some 7 m
    EBs): the a-priori step must still apply the antenna position table, or
    the split silently drops the corrections."""
    ms = copy_ms(standard_eb.ms_path)
    names, positions = _antennas(ms)
    data = {names[i]: [float(c) for c in positions[i] + np.array(d)] for i, d in OFFSETS_M.items()}
    given = tmp_path / "positions.json"
    given.write_text(json.dumps({"data": data, "metadata": {"product_code": "antposalma"}}))

    eb = inspect_ms(ms)
    eb = replace(
        eb,
        tsys=(),
        scans=tuple(s for s in eb.scans if "CALIBRATE_ATMOSPHERE" not in s.intents),
        spws=tuple(s for s in eb.spws if s.kind.value != "WVR"),
    )
    fluxes = tmp_path / "fluxes.csv"
    fluxes.write_text(standard_eb.calibrator_catalogue())
    generate([eb], GenerateOptions(out_dir=tmp_path, calibrator_fluxes=fluxes, antpos=(given,)))
    tables = naming.CalTables(naming.ms_name(eb.uid))
    script = tmp_path / naming.calibration_script(tables.ms)
    source = script.read_text()
    titles = ast.literal_eval(source.split("step_title = ", 1)[1].split("\n}\n", 1)[0] + "\n}")
    split_step = next(n for n, t in titles.items() if t.startswith("Split out science"))
    run = run_script(script, tmp_path, mysteps=range(split_step + 1), timeout=1200)
    assert run.ok, run.tail(60)
    assert (tmp_path / tables.antpos).exists()

    tb = casa_env.casatools().table()
    tb.open(str(tmp_path / tables.split))
    try:
        sub = tb.query("DATA_DESC_ID==0 && ANTENNA1!=ANTENNA2")
        a1, a2, split_data = sub.getcol("ANTENNA1"), sub.getcol("ANTENNA2"), sub.getcol("DATA")
        sub.close()
    finally:
        tb.close()
    tb.open(str(ms))
    try:
        sub = tb.query(f"DATA_DESC_ID=={science_spws(eb)[0]} && ANTENNA1!=ANTENNA2")
        raw = sub.getcol("DATA")
        sub.close()
    finally:
        tb.close()
    moved = np.isin(a1, list(OFFSETS_M)) | np.isin(a2, list(OFFSETS_M))
    change = np.abs(np.angle(split_data * np.conj(raw)))
    print(f"[antpos] no Tsys/WVR: split phase change on corrected baselines max {np.degrees(change[..., moved].max()):.4f} deg")
    assert change[..., moved].max() > np.radians(0.01)
    assert change[..., ~moved].max() < np.radians(1e-4)
