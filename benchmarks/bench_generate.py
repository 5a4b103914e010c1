"""How `scriptgen generate` scales with the number of scans (run on demand).

    PYTHONPATH=src python benchmarks/bench_generate.py [--scans 2000,20000]

Builds synthetic snapshots (no CASA) of a long phase-referenced EB: a
bandpass, a flux and a phase calibrator, and a target alternating with the
phase calibrator for N scans, then times loading the snapshot (with its
validation) and the whole generation (planning, rendering, black, writing)
in a fresh folder. It prints seconds per
scan at each size and their ratio against the smallest size measured in the
same run, so the figure does not depend on the machine: a ratio near 1 means
generation is linear in scans, a ratio near 10 (for 2k vs 20k) quadratic.
Not part of the test suite: timings on a shared machine make poor asserts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scriptgen import snapshot  # noqa: E402
from scriptgen.generate import GenerateOptions, generate  # noqa: E402
from scriptgen.model import Scan  # noqa: E402
from tests.unit.ebfactory import tdm_fdm_eb  # noqa: E402

ATM = "CALIBRATE_ATMOSPHERE"


def long_eb(n_scans: int, mosaic: int = 1):
    """The unit-test EB stretched to ``n_scans`` scans (phase/target cycles).

    ``mosaic`` > 1 makes every target scan visit that many pointings (each a
    field), the shape that multiplies per-field work by the scan count.
    """
    eb = tdm_fdm_eb(mosaic=mosaic)
    pointings = tuple(range(3, 3 + mosaic))
    science = (9, 11, 13, 15)
    tsys = tuple(s.spw_id for s in eb.spws if s.kind.value == "TDM")
    scans = [
        Scan(1, (0,), (ATM,), tsys, 0.0, 30.0, 1.0),
        Scan(2, (0,), ("CALIBRATE_BANDPASS",), science, 40.0, 340.0, 6.0),
    ]
    t = 400.0
    while len(scans) < n_scans:
        number = len(scans) + 1
        if number % 20 == 0:
            scans.append(Scan(number, (2,), (ATM,), tsys, t, t + 10.0, 1.0))
        elif number % 2:
            scans.append(Scan(number, (2,), ("CALIBRATE_PHASE",), science, t, t + 30.0, 6.0))
        else:
            scans.append(Scan(number, pointings, ("OBSERVE_TARGET",), science, t, t + 60.0, 6.0))
        t += 70.0
    return replace(eb, scans=tuple(scans), end_mjd_s=t)


def time_generation(n_scans: int, mosaic: int = 1) -> tuple[float, int]:
    """Seconds to load and check the snapshot and generate from it; snapshot bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = snapshot.save(long_eb(n_scans, mosaic), Path(tmp) / "eb.json")
        start = time.perf_counter()
        eb = snapshot.load(path)
        generate([eb], GenerateOptions(out_dir=Path(tmp) / "out"))
        return time.perf_counter() - start, path.stat().st_size


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scans", default="2000,20000", help="comma-separated scan counts (default 2000,20000)")
    parser.add_argument("--mosaic", type=int, default=1, help="pointings per target scan (default 1)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.scans.split(",")]
    time_generation(10)  # warm the template and black caches
    base = None
    for n in sizes:
        seconds, size = time_generation(n, args.mosaic)
        per_scan = seconds / n
        base = base or per_scan
        print(
            f"{n:>7} scans ({size / 1e6:5.1f} MB snapshot): {seconds:7.2f} s  "
            f"{per_scan * 1e6:8.1f} us/scan  ratio to the first size {per_scan / base:5.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
