"""`scriptgen qa2`: measure an image and judge it against the PI's request."""

from __future__ import annotations

import sys
from pathlib import Path

NAME = "qa2"
HELP = "measure an image's noise and beam and give the QA2 verdict"
DESCRIPTION = """\
Measure the noise RMS (off-source, or on the residual image) and the restoring
beam of an image (CASA image or FITS) and judge them against the requested
RMS and resolution with ALMA's QA2 rules:

  Cycle-2 rule (--beam): PASS when RMS <= 1.10 x requested (bands 1-6),
    1.15 x (7-8), 1.20 x (9-10) and the beam area is within 20 % of the
    requested beam's; SEMIPASS within 1.4 / 1.5 / 1.6 x and 50 %; else FAIL.
  later-cycle rule (--beam-range): PASS when the beam size (geometric mean
    of the axes) is inside [MIN, MAX] and the RMS within 10 % (bands 1-6),
    15 % (7-8) or 20 % (9-10) of the request; else FAIL.

The pixel size is compared with beam/5 (reported, never changes the verdict).
Quantities take units: 0.1mJy, 1.2arcsec, 7.5GHz.

The request is taken, in increasing precedence, from the SBSummary recorded in
the --execblock EB (ASDM_SBSUMMARY, when it was imported), the --goal file and
the command line.

science-goal file (--goal, JSON or .toml; command-line values override it):
  rms = "0.1 mJy"            bandwidth = "7.5 GHz"   (RMS rescaled to the
  beam = "1.0 arcsec"                                 image's channel width)
  beam_range = ["0.8 arcsec", "1.2 arcsec"]           (instead of beam)
  band = 6                   rule = "cycle2" | "later"

examples:
  scriptgen qa2 target.cont.image --residual target.cont.residual --rms 0.05mJy --beam 0.5arcsec
  scriptgen qa2 target.cont.image.fits --goal goal.toml --json qa2.json
  scriptgen qa2 target.cont.image --rms 0.05mJy --execblock uid___A002_X1_X2.ms   (achieved/predicted)
  scriptgen qa2 target.cont.image --execblock uid___A002_X1_X2.ms   (request from its SBSummary)

exit status: 0 PASS or SEMIPASS or nothing requested, 1 FAIL, 2 bad input.
"""


def add_arguments(parser):
    parser.add_argument("image", help="CASA image directory or FITS file")
    parser.add_argument("--residual", metavar="IMAGE", help="measure the noise on this residual image instead")
    parser.add_argument("--goal", metavar="FILE", help="science-goal file (JSON or TOML), see above")
    parser.add_argument("--rms", metavar="Q", help="requested RMS, e.g. 0.1mJy")
    parser.add_argument("--bandwidth", metavar="Q", help="bandwidth the requested RMS refers to, e.g. 7.5GHz")
    beam = parser.add_mutually_exclusive_group()
    beam.add_argument("--beam", metavar="Q", help="requested resolution (Cycle-2 rule), e.g. 1.0arcsec")
    beam.add_argument("--beam-range", metavar="MIN,MAX", help="requested resolution range (later rule)")
    parser.add_argument("--band", type=int, metavar="N", help="ALMA band (default: from the image frequency)")
    parser.add_argument("--rule", choices=("cycle2", "later"), help="QA2 rule (default: follows --beam / --beam-range)")
    parser.add_argument("--predicted-rms", metavar="Q", help="expected thermal noise, to report achieved/predicted")
    parser.add_argument(
        "--execblock", metavar="MS|SNAPSHOT", action="append", default=[],
        help="predict the noise from this EB (repeat for several); reports achieved/predicted",
    )
    parser.add_argument(
        "--noise-bandwidth", metavar="Q",
        help="bandwidth behind the image for the prediction (default: cube channel, or all science windows)",
    )
    parser.add_argument(
        "--check-source", action="store_true",
        help="the image is of a check source (or calibrator): fit its position and report the offset from "
        "its catalogue position (the field's phase centre in --execblock, else the image centre) in arcsec "
        "and beams (PASS within 10 %% of the beam) and its flux ratio",
    )
    parser.add_argument(
        "--check-flux", metavar="Q",
        help="catalogue flux of the check source, e.g. 0.15Jy (default: the EB's ASDM_SOURCE flux nearest "
        "in frequency, if recorded)",
    )
    parser.add_argument("--json", metavar="OUT", help="also write the report as JSON to OUT ('-' for stdout only)")


def run(args) -> int:
    from ..errors import ScriptgenError
    from ..qa2 import goal as goalmod
    from ..qa2.measure import measure
    from ..qa2.report import build_report, dumps, report_text
    import astropy.units as u

    ebs = []
    if args.execblock:
        from ..qa2.predict import load_execblock

        ebs = [load_execblock(p) for p in args.execblock]
    recorded = next((eb.science_goal for eb in ebs if eb.science_goal is not None), None)
    goal = goalmod.goal_from_recorded(recorded)
    if args.goal:
        goal = goal.merged(goalmod.load_goal(args.goal))
    override = goalmod.ScienceGoal(
        rms_jy=goalmod.parse_quantity(args.rms, u.Jy, "--rms") if args.rms else None,
        bandwidth_hz=goalmod.parse_quantity(args.bandwidth, u.Hz, "--bandwidth") if args.bandwidth else None,
        beam_arcsec=goalmod.parse_quantity(args.beam, u.arcsec, "--beam") if args.beam else None,
        beam_range_arcsec=goalmod.parse_beam_range(args.beam_range) if args.beam_range else None,
        band=goalmod.parse_band(args.band) if args.band is not None else None,
        rule=goalmod.parse_rule(args.rule) if args.rule else None,
    )
    goal = goal.merged(override)
    predicted = goalmod.parse_quantity(args.predicted_rms, u.Jy, "--predicted-rms") if args.predicted_rms else None
    measurement = measure(args.image, args.residual)
    notes: tuple[str, ...] = (goalmod.describe_recorded(recorded),) if recorded is not None else ()
    ous = None
    if args.execblock:
        if predicted is not None:
            raise ScriptgenError("give --predicted-rms or --execblock, not both")
        from ..qa2.predict import predict_noise

        bw = goalmod.parse_quantity(args.noise_bandwidth, u.Hz, "--noise-bandwidth") if args.noise_bandwidth else None
        prediction = predict_noise(ebs, measurement, bandwidth_hz=bw)
        predicted = prediction.sigma_jy
        notes += ("predicted noise (natural weighting): " + prediction.bandwidth_note,) + prediction.per_eb
        if len(ebs) > 1:
            from ..qa2.predict import ous_noise_summary

            ous = {
                "n_ebs": prediction.n_ebs,
                "time_on_source_s": prediction.time_on_source_s,
                "per_eb_predicted_rms_jy_per_beam": list(prediction.per_eb_sigma_jy),
                "per_eb_time_on_source_s": list(prediction.per_eb_time_s),
                "summary": ous_noise_summary(prediction),
            }
    astrometry = None
    if args.check_source:
        astrometry = _check_source(args, measurement, ebs, goal)
    elif args.check_flux:
        raise ScriptgenError("--check-flux needs --check-source")
    report = build_report(measurement, goal, predicted, notes=notes, astrometry=astrometry, ous=ous)
    if args.json == "-":
        sys.stdout.write(dumps(report))
    else:
        if not args.quiet:
            sys.stdout.write(report_text(report))
        if args.json:
            out = Path(args.json)
            try:
                out.write_text(dumps(report))
            except OSError as exc:
                raise ScriptgenError(f"cannot write {out}: {exc.strerror}") from None
            print(f"wrote {out}")
    return 1 if report.verdict == "FAIL" else 0


def _check_source(args, measurement, ebs, goal):
    """Fit the check source of ``args.image`` and compare with its catalogue entry."""
    import math

    import astropy.units as u

    from .. import derive
    from ..errors import ScriptgenError
    from ..qa2 import goal as goalmod
    from ..qa2.astrometry import assess_check_source, fit_point_source, image_object
    from ..qa2.image import is_fits

    if is_fits(args.image):
        raise ScriptgenError("--check-source needs the CASA image (the fit uses casatools), not FITS")
    if measurement.beam is None:
        raise ScriptgenError(f"{args.image} has no restoring beam: cannot express an offset in beams")
    name, centre = image_object(args.image)
    where = None
    for eb in ebs:
        matches = [f for f in eb.fields if name and name in (f.name, f.source_name)]
        if matches:
            where = (matches[0].ra_rad, matches[0].dec_rad)
            break
    if where is None:
        if ebs:
            raise ScriptgenError(f"field {name!r} of {args.image} is in none of the --execblock EBs")
        if centre is None:
            raise ScriptgenError(f"{args.image} has no sky reference direction")
        where = centre
    flux = goalmod.parse_quantity(args.check_flux, u.Jy, "--check-flux") if args.check_flux else None
    if flux is None and measurement.freq_hz:
        entries = [e for eb in ebs for e in eb.calibrator_fluxes if e.source == name and e.flux_jy > 0]
        if entries:
            flux = min(entries, key=lambda e: abs(e.freq_hz - measurement.freq_hz)).flux_jy
    band = goal.band or measurement.band or derive.band_from_frequency(measurement.freq_hz or 0.0)
    fit = fit_point_source(args.image, measurement.beam, measurement.cell_arcsec)
    if not all(math.isfinite(x) for x in (fit.ra_rad, fit.dec_rad, fit.flux_jy)):
        raise ScriptgenError(f"the Gaussian fit to {args.image} gave no finite position or flux")
    return assess_check_source(
        name or "?", str(args.image), fit, where[0], where[1], measurement.beam, catalogue_flux_jy=flux, band=band
    )
