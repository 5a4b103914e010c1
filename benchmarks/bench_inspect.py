"""How fast is ``scriptgen.inspect`` compared with listobs and msmetadata?

Run on demand (it is not part of the test suite)::

    .venv/bin/python benchmarks/bench_inspect.py            # cache in ~/.cache/scriptgen/bench
    .venv/bin/python benchmarks/bench_inspect.py --cache /tmp/bench --rounds 5

It builds two MeasurementSets with casatools' simulator, once, into the
cache folder (reused on later runs): a large one of about a million
main-table rows (44 antennas; WVR plus four FULL_RES/CH_AVG pairs; 28 scans
with ALMA intents over bandpass, flux and phase calibrators and a
3-pointing mosaic) and one about ten times smaller (14 antennas, same
schedule). Single-channel windows keep the build to seconds and the MS
small on disk; inspection cost depends on rows, scans and windows, never on
channels, since visibilities are never read.

For each MS, ``--rounds`` rounds run every method in turn, each in a fresh
Python process (so that no table cache is shared between methods and load
from other work on the machine hits all methods alike). A process imports
CASA, times the method ``--repeat`` times, and records the peak
resident-memory growth over its baseline (``getrusage``) and, in one
further run, the peak Python/numpy allocation (``tracemalloc``). The best
and the median of all timed runs are reported:

* ``listobs``   ``casatasks.listobs`` writing its listing to a file;
* ``msmd``      a plain msmetadata gather of what the inspector reports
                (windows, scans with fields/intents/spws/times, fields,
                antennas);
* ``inspect``   ``scriptgen.inspect.inspect_ms``.

The target (issue 2): inspection takes at most a quarter of listobs's time
at a million rows.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

#: name -> number of antennas. Both MSs follow the same schedule, so rows
#: scale with the number of baselines (44 -> 946, 14 -> 91: a ratio of 10.4).
SIZES = {"large": 44, "small": 14}
#: Bumped whenever build() changes, so that a stale cached MS is not reused.
LAYOUT_VERSION = 2

#: Fields: bandpass, flux and phase calibrators, then a 3-pointing mosaic.
FIELDS = (
    ("J1058+0133", "10h58m29.6s", "+01d33m58.8s"),
    ("J1037-2934", "10h37m16.1s", "-29d34m02.8s"),
    ("J1047-3217", "10h47m16.1s", "-32d17m02.8s"),
    ("NGC_3256", "10h27m51.3s", "-43d54m14.0s"),
    ("NGC_3256", "10h27m52.9s", "-43d54m14.0s"),
    ("NGC_3256", "10h27m54.5s", "-43d54m14.0s"),
)
ATM = "CALIBRATE_ATMOSPHERE#ON_SOURCE,CALIBRATE_WVR#ON_SOURCE"
BANDPASS = "CALIBRATE_BANDPASS#ON_SOURCE,CALIBRATE_WVR#ON_SOURCE"
FLUX = "CALIBRATE_FLUX#ON_SOURCE,CALIBRATE_WVR#ON_SOURCE"
PHASE = "CALIBRATE_PHASE#ON_SOURCE,CALIBRATE_WVR#ON_SOURCE"
TARGET = "OBSERVE_TARGET#ON_SOURCE"

#: (intents, fields visited in turn, seconds per field) of each scan: an
#: ALMA-like sequence compressed in time (1 s integrations) so that a
#: million rows hold a realistic number of scans: atmosphere scans before
#: each calibrator and the target, then phase calibrator and mosaic
#: alternating. 28 scans, 117 s of integrations.
SCHEDULE = (
    (ATM, (0,), 2), (BANDPASS, (0,), 12), (ATM, (1,), 2), (FLUX, (1,), 8),
    (ATM, (2,), 2), (PHASE, (2,), 3), (ATM, (4,), 2),
) + ((TARGET, (3, 4, 5), 2), (PHASE, (2,), 3)) * 10 + ((ATM, (2,), 2),)  # fmt: skip
CENTRES_GHZ = (90.5, 92.5, 102.5, 104.5)
GAP_S = 2


def windows() -> list[tuple[str, str, int, str]]:
    """(name, first frequency, channels, products): WVR, then FULL_RES/CH_AVG pairs."""
    out = [("WVR#NOMINAL", "184.55GHz", 4, "XX")]
    for bb, centre in enumerate(CENTRES_GHZ, start=1):
        base = f"ALMA_RB_03#BB_{bb}#SW-01"
        out.append((base + "#FULL_RES", f"{centre}GHz", 1, "XX YY"))
        out.append((base + "#CH_AVG", f"{centre}GHz", 1, "XX YY"))
    return out


def build(path: Path, n_antennas: int) -> None:
    """Simulate the benchmark MS (visibilities left as the simulator's zeros).

    One-channel correlator windows keep it cheap: the inspector's cost
    depends on rows, scans and windows, never on channels.
    """
    import math

    import numpy as np

    from scriptgen import casa_env

    ct = casa_env.casatools()
    sm, me = ct.simulator(), ct.measures()
    shutil.rmtree(path, ignore_errors=True)
    sm.open(str(path))
    # A compact spiral of pads: only the number of baselines matters here.
    xs = [40.0 * math.sqrt(i) * math.cos(2.4 * i) for i in range(n_antennas)]
    ys = [40.0 * math.sqrt(i) * math.sin(2.4 * i) for i in range(n_antennas)]
    sm.setconfig(
        telescopename="ALMA", x=xs, y=ys, z=[0.0] * n_antennas, dishdiameter=[12.0] * n_antennas,
        mount=["alt-az"] * n_antennas, antname=[f"DA{i:02d}" for i in range(n_antennas)],
        padname=[f"P{i:03d}" for i in range(n_antennas)], coordsystem="local",
        referencelocation=me.observatory("ALMA"),
    )  # fmt: skip
    spws = windows()
    for name, freq, nchan, stokes in spws:
        width = "2GHz"
        sm.setspwindow(spwname=name, freq=freq, deltafreq=width, freqresolution=width,
                       nchannels=nchan, stokes=stokes)  # fmt: skip
    sm.setfeed(mode="perfect X Y")
    for fid, (name, ra, dec) in enumerate(FIELDS):
        label = name if fid < 3 else _mosaic_name(fid)
        sm.setfield(sourcename=label, sourcedirection=me.direction("J2000", ra, dec))
    sm.setlimits(shadowlimit=0.001, elevationlimit="0deg")
    sm.setauto(autocorrwt=0.0)
    sm.settimes(integrationtime="1s", usehourangle=False,
                referencetime=me.epoch("TAI", "2024/03/01/04:00:00"))  # fmt: skip
    # The simulator starts a new scan with every observe() call; remember
    # which real scan each call belongs to and renumber afterwards.
    scan_of_call = []
    clock = 0
    for number, (intents, field_ids, seconds) in enumerate(SCHEDULE, start=1):
        for fid in field_ids:
            for name, *_ in spws:
                sm.observe(FIELDS[fid][0] if fid < 3 else _mosaic_name(fid), name,
                           starttime=f"{clock}s", stoptime=f"{clock + seconds}s",
                           state_obs_mode=intents, project="2099.1.00001.S", observer="bench")  # fmt: skip
                scan_of_call.append(number)
            clock += seconds
        clock += GAP_S
    sm.close()
    tb = ct.table()
    tb.open(str(path), nomodify=False)
    calls = tb.getcol("SCAN_NUMBER")
    tb.putcol("SCAN_NUMBER", np.asarray(scan_of_call, dtype=np.int32)[calls - 1])
    tb.close()
    # importasdm writes the baseband of each window in BBC_NO (0 for the
    # WVR); msmetadata's baseband() refuses an MS without it.
    tb.open(str(path / "SPECTRAL_WINDOW"), nomodify=False)
    tb.addcols({"BBC_NO": {"valueType": "int", "dataManagerType": "StandardStMan",
                           "option": 0, "maxlen": 0, "comment": "baseband"}})  # fmt: skip
    tb.putcol("BBC_NO", [0] + [bb for bb in range(1, len(CENTRES_GHZ) + 1) for _ in range(2)])
    tb.close()
    # ALMA names every mosaic pointing after its source.
    for table in ("FIELD", "SOURCE"):
        tb.open(str(path / table), nomodify=False)
        tb.putcol("NAME", [n.rsplit("_", 1)[0] if n.startswith("NGC_3256_") else n for n in tb.getcol("NAME")])
        tb.close()


def _mosaic_name(field_id: int) -> str:
    """The simulator tells fields apart by name: number the mosaic pointings."""
    return f"NGC_3256_{field_id - 3}"


def ensure(cache: Path, name: str, n_antennas: int) -> Path:
    path = cache / f"bench{LAYOUT_VERSION}_{name}_{n_antennas}ant.ms"
    stamp = path / ".complete"
    if not stamp.exists():
        print(f"... building {path.name} ({n_antennas} antennas)", file=sys.stderr, flush=True)
        start = time.perf_counter()
        build(path, n_antennas)
        stamp.write_text("ok\n")
        print(f"    built in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return path


# --- the three methods, each run inside a worker process -------------------


def run_listobs(ms: str, workdir: Path) -> None:
    from scriptgen import casa_env

    casatasks = casa_env.casatasks()
    casatasks.listobs(vis=ms, listfile=str(workdir / "listobs.txt"), overwrite=True)


def run_msmd(ms: str, workdir: Path) -> None:
    """What an msmetadata-based inspector would gather, call by call."""
    from scriptgen import casa_env

    md = casa_env.casatools().msmetadata()
    md.open(ms)
    try:
        out: dict = {"spws": [], "scans": [], "fields": []}
        for spw in range(md.nspw()):
            out["spws"].append((
                md.namesforspws(spw)[0], md.nchan(spw), md.chanwidths(spw)[0], md.meanfreq(spw),
                md.bandwidths(spw), md.baseband(spw), list(md.intentsforspw(spw)),
            ))  # fmt: skip
        for kind in ("wvr", "tdm", "fdm", "chavg", "sqld"):
            out[kind] = list(md.almaspws(**{kind: True}))
        for scan in md.scannumbers():
            times = md.timesforscan(scan)
            out["scans"].append((
                int(scan), list(md.fieldsforscan(scan)), list(md.intentsforscan(scan)),
                list(md.spwsforscan(scan)), float(times.min()), float(times.max()),
            ))  # fmt: skip
        names = md.fieldnames()
        for fid in range(md.nfields()):
            out["fields"].append((names[fid], md.phasecenter(fid), list(md.intentsforfield(fid))))
        out["antennas"] = (list(md.antennanames()), [md.antennadiameter(a) for a in range(md.nantennas())])
    finally:
        md.close()


def run_inspect(ms: str, workdir: Path) -> None:
    from scriptgen.inspect import inspect_ms

    inspect_ms(ms)


METHODS = {"listobs": run_listobs, "msmd": run_msmd, "inspect": run_inspect}


def worker(method: str, ms: str, repeat: int, workdir: Path) -> dict:
    """Time one method in this (fresh) process; print a JSON line."""
    from scriptgen import casa_env

    casa_env.configure()
    if method == "listobs":
        casa_env.casatasks()
    casa_env.casatools()
    import scriptgen.inspect  # noqa: F401  (import cost is not inspection cost)

    func = METHODS[method]
    base_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func(ms, workdir)
        times.append(time.perf_counter() - start)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    import tracemalloc

    tracemalloc.start()
    func(ms, workdir)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "times_s": times,
        "rss_growth_mb": (peak_kb - base_kb) / 1024,
        "python_peak_mb": traced_peak / 2**20,
    }


def merge(runs: list[dict]) -> dict:
    """Fold the rounds of one method: all times, the largest memory figures."""
    times = sorted(t for run in runs for t in run["times_s"])
    return {
        "best_s": times[0],
        "median_s": times[len(times) // 2],
        "n_runs": len(times),
        "rss_growth_mb": max(run["rss_growth_mb"] for run in runs),
        "python_peak_mb": max(run["python_peak_mb"] for run in runs),
    }


def count_rows(ms: Path) -> int:
    from scriptgen import casa_env

    tb = casa_env.casatools().table()
    tb.open(str(ms))
    try:
        return int(tb.nrows())
    finally:
        tb.close()


def measure(method: str, ms: Path, repeat: int, workdir: Path) -> dict:
    cmd = [sys.executable, __file__, "--worker", method, str(ms), "--repeat", str(repeat),
           "--workdir", str(workdir)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=workdir)
    if proc.returncode != 0:
        raise SystemExit(f"{method} on {ms.name} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, help="folder for the benchmark MSs (default ~/.cache/scriptgen/bench)")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs per method and round")
    parser.add_argument(
        "--rounds", type=int, default=3,
        help="rounds of fresh processes, methods interleaved, so that load from "
        "other work on the machine hits all methods alike (default 3)",
    )
    parser.add_argument("--worker", nargs=2, metavar=("METHOD", "MS"), help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        method, ms = args.worker
        print(json.dumps(worker(method, ms, args.repeat, args.workdir)))
        return 0

    from scriptgen import casa_env

    cache = args.cache or casa_env.cache_dir() / "bench"
    cache.mkdir(parents=True, exist_ok=True)
    workdir = cache / "work"
    workdir.mkdir(exist_ok=True)
    results = {}
    for size, n_ant in SIZES.items():
        ms = ensure(cache, size, n_ant)
        rows = count_rows(ms)
        results[size] = {"rows": rows, "ms": str(ms)}
        runs: dict[str, list[dict]] = {m: [] for m in METHODS}
        for n in range(args.rounds):
            print(f"... {size} ({rows:,} rows), round {n + 1}/{args.rounds}", file=sys.stderr, flush=True)
            for method in METHODS:
                runs[method].append(measure(method, ms, args.repeat, workdir))
        for method in METHODS:
            results[size][method] = merge(runs[method])

    total = args.rounds * args.repeat
    print(f"\nbest and median of {total} runs per method ({args.rounds} rounds of fresh processes, "
          "methods interleaved; CASA import excluded)\n")
    print(f"{'MS':<7}{'rows':>11}  {'method':<8}{'best s':>9}{'median s':>10}"
          f"{'x listobs':>11}{'RSS +MB':>9}{'py peak MB':>12}")  # fmt: skip
    for size, res in results.items():
        ref = res["listobs"]["best_s"]
        for method in METHODS:
            r = res[method]
            print(f"{size:<7}{res['rows']:>11,}  {method:<8}{r['best_s']:>9.3f}{r['median_s']:>10.3f}"
                  f"{r['best_s'] / ref:>11.2f}{r['rss_growth_mb']:>9.1f}{r['python_peak_mb']:>12.1f}")  # fmt: skip
    large = results["large"]
    ratio = large["inspect"]["best_s"] / large["listobs"]["best_s"]
    scale = large["inspect"]["best_s"] / results["small"]["inspect"]["best_s"]
    print(f"\ninspect / listobs at {large['rows']:,} rows: {ratio:.2f} (target <= 0.25)"
          f"{'  OK' if ratio <= 0.25 else '  MISSED'}")  # fmt: skip
    print(f"inspect large / small: {scale:.1f}x for {large['rows'] / results['small']['rows']:.1f}x the rows")
    (cache / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
