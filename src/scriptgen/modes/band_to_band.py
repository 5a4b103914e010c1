"""The band-to-band (B2B) and bandwidth-switching (BWSW) mode.

The phase calibrator is observed only in the reference windows (a lower
band, or wide windows of the same band) and the target only in the
science windows; a DIFFGAIN calibrator observed in both setups measures the
phase offset between them. This mode is the standard mode with these
changes (sequence of the ALMA pipeline's ``hifa_diffgaincal`` and
``hifa_timegaincal``; detection as the observatory generator almaqa2csg):

* the a-priori calibration and the split keep the reference AND science
  windows, with Tsys mapped onto both;
* a new step after the bandpass solves the DIFFGAIN calibrator's phases per
  scan in the reference windows and, from them, the offset between the
  setups in the science windows (the ``phasediff_inf`` table);
* gains use one reference antenna strictly, so that the phase calibrator's
  and the offset tables share their phase reference;
* fluxscale transfers the scale only to calibrators observed in the science
  windows (no flux calibrator is observed in the reference windows);
* the target takes the phase calibrator's reference-window phases through a
  science -> reference window map with ``linearPD``, the offset table, and
  the bandpass calibrator's flux-scaled amplitudes.

Every decision comes from :mod:`scriptgen.heuristics.band_to_band`.
"""

from __future__ import annotations

from dataclasses import replace

from ..heuristics import band_to_band as b2b
from ..heuristics import calibration as cal
from ..model import ExecBlock
from .plan import CalibrationPlan, Decision, PlanOptions, Step, frozen_mapping
from .registry import register
from .standard import STEPS_DIR, StandardMode

#: Keys of the standard steps this mode keeps as they are.
_UNCHANGED = (
    "import",
    "listobs",
    "apriori_flagging",
    "analyst_flags",
    "wvr",
    "tsys",
    "antpos",
    "flux_model",
    "split_calibrated",
)


def _part(name: str) -> str:
    return f"{STEPS_DIR}/{name}.py.j2"


def _with_context(step: Step, **changes) -> Step:
    return replace(step, context=frozen_mapping({**step.context, **changes}))


#: Standard decisions this mode replaces or does not make: its own gain
#: steps solve per window group, so the standard mode's SNR-driven window
#: combination is not theirs to present.
_REPLACED_DECISIONS = frozenset(
    {"fluxscale", "skipped step", "Tsys map", "phase_int", "phase_inf", "window combination", "amplitude SNR"}
)


@register
class BandToBandMode:
    name = "band_to_band"
    description = (
        "Band-to-band and bandwidth-switching EBs: phase calibrator in reference windows, DIFFGAIN offset"
    )
    priority = 10

    def matches(self, eb: ExecBlock) -> bool:
        return b2b.is_band_to_band(eb)

    def plan(self, eb: ExecBlock, options: PlanOptions) -> CalibrationPlan:
        setup = b2b.diffgain_setup(eb)
        wmap = b2b.window_map(eb)
        solve = b2b.diffgain_solve(eb)
        amp_field, amp_reason = b2b.amplitude_field(eb)
        base = StandardMode().plan(eb, options)
        by_key = {s.key: s for s in base.steps}
        bandpass = by_key["bandpass"].context["bandpass"]
        b2b.bandpass_covers(eb, bandpass.field_id)
        split_ids = b2b.split_ids(eb)
        kept = b2b.kept_windows(eb)
        science_split = [split_ids[s] for s in setup.science_spws]
        reference_split = [split_ids[s] for s in setup.reference_spws]

        calibrators = sorted(set(cal.gain_calibrators(eb)) | {solve.field_id})
        in_science = set(b2b.fields_in_windows(eb, setup.science_spws))
        in_reference = set(b2b.fields_in_windows(eb, setup.reference_spws))
        flux_reference, _ = cal.flux_fields(eb)
        transfer = tuple(f for f in calibrators if f in in_science and f not in flux_reference)
        not_scaled = [f for f in calibrators if f not in in_science]
        fluxscale_reason = (
            f"flux scale from {', '.join(cal.field_label(eb, f) for f in flux_reference)} transferred to "
            f"{', '.join(cal.field_label(eb, f) for f in transfer) or 'no field'} (observed in the science windows)"
            + (
                f"; not to {', '.join(cal.field_label(eb, f) for f in not_scaled)}, observed only in the "
                "reference windows where no flux calibrator was observed"
                if not_scaled
                else ""
            )
        )
        # Each calibrator is calibrated by its own solutions: flux-scaled in
        # the science windows, amplitude-only (relative) in the reference windows.
        own = []
        for f in calibrators:
            if f in in_science:
                scaled = f in transfer or f in flux_reference
                own.append((str(f), cal.ids(science_split), scaled))
            if f in in_reference:
                own.append((str(f), cal.ids(reference_split), False))
        transfers = [
            {
                "phase": str(t.phase_field_id),
                "targets": cal.ids(t.target_field_ids),
                "reason": t.reason,
            }
            for t in cal.phase_transfers(eb)
        ]

        steps: list[Step] = []
        for step in base.steps:
            key = step.key
            if key in _UNCHANGED:
                steps.append(step)
            elif key == "apply_apriori":
                steps.append(_with_context(step, science_spw=cal.ids(kept)))
            elif key == "split_science":
                steps.append(
                    replace(
                        _with_context(
                            step,
                            spw=cal.ids(kept),
                            renumbering=", ".join(f"{s}->{n}" for s, n in sorted(split_ids.items())),
                        ),
                        notes=step.notes
                        + (
                            f"band-to-band/bandwidth switching: the reference windows {cal.ids(setup.reference_spws)} "
                            f"(phase calibrator) are kept with the science windows {cal.ids(setup.science_spws)}",
                        ),
                    )
                )
            elif key == "initial_flagging":
                tdm = cal.tdm_edge_flags(eb, b2b.split_ids(eb))
                steps.append(replace(_with_context(step, tdm_edges=tdm), notes=(step.notes[0], tdm.reason)))
            elif key == "bandpass":
                bp = replace(bandpass, presolve_spw=b2b.presolve_selection(eb))
                steps.append(_with_context(step, bandpass=bp))
                steps.append(
                    Step(
                        key="diffgain",
                        title="Phase offset between the reference and science windows (DIFFGAIN)",
                        template=_part("diffgain"),
                        context=frozen_mapping({"solve": solve, "setup": setup}),
                        notes=(setup.reason, solve.reason, wmap.reason),
                    )
                )
            elif key == "gains":
                steps.append(
                    replace(
                        step,
                        template=_part("diffgain_gains"),
                        context=frozen_mapping(
                            {"calibrators": cal.ids(calibrators), "applycal_step": len(steps) + 2}
                        ),
                    )
                )
            elif key == "fluxscale":
                steps.append(
                    replace(
                        step,
                        context=frozen_mapping(
                            {"reference": cal.ids(flux_reference), "transfer": cal.ids(transfer)}
                        ),
                        notes=(fluxscale_reason,),
                        skipped=None if transfer else fluxscale_reason,
                    )
                )
            elif key == "applycal":
                steps.append(
                    replace(
                        step,
                        template=_part("diffgain_applycal"),
                        context=frozen_mapping(
                            {
                                "own": own,
                                "transfers": transfers,
                                "science_spw": cal.ids(science_split),
                                "diffgain_field": str(solve.field_id),
                                "amplitude_field": str(amp_field),
                                "amplitude_reason": amp_reason,
                                "fluxscale": bool(transfer),
                            }
                        ),
                    )
                )
            else:  # pragma: no cover - a standard step this mode does not know
                raise AssertionError(f"band-to-band mode does not handle the standard step {key!r}")

        decisions = [d for d in base.decisions if d.topic not in _REPLACED_DECISIONS]
        decisions += [
            Decision("observing mode", setup.reason),
            Decision("window map", wmap.reason),
            Decision(
                "diffgain", f"{solve.reason}; offset solved per scan group {list(solve.science_scan_groups)}"
            ),
            Decision("target amplitudes", amp_reason),
            Decision("fluxscale", fluxscale_reason),
        ]
        for n, step in enumerate(steps):
            if step.skipped:
                decisions.append(Decision("skipped step", f"{n} ({step.title}): {step.skipped}"))

        tables = base.tables
        offset_table = f"{tables.split}.phasediff_inf"
        variables = dict(base.variables)
        variables.pop("spw_phase_table", None)
        variables.update(
            {
                "tsys_spwmap": b2b.tsys_spwmap(eb),
                "diffgain_reference_table": f"{tables.split}.diffgain_ref_inf",
                "diffgain_offset_table": offset_table,
                "diffgain_residual_table": f"{tables.split}.phasediff_residual",
                "spwmap_to_reference": list(wmap.spwmap),
            }
        )
        header = base.header + (
            (0, f"Observing mode {setup.mode}: {setup.reason}"),
            (
                0,
                f"Reference windows (phase calibrator): {cal.ids(setup.reference_spws)}; "
                "the split keeps them with the science windows",
            ),
            (0, f"Window map for the phase transfer: {wmap.reason}"),
        )
        return CalibrationPlan(
            eb=eb,
            mode=self.name,
            tables=tables,
            steps=tuple(steps),
            header=header,
            decisions=tuple(decisions),
            variables=frozen_mapping(variables),
            # applyonly reruns skip the solves only when every table a solving
            # step checks is there: the gains step writes ampli_inf (applied to
            # the reference-window calibrators), the DIFFGAIN step the offset
            # table applied to the targets; the intermediate reference-window
            # phases and the residual diagnostic are not applied, so not delivered.
            delivered=tuple(t for t in base.delivered if t != tables.spw_phase) + (tables.ampli_inf, offset_table),
        )
