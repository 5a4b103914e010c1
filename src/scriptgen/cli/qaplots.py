"""`scriptgen qaplots`: QA plots of a working folder's calibration tables and images."""

from __future__ import annotations

NAME = "qaplots"
HELP = "plot Tsys, bandpass, gains and image previews, with an index.html"
DESCRIPTION = """\
Draw the delivery's diagnostic plots from a working folder, before packaging:
Tsys spectra (<EB>.ms.tsys), bandpass amplitude and phase (.bandpass), gain
phase against time (.phase_int, .phase_inf), gain amplitude against time
(.ampli_inf, .flux_inf), and a preview of every FITS image (or the CASA
images given with --image). One panel per spectral window, one colour per
antenna. OUT/index.html shows them all. 'scriptgen package' makes the same
plots in the package's qa/ folder.

example:
  scriptgen qaplots work/ --out work/qa
"""


def add_arguments(parser):
    parser.add_argument("workdir", help="folder holding <uid>.ms calibration tables and images")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for the PNGs and index.html")
    parser.add_argument("--image", action="append", default=[], metavar="IMAGE",
                        help="image (CASA or FITS) to preview; default: every *.fits in WORKDIR")


def run(args) -> int:
    from pathlib import Path

    from ..package.build import scan_workdir
    from ..package.plan import plan_package
    from ..qaplots.gallery import make_gallery

    from ..errors import ScriptgenError

    workdir = Path(args.workdir)
    if not workdir.is_dir():
        raise ScriptgenError(f"working folder {workdir} does not exist or is not a folder")
    missing = [i for i in args.image if not Path(i).exists()]
    if missing:
        raise ScriptgenError(f"image {missing[0]} does not exist")
    plan = plan_package(scan_workdir(workdir, skip=Path(args.out)))
    images = [Path(i) for i in args.image] or [workdir / p.source for p in plan.in_folder("product")]
    try:
        gallery = make_gallery(args.out, workdir, images, plan.ebs)
    except OSError as exc:
        raise ScriptgenError(f"cannot write the plots into {args.out}: {exc.strerror or exc}") from None
    for name in gallery.files:
        print(f"wrote     {Path(args.out) / name}")
    for w in gallery.warnings:
        print(f"warning   {w}")
    return 0
