"""`scriptgen package`: lay out an ALMA delivery package from a working folder."""

from __future__ import annotations

NAME = "package"
HELP = "lay out the delivery package (product/, calibration/, qa/, script/, log/, raw/)"
DESCRIPTION = """\
Collect what a reduction produced in WORKDIR into ALMA's delivery tree

  OUT/<project>/science_goal.<uid>/group.<uid>/member.<uid>/
      README        what is inside, the QA2 verdict, how to recalibrate
      product/      FITS images (pbcor, pb, mask)
      calibration/  delivered calibration tables, flag versions, allFluxes.csv
      qa/           Tsys, bandpass, gain plots, image previews, index.html, QA2 report
      script/       calibration scripts, scriptForFluxCalibration.py,
                    scriptForImaging.py, scriptForPI.py, EB snapshots
      log/          CASA logs, listobs
      raw/          empty: the ASDMs go here (a note lists them)

Files are copied; WORKDIR is never changed unless --move is given. An
existing non-empty member folder is refused without --force; with it,
identical files are left alone and different ones are kept as <name>.orig.

The OUS uids are not recorded in a MeasurementSet, so they must be given
(uid://A001/X1/X2 or uid___A001_X1_X2). --project defaults to the project
code in the EBs' OBSERVATION table when they agree.

example:
  scriptgen package work/ --out deliveries --project 2024.1.00001.S \\
      --science-goal uid://A001/X1/X1 --group uid://A001/X1/X2 --member uid://A001/X1/X3 \\
      --qa2-report work/qa2.json
"""


def add_arguments(parser):
    parser.add_argument("workdir", help="folder where the reduction ran")
    parser.add_argument("--out", required=True, metavar="DIR", help="where to create the package tree")
    parser.add_argument("--project", help="project code, e.g. 2024.1.00001.S (default: from the EBs)")
    parser.add_argument("--science-goal", required=True, metavar="UID", help="science goal OUS uid")
    parser.add_argument("--group", required=True, metavar="UID", help="group OUS uid")
    parser.add_argument("--member", required=True, metavar="UID", help="member OUS uid")
    parser.add_argument("--qa2-report", metavar="JSON", help="report written by 'scriptgen qa2 --json'")
    parser.add_argument("--move", action="store_true", help="move files instead of copying them")
    parser.add_argument("--force", action="store_true",
                        help="add to an existing package (changed files kept as .orig)")
    parser.add_argument("--no-plots", action="store_true", help="skip the QA plots (faster, no CASA needed)")
    parser.add_argument("--dry-run", action="store_true", help="show where everything would go, change nothing")


def _project_from_ebs(workdir, ebs):
    from pathlib import Path

    from ..errors import ScriptgenError

    codes = set()
    for ms in ebs:
        path = Path(workdir) / ms
        if path.is_dir():
            from ..inspect.observation import read_observation

            code = read_observation(path).project
            if code:
                codes.add(code)
    if len(codes) != 1:
        found = f"found {sorted(codes)}" if codes else "none found in the EBs"
        raise ScriptgenError(f"give --project (project code: {found})")
    return codes.pop()


def run(args) -> int:
    from ..package.build import assemble, load_qa2_report, scan_workdir
    from ..package.layout import DeliveryIds, check_project, normalise_uid
    from ..package.plan import plan_package
    from pathlib import Path

    sg = normalise_uid(args.science_goal, "--science-goal")
    group = normalise_uid(args.group, "--group")
    member = normalise_uid(args.member, "--member")
    project = args.project
    if project is None:
        project = _project_from_ebs(args.workdir, plan_package(scan_workdir(Path(args.workdir))).ebs)
    project, warning = check_project(project)
    report = load_qa2_report(args.qa2_report) if args.qa2_report else None
    ids = DeliveryIds(project, sg, group, member)
    from ..errors import ScriptgenError

    try:
        result = assemble(args.workdir, args.out, ids, qa2_report=report, move=args.move, force=args.force,
                          dry_run=args.dry_run, plots=not args.no_plots)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise ScriptgenError(f"cannot lay out the package in {args.out}: {exc.strerror or exc}{where}") from None
    if warning:
        result.warnings.insert(0, warning)
    if args.dry_run:
        print(f"would create {result.member_dir}")
        for p in result.plan.placements:
            print(f"  {p.target:<60} <- {p.source}")
        for name in result.plan.left_out:
            print(f"  (not delivered)  {name}")
        for w in result.warnings:
            print(f"warning   {w}")
        return 0
    print("\n".join(result.lines()))
    return 0
