"""`scriptgen simulate`: build a synthetic ALMA-like execution block."""

from __future__ import annotations

import argparse
import math
import shutil
import sys
from pathlib import Path

NAME = "simulate"
HELP = "build a synthetic ALMA-like EB (MS + truth JSON) to try scripts on"
DESCRIPTION = """\
Build a small MeasurementSet that looks like an imported ALMA execution
block, with CASA's simulator, and write what went into it beside it as
OUT.ms.truth.json.

What you get: spw 0 WVR#NOMINAL (wvrgcal works on it), science windows
named like importasdm names them (ALMA_RB_03#BB_1#SW-01#FULL_RES), each with
its #CH_AVG partner, SYSCAL Tsys that gencal(caltype='tsys') reads, ALMA
intents on every scan (CALIBRATE_ATMOSPHERE scans before each source),
a bandpass, a flux and a phase calibrator and a target (one field or a
mosaic), phase-calibrator scans bracketing the target scans. Unless
--no-corrupt, the data are raw-looking: divided by Tsys, multiplied by
time-variable complex gains and per-antenna bandpasses, with thermal noise
from the radiometer equation; a standard calibration gets the model fluxes
back within about 1 %.

The truth JSON lists the windows (science, Tsys, WVR, CH_AVG ids and the
Tsys map), fields with their true fluxes per science window, scans with
intents, antennas, the injected line and the corruption tables.

examples:
  scriptgen simulate eb.ms                                 band 3, defaults
  scriptgen simulate uid___A002_Xsyn_X5.ms --band 7        uid taken from the name
  scriptgen simulate fdm.ms --tdm-tsys --nchan 128         Tsys in TDM, science in FDM
  scriptgen simulate aca.ms --array 7m --mosaic 3 --flux-calibrator Ceres --band 6
  scriptgen simulate line.ms --no-corrupt --line 102.8,60,0.5
  scriptgen simulate eb.ms --force                         replace an existing eb.ms

Other kinds of EB (for the preflight classification):
  scriptgen simulate c0.ms --flux-intent AMPLI --start 2012-06-01T03:00:00   Cycle 0
  scriptgen simulate pol.ms --full-pol --no-corrupt        full polarisation (refused by generate)
  scriptgen simulate tp.ms --total-power                   total power (refused by generate)
  scriptgen simulate mt.ms --second-target --check-source  two phase calibrators, a check source
  scriptgen simulate scan.ms --spectral-scan               two tunings in one EB

A default EB (10 antennas, 4 x 64 channels, ~6 minutes) takes 10-30 s and
~45 MB. CASA's own log lines go to a log file (its path is printed), not
the terminal.

Exit status: 0 on success, 2 on bad options or when OUT.ms exists without
--force; the reason is printed on one line.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", metavar="OUT.ms", help="MeasurementSet to create")
    parser.add_argument(
        "--band", type=int, default=3, choices=(3, 6, 7), help="ALMA receiver band (default 3)"
    )
    parser.add_argument(
        "--array",
        default="12m",
        choices=("12m", "7m"),
        help="12 m main array or 7 m ACA (default 12m)",
    )
    parser.add_argument(
        "--antennas", type=int, default=10, metavar="N", help="number of antennas (default 10)"
    )
    parser.add_argument(
        "--spws",
        type=int,
        default=4,
        metavar="N",
        help="science windows, one per baseband, 1-4 (default 4)",
    )
    parser.add_argument(
        "--nchan",
        type=int,
        default=64,
        metavar="N",
        help="channels per science window (default 64)",
    )
    parser.add_argument(
        "--tdm-tsys", action="store_true",
        help="measure Tsys in separate TDM windows; science windows become narrow FDM windows inside them",
    )  # fmt: skip
    parser.add_argument(
        "--mosaic",
        type=int,
        default=1,
        metavar="N",
        help="target pointings (1 = single field, up to 7)",
    )
    parser.add_argument(
        "--flux-calibrator", default="quasar", metavar="NAME",
        help="'quasar' (default) or a solar-system body modelled by Butler-JPL-Horizons 2012, e.g. Ceres",
    )  # fmt: skip
    parser.add_argument(
        "--flux-scale-error", type=float, default=1.0, metavar="F",
        help="multiply the flux calibrator's visibilities by F (fluxscale then errs by F; default 1)",
    )  # fmt: skip
    parser.add_argument(
        "--line", metavar="FREQ_GHZ,FWHM_MHZ,PEAK_JY",
        help="inject a Gaussian line into the target (LSRK centre inside a science window)",
    )  # fmt: skip
    parser.add_argument(
        "--flux-intent", default="FLUX", choices=("FLUX", "AMPLI"),
        help="intent of the flux calibrator: CALIBRATE_FLUX (default) or CALIBRATE_AMPLI as in Cycle 0-2",
    )  # fmt: skip
    parser.add_argument(
        "--full-pol", action="store_true",
        help="four correlations (XX,XY,YX,YY) and CALIBRATE_POLARIZATION on the bandpass calibrator "
        "(needs --no-corrupt)",
    )  # fmt: skip
    parser.add_argument(
        "--total-power", action="store_true",
        help="a total-power EB: PM antennas, autocorrelations only",
    )  # fmt: skip
    parser.add_argument(
        "--second-target", action="store_true",
        help="a second target with its own phase calibrator, scheduled alternately (multi-target SB)",
    )  # fmt: skip
    parser.add_argument(
        "--check-source", action="store_true",
        help="a check source (OBSERVE_CHECK_SOURCE) between scans of the first phase calibrator",
    )  # fmt: skip
    parser.add_argument(
        "--spectral-scan", action="store_true",
        help="a spectral scan: two tunings 4 GHz apart, each with its own calibrator scans",
    )  # fmt: skip
    parser.add_argument(
        "--no-corrupt",
        action="store_true",
        help="calibrated-looking data: sky model and noise only",
    )
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument(
        "--b2b",
        action="store_true",
        help="band-to-band: phase calibrator in band 3 reference windows, science in --band 6 or 7, "
        "a DIFFGAIN calibrator in both, a known per-antenna phase offset between the setups",
    )
    modes.add_argument(
        "--bwsw",
        action="store_true",
        help="bandwidth switching: phase calibrator in wide (2 GHz) reference windows, science in "
        "narrow FDM windows of the same band, a DIFFGAIN calibrator in both, a known phase offset",
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="random seed; same seed, same EB (default 1)"
    )
    parser.add_argument(
        "--uid",
        help="EB uid (default: from OUT's name if it is uid___..., else uid___A002_Xsyn_X1)",
    )
    parser.add_argument(
        "--start",
        default=None,
        metavar="ISO",
        help="UTC start, e.g. 2024-03-15T03:00:00 (the default)",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace OUT.ms (and its truth file) if it exists"
    )


def parse_line(text: str):
    """``"102.8,60,0.5"`` -> LineSpec(centre_ghz=102.8, fwhm_mhz=60, peak_jy=0.5)."""
    from ..errors import ScriptgenError
    from ..synthetic import LineSpec

    parts = text.split(",")
    try:
        if len(parts) != 3:
            raise ValueError
        freq, fwhm, peak = (float(p) for p in parts)
        if not all(math.isfinite(v) for v in (freq, fwhm, peak)):
            raise ValueError
    except ValueError:
        raise ScriptgenError(
            f"--line wants FREQ_GHZ,FWHM_MHZ,PEAK_JY (e.g. 102.8,60,0.5), got {text!r}"
        ) from None
    return LineSpec(centre_ghz=freq, fwhm_mhz=fwhm, peak_jy=peak)


def config_from_args(args: argparse.Namespace):
    """The SyntheticConfig the options describe (validated on construction)."""
    from ..synthetic import SyntheticConfig

    out = Path(args.out)
    uid = args.uid
    if uid is None:
        stem = out.name[: -len(".ms")] if out.name.endswith(".ms") else out.name
        uid = stem if stem.startswith("uid___") else SyntheticConfig.uid
    from ..errors import ScriptgenError
    from ..safenames import check_stem

    check_stem(uid, "--uid")
    if not math.isfinite(args.flux_scale_error):
        raise ScriptgenError(f"--flux-scale-error must be a finite number, got {args.flux_scale_error}")
    extra = {"start": args.start} if args.start else {}
    if getattr(args, "b2b", False) or getattr(args, "bwsw", False):
        extra["diffgain"] = "b2b" if args.b2b else "bwsw"
    return SyntheticConfig(
        band=args.band, array=args.array, n_antennas=args.antennas, n_spws=args.spws,
        nchan=args.nchan, tdm_tsys=args.tdm_tsys, mosaic_pointings=args.mosaic,
        flux_calibrator=args.flux_calibrator, flux_cal_scale_error=args.flux_scale_error,
        line=parse_line(args.line) if args.line else None, corrupt=not args.no_corrupt,
        seed=args.seed, uid=uid, flux_intent=args.flux_intent, full_polarisation=args.full_pol,
        total_power=args.total_power, second_target=getattr(args, "second_target", False),
        check_source=getattr(args, "check_source", False),
        n_tunings=2 if getattr(args, "spectral_scan", False) else 1, **extra,
    )  # fmt: skip


def summary(truth) -> str:
    """What was built, in a few lines for the terminal."""
    lines = [
        f"wrote {truth.ms}  ({truth.uid}, band {truth.config.band}, "
        f"{len(truth.antennas)} x {truth.antennas[0].diameter_m:g} m, {truth.build_seconds:.1f} s)",
        f"truth {truth.ms}.truth.json",
        f"  science spws {list(truth.science_spws)}  tsys spws {list(truth.tsys_spws)}  "
        f"wvr spw {truth.wvr_spw}  tsys map {truth.tsys_map}",
    ]
    for fld in truth.fields:
        flux = ", ".join(f"{v:.3f}" for v in fld.spw_flux_jy.values())
        lines.append(
            f"  field {fld.field_id} {fld.name:<14} {'/'.join(fld.roles):<9} Jy per science spw: {flux}"
        )
    lines.append(
        f"  {len(truth.scans)} scans, {truth.end_mjd_s - truth.start_mjd_s:.0f} s of observing"
    )
    if truth.line is not None:
        lines.append(
            f"  line {truth.line.spec.centre_ghz} GHz LSRK (TOPO {truth.line.topo_centre_hz / 1e9:.4f} GHz) "
            f"in spw {truth.line.spw_id}, FWHM {truth.line.spec.fwhm_mhz} MHz, peak {truth.line.spec.peak_jy} Jy"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from .. import casa_env
    from ..errors import ScriptgenError
    from ..synthetic import build_execblock, truth_path
    from ..synthetic.layout import plan

    config = config_from_args(args)
    plan(config)  # fails fast on a line outside the windows, before CASA starts
    out = Path(args.out)
    if out.exists() and not args.force:
        raise ScriptgenError(f"{out} already exists; use --force to replace it")
    if not out.absolute().parent.is_dir():
        raise ScriptgenError(f"folder {out.absolute().parent} does not exist")
    if out.exists():
        if not (out / "table.dat").exists():
            raise ScriptgenError(f"{out} exists and is not a MeasurementSet; not replacing it")
        shutil.rmtree(out)
        truth_path(out).unlink(missing_ok=True)
    casa_env.configure()
    log = casa_env.new_logfile("simulate")
    if not args.quiet:
        print(f"... CASA messages go to {log}", file=sys.stderr)
    with casa_env.casa_output_to(log):
        truth = build_execblock(out, config, progress=not args.quiet, overwrite=True)
    print(summary(truth))
    return 0
