"""scriptForImaging.py: continuum, continuum subtraction, cubes, calibrators, FITS.

The decisions are in :func:`scriptgen.heuristics.imaging_plan.plan_imaging`;
this module turns an :class:`ImagingPlan` into template context (tclean
keyword lists in a fixed order, the steps) and renders it. Helpers the
script needs at run time come from :mod:`.runtime` (shared by every script)
and :mod:`.imaging_runtime`.
"""

from __future__ import annotations

import inspect
import textwrap
from typing import Any

import jinja2

from .. import __version__, naming
from ..heuristics import selfcal as sc
from ..heuristics.cube_chunks import cube_grid
from ..heuristics.imaging_plan import ImageSpec, ImagingPlan
from ..render import PySource, render_python
from . import imaging_runtime, runtime
from .step import Step, wrap_notes
from . import selfcal_runtime

TEMPLATE = "imaging/scriptForImaging.py.j2"

#: The cube step's part (its number is written into the script as cube_step).
CUBE_PART = "imaging/steps/cubes.py.j2"

#: Every CASA task the script calls, imported explicitly.
CASATASKS = ("exportfits", "tclean", "uvcontsub")

#: Standard-library modules the steps use.
MODULES = ("os",)

#: Runtime helpers of this script alone, copied after the shared ones.
RUNTIME_FUNCTIONS = (imaging_runtime.remove_image,)

#: The shared helpers the self-calibration loop also calls.
SELFCAL_SHARED = (runtime.save_flags, runtime.restore_flags, runtime.load_json, runtime.save_json)


def tclean_kwargs(image: ImageSpec) -> list[tuple[PySource, Any]]:
    """tclean's keyword arguments for one image, in a fixed, readable order."""
    kw: list[tuple[str, Any]] = [
        # Several EBs (vis and spw as tuples): tclean takes lists, one entry per MS.
        ("vis", list(image.vis) if isinstance(image.vis, tuple) else image.vis),
        ("imagename", image.imagename),
        ("field", list(image.field) if isinstance(image.field, tuple) else image.field),
        ("spw", list(image.spw) if isinstance(image.spw, tuple) else image.spw),
        ("datacolumn", image.datacolumn),
        ("specmode", image.specmode),
    ]
    if image.specmode in ("cube", "cubesource"):
        # cubesource (moving targets) has no outframe: the source frame is the ephemeris's.
        kw += [("outframe", image.outframe)] if image.outframe else []
        kw += [
            ("veltype", "radio"),
            ("restfreq", image.restfreq),
        ]
        if image.start:
            kw += [("start", image.start)]
        kw += [
            ("width", image.width),
            ("nchan", image.nchan),
            # One beam for the whole cube: FITS readers and moment maps expect it.
            ("restoringbeam", "common"),
        ]
    kw += [("deconvolver", image.deconvolver)]
    if image.nterms > 1:
        kw += [("nterms", image.nterms)]
    kw += [
        ("gridder", image.gridder),
        ("imsize", list(image.imsize)),
        ("cell", image.cell),
    ]
    if image.phasecenter:
        kw += [("phasecenter", image.phasecenter)]
    kw += [
        ("weighting", "briggs"),
        ("robust", image.robust),
        ("niter", image.niter),
        ("threshold", image.threshold),
        ("usemask", "auto-multithresh"),
        ("sidelobethreshold", image.mask.sidelobethreshold),
        ("noisethreshold", image.mask.noisethreshold),
        ("lownoisethreshold", image.mask.lownoisethreshold),
        ("minbeamfrac", image.mask.minbeamfrac),
        ("negativethreshold", image.mask.negativethreshold),
        ("pblimit", 0.2),
        ("pbcor", True),
        ("interactive", False),
    ]
    return [(PySource(k), v) for k, v in kw]


#: Copied into the script when it self-calibrates: the decisions
#: (heuristics.selfcal) and the loop that measures and calls CASA.
SELFCAL_FUNCTIONS = (
    sc.solint_snr,
    sc.attempt_verdict,
    sc.round_verdict,
    selfcal_runtime.image_metrics,
    selfcal_runtime.selfcal_image,
    selfcal_runtime.save_selfcal_record,
    selfcal_runtime.self_calibrate,
)

#: The self-calibration record the script writes beside itself.
SELFCAL_RECORD = "selfcal.json"


def selfcal_runtime_source() -> PySource:
    return PySource("\n\n".join(inspect.getsource(f) for f in SELFCAL_FUNCTIONS))


def _selfcal_view(target: sc.SelfcalTarget, index: int) -> dict[str, Any]:
    return {
        "title": f"{target.source!r} self-calibration",
        "notes": wrap(target.notes),
        "target": {
            "vis": target.image.vis,
            "source": target.source,
            "field": target.field,
            "solve_spw": target.solve_spw,
            "apply_spw": target.apply_spw,
            "spwmap": list(target.spwmap),
            "refant": target.refant,
            "n_antennas": target.n_antennas,
            "time_on_source_s": round(target.time_on_source_s, 3),
            "prefix": target.prefix,
            "flagname": f"scriptgen_selfcal_{index}",
        },
        "kwargs": tclean_kwargs(target.image),
        "suffix": target.image.suffix,
        "ladder": [
            {"name": s.name, "solint": s.solint, "combine": s.combine, "seconds": round(s.seconds, 3)}
            for s in target.ladder
        ],
    }


#: Comment lines are wrapped to this width (black leaves comments alone).
COMMENT_WIDTH = 80


def wrap(notes) -> list[str]:
    """Explanatory notes as comment lines; continuation lines indented."""
    lines: list[str] = []
    for note in notes:
        lines += textwrap.wrap(note, COMMENT_WIDTH, subsequent_indent="  ", break_on_hyphens=False) or [""]
    return lines


def _image_view(image: ImageSpec) -> dict[str, Any]:
    return {
        "title": image.title,
        "notes": wrap(image.notes),
        "imagename": image.imagename,
        "kwargs": tclean_kwargs(image),
        # Cubes on an explicit grid can be made in channel chunks (make_cube).
        "grid": cube_grid(image.start, image.width, image.nchan) if image.kind == "cube" else None,
    }


def chunkable_cubes(plan: ImagingPlan) -> dict[str, int]:
    """imagename -> channel count of the cubes the script can make in channel chunks."""
    return {
        image.imagename: image.nchan
        for image in plan.cubes
        if cube_grid(image.start, image.width, image.nchan) is not None
    }


def _steps(plan: ImagingPlan) -> tuple[Step, ...]:
    steps = []
    if plan.selfcal:
        steps.append(
            {
                "title": "Self-calibration of the targets (phase-only)",
                "part": "imaging/steps/selfcal.py.j2",
                "notes": (
                    "Off unless scriptgen imaging --selfcal. Phase-only rounds from the whole EB down to "
                    "one integration, each kept only if the image gets better within the limits below "
                    "(ALMA pipeline hif_selfcal), else reverted; every decision is printed and written "
                    f"to {SELFCAL_RECORD}. The target images after this step read the CORRECTED column "
                    "(the data as they were where self-calibration was declined or reverted).",
                ),
            }
        )
    if plan.continuum:
        steps.append(
            {
                "title": "Continuum images of the targets",
                "part": "imaging/steps/continuum.py.j2",
                "notes": (
                    "Line-free channels of every window (cont.dat), Briggs robust 0.5, auto-masking, "
                    "primary-beam corrected (.pbcor) as well as flat-noise images.",
                ),
            }
        )
    if plan.contsub is not None:
        steps.append(
            {
                "title": "Continuum subtraction",
                "part": "imaging/steps/contsub.py.j2",
                "notes": ("The cubes are made from the continuum-subtracted targets.",),
            }
        )
    if plan.contsubs:
        steps.append(
            {
                "title": "Continuum subtraction of every EB",
                "part": "imaging/steps/contsub_ebs.py.j2",
                "notes": (
                    "Each EB's line-free channels are its own TOPO channels inside the LSRK continuum "
                    "ranges of cont.dat; the cubes are made from the continuum-subtracted EBs.",
                ),
            }
        )
    if plan.cubes:
        steps.append(
            {
                "title": "Line cubes (LSRK)",
                "part": CUBE_PART,
                "notes": ("One cube per science window and target.",),
            }
        )
    if plan.calibrators:
        steps.append(
            {
                "title": "Calibrator images (QA)",
                "part": "imaging/steps/calibrators.py.j2",
                "notes": ("Bandpass and phase calibrators, for a look at the calibration quality.",),
            }
        )
    if plan.checks:
        steps.append(
            {
                "title": "Check-source images per EB (astrometry QA)",
                "part": "imaging/steps/checks.py.j2",
                "notes": (
                    "One image per check source (and phase calibrator, several EBs) per EB, centred on the "
                    "field's catalogue position: scriptgen qa2 fits the source there and reports its "
                    "offset in arcsec and in beams (seed: within 10 % of the beam) and its flux ratio.",
                ),
            }
        )
    steps.append(
        {
            "title": "Export to FITS (pbcor image, primary beam, mask)",
            "part": "imaging/steps/export.py.j2",
            "notes": (),
        }
    )
    return tuple(
        Step(number=number, key=step["part"].rsplit("/", 1)[-1].split(".")[0], title=step["title"],
             part=step["part"], notes=wrap_notes(step["notes"]))
        for number, step in enumerate(steps)
    )  # fmt: skip


def exports(plan: ImagingPlan) -> list[tuple[str, str]]:
    """(CASA image, FITS file) pairs the export step writes."""
    return [pair for image in plan.images for pair in image.fits]


def render(plan: ImagingPlan, env: jinja2.Environment, *, script_name: str = naming.IMAGING_SCRIPT) -> str:
    steps = _steps(plan)
    return render_python(
        env,
        TEMPLATE,
        plan=plan,
        contsub_notes=wrap(plan.contsub.notes) if plan.contsub else [],
        contsubs=[{"call": c, "notes": wrap(c.notes)} for c in plan.contsubs],
        steps=steps,
        header=wrap(plan.header),
        runtime=PySource(runtime.source(*RUNTIME_FUNCTIONS, *(SELFCAL_SHARED if plan.selfcal else ()))),
        modules=[PySource(m) for m in MODULES],
        version=__version__,
        script_name=script_name,
        casatasks=[PySource(t) for t in CASATASKS],
        vis=list(plan.ms) if isinstance(plan.ms, tuple) else plan.ms,
        contsub_vis=(
            [c.outputvis for c in plan.contsubs] if plan.contsubs else naming.contsub_ms(plan.ms)
        ),
        exports=exports(plan),
        chunkable_cubes=chunkable_cubes(plan),
        cube_step=next((s.number for s in steps if s.part == CUBE_PART), None),
        selfcal_runtime=selfcal_runtime_source() if plan.selfcal else None,
        selfcal=[_selfcal_view(t, i) for i, t in enumerate(plan.selfcal)],
        selfcal_limits=sc.LIMITS,
        selfcal_record=SELFCAL_RECORD,
        views={"continuum": [_image_view(i) for i in plan.continuum],
               "cubes": [_image_view(i) for i in plan.cubes],
               "calibrators": [_image_view(i) for i in plan.calibrators],
               "checks": [_image_view(i) for i in plan.checks]},
    )
