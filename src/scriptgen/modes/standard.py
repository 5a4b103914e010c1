"""The standard ALMA interferometric mode.

Covers what most EBs are: single fields and mosaics, 12 m and 7 m arrays,
quasar or solar-system flux calibrators, one or several phase calibrators
and targets. The step order is the QA2 manual-calibration order (import,
listobs, a-priori flagging, WVR, Tsys, antenna positions, a-priori
applycal, split of the science windows, initial flagging, flux model,
bandpass, gains, fluxscale, applycal, split of the calibrated data).

This module only *chooses*: every value comes from
:mod:`scriptgen.heuristics.calibration`, and each step names the template
part in ``scriptgen/templates/calibration/steps/`` that presents it.
"""

from __future__ import annotations

import dataclasses

from .. import derive
from ..heuristics import calibration as cal
from ..heuristics import calibration_snr as csnr
from ..heuristics import solar_system as solar
from ..heuristics import antenna_positions
from ..heuristics import calibration_choices as choices
from ..model import ExecBlock, Intent
from ..naming import CalTables, ms_name
from .plan import CalibrationPlan, Decision, PlanOptions, Step, frozen_mapping
from .registry import register

STEPS_DIR = "calibration/steps"


def _step(key: str, title: str, *, context=None, notes=(), skipped=None) -> Step:
    return Step(
        key=key,
        title=title,
        template=f"{STEPS_DIR}/{key}.py.j2",
        context=frozen_mapping(context),
        notes=tuple(notes),
        skipped=skipped,
    )


def _intents_summary(eb: ExecBlock) -> list[tuple[int, str]]:
    lines = []
    for fld in eb.fields:
        intents = ", ".join(i for i in fld.intents) or "no intents"
        same = fld.source_name == fld.name
        source = "" if same else f" (source {fld.source_name!r})"
        lines.append((1, f"field {fld.field_id}: {fld.name!r}{source}: {intents}"))
    return lines


def _header(eb: ExecBlock, options: PlanOptions, refant: cal.RefantChoice) -> tuple[tuple[int, str], ...]:
    """Header comment lines as (indent level, text)."""
    science = derive.science_spws(eb)
    n12 = sum(1 for a in eb.antennas if abs(a.diameter_m - 12.0) < 0.5)
    n7 = sum(1 for a in eb.antennas if abs(a.diameter_m - 7.0) < 0.5)
    arrays = ", ".join(x for x in (n12 and f"{n12} x 12 m", n7 and f"{n7} x 7 m") if x) or "no antennas"
    band = derive.band(eb)
    lines = [
        (0, f"Execution block: {eb.uid!r}" + (f", project {eb.project!r}" if eb.project else "")),
        (0, f"CASA used at generation: {options.casa_version}" if options.casa_version else "CASA version at generation: unknown"),
        (0, f"Band {band}, {arrays}, {len(eb.scans)} scans" if band else f"{arrays}, {len(eb.scans)} scans"),
        (0, f"Science windows: {cal.ids(science)}; Tsys windows: {cal.ids(derive.tsys_spws(eb)) or 'none'}"),
        (0, "Fields and intents:"),
        *_intents_summary(eb),
        (0, f"Reference antennas {refant.refant!r}, best first. {refant.reason}"),
    ]
    return tuple(lines)


@register
class StandardMode:
    name = "standard"
    description = "Single fields and mosaics, 12 m and 7 m, quasar or solar-system flux calibrator"
    priority = 0

    def matches(self, eb: ExecBlock) -> bool:
        return bool(derive.science_spws(eb))

    def plan(self, eb: ExecBlock, options: PlanOptions) -> CalibrationPlan:
        tables = CalTables(ms_name(eb.uid))
        refant = cal.reference_antenna(eb)
        science = derive.science_spws(eb)
        split_ids = cal.split_spw_ids(eb)
        tsys_spws = derive.tsys_spws(eb) if eb.tsys else ()
        tsys_map = derive.tsys_map(eb) if tsys_spws else {}
        wvr = cal.wvr_choice(eb)
        apriori = cal.apriori_flags(eb)
        bandpass = cal.bandpass_choice(eb)
        models = cal.flux_models(
            eb, options.calibrator_fluxes, allow_placeholder=options.allow_placeholder
        )
        fluxscale = cal.fluxscale_choice(eb)
        transfers = cal.phase_transfers(eb)
        calibrators = cal.gain_calibrators(eb)
        decisions: list[Decision] = [Decision("reference antenna", f"{refant.refant!r}, best first. {refant.reason}")]

        steps: list[Step] = []
        asis = choices.import_asis()
        amplitude = choices.amplitude_solve()
        applications = choices.gain_applications(eb)
        steps.append(_step("import", "Import of the ASDM", context={"asdm": eb.uid, "asis": asis}))
        steps.append(_step("listobs", "Listobs"))

        steps.append(
            _step(
                "apriori_flagging",
                "A-priori flagging",
                context={"flags": apriori},
                notes=apriori.reasons,
            )
        )
        no_online = () if apriori.online_flags else ("no online flags (FLAG_CMD empty)",)
        decisions.append(Decision("a-priori flags", "; ".join(apriori.reasons + no_online)))
        steps.append(_step("analyst_flags", "The analyst's flags (flag template)"))

        wvr_skip = None if wvr.apply else wvr.reason
        steps.append(
            _step(
                "wvr",
                "Generation of the WVR cal table",
                context={"wvr": wvr},
                notes=(wvr.reason,),
                skipped=wvr_skip,
            )
        )
        decisions.append(Decision("WVR", ("applied: " if wvr.apply else "skipped: ") + wvr.reason))

        tsys_edges = cal.tsys_edge_flags(eb)
        tsys_skip = None if tsys_spws else "no Tsys spectra in SYSCAL: the data cannot be Tsys-calibrated"
        steps.append(
            _step(
                "tsys",
                "Generation of the Tsys cal table",
                context={"edges": tsys_edges},
                notes=(tsys_edges.reason,) if tsys_spws else (),
                skipped=tsys_skip,
            )
        )
        if tsys_spws:
            decisions.append(
                Decision(
                    "Tsys map",
                    ", ".join(f"{s}->{t}" for s, t in sorted(tsys_map.items()))
                    + f" (science spw -> Tsys spw); edges flagged: {tsys_edges.spw}",
                )
            )
        else:
            decisions.append(Decision("Tsys", tsys_skip))

        antpos = antenna_positions.antpos_choice(eb, (options.antenna_positions or {}).get(eb.uid))
        steps.append(
            _step(
                "antpos",
                "Generation of the antenna position cal table",
                context={
                    "antpos": antpos,
                    "antpos_data": antpos.given.as_json_data() if antpos.given else None,
                },
            )
        )
        decisions.append(Decision("antenna positions", antpos.reason))

        groups = cal.tsys_groups(eb) if tsys_spws else ()
        # The antenna-position table exists only at run time (getantposalma
        # may fail offline), so the step always runs: without Tsys and WVR it
        # applies the antenna positions alone, or nothing.
        apply_apriori = bool(tsys_spws) or wvr.apply
        steps.append(
            _step(
                "apply_apriori",
                "Application of the WVR, Tsys and antpos cal tables",
                context={
                    "groups": groups,
                    "group_pairs": [(cal.ids(g.field_ids), str(g.tsys_field_id)) for g in groups],
                    "tsys": bool(tsys_spws),
                    "wvr": wvr.apply,
                    "science_spw": cal.ids(science),
                    "all_fields": cal.ids(cal.calibrated_fields(eb)),
                },
            )
        )
        for group in groups:
            for reason in group.reasons:
                decisions.append(Decision("Tsys field", reason))

        steps.append(
            _step(
                "split_science",
                "Split out science SPWs",
                context={
                    "spw": cal.ids(science),
                    # None: decided at run time by whether an antenna
                    # position table was applied.
                    "datacolumn": "corrected" if apply_apriori else None,
                    "renumbering": ", ".join(f"{s}->{n}" for s, n in sorted(split_ids.items())),
                },
            )
        )

        tdm = cal.tdm_edge_flags(eb)
        steps.append(
            _step(
                "initial_flagging",
                "Initial flagging",
                context={"tdm_edges": tdm},
                notes=("shadowed antennas: one dish blocks another at low elevation", tdm.reason),
            )
        )

        model_column = any(m.needs_model_column for m in models)
        lines = solar.flux_calibrator_line_flags(eb, [m.field_id for m in models], split_ids)
        steps.append(
            _step(
                "flux_model",
                "Putting a model for the flux calibrator(s)",
                context={"models": models, "model_column": model_column, "line_flags": lines},
            )
        )
        for model in models:
            decisions.append(Decision("flux model", model.reason))
        for flags in lines:
            decisions.append(Decision("flux calibrator lines", flags.reason))

        snr = csnr.solution_snr_plan(eb, bandpass.field_id, calibrators, options.calibrator_fluxes, models)
        bp_solint, bp_snr_reason = csnr.bandpass_solint_with_snr(bandpass.solint, snr.bandpass)
        if bp_solint != bandpass.solint:
            bandpass = dataclasses.replace(bandpass, solint=bp_solint, reason=f"{bandpass.reason}; {bp_snr_reason}")
        steps.append(
            _step(
                "bandpass",
                "Bandpass calibration",
                context={"bandpass": bandpass, "field": str(bandpass.field_id), "snr": snr},
                notes=(bandpass.reason,),
            )
        )
        for line in snr.setups + snr.predictions:
            decisions.append(Decision("solution SNR", line))
        decisions.append(Decision("pre-bandpass phase", f"solint {snr.presolve.solint!r}: {snr.presolve.reason}"))
        decisions.append(Decision("bandpass SNR", f"{bp_snr_reason}; fillgaps {snr.bandpass.fillgaps}: {snr.bandpass.fillgaps_reason}"))
        decisions.append(Decision("phase_int", f"solint {snr.phase_int.solint!r}, combine {'spw' if snr.phase_int.combine else 'none'}: {snr.phase_int.reason}"))
        decisions.append(Decision("phase_inf", f"combine {'spw' if snr.phase_inf.combine else 'none'}: {snr.phase_inf.reason}"))
        decisions.append(Decision("window combination", snr.combination.reason))
        decisions.append(Decision("amplitude SNR", snr.amplitude))
        decisions.append(Decision("bandpass", f"solint {bandpass.solint!r}; {bandpass.reason}"))
        decisions.append(Decision("amplitude solve", amplitude.reason))

        do_fluxscale = bool(fluxscale.transfer)
        short_baselines = solar.resolved_flux_calibrator_antennas(eb, fluxscale.reference)
        if short_baselines.resolved:
            decisions.append(Decision("fluxscale antennas", short_baselines.reason))
        steps.append(
            _step(
                "gains",
                "Gain calibration",
                context={
                    "calibrators": cal.ids(calibrators),
                    "fluxscale": do_fluxscale,
                    "amplitude": amplitude,
                    "snr": snr,
                    "bandpass_field": str(bandpass.field_id),
                    # gains, fluxscale, applycal follow each other in this mode.
                    "applycal_step": len(steps) + 2,
                },
            )
        )
        steps.append(
            _step(
                "fluxscale",
                "Flux scale transfer",
                context={
                    "reference": cal.ids(fluxscale.reference),
                    "transfer": cal.ids(fluxscale.transfer),
                    "antenna": short_baselines.antenna,
                },
                notes=(fluxscale.reason,) + ((short_baselines.reason,) if short_baselines.resolved else ()),
                skipped=None if do_fluxscale else fluxscale.reason,
            )
        )
        decisions.append(Decision("fluxscale", fluxscale.reason))

        steps.append(
            _step(
                "applycal",
                "Application of the bandpass and gain cal tables",
                context={
                    "applications": applications,
                    "snr": snr,
                    "self_calibrated": [str(f) for f in applications.self_calibrated],
                    "groups": [
                        {"phase": str(g.phase_field_id), "fields": cal.ids(g.field_ids), "reason": g.reason}
                        for g in applications.groups
                    ],
                },
            )
        )
        for g in applications.groups:
            decisions.append(Decision("phase transfer", f"fields {cal.ids(g.field_ids)}: {g.reason}"))
        if not transfers:
            decisions.append(Decision("phase transfer", "no target with a phase calibrator: only calibrators are calibrated"))

        kept = [i.value for i in Intent if i.value in cal.SCIENCE_INTENTS and any(i.value in s.intents for s in eb.scans)]
        steps.append(
            _step(
                "split_calibrated",
                "Split out corrected column",
                context={"intent": ",".join(f"*{i}*" for i in kept)},
            )
        )

        for n, step in enumerate(steps):
            if step.skipped:
                decisions.append(Decision("skipped step", f"{n} ({step.title}): {step.skipped}"))

        spwmap = derive.tsys_spwmap(eb) if tsys_spws else []
        variables = {
            "vis": tables.ms,
            "split_vis": tables.split,
            "split_cal_vis": tables.split_cal,
            "listobs_file": tables.listobs,
            "tsys_table": tables.tsys,
            "wvr_table": tables.wvr,
            "antpos_table": tables.antpos,
            "antpos_json": tables.antpos_json,
            "bandpass_phase_table": tables.bandpass_phase,
            "bandpass_table": tables.bandpass,
            "phase_int_table": tables.phase_int,
            "phase_inf_table": tables.phase_inf,
            "ampli_inf_table": tables.ampli_inf,
            "flux_inf_table": tables.flux_inf,
            "fluxscale_file": tables.fluxscale_results,
            "flag_template_file": tables.flag_template,
            "refant": refant.refant,
            "tsys_spwmap": spwmap,
        }
        delivered = tables.delivered
        if snr.combined:
            # Only scripts that combine windows define and deliver the offsets.
            variables["spw_phase_table"] = tables.spw_phase
            delivered = delivered + (tables.spw_phase,)
        return CalibrationPlan(
            eb=eb,
            mode=self.name,
            tables=tables,
            steps=tuple(steps),
            header=_header(eb, options, refant),
            decisions=tuple(decisions),
            variables=frozen_mapping(variables),
            delivered=delivered,
        )
