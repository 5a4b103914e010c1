# scriptForFluxCalibration.py: flux equalisation across the EBs of one science goal
# Written by scriptgen 0.1.0: a draft to read and edit; every step
# says what it does and why.
#
# Each EB transferred the flux scale from its own flux calibrator to the phase
# calibrator 'Jsyn_phase'; their results differ by the flux calibrator's
# model error. This script averages the phase calibrator's flux per spectral
# window over the EBs (weights below), keeps every value in
# 'allFluxes.csv', sets the average as the calibrator's model in each EB, re-solves
# the amplitude gains against it and applies them (calwt=False) to the
# calibrator and its targets, then concatenates the EBs into 'calibrated.ms'.
# To impose other fluxes, edit average_flux_jy in 'allFluxes.csv' and rerun
# from step 1. DATA is never changed.
#
# Run it where the EBs' calibrated data are (after their calibration scripts):
#   scriptgen run scriptForFluxCalibration.py
# (CASA set up offline, the log streamed to the file beside the script), or
#   python scriptForFluxCalibration.py
# or only some steps (numbers in step_title below):
#   python -c "mysteps = [1, 2]; exec(open('scriptForFluxCalibration.py').read())"
# In the CASA shell: mysteps = [1, 2]; exec(open('scriptForFluxCalibration.py').read())
# Each step removes what it recreates, so it can be rerun.
# "scriptgen run ." runs the calibration scripts, then this one.

import os


# CASA needs its measures data to start. Without it this stops with one
# line saying how to run the script, instead of CASA's traceback.
def require_casa(script):
    """Import casatasks, or stop with one line saying how to run ``script``.

    CASA's own messages during the attempt are kept off the terminal (they
    are printed below Python, on descriptors 1 and 2); the first line of
    the error is kept in the message. A CASA that imports is left imported.
    """
    from os import O_WRONLY, close, devnull, dup, dup2, environ
    from os import open as open_fd
    from os.path import expanduser, isfile, join

    try:
        print(end="", flush=True)  # what the script printed so far stays visible
        saved = [dup(1), dup(2)]
    except (AttributeError, OSError, ValueError):
        saved = None  # no real descriptors (an embedding shell): just try
    if saved is not None:
        sink = open_fd(devnull, O_WRONLY)
        dup2(sink, 1)
        dup2(sink, 2)
        close(sink)
    try:
        import casatasks  # noqa: F401

        return None
    except Exception as exc:
        problem = (str(exc).strip().splitlines() or [""])[0]
        reason = (
            "%s: %s" % (type(exc).__name__, problem) if problem else type(exc).__name__
        )
    finally:
        if saved is not None:
            dup2(saved[0], 1)
            dup2(saved[1], 2)
            close(saved[0])
            close(saved[1])
    cache = environ.get("XDG_CACHE_HOME") or join(expanduser("~"), ".cache")
    siteconfig = join(cache, "scriptgen", "casasiteconfig.py")
    fix = "run it with 'scriptgen run %s'" % script
    if isfile(siteconfig):
        fix += ", or 'CASASITECONFIG=%s python %s'" % (siteconfig, script)
    else:
        fix += ", or set measurespath in ~/.casa/config.py (CASA's casaconfig documentation)"
    raise SystemExit("%s: CASA cannot start (%s); %s" % (script, reason, fix))


require_casa("scriptForFluxCalibration.py")
from casatasks import (
    applycal,
    casalog,
    clearcal,
    concat,
    gaincal,
    setjy,
    split,
)

# ---------------------------------------------------------------------------
# Helpers (written by scriptgen; they need only the Python standard library
# and CASA).


def announce(step, title):
    """Say which step starts, on the terminal and in the CASA log.

    The one banner every script prints ("# Step 3: title"); the runner
    follows a script's progress by it.
    """
    from casatasks import casalog

    message = "# Step %d: %s" % (step, title)
    print(message, flush=True)
    casalog.post(message)


def select_steps(step_title, requested):
    """The steps to run, in the order asked: ``mysteps`` if the caller set one, else all.

    A step number the script does not have stops the script before it does
    anything, naming the steps it has: running nothing (or something else)
    for a mistyped number would look like success.
    """
    if not requested:
        return sorted(step_title)
    unknown = [step for step in requested if step not in step_title]
    if unknown:
        raise SystemExit(
            "unknown step(s) %s in mysteps; this script's steps are %s"
            % (
                unknown,
                ", ".join("%d (%s)" % (n, step_title[n]) for n in sorted(step_title)),
            )
        )
    return list(requested)


def remove_outputs(*paths):
    """Delete what a step is about to recreate: each path and its ``.flagversions``.

    Only names inside the working folder are deleted: a path outside it
    (absolute elsewhere, or climbing out with ``..``) or the folder itself
    is refused, whatever put it there, so a script can never delete
    someone else's data. A symbolic link is removed as a link; what it
    points to is left alone.
    """
    import os
    import shutil

    here = os.path.abspath(os.curdir)
    for path in paths:
        full = os.path.abspath(path)
        if full == here or os.path.commonpath([here, full]) != here:
            raise RuntimeError(
                "refusing to delete %r: not a name inside %s" % (path, here)
            )
        for candidate in (path, path + ".flagversions"):
            if os.path.isdir(candidate) and not os.path.islink(candidate):
                shutil.rmtree(candidate)
            elif os.path.lexists(candidate):
                os.remove(candidate)


def load_json(path):
    """What :func:`save_json` wrote (a step's results read by a later step or script)."""
    import json

    with open(path) as handle:
        return json.load(handle)


def phase_calibrator_fluxes(results, field_name):
    """Stokes I flux and error per spectral window of ``field_name``.

    ``results`` is fluxscale's returned dictionary as the calibration script
    saved it in JSON: field ids (strings) map to a dict with ``fieldName``
    and, per window id (string), ``fluxd`` and ``fluxdErr`` (I, Q, U, V).
    fluxscale writes a negative flux for a window it could not determine;
    such windows are left out. Returns ``{spw id: (flux_jy, error_jy)}``.
    """
    for key in sorted(results, key=str):
        entry = results[key]
        if not str(key).isdigit() or not isinstance(entry, dict):
            continue
        if entry.get("fieldName") != field_name:
            continue
        fluxes = {}
        for spw_key in sorted(entry, key=str):
            value = entry[spw_key]
            if not str(spw_key).isdigit() or not isinstance(value, dict):
                continue
            flux = value.get("fluxd")
            error = value.get("fluxdErr")
            flux = flux[0] if isinstance(flux, (list, tuple)) else flux
            error = error[0] if isinstance(error, (list, tuple)) else error
            if flux is None or float(flux) <= 0.0:
                continue
            fluxes[int(spw_key)] = (float(flux), abs(float(error or 0.0)))
        return fluxes
    names = sorted(
        str(v.get("fieldName"))
        for k, v in results.items()
        if str(k).isdigit() and isinstance(v, dict)
    )
    raise ValueError(
        "fluxscale has no result for field %r (it has: %s)"
        % (field_name, ", ".join(names) or "none")
    )


def window_frequency_ghz(results, spw):
    """The frequency fluxscale reported for a window, in GHz (None if absent)."""
    freqs = results.get("freq")
    if isinstance(freqs, (list, tuple)) and 0 <= spw < len(freqs) and freqs[spw] > 0:
        return float(freqs[spw]) / 1e9
    return None


def weighted_mean(measurements, systematic_fraction=0.0):
    """Weighted mean of ``(value, error)`` pairs, systematic uncertainty included.

    Each value's uncertainty is its (statistical) error and
    ``systematic_fraction`` of the values' plain mean, in quadrature; the
    mean is inverse-variance weighted with those. fluxscale's errors are
    statistical only and can differ by large factors between EBs whose
    real disagreement is the flux calibrator's model (the same few per
    cent for every EB of a band): with the systematic part the EBs weigh
    nearly equally. When any uncertainty is zero (no systematic part, an
    error missing) the weights are meaningless, and the plain mean is used,
    with the standard error of the values (zero for a single value).
    Returns ``(mean, error)``.
    """
    import math

    pairs = [(float(v), float(e)) for v, e in measurements]
    if not pairs:
        raise ValueError("no measurement to average")
    plain = sum(v for v, _ in pairs) / len(pairs)
    systematic = abs(float(systematic_fraction) * plain)
    sigmas = [math.sqrt(e * e + systematic * systematic) for _, e in pairs]
    if all(s > 0.0 for s in sigmas):
        weights = [1.0 / (s * s) for s in sigmas]
        total = sum(weights)
        mean = sum(w * v for w, (v, _) in zip(weights, pairs)) / total
        return mean, 1.0 / math.sqrt(total)
    if len(pairs) == 1:
        return plain, 0.0
    spread = sum((v - plain) ** 2 for v, _ in pairs) / (len(pairs) - 1)
    return plain, math.sqrt(spread / len(pairs))


def equalised_fluxes(per_eb, windows, systematic_fraction=0.0):
    """The averaged flux of every window of every EB.

    ``per_eb`` maps an EB's MS name to ``{spw: (flux, error)}`` (from
    :func:`phase_calibrator_fluxes`); ``windows`` lists the science goal's
    windows, each a dict of MS name -> that EB's window id, so that windows
    at the same frequency are averaged together although their ids differ.
    An EB where fluxscale could not measure a window does not take part in
    that window's average but still receives it. Returns a list of rows
    (dicts) in window then EB order: ``ms``, ``spw``, ``flux_jy``,
    ``error_jy`` (None when not measured), ``average_flux_jy``,
    ``average_error_jy``. ``systematic_fraction`` goes to :func:`weighted_mean`.
    """
    rows = []
    for members in windows:
        measured = [
            per_eb[ms][spw]
            for ms, spw in sorted(members.items())
            if spw in per_eb.get(ms, {})
        ]
        if not measured:
            raise ValueError(
                "no EB has a fluxscale result for window %s"
                % ", ".join(
                    "%s spw %d" % (ms, spw) for ms, spw in sorted(members.items())
                )
            )
        average, average_error = weighted_mean(measured, systematic_fraction)
        for ms, spw in sorted(members.items()):
            flux, error = per_eb.get(ms, {}).get(spw, (None, None))
            rows.append(
                {
                    "ms": ms,
                    "spw": spw,
                    "flux_jy": flux,
                    "error_jy": error,
                    "average_flux_jy": average,
                    "average_error_jy": average_error,
                }
            )
    return rows


def write_flux_csv(path, rows):
    """Write the per-EB and averaged fluxes, one row per EB and window.

    The file is also the input of the next step, so an analyst who wants a
    different flux (a catalogue value, say) edits ``average_flux_jy`` here
    and reruns from the setjy step.
    """
    import csv

    columns = (
        "ms",
        "field",
        "spw",
        "frequency_ghz",
        "flux_jy",
        "error_jy",
        "average_flux_jy",
        "average_error_jy",
    )

    def cell(value):
        if value is None:
            return ""
        if isinstance(value, float):
            return "%.6f" % value
        return str(value)

    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(row.get(column)) for column in columns])


def read_flux_csv(path):
    """``{(ms, spw): average flux in Jy}`` from the file :func:`write_flux_csv` wrote."""
    import csv

    averages = {}
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            averages[(row["ms"], int(row["spw"]))] = float(row["average_flux_jy"])
    return averages


def field_selection(vis, names):
    """CASA field selection (ids) for the fields named ``names`` in ``vis``.

    Ids rather than names: a field name may contain characters that CASA's
    selection syntax would interpret (commas, wildcards), and split may
    renumber fields, so the ids are looked up in the MS at run time.
    """
    from casatools import msmetadata

    md = msmetadata()
    md.open(vis)
    try:
        known = set(md.fieldnames())
        ids = set()
        for name in names:
            if name in known:
                ids.update(int(i) for i in md.fieldsforname(name))
    finally:
        md.close()
    if not ids:
        raise ValueError("none of the fields %r is in %s" % (list(names), vis))
    return ",".join(str(i) for i in sorted(ids))


# ---------------------------------------------------------------------------
# Steps: mysteps = [...] before running the script selects some of them.

step_title = {
    0: "Phase calibrator fluxes of each EB and their average",
    1: "Setting the averaged flux of the phase calibrator and re-solving its amplitude gains",
    2: "Applying the equalised flux scale",
    3: "Concatenating the EBs into one calibrated MS",
}
thesteps = select_steps(step_title, globals().get("mysteps") or [])

# scriptForPI sets applyonly = True: the fluxes the analyst used (delivered
# in 'allFluxes.csv', possibly edited by hand) are then used as they are.
applyonly = globals().get("applyonly", False)

#: Per EB: its MS name -> what this script reads and writes for it.
ebs = {
    "uid___A002_Xsyn_X10.ms": {
        "split_cal": "uid___A002_Xsyn_X10.ms.split.cal",
        "fluxscale_results": "uid___A002_Xsyn_X10.ms.split.fluxscale.json",
        "equalised_gains": "uid___A002_Xsyn_X10.ms.split.cal.flux_equalised",
        "phase_calibrator": "Jsyn_phase",
        "targets": ["SynTarget"],
    },
    "uid___A002_Xsyn_X11.ms": {
        "split_cal": "uid___A002_Xsyn_X11.ms.split.cal",
        "fluxscale_results": "uid___A002_Xsyn_X11.ms.split.fluxscale.json",
        "equalised_gains": "uid___A002_Xsyn_X11.ms.split.cal.flux_equalised",
        "phase_calibrator": "Jsyn_phase",
        "targets": ["SynTarget"],
    },
}

# The goal's science windows: for each, the window id it has in each EB's
# calibrated data (windows at the same sky frequency, matched by scriptgen).
windows = [
    {"uid___A002_Xsyn_X10.ms": 0, "uid___A002_Xsyn_X11.ms": 0},  # 90.5000 GHz
    {"uid___A002_Xsyn_X10.ms": 1, "uid___A002_Xsyn_X11.ms": 1},  # 92.5000 GHz
    {"uid___A002_Xsyn_X10.ms": 2, "uid___A002_Xsyn_X11.ms": 2},  # 102.5000 GHz
    {"uid___A002_Xsyn_X10.ms": 3, "uid___A002_Xsyn_X11.ms": 3},  # 104.5000 GHz
]

flux_csv = "allFluxes.csv"
calibrated_ms = "calibrated.ms"

# Weights of the average:
# each EB's flux uncertainty is fluxscale's statistical error and the 5 %
# systematic flux-scale uncertainty (Band 3; ALMA flux accuracy 5 % Bands
# 3-4, 10 % 6-7, 20 % 8-9) in quadrature, so no EB dominates by its
# statistical error alone
# Edit the fraction to weigh otherwise (0 weighs by fluxscale's statistical
# errors alone).
systematic_fraction = 0.05

# Time between the EBs:
# the EBs span 1.0 days (at most 14): the phase calibrator's flux is taken
# to be the same in all of them
variability_note = ""


# Step 0
mystep = 0
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    if applyonly and os.path.exists(flux_csv):
        print("applyonly: using the delivered " + flux_csv)
    else:
        per_eb = {}
        frequencies = {}
        for ms, eb in sorted(ebs.items()):
            results = load_json(eb["fluxscale_results"])
            per_eb[ms] = phase_calibrator_fluxes(results, eb["phase_calibrator"])
            for spw in per_eb[ms]:
                frequencies[(ms, spw)] = window_frequency_ghz(results, spw)
        rows = equalised_fluxes(per_eb, windows, systematic_fraction)
        if variability_note:
            print(variability_note)
            casalog.post(variability_note, "WARN", "scriptForFluxCalibration")
        for row in rows:
            row["field"] = ebs[row["ms"]]["phase_calibrator"]
            row["frequency_ghz"] = frequencies.get((row["ms"], row["spw"]))
            print(
                "%s spw %d: %s Jy, average %.4f +/- %.4f Jy"
                % (
                    row["ms"],
                    row["spw"],
                    (
                        "not measured"
                        if row["flux_jy"] is None
                        else "%.4f" % row["flux_jy"]
                    ),
                    row["average_flux_jy"],
                    row["average_error_jy"],
                )
            )
        write_flux_csv(flux_csv, rows)


# Step 1
mystep = 1
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    # The model and the solve are one step because applying (next step) resets
    # the model column. One amplitude per antenna and window over the whole EB
    # (combine='scan'): the data are calibrated already, what is left to correct
    # is the flux scale, and one solution per EB keeps noise out of it.
    # amplitude only (calmode='a': phases are solved, or already applied,
    # separately) and one solution for both polarisations (gaintype='T', sqrt(2)
    # more signal-to-noise): as the observatory generator almaqa2csg, delivered
    # scripts and the pipeline solve flux-transfer amplitudes
    averages = read_flux_csv(flux_csv)
    for ms, eb in sorted(ebs.items()):
        calibrator = field_selection(eb["split_cal"], [eb["phase_calibrator"]])
        for (flux_ms, spw), flux in sorted(averages.items()):
            if flux_ms != ms:
                continue
            setjy(
                vis=eb["split_cal"],
                field=calibrator,
                spw=str(spw),
                standard="manual",
                fluxdensity=[flux, 0, 0, 0],
                usescratch=True,
            )
        remove_outputs(eb["equalised_gains"])
        gaincal(
            vis=eb["split_cal"],
            caltable=eb["equalised_gains"],
            field=calibrator,
            solint="inf",
            combine="scan",
            gaintype="T",
            calmode="a",
        )


# Step 2
mystep = 2
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    # Into CORRECTED_DATA of the calibrated data (DATA keeps each EB's own
    # scale), with calwt=False: the weights were set by the calibration already.
    # clearcal first copies DATA to CORRECTED_DATA for every field, so the
    # calibrators that are not rescaled keep their data.
    for ms, eb in sorted(ebs.items()):
        clearcal(vis=eb["split_cal"])
        applycal(
            vis=eb["split_cal"],
            field=field_selection(
                eb["split_cal"], [eb["phase_calibrator"]] + eb["targets"]
            ),
            gaintable=[eb["equalised_gains"]],
            interp=["nearest"],
            calwt=False,
            flagbackup=False,
        )


# Step 3
mystep = 3
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    concatenated = calibrated_ms + ".concat"
    remove_outputs(concatenated)
    remove_outputs(calibrated_ms)
    concat(
        vis=[eb["split_cal"] for ms, eb in sorted(ebs.items())], concatvis=concatenated
    )
    split(vis=concatenated, outputvis=calibrated_ms, datacolumn="corrected")
    remove_outputs(concatenated)
