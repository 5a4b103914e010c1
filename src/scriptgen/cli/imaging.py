"""`scriptgen imaging`: write scriptForImaging.py and cont.dat for calibrated data."""

from __future__ import annotations

import sys
from pathlib import Path

NAME = "imaging"
HELP = "write scriptForImaging.py (continuum, contsub, cubes, FITS) for a calibrated MS"
DESCRIPTION = """\
Read a calibrated MS (typically <EB>.ms.split.cal from scriptForCalibration.py)
and write an editable imaging script plus the continuum-ranges file it uses:

  scriptForImaging.py  per target a continuum image from the line-free channels
                       of all windows, continuum subtraction (uvcontsub), a cube
                       per science window in LSRK, bandpass/phase calibrator
                       images, primary-beam correction, FITS export of the
                       corrected image, the primary beam and the mask
  cont.dat             line-free channel ranges per target and window, found in
                       the target's averaged spectrum and in each pointing's
                       short-baseline spectrum; edit it and pass it back
                       with --cont-ranges to override the detection

Every parameter is decided from the data and explained in the script's
comments: cell = the beam's minor axis / 5 (beam fitted to the PSF of the
target's uv coverage), image size covering the primary beam to the 0.2
level (FFT-friendly), robust 0.5 unless the PI's resolution range
(SBSummary or --beam-range) needs another (PSFs for several robust values
are computed from the uv coverage), mtmfs nterms=2 above 10 %% fractional
bandwidth, mosaic gridder for mosaics, TRACKFIELD and specmode cubesource
for ephemeris targets, auto-masking tuned to the array size, and a clean
threshold of 3x the expected noise (radiometer equation: Tsys, bandwidth,
time on source, antennas, dish efficiency; divided by the mosaic overlap
factor) or peak / dynamic range for bright targets.

A split MS carries no SYSCAL table, so the noise estimate needs the Tsys from
the original EB (--tsys-from, an MS or a scriptgen JSON snapshot) or a value
(--tsys); without either, a typical Tsys for the band is assumed and the
script says so.

Several calibrated EBs of one member OUS give one script imaging them
together: multi-MS tclean on a common LSRK grid trimmed to what every EB
covers, cont.dat as LSRK frequency ranges (pipeline format) valid for every
EB, and cube names with the archive window ids (--execblock names the raw
EBs those ids and the Tsys come from).

--selfcal (off by default) adds phase-only self-calibration of the targets
before their images, with the ALMA pipeline's safety gates (hif_selfcal):
solution intervals from the whole EB down to one integration (windows
combined), declined up front when the target is noise-limited (expected
per-antenna solution S/N below 3), each round kept only if the peak S/N
does not fall, the beam area changes < 5 %%, the rms does not rise >= 5 %%
and the peak flux keeps >= 95 %%, reverted (flags and CORRECTED)
otherwise; every decision is printed and written to selfcal.json.

examples:
  scriptgen imaging uid___A002_X1_X2.ms.split.cal --out imaging/
  scriptgen imaging uid___A002_X1_X2.ms.split.cal --out imaging/ --selfcal
  scriptgen imaging A.ms.split.cal B.ms.split.cal --execblock A.ms B.ms --out imaging/
  scriptgen imaging X.ms.split.cal --out . --tsys-from uid___A002_X1_X2.ms
  scriptgen imaging X.ms.split.cal --out . --rest-freq 230.538GHz --chan-width 2km/s
  scriptgen imaging X.ms.split.cal --out . --rest-freq 25:230.538GHz
  scriptgen imaging X.ms.split.cal --out . --cont-ranges my_cont.dat

Run the script in the folder holding the MS: python scriptForImaging.py.
Files you edited in --out are kept (the new draft goes beside them as
<name>.new) unless --force, which saves your version as <name>.orig.
An MS that looks like a raw (uncalibrated) EB - not named *.split or
*.split.cal, with CH_AVG windows or atmosphere scans - is refused unless
--force: images of uncalibrated data would look normal and be wrong.

Exit status 2 with a one-line reason for unusable input.
"""


def add_arguments(parser) -> None:
    parser.add_argument(
        "ms", metavar="CALIBRATED_MS", nargs="+",
        help="calibrated MeasurementSet(s) (<EB>.ms.split.cal); several EBs of one member OUS are "
        "imaged together (multi-MS tclean on a common LSRK grid, cont.dat in LSRK)",
    )
    parser.add_argument(
        "--execblock", nargs="+", default=(), metavar="RAW_EB",
        help="with several MSs: the raw EBs (MS or snapshot), in the same order, for the archive "
        "window ids in the image names and their SYSCAL Tsys",
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for scriptForImaging.py and cont.dat")
    parser.add_argument(
        "--cont-ranges", metavar="FILE",
        help="continuum ranges (cont.dat format) to use instead of the detected ones",
    )
    parser.add_argument(
        "--rest-freq", default="", metavar="QTY",
        help="rest frequency of the cubes: 230.538GHz for every window, or 25:230.538GHz,27:220.4GHz "
        "for single windows (default: the SOURCE table's rest frequency, else the window centre)",
    )
    parser.add_argument(
        "--chan-width", default="", metavar="QTY",
        help="cube channel width, e.g. 2km/s or 1.5MHz (default: native channels)",
    )
    tsys = parser.add_mutually_exclusive_group()
    tsys.add_argument("--tsys", type=float, metavar="K", help="system temperature for the noise estimate")
    tsys.add_argument(
        "--tsys-from", metavar="MS_OR_JSON",
        help="original EB (MS or snapshot) whose SYSCAL Tsys to use for the noise estimate",
    )
    parser.add_argument(
        "--beam-range", metavar="MIN,MAX",
        help="the PI's acceptable resolution in arcsec (default: the SBSummary's science goal); the robust "
        "whose PSF meets it is chosen",
    )
    parser.add_argument(
        "--no-calibrators", action="store_true",
        help="do not image the calibrators and check sources (one image per EB of each check source, and with "
        "several EBs of each phase calibrator, for scriptgen qa2 --check-source)",
    )
    parser.add_argument(
        "--selfcal", action="store_true",
        help="self-calibrate the targets (phase-only, gated as the ALMA pipeline's hif_selfcal: declined "
        "when noise-limited, a round kept only if the peak S/N improves with beam and flux within limits, "
        "reverted otherwise; decisions printed and written to selfcal.json); one MS only",
    )
    parser.add_argument(
        "--force", action="store_true",
        help="replace edited files (saving them as .orig); also image an MS that looks like a raw EB",
    )


def run(args) -> int:
    import math

    from ..errors import ScriptgenError
    from ..imaging_generate import generate_imaging, parse_beam_range

    if args.tsys is not None and not (math.isfinite(args.tsys) and 0 < args.tsys < 1e5):
        raise ScriptgenError(f"--tsys must be a system temperature in K (0-100000), got {args.tsys}")
    beam_range = parse_beam_range(args.beam_range)
    if len(args.ms) > 1 or args.execblock:
        return _run_ous(args)
    args.ms = args.ms[0]
    result = generate_imaging(
        args.ms,
        args.out,
        cont_ranges=args.cont_ranges,
        rest_freq=args.rest_freq,
        chan_width=args.chan_width,
        tsys_k=args.tsys,
        tsys_from=args.tsys_from,
        with_calibrators=not args.no_calibrators,
        force=args.force,
        allow_raw=args.force,
        beam_range_arcsec=beam_range,
        selfcal=args.selfcal,
    )
    if not args.quiet:
        for line in result.decisions:
            print(f"  {line}")
    for line in result.report.lines():
        print(line)
    if Path(args.out).resolve() != Path(args.ms).resolve().parent and not args.quiet:
        print(
            f"run it next to the MS: cd {Path(args.ms).resolve().parent} && python "
            f"{Path(args.out).resolve() / 'scriptForImaging.py'}",
            file=sys.stderr,
        )
    return 0


def _run_ous(args) -> int:
    """Every EB of a member OUS into one imaging script (scriptgen.ous_imaging)."""
    from ..errors import ScriptgenError
    from ..imaging_generate import parse_beam_range
    from ..ous_imaging import generate_ous_imaging

    if args.tsys_from:
        raise ScriptgenError("with several MSs give the raw EBs with --execblock (they supply the Tsys)")
    if args.selfcal:
        raise ScriptgenError(
            "--selfcal images one calibrated MS for now; self-calibrate each EB's split on its own "
            "(scriptgen imaging EB.ms.split.cal --selfcal) or image the OUS without it"
        )
    result = generate_ous_imaging(
        args.ms,
        args.out,
        execblocks=tuple(args.execblock),
        cont_ranges=args.cont_ranges,
        rest_freq=args.rest_freq,
        chan_width=args.chan_width,
        tsys_k=args.tsys,
        force=args.force,
        beam_range_arcsec=parse_beam_range(args.beam_range),
        allow_raw=args.force,
        with_calibrators=not args.no_calibrators,
    )
    if not args.quiet:
        for line in result.decisions:
            print(f"  {line}")
    for line in result.report.lines():
        print(line)
    return 0
