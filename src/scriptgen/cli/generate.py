"""`scriptgen generate`: write the calibration scripts of one or more EBs."""

from __future__ import annotations

import argparse

NAME = "generate"
HELP = "write the calibration, flux-equalisation and scriptForPI scripts"
DESCRIPTION = """\
Write the CASA scripts that calibrate the given execution blocks:

  <EB>.ms.scriptForCalibration.py   per EB: every calibration step, each rerunnable
  scriptForFluxCalibration.py       with two or more EBs (one science goal)
  scriptForPI.py                    regenerates the calibrated data from a delivery
  <EB>.ms.snapshot.json             the metadata each script was made from

Each argument is a MeasurementSet (read with CASA) or a snapshot written by
'scriptgen inspect --json' (no CASA needed). The command prints what it
wrote and the main decisions: reference antenna, Tsys map, flux model,
skipped steps and why. A script you edited is never overwritten: the new
draft goes beside it as NAME.new (or use --force, which keeps yours as
NAME.orig).

Quasar flux calibrators need a catalogue flux. scriptgen takes it from a
small CSV (or JSON) file you pass, else from the catalogue values the
observatory recorded in the EB (ASDM_SOURCE, imported with
importasdm(asis='Source ...')); with neither it refuses, unless
--allow-placeholder asks for a marked 1 Jy draft:

  source,flux_jy,spix,reffreq_ghz,date,note
  J1058+0133,3.12,-0.55,103.5,2024-05-01,ALMA catalogue

examples:
  scriptgen generate uid___A002_X1_X2.ms --out script/
  scriptgen generate eb1.json eb2.json --out script/ --calibrator-fluxes fluxes.csv
  scriptgen generate uid___A002_X1_X2.ms --out script/ --templates my_templates/
  scriptgen generate --from-delivery member.uid___A001_X1_X3/   # pipeline or mixed delivery
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="*", metavar="MS_OR_SNAPSHOT", help="MeasurementSets or JSON snapshots")
    parser.add_argument("--out", metavar="DIR", help="folder to write the scripts into (required with EBs)")
    parser.add_argument(
        "--from-delivery",
        metavar="DIR",
        help="write DIR/script/scriptForPI.py restoring a pipeline-calibrated or mixed delivery (docs/restore.md)",
    )
    parser.add_argument(
        "--calibrator-fluxes",
        metavar="FILE",
        help="catalogue fluxes of quasar flux calibrators (.csv or .json; see above)",
    )
    parser.add_argument(
        "--allow-placeholder",
        action="store_true",
        help="write a marked 1 Jy placeholder for a quasar flux calibrator with no known flux",
    )
    parser.add_argument(
        "--templates",
        metavar="DIR",
        help="folder of templates that override the packaged ones (same relative paths)",
    )
    from ..modes import available

    known = ", ".join(f"{name} ({mode.description})" for name, mode in available().items())
    parser.add_argument(
        "--mode",
        metavar="NAME",
        help=f"force an observing mode instead of choosing one per EB; known: {known}",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace scripts you edited (your version is kept as NAME.orig)",
    )


def run(args: argparse.Namespace) -> int:
    if args.from_delivery:
        return _run_from_delivery(args)
    if not args.inputs or not args.out:
        from ..errors import ScriptgenError

        raise ScriptgenError("give the EBs and --out DIR (or --from-delivery DIR)")
    from ..generate import GenerateOptions, generate, load_execblocks
    from ..progress import step

    with step(f"reading {len(args.inputs)} execution block(s)"):
        ebs = load_execblocks(args.inputs)
    options = GenerateOptions(
        out_dir=args.out,
        calibrator_fluxes=args.calibrator_fluxes,
        templates=args.templates,
        mode=args.mode,
        force=args.force,
        allow_placeholder=args.allow_placeholder,
    )
    result = generate(ebs, options)
    print("\n".join(result.summary_lines()))
    print()
    print("\n".join(result.run_instructions()))
    return 0


def _run_from_delivery(args: argparse.Namespace) -> int:
    from ..errors import ScriptgenError
    from ..restore_generate import generate_from_delivery

    if args.inputs or args.out:
        raise ScriptgenError("--from-delivery takes no EBs and no --out: it writes into DIR/script/")
    result = generate_from_delivery(args.from_delivery, templates=args.templates, force=args.force)
    print("\n".join(result.summary_lines()))
    return 0
