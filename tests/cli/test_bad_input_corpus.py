"""A corpus of certainly-bad input for every command: one line, exit 2.

Each case sets up files in a fresh folder, runs one ``scriptgen`` command
in-process (so a traceback is an uncaught exception and fails the test)
and checks: exit status 2, exactly one line on stderr besides progress
lines, starting ``scriptgen: error:``, and nothing written or changed
outside the command's output folder. The cases come from trying the
commands as a hostile or a new user would: damaged snapshots, NaN and huge
numbers, binary and UTF-16 files, names that are folders, malformed
calibrator-flux files, goals, QA2 reports and continuum ranges.

Most cases need no CASA; a few (marked) use a real MS: one behind a path
with quotes, and ``imaging`` with malformed ``cont.dat`` files.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from scriptgen import snapshot
from scriptgen.cli import main

from tests.support.ebfactory import tdm_fdm_eb

BASE = snapshot.to_dict(tdm_fdm_eb())
SOURCE = tdm_fdm_eb().fields[0].name  # J1058+0133, a quasar of the EB


@dataclass
class Case:
    id: str
    argv: list[str]
    files: dict[str, str | bytes | None] = field(default_factory=dict)  # None: a folder
    out: str = "out"
    setup: Callable[[Path], None] | None = None
    expect: str = ""  # a word the one-line error must contain


def snap(mutate: Callable[[dict], object] | None = None, raw: str | None = None) -> str:
    """A snapshot text: the unit EB with ``mutate`` applied to its JSON data."""
    if raw is not None:
        return raw
    data = copy.deepcopy(BASE)
    if mutate is not None:
        mutate(data["execblock"])
    return json.dumps(data, allow_nan=True)


def setp(path: str, value) -> Callable[[dict], None]:
    def mutate(eb: dict) -> None:
        *parents, last = path.split(".")
        node = eb
        for p in parents:
            node = node[int(p)] if p.isdigit() else node[p]
        node[int(last) if last.isdigit() else last] = value

    return mutate


def each(key: str, attr: str, value) -> Callable[[dict], None]:
    def mutate(eb: dict) -> None:
        for item in eb[key]:
            item[attr] = value

    return mutate


def delete(path: str) -> Callable[[dict], None]:
    def mutate(eb: dict) -> None:
        del eb[path]

    return mutate


def duplicate(key: str) -> Callable[[dict], None]:
    def mutate(eb: dict) -> None:
        eb[key].append(copy.deepcopy(eb[key][0]))

    return mutate


def no_bandpass(eb: dict) -> None:
    """Like the public ALMA test MS uid://A002/Xca5b1c/X5707: no bandpass intent."""
    for group in ("scans", "fields", "spws"):
        for item in eb[group]:
            item["intents"] = [i.replace("CALIBRATE_BANDPASS", "CALIBRATE_PHASE") for i in item["intents"]]


# Snapshot damage: each is tried with both `generate` and `inspect`.
SNAPSHOTS: dict[str, str | bytes] = {
    "uid-parent": snap(setp("uid", "../victim/important")),
    "uid-absolute": snap(setp("uid", "/tmp/victim")),
    "uid-empty": snap(setp("uid", "")),
    "uid-dotdot": snap(setp("uid", "..")),
    "uid-long": snap(setp("uid", "u" * 300)),
    "uid-nul": snap(setp("uid", "a\x00b")),
    "uid-surrogate": snap(setp("uid", "a\ud800b")),
    "uid-newline": snap(setp("uid", "uid\nimport os")),
    "uid-backslash": snap(setp("uid", "a\\b")),
    "uid-number": snap(setp("uid", 123)),
    "uid-null": snap(setp("uid", None)),
    "ms-path-nul": snap(setp("ms_path", "/data/a\x00.ms")),
    "project-control": snap(setp("project", "2024\x1b[31m")),
    "field-name-newline": snap(setp("fields.0.name", "J1058\n__import__('os')")),
    "source-surrogate": snap(setp("fields.2.source_name", "\udcff")),
    "nchan-zero": snap(setp("spws.9.nchan", 0)),
    "nchan-negative": snap(setp("spws.9.nchan", -5)),
    "nchan-text": snap(setp("spws.9.nchan", "many")),
    "nchan-bool": snap(setp("spws.9.nchan", True)),
    "nchan-float": snap(setp("spws.9.nchan", 960.5)),
    "nchan-huge": snap(setp("spws.9.nchan", 10**30)),
    "freq-nan": snap(setp("spws.9.centre_freq_hz", float("nan"))),
    "freq-inf": snap(setp("spws.9.centre_freq_hz", float("inf"))),
    "freq-neg-inf": snap(setp("spws.9.ref_freq_hz", float("-inf"))),
    "freq-1e400": snap(raw=snap().replace('"centre_freq_hz": 90800000000.0', '"centre_freq_hz": 1e400', 1)),
    "freq-huge": snap(setp("spws.9.centre_freq_hz", 1e300)),
    "freq-negative": snap(setp("spws.9.centre_freq_hz", -1.0)),
    "freq-text": snap(setp("spws.9.ref_freq_hz", "90GHz")),
    "chan-width-zero": snap(setp("spws.9.chan_width_hz", 0.0)),
    "bandwidth-negative": snap(setp("spws.9.bandwidth_hz", -1.0)),
    "kind-unknown": snap(setp("spws.9.kind", "BOGUS")),
    "band-99": snap(setp("spws.9.band", 99)),
    "spw-id-repeated": snap(duplicate("spws")),
    "spw-id-negative": snap(setp("spws.0.spw_id", -1)),
    "ra-nan": snap(setp("fields.0.ra_rad", float("nan"))),
    "dec-beyond-pole": snap(setp("fields.0.dec_rad", 10.0)),
    "field-id-repeated": snap(duplicate("fields")),
    "is-ephemeris-text": snap(setp("fields.0.is_ephemeris", "yes")),
    "scan-unknown-field": snap(setp("scans.1.field_ids", [99])),
    "scan-unknown-spw": snap(setp("scans.1.spw_ids", [99])),
    "scan-backwards": snap(setp("scans.1.end_mjd_s", 0.0)),
    "scan-time-text": snap(setp("scans.1.start_mjd_s", "yesterday")),
    "scan-time-nan": snap(setp("scans.1.start_mjd_s", float("nan"))),
    "scan-integration-negative": snap(setp("scans.1.integration_s", -6.0)),
    "scan-number-huge": snap(setp("scans.1.number", 10**30)),
    "scan-number-repeated": snap(duplicate("scans")),
    "scan-fields-not-list": snap(setp("scans.1.field_ids", 0)),
    "position-two-numbers": snap(setp("antennas.0.position_m", [1.0, 2.0])),
    "position-four-numbers": snap(setp("antennas.0.position_m", [1.0, 2.0, 3.0, 4.0])),
    "position-text": snap(setp("antennas.0.position_m", [1.0, 2.0, "x"])),
    "position-nan": snap(setp("antennas.0.position_m", [float("nan"), 2.0, 3.0])),
    "diameter-zero": snap(setp("antennas.0.diameter_m", 0.0)),
    "antenna-id-repeated": snap(duplicate("antennas")),
    "tsys-unknown-spw": snap(setp("tsys.0.spw_id", 99)),
    "tsys-negative": snap(setp("tsys.0.median_tsys_k", -5.0)),
    "tsys-inf": snap(setp("tsys.0.median_tsys_k", float("inf"))),
    "flag-rows-negative": snap(setp("flag_cmd_rows", -1)),
    "eb-backwards": snap(setp("end_mjd_s", -1.0)),
    "unknown-key": snap(setp("colour", "red")),
    "unknown-nested-key": snap(setp("spws.0.colour", "red")),
    "missing-scans": snap(delete("scans")),
    "scans-null": snap(setp("scans", None)),
    "spws-object": snap(setp("spws", {"0": {}})),
    "no-intents": snap(each("scans", "intents", [])),
    "no-science-windows": snap(each("spws", "kind", "WVR")),
    "no-bandpass-intent": snap(no_bandpass),
    "no-antennas": snap(setp("antennas", [])),
    "no-fields": snap(lambda eb: (eb.update(fields=[]), each("scans", "field_ids", [])(eb))),
    "version-2": snap(raw=json.dumps({**BASE, "schema_version": 2})),
    "version-bool": snap(raw=json.dumps({**BASE, "schema_version": True})),
    "format-other": snap(raw=json.dumps({**BASE, "format": "something-else"})),
    "execblock-list": snap(raw=json.dumps({**BASE, "execblock": []})),
    "top-list": snap(raw="[1, 2, 3]"),
    "top-null": snap(raw="null"),
    "deep-nesting": snap(raw="[" * 100000 + "]" * 100000),
    "truncated": snap(raw=snap()[:2000]),
    "empty": snap(raw=""),
    "binary": bytes(range(256)) * 4,
    "utf16": snap().encode("utf-16"),
    "latin1": snap(setp("observer", "Ã©")).replace("\\u00c3\\u00a9", "\u00e9").encode("latin-1"),
}


#: Readable metadata that no calibration script can be built from: ``inspect``
#: shows such an EB (it is what the MS holds), ``generate`` refuses it.
GENERATE_ONLY = {"no-bandpass-intent", "no-antennas", "no-fields"}


def snapshot_cases() -> list[Case]:
    cases = []
    for name, text in SNAPSHOTS.items():
        files = {"eb.json": text}
        cases.append(Case(f"generate-snapshot-{name}", ["generate", "eb.json", "--out", "out"], files))
        if name not in GENERATE_ONLY:
            cases.append(Case(f"inspect-snapshot-{name}", ["inspect", "eb.json", "--json", "out/eb.json"], files))
    return cases


GOOD = snap()
CSV_HEAD = "source,flux_jy,spix,reffreq_ghz,date,note\n"
FLUXES: dict[str, tuple[str, str | bytes]] = {
    "missing": ("f.csv", None),
    "empty": ("f.csv", ""),
    "header-only": ("f.csv", CSV_HEAD),
    "comments-only": ("f.csv", "# nothing yet\n"),
    "json-empty-object": ("f.json", "{}"),
    "json-empty-list": ("f.json", "[]"),
    "binary": ("f.csv", bytes(range(256))),
    "utf16": ("f.csv", (CSV_HEAD + f"{SOURCE},1.0,-0.7,100,,\n").encode("utf-16")),
    "flux-nan": ("f.csv", CSV_HEAD + f"{SOURCE},nan,-0.7,100,,\n"),
    "flux-inf": ("f.csv", CSV_HEAD + f"{SOURCE},inf,-0.7,100,,\n"),
    "flux-1e999": ("f.csv", CSV_HEAD + f"{SOURCE},1e999,-0.7,100,,\n"),
    "flux-negative": ("f.csv", CSV_HEAD + f"{SOURCE},-1,-0.7,100,,\n"),
    "flux-text": ("f.csv", CSV_HEAD + f"{SOURCE},bright,-0.7,100,,\n"),
    "spix-nan": ("f.csv", CSV_HEAD + f"{SOURCE},1.0,nan,100,,\n"),
    "reffreq-zero": ("f.csv", CSV_HEAD + f"{SOURCE},1.0,-0.7,0,,\n"),
    "missing-flux": ("f.csv", "source,reffreq_ghz\n" + f"{SOURCE},100\n"),
    "unknown-column": ("f.csv", "source,flux_jy,reffreq_ghz,colour\n" + f"{SOURCE},1,100,red\n"),
    "too-many-values": ("f.csv", CSV_HEAD + f"{SOURCE},1.0,-0.7,100,,,extra\n"),
    "listed-twice": ("f.csv", CSV_HEAD + f"{SOURCE},1.0,-0.7,100,,\n{SOURCE.lower()},2.0,-0.7,100,,\n"),
    "json-malformed": ("f.json", '{"J1058+0133": {"flux_jy": 1'),
    "json-not-objects": ("f.json", "[1, 2]"),
    "json-entry-not-object": ("f.json", '{"J1058+0133": 3}'),
    "json-flux-nan": ("f.json", '{"J1058+0133": {"flux_jy": NaN, "reffreq_ghz": 100}}'),
    "unknown-suffix": ("f.txt", CSV_HEAD + f"{SOURCE},1.0,-0.7,100,,\n"),
    "a-folder": ("f.csv", None),
}


def flux_cases() -> list[Case]:
    cases = []
    for name, (fname, text) in FLUXES.items():
        files: dict = {"eb.json": GOOD}
        if name == "a-folder":
            files[fname] = None
        elif text is not None:
            files[fname] = text
        cases.append(Case(f"generate-fluxes-{name}", ["generate", "eb.json", "--out", "out",
                                                      "--calibrator-fluxes", fname], files))  # fmt: skip
    return cases


def _symlink_out(tmp: Path) -> None:
    (tmp / "out").mkdir()
    (tmp / "out" / "scriptForPI.py").symlink_to(tmp / "victim.py")


GENERATE_MISC = [
    Case("generate-out-is-a-file", ["generate", "eb.json", "--out", "out"], {"eb.json": GOOD, "out": "a file"}),
    Case("generate-out-under-a-file", ["generate", "eb.json", "--out", "f/out"], {"eb.json": GOOD, "f": "x"},
         out="f/out"),
    Case("generate-out-in-proc", ["generate", "eb.json", "--out", "/proc/self/nope/out"], {"eb.json": GOOD}),
    Case("generate-script-name-is-a-folder", ["generate", "eb.json", "--out", "out"],
         {"eb.json": GOOD, "out/uid___A002_Xunit_X1.ms.scriptForCalibration.py": None}),
    Case("generate-snapshot-name-is-a-folder", ["generate", "eb.json", "--out", "out"],
         {"eb.json": GOOD, "out/uid___A002_Xunit_X1.ms.snapshot.json": None}),
    Case("generate-manifest-is-a-folder", ["generate", "eb.json", "--out", "out"],
         {"eb.json": GOOD, "out/.scriptgen.json": None}),
    Case("generate-script-is-a-symlink", ["generate", "eb.json", "--out", "out"],
         {"eb.json": GOOD, "victim.py": "precious\n"}, setup=_symlink_out),
    Case("generate-input-missing", ["generate", "nothing.json", "--out", "out"]),
    Case("generate-input-a-folder", ["generate", "folder", "--out", "out"], {"folder": None}),
    Case("generate-input-a-text-file", ["generate", "notes.txt", "--out", "out"], {"notes.txt": "hello"}),
    Case("generate-same-eb-twice", ["generate", "eb.json", "eb.json", "--out", "out"], {"eb.json": GOOD}),
    Case("generate-mode-unknown", ["generate", "eb.json", "--out", "out", "--mode", "bogus"], {"eb.json": GOOD}),
    Case("generate-templates-missing", ["generate", "eb.json", "--out", "out", "--templates", "tpl"],
         {"eb.json": GOOD}),
    Case("generate-templates-a-file", ["generate", "eb.json", "--out", "out", "--templates", "tpl"],
         {"eb.json": GOOD, "tpl": "x"}),
    Case("generate-quiet-too", ["generate", "-q", "eb.json", "--out", "out"], {"eb.json": snap(setp("uid", ".."))}),
]  # fmt: skip

INSPECT_MISC = [
    Case("inspect-missing", ["inspect", "nothing.ms"]),
    Case("inspect-a-file", ["inspect", "a.ms"], {"a.ms": "not a table"}),
    Case("inspect-not-a-table", ["inspect", "a.ms"], {"a.ms": None}),
    Case("inspect-table-not-ms", ["inspect", "a.ms"], {"a.ms/table.dat": b"\x00" * 16}),
    Case("inspect-binary-json", ["inspect", "eb.json"], {"eb.json": b"\x89PNG\r\n\x1a\n" + bytes(100)}),
    Case("inspect-json-target-under-file", ["inspect", "eb.json", "--json", "f/eb.json"],
         {"eb.json": GOOD, "f": "x"}, out="f"),
    Case("inspect-json-target-folder-is-file", ["inspect", "eb.json", "eb2.json", "--json", "f"],
         {"eb.json": GOOD, "eb2.json": snap(setp("uid", "uid___B")), "f": "x"}, out="f"),
    Case("inspect-two-same-uid", ["inspect", "eb.json", "eb2.json", "--json", "out"],
         {"eb.json": GOOD, "eb2.json": GOOD}),
    Case("inspect-quiet", ["inspect", "-q", "nothing.ms"]),
]  # fmt: skip

IMAGING = [
    Case("imaging-missing-ms", ["imaging", "x.ms.split.cal", "--out", "out"]),
    Case("imaging-ms-is-a-file", ["imaging", "x.ms", "--out", "out"], {"x.ms": "text"}),
    Case("imaging-ms-not-a-table", ["imaging", "x.ms", "--out", "out"], {"x.ms": None}),
    Case("imaging-tsys-nan", ["imaging", "x.ms", "--out", "out", "--tsys", "nan"], {"x.ms": None}),
    Case("imaging-tsys-inf", ["imaging", "x.ms", "--out", "out", "--tsys", "inf"], {"x.ms": None}),
    Case("imaging-tsys-negative", ["imaging", "x.ms", "--out", "out", "--tsys", "-50"], {"x.ms": None}),
    Case("imaging-tsys-huge", ["imaging", "x.ms", "--out", "out", "--tsys", "1e300"], {"x.ms": None}),
    Case("imaging-rest-freq-text", ["imaging", "x.ms", "--out", "out", "--rest-freq", "high"], {"x.ms": None}),
    Case("imaging-rest-freq-nan", ["imaging", "x.ms", "--out", "out", "--rest-freq", "nanGHz"], {"x.ms": None}),
    Case("imaging-chan-width-text", ["imaging", "x.ms", "--out", "out", "--chan-width", "wide"], {"x.ms": None}),
    Case("imaging-chan-width-inf", ["imaging", "x.ms", "--out", "out", "--chan-width", "infkm/s"], {"x.ms": None}),
    Case("imaging-chan-width-quote", ["imaging", "x.ms", "--out", "out", "--chan-width", "2km/s'"], {"x.ms": None}),
    Case("imaging-tsys-from-missing", ["imaging", "x.ms", "--out", "out", "--tsys-from", "no.json"], {"x.ms": None}),
    Case("imaging-tsys-from-bad-snapshot", ["imaging", "x.ms", "--out", "out", "--tsys-from", "eb.json"],
         {"x.ms": None, "eb.json": SNAPSHOTS["uid-parent"]}),
    Case("imaging-cont-ranges-missing", ["imaging", "x.ms", "--out", "out", "--cont-ranges", "c.dat"], {"x.ms": None}),
    Case("imaging-quiet", ["imaging", "-q", "x.ms", "--out", "out"]),
]  # fmt: skip

GOAL_OK = '{"rms": "0.1 mJy"}'
QA2 = [
    Case("qa2-rms-text", ["qa2", "img.fits", "--rms", "low"]),
    Case("qa2-rms-no-unit", ["qa2", "img.fits", "--rms", "0.1"]),
    Case("qa2-rms-wrong-unit", ["qa2", "img.fits", "--rms", "0.1GHz"]),
    Case("qa2-rms-negative", ["qa2", "img.fits", "--rms=-1mJy"]),
    Case("qa2-rms-zero", ["qa2", "img.fits", "--rms", "0mJy"]),
    Case("qa2-rms-nan", ["qa2", "img.fits", "--rms", "nanmJy"]),
    Case("qa2-rms-inf", ["qa2", "img.fits", "--rms", "infmJy"]),
    Case("qa2-rms-1e999", ["qa2", "img.fits", "--rms", "1e999mJy"]),
    Case("qa2-beam-zero", ["qa2", "img.fits", "--beam", "0arcsec"]),
    Case("qa2-beam-nan", ["qa2", "img.fits", "--beam", "nanarcsec"]),
    Case("qa2-beam-range-one", ["qa2", "img.fits", "--beam-range", "1arcsec"]),
    Case("qa2-beam-range-backwards", ["qa2", "img.fits", "--beam-range", "2arcsec,1arcsec"]),
    Case("qa2-beam-range-three", ["qa2", "img.fits", "--beam-range", "1arcsec,2arcsec,3arcsec"]),
    Case("qa2-bandwidth-nan", ["qa2", "img.fits", "--rms", "1mJy", "--bandwidth", "nanGHz"]),
    Case("qa2-band-99", ["qa2", "img.fits", "--band", "99"]),
    Case("qa2-band-negative", ["qa2", "img.fits", "--band=-3"]),
    Case("qa2-predicted-text", ["qa2", "img.fits", "--predicted-rms", "small"]),
    Case("qa2-noise-bandwidth-inf", ["qa2", "img.fits", "--noise-bandwidth", "infGHz"]),
    Case("qa2-goal-missing", ["qa2", "img.fits", "--goal", "goal.json"]),
    Case("qa2-goal-folder", ["qa2", "img.fits", "--goal", "goal.json"], {"goal.json": None}),
    Case("qa2-goal-binary", ["qa2", "img.fits", "--goal", "goal.json"], {"goal.json": bytes(range(256))}),
    Case("qa2-goal-utf16", ["qa2", "img.fits", "--goal", "goal.json"], {"goal.json": GOAL_OK.encode("utf-16")}),
    Case("qa2-goal-malformed", ["qa2", "img.fits", "--goal", "goal.json"], {"goal.json": '{"rms": '}),
    Case("qa2-goal-list", ["qa2", "img.fits", "--goal", "goal.json"], {"goal.json": "[1]"}),
    Case("qa2-goal-unknown-key", ["qa2", "img.fits", "--goal", "goal.json"], {"goal.json": '{"colour": "red"}'}),
    Case("qa2-goal-rms-number", ["qa2", "img.fits", "--goal", "goal.json"], {"goal.json": '{"rms": NaN}'}),
    Case("qa2-goal-rms-list", ["qa2", "img.fits", "--goal", "goal.json"], {"goal.json": '{"rms": [1]}'}),
    Case("qa2-goal-band-text", ["qa2", "img.fits", "--goal", "goal.json"], {"goal.json": '{"band": "six"}'}),
    Case("qa2-goal-rule-bogus", ["qa2", "img.fits", "--goal", "goal.json"], {"goal.json": '{"rule": "strict"}'}),
    Case("qa2-goal-beam-range-short", ["qa2", "img.fits", "--goal", "goal.json"],
         {"goal.json": '{"beam_range": ["1 arcsec"]}'}),
    Case("qa2-goal-toml-malformed", ["qa2", "img.fits", "--goal", "goal.toml"], {"goal.toml": "rms = "}),
    Case("qa2-goal-toml-binary", ["qa2", "img.fits", "--goal", "goal.toml"], {"goal.toml": b"\xff\x00\xfe"}),
    Case("qa2-image-missing", ["qa2", "img.fits", "--rms", "1mJy"]),
    Case("qa2-image-binary-fits", ["qa2", "img.fits", "--rms", "1mJy"], {"img.fits": bytes(range(256)) * 20}),
    Case("qa2-image-empty-fits", ["qa2", "img.fits", "--rms", "1mJy"], {"img.fits": b""}),
    Case("qa2-image-text-fits", ["qa2", "img.fits", "--rms", "1mJy"], {"img.fits": "SIMPLE = nonsense\n"}),
    Case("qa2-image-folder-not-table", ["qa2", "img.image", "--rms", "1mJy"], {"img.image": None}),
    Case("qa2-residual-missing", ["qa2", "img.fits", "--residual", "res.fits", "--rms", "1mJy"],
         {"img.fits": bytes(100)}),
    Case("qa2-quiet", ["qa2", "-q", "img.fits", "--rms", "low"]),
]  # fmt: skip

QAPLOTS = [
    Case("qaplots-workdir-missing", ["qaplots", "work", "--out", "out"]),
    Case("qaplots-workdir-a-file", ["qaplots", "work", "--out", "out"], {"work": "x"}),
    Case("qaplots-out-a-file", ["qaplots", "work", "--out", "out"], {"work/a.txt": "x", "out": "x"}),
    Case("qaplots-image-missing", ["qaplots", "work", "--out", "out", "--image", "nope.fits"], {"work/a.txt": "x"}),
    Case("qaplots-quiet", ["qaplots", "-q", "work", "--out", "out"]),
]  # fmt: skip

IDS = ["--science-goal", "uid://A001/X1/X1", "--group", "uid://A001/X1/X2", "--member", "uid://A001/X1/X3"]
WORK = {"work/scriptForPI.py": "# pi\n"}


def report(**changes) -> str:
    base = {
        "format": "scriptgen-qa2-report", "verdict": "PASS", "rule": "later", "band": 3, "reasons": ["ok"],
        "measured": {"image": "t.image", "rms_jy_per_beam": 1e-4, "rms_from": "residual",
                     "beam_arcsec": {"major": 1.0, "minor": 0.8, "pa_deg": 10.0}},
        "requested": {"rms_jy_per_beam": 1e-4, "beam_arcsec": None, "beam_range_arcsec": [0.5, 1.5]},
        "achieved_over_predicted": 1.1,
    }  # fmt: skip
    base.update(changes)
    return json.dumps(base, allow_nan=True)


REPORTS = {
    "missing": None,
    "binary": bytes(range(256)),
    "utf16": report().encode("utf-16"),
    "malformed": report()[:40],
    "not-a-report": '{"verdict": "PASS"}',
    "a-list": "[]",
    "verdict-bogus": report(verdict="PASS (probably)"),
    "verdict-newline": report(verdict="PASS\nFAIL"),
    "verdict-number": report(verdict=1),
    "rule-bogus": report(rule="strict"),
    "band-text": report(band="three"),
    "band-99": report(band=99),
    "reasons-text": report(reasons="fine"),
    "reason-control": report(reasons=["ok\x1b[2J"]),
    "rms-nan": report(measured={"rms_jy_per_beam": float("nan")}),
    "rms-text": report(measured={"rms_jy_per_beam": "low"}),
    "beam-missing-minor": report(measured={"beam_arcsec": {"major": 1.0}}),
    "beam-inf": report(measured={"beam_arcsec": {"major": float("inf"), "minor": 1.0, "pa_deg": 0.0}}),
    "range-single": report(requested={"beam_range_arcsec": [1.0]}),
    "ratio-text": report(achieved_over_predicted="good"),
}


def package_cases() -> list[Case]:
    cases = [
        Case("package-workdir-missing", ["package", "work", "--out", "out", *IDS, "--project", "2024.1.00001.S"]),
        Case("package-workdir-a-file", ["package", "work", "--out", "out", *IDS, "--project", "2024.1.00001.S"],
             {"work": "x"}),
        Case("package-science-goal-garbage", ["package", "work", "--out", "out", "--science-goal", "goal",
                                              *IDS[2:], "--project", "2024.1.00001.S"], WORK),
        Case("package-member-newline", ["package", "work", "--out", "out", *IDS[:4], "--member", "uid://A001/X1/X3\nx",
                                        "--project", "2024.1.00001.S"], WORK),
        Case("package-project-parent", ["package", "work", "--out", "out", *IDS, "--project", ".."], WORK),
        Case("package-project-slash", ["package", "work", "--out", "out", *IDS, "--project", "a/b"], WORK),
        Case("package-project-none-found", ["package", "work", "--out", "out", *IDS], WORK),
        Case("package-quiet", ["package", "-q", "work", "--out", "out", *IDS, "--project", ".."], WORK),
        Case("package-out-a-file", ["package", "work", "--out", "out", *IDS, "--project", "2024.1.00001.S",
                                    "--no-plots"], {**WORK, "out": "x"}),
    ]  # fmt: skip
    for name, text in REPORTS.items():
        files = dict(WORK)
        if text is not None:
            files["qa2.json"] = text
        cases.append(Case(f"package-qa2-report-{name}", ["package", "work", "--out", "out", *IDS, "--project",
                                                         "2024.1.00001.S", "--no-plots", "--qa2-report", "qa2.json"],
                          files))  # fmt: skip
    return cases


SIMULATE = [
    Case("simulate-antennas-zero", ["simulate", "s.ms", "--antennas", "0"], out="s.ms"),
    Case("simulate-antennas-huge", ["simulate", "s.ms", "--antennas", "1000000000"], out="s.ms"),
    Case("simulate-spws-nine", ["simulate", "s.ms", "--spws", "9"], out="s.ms"),
    Case("simulate-nchan-zero", ["simulate", "s.ms", "--nchan", "0"], out="s.ms"),
    Case("simulate-nchan-huge", ["simulate", "s.ms", "--nchan", str(10**12)], out="s.ms"),
    Case("simulate-mosaic-99", ["simulate", "s.ms", "--mosaic", "99"], out="s.ms"),
    Case("simulate-flux-error-nan", ["simulate", "s.ms", "--flux-scale-error", "nan"], out="s.ms"),
    Case("simulate-flux-error-inf", ["simulate", "s.ms", "--flux-scale-error", "inf"], out="s.ms"),
    Case("simulate-flux-error-zero", ["simulate", "s.ms", "--flux-scale-error", "0"], out="s.ms"),
    Case("simulate-flux-calibrator-blank", ["simulate", "s.ms", "--flux-calibrator", " "], out="s.ms"),
    Case("simulate-line-text", ["simulate", "s.ms", "--line", "co"], out="s.ms"),
    Case("simulate-line-nan", ["simulate", "s.ms", "--line", "nan,60,0.5"], out="s.ms"),
    Case("simulate-line-inf-width", ["simulate", "s.ms", "--line", "102.8,inf,0.5"], out="s.ms"),
    Case("simulate-line-nan-peak", ["simulate", "s.ms", "--line", "102.8,60,nan"], out="s.ms"),
    Case("simulate-line-1e999", ["simulate", "s.ms", "--line", "1e999,60,0.5"], out="s.ms"),
    Case("simulate-line-outside-windows", ["simulate", "s.ms", "--line", "300,60,0.5"], out="s.ms"),
    Case("simulate-uid-parent", ["simulate", "s.ms", "--uid", "../victim"], out="s.ms"),
    Case("simulate-uid-slash", ["simulate", "s.ms", "--uid", "a/b"], out="s.ms"),
    Case("simulate-uid-empty", ["simulate", "s.ms", "--uid", ""], out="s.ms"),
    Case("simulate-uid-newline", ["simulate", "s.ms", "--uid", "a\nb"], out="s.ms"),
    Case("simulate-start-garbage", ["simulate", "s.ms", "--start", "yesterday"], out="s.ms"),
    Case("simulate-exists", ["simulate", "s.ms"], {"s.ms": None}, out="s.ms"),
    Case("simulate-exists-not-ms", ["simulate", "s.ms", "--force"], {"s.ms/notes.txt": "mine"}, out="s.ms"),
    Case("simulate-exists-a-file", ["simulate", "s.ms", "--force"], {"s.ms": "a file"}, out="s.ms"),
    Case("simulate-folder-missing", ["simulate", "nowhere/s.ms"], out="nowhere"),
    Case("simulate-quiet", ["simulate", "-q", "s.ms", "--nchan", "0"], out="s.ms"),
]  # fmt: skip

DEMO = [
    Case("demo-out-a-file", ["demo", "--out", "out"], {"out": "x"}),
    Case("demo-out-under-a-file", ["demo", "--out", "f/out"], {"f": "x"}, out="f"),
    Case("demo-out-in-proc", ["demo", "--out", "/proc/self/nope"]),
    Case("demo-calibration-a-file", ["demo", "--out", "out", "--no-run"], {"out/calibration": "x"}),
    Case("demo-quiet", ["demo", "-q", "--out", "out"], {"out": "x"}),
]  # fmt: skip

CASES = (
    snapshot_cases() + flux_cases() + GENERATE_MISC + INSPECT_MISC + IMAGING + QA2 + QAPLOTS + package_cases()
    + SIMULATE + DEMO
)  # fmt: skip


def _tree(root: Path, skip: str) -> dict[str, tuple]:
    """Every path under ``root`` except the output folder, with what identifies its content."""
    found = {}
    skip_path = (root / skip).resolve() if skip else None
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if skip_path is not None and (here.resolve() == skip_path or skip_path in here.resolve().parents):
            dirnames[:] = []
            continue
        for name in dirnames + filenames:
            path = here / name
            if skip_path is not None and path.resolve() == skip_path:
                continue
            st = path.lstat()
            found[str(path.relative_to(root))] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return found


def _prepare(tmp: Path, case: Case) -> None:
    for rel, content in case.files.items():
        path = tmp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            path.mkdir(exist_ok=True)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", errors="surrogatepass")
    if case.setup:
        case.setup(tmp)


def run_case(case: Case, tmp: Path, capfd) -> None:
    _prepare(tmp, case)
    before = _tree(tmp, case.out)
    cwd = os.getcwd()
    os.chdir(tmp)
    try:
        status = main(case.argv)
    finally:
        os.chdir(cwd)
    captured = capfd.readouterr()
    errors = [line for line in captured.err.splitlines() if not line.startswith(("...", "    done"))]
    assert status == 2, f"exit {status}; stdout: {captured.out[-500:]!r}; stderr: {captured.err!r}"
    assert len(errors) == 1, captured.err
    assert errors[0].startswith("scriptgen: error: "), captured.err
    assert "Traceback" not in captured.err
    assert case.expect in errors[0]
    assert _tree(tmp, case.out) == before, "something outside the output folder changed"


def test_corpus_is_large_and_covers_every_command():
    assert len(CASES) >= 150
    assert len({c.id for c in CASES}) == len(CASES)
    commands = {c.argv[0] for c in CASES}
    assert commands == {"inspect", "simulate", "generate", "imaging", "qa2", "qaplots", "package", "demo"}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input_is_one_line_and_exit_2(case, tmp_path, capfd):
    run_case(case, tmp_path, capfd)


# --------------------------------------------------------------------------
# With CASA: a real MS behind an awkward path, malformed cont.dat.

CONT_DAT = {
    "unknown-window": "Field: {src}\n\nSpectralWindow: 99\n0~10\n",
    "repeated-block": "Field: {src}\n\nSpectralWindow: {spw}\n0~10\n\nSpectralWindow: {spw}\n20~30\n",
    "beyond-window": "Field: {src}\n\nSpectralWindow: {spw}\n0~100000\n",
    "huge-channel": "Field: {src}\n\nSpectralWindow: {spw}\n0~99999999999999999999\n",
    "backwards": "Field: {src}\n\nSpectralWindow: {spw}\n30~10\n",
    "garbage": "Field: {src}\n\nSpectralWindow: {spw}\nten to twenty\n",
    "unknown-source": "Field: Nobody\n\nSpectralWindow: {spw}\n0~10\n",
    "range-before-field": "0~10\n",
    "binary": b"\x00\x01\x02\xff" * 50,
    "utf16": "Field: X\n".encode("utf-16"),
}


@pytest.mark.casa
@pytest.mark.parametrize("name", sorted(CONT_DAT))
def test_imaging_refuses_malformed_cont_dat(name, imaging_eb, tmp_path, capfd):
    truth = imaging_eb
    src = next(f.name for f in truth.fields if "target" in f.roles)
    spw = truth.science_spws[0]
    text = CONT_DAT[name]
    content = text if isinstance(text, bytes) else text.format(src=src, spw=spw)
    # --force: the synthetic EB is uncorrupted raw-style data, which imaging
    # otherwise refuses first; the cont.dat check is what is tested here.
    case = Case(f"imaging-cont-dat-{name}", ["imaging", str(truth.ms), "--out", "out", "--cont-ranges", "c.dat",
                                             "--tsys", "60", "--force"], {"c.dat": content})  # fmt: skip
    run_case(case, tmp_path, capfd)


@pytest.mark.casa
@pytest.mark.parametrize("command, eb", [("inspect", "standard_eb"), ("generate", "standard_eb"),
                                         ("imaging", "imaging_eb")])  # fmt: skip
def test_ms_path_with_quotes_works(command, eb, request, tmp_path, capsys):
    """A folder name with quotes once broke casatools' TaQL queries (reported as a damaged MS)."""
    truth = request.getfixturevalue(eb)
    folder = tmp_path / "it's \"here\""
    folder.mkdir()
    ms = folder / Path(truth.ms_path).name
    shutil.copytree(truth.ms_path, ms)
    argv = [command, str(ms)] + ([] if command == "inspect" else ["--out", str(tmp_path / "out"), "-q"])
    argv += ["--tsys", "60", "--force"] if command == "imaging" else []  # an uncorrupted raw-style EB
    status = main(argv)
    captured = capsys.readouterr()
    assert status == 0, captured.err
    if command == "inspect":
        assert truth.uid in captured.out
    else:
        assert any((tmp_path / "out").glob("*.py"))
