"""The self-calibration loop the imaging script runs, copied into it.

Whether a round improves the image is known only once it is imaged, so the
loop runs in the script. Its decisions are the pure functions of
:mod:`scriptgen.heuristics.selfcal` (copied in beside these); these
functions only measure images, call CASA and keep the record.

Rules (as :mod:`.runtime`): standard library and casatasks only,
imported inside each function; output removal, flag versions and JSON go
through the shared helpers copied into every script (imported here only so
the names resolve when these are read as a module).
"""

from __future__ import annotations

from .imaging_runtime import remove_image
from .runtime import has_flag_version, load_json, remove_outputs, restore_flags, save_flags, save_json


def image_metrics(imagename, suffix):
    """Peak, rms, peak S/N, beam and clean-component flux of one tclean image.

    rms: 1.4826 x the median absolute deviation of the residual (robust to
    what is left of the source); clean_flux: the sum of the clean model (Jy),
    recorded for the analyst, not a gate (see round_verdict).
    """
    from casatasks import imhead, imstat

    to_arcsec = {"arcsec": 1.0, "arcmin": 60.0, "deg": 3600.0, "rad": 206264.806}
    image = imagename + ".image" + suffix
    peak = float(imstat(imagename=image)["max"][0])
    rms = 1.4826 * float(imstat(imagename=imagename + ".residual" + suffix)["medabsdevmed"][0])
    beam = imhead(imagename=image, mode="summary")["restoringbeam"]
    major = beam["major"]["value"] * to_arcsec[beam["major"]["unit"]]
    minor = beam["minor"]["value"] * to_arcsec[beam["minor"]["unit"]]
    clean_flux = float(imstat(imagename=imagename + ".model" + suffix)["sum"][0])
    return {
        "peak": peak,
        "rms": rms,
        "snr": peak / rms if rms > 0 else 0.0,
        "beam_major": major,
        "beam_minor": minor,
        "beam_area": major * minor,
        "clean_flux": clean_flux,
    }


def selfcal_image(tclean_kwargs, imagename):
    """Image the CORRECTED data and save the clean model into MODEL_DATA (the next round's model).

    ``tclean_kwargs`` carry the depth (a shallow threshold, the same every round).
    """
    from casatasks import tclean

    remove_image(imagename)
    kwargs = dict(tclean_kwargs, imagename=imagename, savemodel="modelcolumn", pbcor=False)
    tclean(**kwargs)


def save_selfcal_record(path, source, record):
    """Write ``record`` as ``source``'s entry of the JSON record (other targets kept)."""
    import os

    records = load_json(path) if os.path.exists(path) else {}
    records[source] = record
    save_json(records, path)


def self_calibrate(target, tclean_kwargs, suffix, ladder, limits, record_path):
    """Phase-only self-calibration of one target, round by round; returns the record.

    ``target``: vis, source, field, solve_spw, apply_spw, spwmap, refant,
    n_antennas, time_on_source_s, prefix, flagname. ``ladder``: dicts with
    name, solint, combine, seconds, longest first. CORRECTED ends as DATA
    calibrated by the last kept round's table (DATA itself when none was
    kept); the flags as they were after that round.
    """
    import os

    from casatasks import applycal, clearcal, gaincal

    vis, source = target["vis"], target["source"]
    start = target["flagname"] + "_start"
    # A rerun starts from the flags as they were before the first run.
    if not restore_flags(vis, start):
        save_flags(vis, start, "before self-calibration")
    clearcal(vis=vis, field=target["field"], addmodel=False)

    def say(text):
        print("selfcal %s: %s" % (source, text), flush=True)

    def apply(table):
        if table is None:
            clearcal(vis=vis, field=target["field"], addmodel=False)
            return
        applycal(
            vis=vis, field=target["field"], spw=target["apply_spw"], gaintable=[table],
            spwmap=[list(target["spwmap"])], interp=["linear"], calwt=[False], applymode="calflag",
        )

    selfcal_image(tclean_kwargs, target["prefix"] + ".r0")
    before = image_metrics(target["prefix"] + ".r0", suffix)
    record = {"initial": before, "rounds": [], "limits": limits}
    say("initial image peak %.4g Jy, rms %.3g Jy, S/N %.1f" % (before["peak"], before["rms"], before["snr"]))
    names, why = attempt_verdict(
        before["snr"], target["n_antennas"], target["time_on_source_s"],
        [(rung["name"], rung["seconds"]) for rung in ladder], limits,
    )
    say(why)
    record["attempt"] = why
    kept = None
    final = before
    for number, rung in enumerate([r for r in ladder if r["name"] in names], start=1):
        table = "%s.r%d_%s.g" % (target["prefix"], number, rung["name"])
        remove_outputs(table)
        gaincal(
            vis=vis, caltable=table, field=target["field"], spw=target["solve_spw"], solint=rung["solint"],
            combine=rung["combine"], refant=target["refant"], calmode="p", gaintype="G",
            minsnr=limits["gaincal_minsnr"], minblperant=4,
        )
        if not os.path.isdir(table):
            verdict = "reverted: gaincal found no solutions over %s" % rung["name"]
            record["rounds"].append({"solint": rung["name"], "kept": False, "verdict": verdict})
            say("round %d (%s): %s" % (number, rung["name"], verdict))
            break
        flags = "%s_r%d" % (target["flagname"], number)
        save_flags(vis, flags, "before self-calibration round %d" % number)
        apply(table)
        selfcal_image(tclean_kwargs, "%s.r%d" % (target["prefix"], number))
        after = image_metrics("%s.r%d" % (target["prefix"], number), suffix)
        solution_snr = solint_snr(
            before["snr"], target["n_antennas"], target["time_on_source_s"], rung["seconds"],
            whole_eb=(rung["name"] == "inf_EB"),
        )
        keep, verdict = round_verdict(final, after, solution_snr, limits)
        record["rounds"].append(
            {"solint": rung["name"], "table": table, "kept": keep, "verdict": verdict, "metrics": after}
        )
        say("round %d (%s): %s" % (number, rung["name"], verdict))
        if not keep:
            restore_flags(vis, flags)
            apply(kept)
            say("back to %s" % ("the tables of round %s" % kept if kept else "the data before self-calibration"))
            break
        kept, final = table, after
    record["kept_table"] = kept
    record["final"] = final
    record["snr_gain"] = final["snr"] / before["snr"] if before["snr"] > 0 else 1.0
    record["rounds_kept"] = sum(1 for r in record["rounds"] if r["kept"])
    if names:
        say(
            "%d round(s) kept, S/N %.1f -> %.1f (x%.2f); CORRECTED holds %s"
            % (record["rounds_kept"], before["snr"], final["snr"], record["snr_gain"],
               "the data calibrated by " + kept if kept else "the data as they were (no round kept)")
        )
    record["decision"] = "declined" if not names else ("applied" if kept else "reverted")
    save_selfcal_record(record_path, source, record)
    return record
