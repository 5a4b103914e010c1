"""Regenerate the worked examples in this folder.

    python examples/regenerate.py                  # scripts, from the committed snapshots (no CASA)
    python examples/regenerate.py --resimulate     # also rebuild the synthetic EBs and their snapshots
    python examples/regenerate.py --resimulate --ms-dir /tmp/ebs   # ... and keep the MSs to run the scripts on

Each example folder holds what ``scriptgen generate`` writes for its EBs
(the scripts and ``<EB>.ms.snapshot.json``) plus the calibrator-flux file
given to it. Scripts are regenerated from the snapshots, so this needs no
CASA and gives the same bytes on every machine; ``tests/examples`` checks
that the committed files are what this script writes today.

The CASA version written into the scripts' headers is pinned here rather
than read from the installed casatasks, so that a patch release of CASA does
not change the examples.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: Written into the generated headers as the CASA of the generation.
CASA_VERSION = "casatasks 6.7.0.31"

#: The calibrator-flux file of each example (the synthetic flux calibrator's truth).
CALIBRATOR_FLUXES = "calibrator_fluxes.csv"

#: Example folder -> what it shows.
EXAMPLES = {
    "single_eb": "one band 3 EB: calibration script and scriptForPI",
    "two_eb_goal": "two EBs of one science goal, the second's flux calibrator 10 % off: "
    "two calibration scripts, the flux-equalisation script and scriptForPI",
    "band_to_band": "a band-to-band EB (band 6 science, band 3 phase calibrator, DIFFGAIN calibrator): "
    "the band_to_band mode's calibration script and scriptForPI",
    "cycle0_eb": "a Cycle 0 EB (2012, flux calibrator marked CALIBRATE_AMPLI): the preflight "
    "risks in the header, setjy/fluxscale on the AMPLI field, wvrgcal toffset=-1",
}


def _configs(name: str, first_truth=None):
    """The synthetic EBs of an example (the same recipes as the test fixtures)."""
    from scriptgen.synthetic import SyntheticConfig

    if name == "single_eb":
        return [SyntheticConfig(uid="uid___A002_Xsyn_X1", seed=1, note="examples/single_eb")]
    if name == "band_to_band":
        return [
            SyntheticConfig(
                band=6, diffgain="b2b", n_antennas=8, n_spws=2, nchan=16,
                uid="uid___A002_Xsyn_Xb2b", seed=7, note="examples/band_to_band",
            )  # fmt: skip
        ]
    if name == "cycle0_eb":
        # The recipe of tests/generate/test_casa_kinds.py's ampli_eb.
        return [
            SyntheticConfig(
                uid="uid___A002_Xsyn_X20", seed=20, flux_intent="AMPLI", start="2012-06-01T03:00:00",
                n_antennas=6, n_spws=2, nchan=32, note="examples/cycle0_eb",
            )
        ]  # fmt: skip
    first = SyntheticConfig(
        uid="uid___A002_Xsyn_X10", seed=10, start="2024-03-15T03:00:00", note="examples/two_eb_goal (1/2)"
    )
    if first_truth is None:
        return [first]
    second = SyntheticConfig(
        uid="uid___A002_Xsyn_X11",
        seed=11,
        start="2024-03-16T02:56:00",
        flux_cal_scale_error=1.10,
        ra_deg=first_truth.target_fields[0].source_ra_deg,
        note="examples/two_eb_goal (2/2)",
    )
    return [first, second]


def render_example(folder: Path) -> dict[str, str]:
    """Every file ``scriptgen generate`` makes from the example's snapshots."""
    from scriptgen import snapshot
    from scriptgen.generate import GenerateOptions, render_files

    snapshots = sorted(folder.glob("*.snapshot.json"))
    if not snapshots:
        raise SystemExit(f"{folder} has no snapshots: run with --resimulate")
    ebs = [snapshot.load(p) for p in snapshots]
    fluxes = folder / CALIBRATOR_FLUXES
    options = GenerateOptions(
        out_dir=folder,
        calibrator_fluxes=fluxes if fluxes.exists() else None,
        casa_version=CASA_VERSION,
    )
    files, _plans, missing = render_files(ebs, options)
    if missing:
        raise SystemExit("cannot generate " + ", ".join(f"{n} ({why})" for n, why in missing))
    return files


def write_example(files: dict[str, str], folder: Path) -> list[Path]:
    """Write the files as they are (examples are not edited by hand)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for rel, text in sorted(files.items()):
        path = folder / rel
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            written.append(path)
    return written


def regenerate(source_root: Path = HERE, out_root: Path | None = None) -> list[Path]:
    """Render every example from ``source_root`` into ``out_root`` (default: in place)."""
    out_root = out_root or source_root
    written = []
    for name in EXAMPLES:
        files = render_example(source_root / name)
        if out_root != source_root:
            # Inputs travel too, so the output folder is a complete example.
            fluxes = source_root / name / CALIBRATOR_FLUXES
            if fluxes.exists():
                files[CALIBRATOR_FLUXES] = fluxes.read_text()
        written += write_example(files, out_root / name)
    return written


def resimulate(ms_dir: Path | None) -> None:
    """Build the synthetic EBs with CASA and rewrite the snapshots and flux files."""
    from scriptgen import casa_env, naming, snapshot
    from scriptgen.inspect import inspect_ms
    from scriptgen.synthetic import build_execblock

    casa_env.configure()
    work = Path(tempfile.mkdtemp(prefix="scriptgen-examples-"))
    try:
        for name in EXAMPLES:
            folder = HERE / name
            folder.mkdir(exist_ok=True)
            for old in folder.glob("*.snapshot.json"):
                old.unlink()
            truths = []
            for cfg in _configs(name):
                truths.append(build_execblock(work / f"{cfg.uid}.ms", cfg))
            if name == "two_eb_goal":
                cfg = _configs(name, truths[0])[1]
                truths.append(build_execblock(work / f"{cfg.uid}.ms", cfg))
            for truth in truths:
                eb = inspect_ms(str(truth.ms_path))
                # The snapshot names the MS, not where it was built.
                eb = dataclasses.replace(eb, ms_path=naming.ms_name(eb.uid))
                snapshot.save(eb, folder / naming.snapshot_file(naming.ms_name(eb.uid)))
                if ms_dir is not None:
                    ms_dir.mkdir(parents=True, exist_ok=True)
                    shutil.rmtree(ms_dir / truth.ms_path.name, ignore_errors=True)
                    shutil.copytree(truth.ms_path, ms_dir / truth.ms_path.name)
            (folder / CALIBRATOR_FLUXES).write_text(truths[0].calibrator_catalogue())
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resimulate", action="store_true", help="rebuild the EBs with CASA (about a minute)")
    parser.add_argument("--ms-dir", type=Path, help="with --resimulate: keep the built MSs here")
    args = parser.parse_args(argv)
    if args.resimulate:
        resimulate(args.ms_dir)
    for path in regenerate():
        print(f"wrote {path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
