"""`scriptgen review`: look at a calibration run's tables and propose flags."""

from __future__ import annotations

NAME = "review"
HELP = "review Tsys, WVR, bandpass and gain tables after a calibration run; propose flags and script changes"
DESCRIPTION = """\
After (part of) a calibration script has run in WORKDIR, read each EB's Tsys,
WVR, bandpass and gain tables, fluxscale results and flag versions, and
report: Tsys outliers by antenna/window/time (the pipeline's hifa_tsysflag
'nmedian' limit), whether WVR improves the phase calibrator's phases and
which radiometers are bad (the pipeline's hifa_wvrgcalflag comparison),
phase jumps and amplitude outliers of the gains, bandpass outliers,
reference-antenna continuity and flagged solutions per table, fluxscale
results against the catalogue fluxes the EB recorded, and the fraction of
data flagged after each step.

Writes <uid>.ms.review.txt and .review.json, and the proposed flags as
<uid>.ms.flagtemplate.proposed.txt (flagdata list mode, one reason per
line). To accept them, copy the lines into <uid>.ms.flagtemplate.txt and
rerun the calibration script from its analyst-flags step; scriptForPI
replays that file. What flags cannot express (wvrflag, rejecting WVR,
another reference antenna, combining windows for a weak phase calibrator)
is written as <uid>.ms.review.diff against the calibration script: read it,
apply it with 'patch -p0 < <uid>.ms.review.diff', rerun from the affected
step. 'scriptgen qaplots' then shows the review's plots and findings.

example:
  scriptgen review work/
"""


def add_arguments(parser):
    parser.add_argument("workdir", help="folder where the calibration script ran")


def run(args) -> int:
    from pathlib import Path

    from ..review.report import eb_names, render_text, review_eb, write_review

    workdir = Path(args.workdir)
    for ms in eb_names(workdir):
        review = review_eb(workdir, ms)
        print(render_text(review), end="")
        for path in write_review(workdir, review):
            print(f"wrote     {path}")
    return 0
