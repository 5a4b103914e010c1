"""The import path of a delivery: ``raw/<uid>.asdm.sdm`` -> importasdm, in CASA.

Archive downloads unpack raw data as ``raw/<uid>.asdm.sdm``; scriptForPI
finds it (``pi_runtime.locate_raw_data``), links it into the working folder
as ``<uid>`` and the calibration script's step 0 imports it. Our synthetic
EBs are MSs, so the test makes an ASDM with CASA's ``exportasdm``:

- exportasdm refuses an MS with several PROCESSOR_IDs in use and one whose
  WVR window makes "different frequency bands at the same time", so only
  the science windows are split out and exported;
- exportasdm writes ONE scan with one subscan per field and the single
  intent ``OBSERVE_TARGET`` (``ON_SOURCE``), so the ASDM is rewritten: each
  subscan becomes its own scan (Scan/Subscan/Main tables) carrying the
  intents the original MS gives that field. Per-scan intents within a field
  (an ATMOSPHERE scan before a BANDPASS one) are merged: exportasdm keeps no
  scan boundaries to restore them to.
"""

from __future__ import annotations

import os
import re
import time

import pytest

from scriptgen import casa_env, naming
from scriptgen.derive import science_spws
from scriptgen.generate import GenerateOptions, generate
from scriptgen.inspect import inspect_ms
from scriptgen.runner import run_script
from scriptgen.scripts.pi_runtime import locate_raw_data
from scriptgen.synthetic import SyntheticConfig, build_execblock

pytestmark = pytest.mark.casa

UID = "uid___A002_Xsyn_Xa5"

#: Science intents the imported MS must carry again (exportasdm drops them).
RESTORED = {"CALIBRATE_BANDPASS", "CALIBRATE_FLUX", "CALIBRATE_PHASE", "OBSERVE_TARGET"}


def _rows(xml: str) -> tuple[str, list[str], str]:
    """An ASDM XML table split into (header, rows, footer)."""
    head, rest = xml.split("<row>", 1)
    body, tail = ("<row>" + rest).rsplit("</row>", 1)
    rows = [r + "</row>" for r in body.split("</row>") if r.strip()]
    return head, [r.strip() for r in rows], tail


def _field(row: str, name: str) -> str:
    return re.search(rf"<{name}>(.*?)</{name}>", row, re.S).group(1).strip()


def _set(row: str, name: str, value: str) -> str:
    return re.sub(rf"<{name}>.*?</{name}>", f"<{name}> {value} </{name}>", row, count=1, flags=re.S)


def restore_scans(asdm: str, field_intents: dict[str, tuple[str, ...]]) -> int:
    """Rewrite exportasdm's one-scan ASDM into one scan per subscan (field)
    with that field's intents; returns the number of scans written."""
    path = os.path.join(asdm, "Subscan.xml")
    head, subscans, tail = _rows(open(path).read())
    renumber = {}
    new_subscans, new_scans = [], []
    for number, row in enumerate(subscans, start=1):
        renumber[(_field(row, "scanNumber"), _field(row, "subscanNumber"))] = number
        intents = field_intents[_field(row, "fieldName")]
        row = _set(_set(row, "scanNumber", str(number)), "subscanNumber", "1")
        new_subscans.append(row)
        n = len(intents)
        new_scans.append(
            "<row> "
            f"<scanNumber> {number} </scanNumber> <startTime> {_field(row, 'startTime')} </startTime> "
            f"<endTime> {_field(row, 'endTime')} </endTime> <numIntent> {n} </numIntent> "
            f"<numSubscan> 1 </numSubscan> <scanIntent> 1 {n} {' '.join(intents)} </scanIntent>"
            f"<calDataType> 1 {n} {' '.join(['FULL_RESOLUTION_CROSS'] * n)} </calDataType>"
            f"<calibrationOnLine> 1 {n} {' '.join(['false'] * n)} </calibrationOnLine> "
            f"<execBlockId> {_field(row, 'execBlockId')} </execBlockId> </row>"
        )
    open(path, "w").write(head + "\n".join(new_subscans) + tail)

    path = os.path.join(asdm, "Scan.xml")
    head, _, tail = _rows(open(path).read())
    open(path, "w").write(head + "\n".join(new_scans) + tail)

    path = os.path.join(asdm, "Main.xml")
    head, mains, tail = _rows(open(path).read())
    rows = []
    for row in mains:
        number = renumber[(_field(row, "scanNumber"), _field(row, "subscanNumber"))]
        rows.append(_set(_set(row, "scanNumber", str(number)), "subscanNumber", "1"))
    open(path, "w").write(head + "\n".join(rows) + tail)
    return len(new_scans)


def _obs_modes(ms) -> set[str]:
    tb = casa_env.casatools().table()
    tb.open(os.path.join(str(ms), "STATE"))
    try:
        modes = tb.getcol("OBS_MODE")
    finally:
        tb.close()
    return {m.split("#")[0] for mode in modes for m in mode.split(",")}


def test_delivered_asdm_is_found_and_imported_by_step_0(tmp_path):
    from casatasks import exportasdm, split

    config = SyntheticConfig(
        uid=UID, n_antennas=4, n_spws=1, nchan=8, corrupt=False, atm_scan_s=4.0, bandpass_scan_s=8.0,
        flux_scan_s=8.0, phase_scan_s=8.0, target_scan_s=8.0, n_target_scans=1, note="importasdm test",
    )  # fmt: skip
    original_ms = tmp_path / "built" / f"{UID}.ms"
    original_ms.parent.mkdir()
    build_execblock(original_ms, config)
    original = inspect_ms(original_ms)
    field_intents = {
        f.name: tuple(i for i in f.intents if i not in ("CALIBRATE_ATMOSPHERE", "CALIBRATE_WVR"))
        for f in original.fields
    }

    # The delivery: raw/<uid>.asdm.sdm, made from the science windows alone.
    start = time.perf_counter()
    science = tmp_path / "built" / "science.ms"
    split(vis=str(original_ms), outputvis=str(science), spw=",".join(map(str, science_spws(original))),
          datacolumn="data")  # fmt: skip
    raw = tmp_path / "raw"
    raw.mkdir()
    asdm = raw / f"{UID}.asdm.sdm"
    exportasdm(vis=str(science), asdm=str(asdm))
    export_s = time.perf_counter() - start
    # What exportasdm (CASA 6.7) writes: one scan, one intent, whatever the MS had.
    _, exported_scans, _ = _rows((asdm / "Scan.xml").read_text())
    assert [_field(r, "scanIntent").split()[2:] for r in exported_scans] == [["OBSERVE_TARGET"]]
    n_scans = restore_scans(str(asdm), field_intents)
    assert n_scans == len(original.fields)

    # The working folder holds nothing but the script; scriptForPI's raw
    # step finds the ASDM and links it as <uid>, as the template does.
    work = tmp_path / "calibrated"
    work.mkdir()
    kind, path = locate_raw_data(str(raw), UID, False)
    assert (kind, path) == ("asdm", str(asdm))
    os.symlink(path, work / UID)

    scripts = tmp_path / "scripts"
    generate([original], GenerateOptions(out_dir=scripts))
    script_name = naming.calibration_script(naming.ms_name(UID))
    os.replace(scripts / script_name, work / script_name)
    assert not (work / naming.ms_name(UID)).exists()

    run = run_script(work / script_name, work, mysteps=[0], timeout=600)
    print(f"[timing] split+exportasdm {export_s:.1f} s; CASA step 0 (importasdm) {run.seconds:.1f} s")
    assert run.ok, run.tail(60)
    imported_ms = work / naming.ms_name(UID)
    assert imported_ms.is_dir()
    assert "Using the existing" not in run.output

    modes = _obs_modes(imported_ms)
    assert RESTORED <= modes, modes

    imported = inspect_ms(imported_ms)
    assert imported.uid == original.uid
    assert sorted(f.name for f in imported.fields) == sorted(f.name for f in original.fields)
    assert len(science_spws(imported)) == len(science_spws(original))
    assert [s.field_ids for s in imported.scans] == [(i,) for i in range(len(original.fields))]
    for f in imported.fields:
        assert set(field_intents[f.name]) <= set(f.intents), (f.name, f.intents)
    print("[importasdm] imported windows:", [(s.spw_id, s.kind.value, s.nchan) for s in imported.spws])
    print("[importasdm] imported intents:", {f.name: f.intents for f in imported.fields})
