"""`scriptgen review`: look at a calibration run's tables and propose flags."""

from __future__ import annotations

NAME = "review"
HELP = "review Tsys, bandpass and gain tables after a calibration run; propose flags"
DESCRIPTION = """\
After (part of) a calibration script has run in WORKDIR, read each EB's Tsys,
bandpass and gain tables, fluxscale results and flag versions, and report:
Tsys outliers by antenna/window/time (the pipeline's hifa_tsysflag 'nmedian'
limit), phase jumps and amplitude outliers of the gains, bandpass outliers,
fluxscale results, and the fraction of data flagged after each step.

Writes <uid>.ms.review.txt and .review.json, and the proposed flags as
<uid>.ms.flagtemplate.proposed.txt (flagdata list mode, one reason per
line). To accept them, copy the lines into <uid>.ms.flagtemplate.txt and
rerun the calibration script from its analyst-flags step; scriptForPI
replays that file.

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
