# uid___A002_Xsyn_X11.ms.scriptForCalibration.py: calibration of one ALMA execution block
# Written by scriptgen 0.1.0: a draft to read and edit; every step
# says what it does and why.
#
# The values were chosen from the MS metadata (observing mode 'standard').
#
# Execution block: 'uid___A002_Xsyn_X11', project '2024.1.00001.S'
# CASA used at generation: casatasks 6.7.0.31
# Band 3, 10 x 12 m, 11 scans
# Science windows: 1,3,5,7; Tsys windows: 1,3,5,7
# Fields and intents:
#   field 0: 'Jsyn_bandpass': CALIBRATE_ATMOSPHERE, CALIBRATE_BANDPASS,
#     CALIBRATE_WVR
#   field 1: 'Jsyn_flux': CALIBRATE_ATMOSPHERE, CALIBRATE_FLUX, CALIBRATE_WVR
#   field 2: 'Jsyn_phase': CALIBRATE_ATMOSPHERE, CALIBRATE_PHASE,
#     CALIBRATE_WVR
#   field 3: 'SynTarget': CALIBRATE_ATMOSPHERE, OBSERVE_TARGET
# Reference antennas 'DA42,DA48,DA47,DA43,DA44', best first. 'DA42' (pad
#   'A002') is the antenna nearest the array centre (16 m from it) of 10; the
#   next nearest follow as fallbacks where it is flagged
# Preflight: standard interferometric EB; mode 'standard' chosen for this
#   kind.
#   the phase calibrator is observed in the target's windows; 10 x 12m
#     antennas, parallel hands only
#
# Run it in the folder that holds the MS (or the ASDM):
#   scriptgen run uid___A002_Xsyn_X11.ms.scriptForCalibration.py
# (CASA set up offline, the log streamed to the file beside the script), or
#   python uid___A002_Xsyn_X11.ms.scriptForCalibration.py
# or only some steps (numbers in step_title below):
#   python -c "mysteps = [0, 1, 2]; exec(open('uid___A002_Xsyn_X11.ms.scriptForCalibration.py').read())"
# In the CASA shell: mysteps = [0, 1, 2]; exec(open('uid___A002_Xsyn_X11.ms.scriptForCalibration.py').read())
# Each step removes what it recreates, so it can be rerun.
# With applyonly = True (as scriptForPI sets it) the solving steps use the
# delivered calibration tables instead of solving again.

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


require_casa("uid___A002_Xsyn_X11.ms.scriptForCalibration.py")
from casatasks import (
    applycal,
    bandpass,
    casalog,
    clearcal,
    flagcmd,
    flagdata,
    flagmanager,
    fluxscale,
    gaincal,
    gencal,
    importasdm,
    listobs,
    setjy,
    split,
    wvrgcal,
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


def has_flag_version(vis, name):
    """Whether ``flagmanager`` saved a version ``name`` of ``vis`` (its FLAG_VERSION_LIST)."""
    import os

    listing = os.path.join(vis + ".flagversions", "FLAG_VERSION_LIST")
    if not os.path.isfile(listing):
        return False
    with open(listing) as handle:
        return any(line.split(" : ")[0].strip() == name for line in handle)


def save_flags(vis, name, comment=""):
    """Save the flags as version ``name``, replacing an older save of that name."""
    from casatasks import flagmanager

    if has_flag_version(vis, name):
        flagmanager(vis=vis, mode="delete", versionname=name)
    flagmanager(vis=vis, mode="save", versionname=name, comment=comment)


def restore_flags(vis, name):
    """Go back to flag version ``name`` if it exists (a rerun); say whether it did."""
    from casatasks import flagmanager

    if not has_flag_version(vis, name):
        return False
    flagmanager(vis=vis, mode="restore", versionname=name)
    return True


def plain_data(value):
    """CASA's results (numpy arrays, numpy scalars) as JSON-ready data; NaN as None."""
    if isinstance(value, dict):
        return {str(key): plain_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_data(item) for item in value]
    if hasattr(value, "tolist"):
        return plain_data(value.tolist())
    if isinstance(value, float) and value != value:
        return None
    return value


def save_json(data, path):
    """Write ``data`` as sorted, indented JSON (stable across reruns)."""
    import json

    with open(path, "w") as handle:
        json.dump(plain_data(data), handle, indent=1, sort_keys=True)
        handle.write("\n")


def solve_now(applyonly, *tables):
    """Whether a solving step should solve (True) or use delivered tables (False).

    With ``applyonly`` (set by scriptForPI) the delivered tables must be
    present and are used as they are; otherwise the step's old tables are
    removed so the step can be rerun.
    """
    import os

    if applyonly:
        missing = [t for t in tables if not os.path.exists(t)]
        if missing:
            raise RuntimeError(
                "applyonly is set but the delivered table(s) %s are missing"
                % ", ".join(missing)
            )
        print("applyonly: using the delivered %s" % ", ".join(tables))
        return False
    remove_outputs(*tables)
    return True


# ---------------------------------------------------------------------------
# Steps: mysteps = [...] before running the script selects some of them.

step_title = {
    0: "Import of the ASDM",
    1: "Listobs",
    2: "A-priori flagging",
    3: "The analyst's flags (flag template)",
    4: "Generation of the WVR cal table",
    5: "Generation of the Tsys cal table",
    6: "Generation of the antenna position cal table",
    7: "Application of the WVR, Tsys and antpos cal tables",
    8: "Split out science SPWs",
    9: "Initial flagging",
    10: "Putting a model for the flux calibrator(s)",
    11: "Bandpass calibration",
    12: "Gain calibration",
    13: "Flux scale transfer",
    14: "Application of the bandpass and gain cal tables",
    15: "Split out corrected column",
}
thesteps = select_steps(step_title, globals().get("mysteps") or [])

applyonly = globals().get("applyonly", False)

# ---------------------------------------------------------------------------
# Everything this script reads and writes.

vis = "uid___A002_Xsyn_X11.ms"
split_vis = "uid___A002_Xsyn_X11.ms.split"
split_cal_vis = "uid___A002_Xsyn_X11.ms.split.cal"
listobs_file = "uid___A002_Xsyn_X11.ms.listobs"
tsys_table = "uid___A002_Xsyn_X11.ms.tsys"
wvr_table = "uid___A002_Xsyn_X11.ms.wvr"
antpos_table = "uid___A002_Xsyn_X11.ms.antpos"
antpos_json = "uid___A002_Xsyn_X11.ms.antpos.json"
bandpass_phase_table = "uid___A002_Xsyn_X11.ms.split.ap_pre_bandpass"
bandpass_table = "uid___A002_Xsyn_X11.ms.split.bandpass"
phase_int_table = "uid___A002_Xsyn_X11.ms.split.phase_int"
phase_inf_table = "uid___A002_Xsyn_X11.ms.split.phase_inf"
ampli_inf_table = "uid___A002_Xsyn_X11.ms.split.ampli_inf"
flux_inf_table = "uid___A002_Xsyn_X11.ms.split.flux_inf"
fluxscale_file = "uid___A002_Xsyn_X11.ms.split.fluxscale.json"
flag_template_file = "uid___A002_Xsyn_X11.ms.flagtemplate.txt"
# Reference antennas, best first (CASA moves on where one is flagged).
refant = "DA42,DA48,DA47,DA43,DA44"
# Tsys window for each window of the MS (index = spw id): science windows
# take the Tsys window of their baseband; the others keep their own id.
tsys_spwmap = [0, 1, 2, 3, 4, 5, 6, 7, 8]


# Step 0
mystep = 0
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    # The MS is used as it is when present; otherwise the ASDM of the same
    # name is imported (delete the MS to import again).
    # asis keeps the ASDM tables later steps read: science goal (SBSummary), EB
    # times (ExecBlock), online averaging (CorrelatorMode), catalogue fluxes and
    # rest frequencies (Source), Tsys/WVR metadata and the antenna, pad and
    # receiver records
    if os.path.isdir(vis):
        print("Using the existing " + vis)
    else:
        importasdm(
            asdm="uid___A002_Xsyn_X11",
            vis=vis,
            asis="SBSummary ExecBlock CorrelatorMode Source CalAtmosphere CalWVR Antenna Station Receiver",
            bdfflags=True,
            process_caldevice=False,
            with_pointing_correction=True,
        )


# Step 1
mystep = 1
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    remove_outputs(listobs_file)
    listobs(vis=vis, listfile=listobs_file)


# Step 2
mystep = 2
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    # autocorrelations: not used by interferometric calibration
    # CALIBRATE_ATMOSPHERE scans: not on-sky calibration or science data
    # Rerunnable: go back to the flags as imported (saved on the first run).
    if not restore_flags(vis, "Original"):
        save_flags(vis, "Original", "flags as imported")
    flagdata(vis=vis, mode="manual", autocorr=True, flagbackup=False)
    flagdata(vis=vis, mode="manual", intent="*CALIBRATE_ATMOSPHERE*", flagbackup=False)
    save_flags(vis, "Apriori", "after the a-priori flagging")


# Step 3
mystep = 3
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    # The analyst's flags: the file flag_template_file names, in flagdata list
    # mode, one flag per line with its reason. 'scriptgen review' proposes
    # lines in <ms>.flagtemplate.proposed.txt; accepting them is copying them
    # into this file and rerunning from this step. scriptForPI delivers the
    # file with the tables, so a PI's rerun applies the same flags.
    # Rerunnable: back to the flags after the a-priori flagging first.
    restore_flags(vis, "Apriori")
    if os.path.exists(flag_template_file):
        flagdata(vis=vis, mode="list", inpfile=flag_template_file, flagbackup=False)
    else:
        print("No %s: no analyst flags to apply" % flag_template_file)
    save_flags(vis, "AnalystFlags", "after the analyst's flag template")


# Step 4
mystep = 4
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    # 12 m antennas with radiometers: WVR phase correction; smoothed to the
    # 2.000s integration (WVR cycle 1.152 s)
    if solve_now(applyonly, wvr_table):
        # wvrgcal keeps the unsmoothed solutions beside the table.
        remove_outputs(wvr_table + "_unsmoothed")
        wvrgcal(
            vis=vis,
            caltable=wvr_table,
            tie=["Jsyn_phase,SynTarget"],
            statsource="SynTarget",
            smooth="2.000s",
        )


# Step 5
mystep = 5
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    # Tsys falls off at the window edges (baseband filter): about 1/32 per side
    # (2 of 64 channels per side)
    if solve_now(applyonly, tsys_table):
        gencal(vis=vis, caltable=tsys_table, caltype="tsys")
        # Edge channels of the Tsys windows.
        flagdata(
            vis=tsys_table,
            mode="manual",
            spw="1:0~1;62~63,3:0~1;62~63,5:0~1;62~63,7:0~1;62~63",
            flagbackup=False,
        )


# Step 6
mystep = 6
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    # the observatory's antenna positions for this EB, fetched with
    # getantposalma (CASA >= 6.7, needs the network; the pipeline's hifa_antpos
    # does the same) and made into a table by gencal(caltype='antpos',
    # infile=...); offline, the script says so and goes on without them
    if applyonly:
        # scriptForPI: the JSON the analyst's run wrote travels with the
        # tables, so no network is needed.
        if os.path.exists(antpos_json):
            print("applyonly: antenna positions from the delivered " + antpos_json)
            remove_outputs(antpos_table)
        elif os.path.exists(antpos_table):
            print("applyonly: using the delivered " + antpos_table)
        else:
            print(
                "applyonly: no "
                + antpos_json
                + " delivered: no antenna position corrections (as in the analyst's run)"
            )
    else:
        remove_outputs(antpos_table, antpos_json)
        try:
            from casatasks import getantposalma

            getantposalma(
                outfile=antpos_json, overwrite=True, asdm="uid://A002/Xsyn/X11"
            )
        except Exception as error:
            remove_outputs(antpos_json)
            print(
                "Could not fetch the antenna positions (%s): continuing WITHOUT antenna position "
                "corrections. To add them, run this step where the network reaches the ALMA service, "
                "or regenerate with scriptgen generate --antpos FILE." % error
            )
    if os.path.exists(antpos_json) and not os.path.exists(antpos_table):
        gencal(vis=vis, caltable=antpos_table, caltype="antpos", infile=antpos_json)


# Step 7
mystep = 7
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    # Rerunnable: back to the flags after the a-priori and the analyst's
    # flags (steps between do not flag the MS), so flags from an earlier
    # applycal go.
    if not restore_flags(vis, "AnalystFlags"):
        restore_flags(vis, "Apriori")
    # The tables made above, applied to every field (antenna positions only
    # when the previous step made a table). Tsys is mapped onto the science
    # windows with tsys_spwmap and taken from the field named in gainfield.
    apriori_tables = []
    apriori_interp = []
    apriori_spwmap = []
    apriori_tables.append(tsys_table)
    apriori_interp.append("linear,linear")
    apriori_spwmap.append(tsys_spwmap)
    apriori_tables.append(wvr_table)
    apriori_interp.append("nearest")
    apriori_spwmap.append([])
    if os.path.exists(antpos_table):
        apriori_tables.append(antpos_table)
        apriori_interp.append("")
        apriori_spwmap.append([])
    # (fields, the field whose Tsys they take):
    tsys_field_groups = [("0", "0"), ("1", "1"), ("2", "2"), ("3", "3")]
    for fields, tsys_field in tsys_field_groups:
        applycal(
            vis=vis,
            field=fields,
            spw="1,3,5,7",
            gaintable=apriori_tables,
            gainfield=[tsys_field] + [""] * (len(apriori_tables) - 1),
            interp=apriori_interp,
            spwmap=apriori_spwmap,
            calwt=True,
            flagbackup=False,
        )


# Step 8
mystep = 8
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    # Only the science windows go on (renumbered 1->0, 3->1, 5->2, 7->3).
    remove_outputs(split_vis, split_vis + ".listobs")
    split(
        vis=vis,
        outputvis=split_vis,
        spw="1,3,5,7",
        datacolumn="corrected",
        keepflags=True,
    )
    listobs(vis=split_vis, listfile=split_vis + ".listobs")
    save_flags(split_vis, "Original", "after the a-priori calibration and split")


# Step 9
mystep = 9
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    # shadowed antennas: one dish blocks another at low elevation
    # TDM windows lose sensitivity at their edges: about 1/16 per side (4 of 64
    # channels per side)
    # Rerunnable: start again from the flags as split.
    restore_flags(split_vis, "Original")
    flagdata(vis=split_vis, mode="shadow", flagbackup=False)
    flagdata(
        vis=split_vis,
        mode="manual",
        spw="0:0~3;60~63,1:0~3;60~63,2:0~3;60~63,3:0~3;60~63",
        flagbackup=False,
    )
    save_flags(split_vis, "InitialFlagging", "after shadow and edge flagging")


# Step 10
mystep = 10
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    # field 1 ('Jsyn_flux') is a quasar: catalogue flux 1.2 Jy at 97.5 GHz,
    # spectral index -0.7 from the calibrator-flux file (dated 2024-03-15,
    # synthetic truth (the builder's model))
    setjy(
        vis=split_vis,
        field="1",
        standard="manual",
        fluxdensity=[1.2, 0.0, 0.0, 0.0],
        spix=[-0.7],
        reffreq="97.5GHz",
        usescratch=False,
    )


# Step 11
mystep = 11
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    # field 0 ('Jsyn_bandpass') is the bandpass calibrator; no FDM window has
    # more than 256 channels: solved per channel
    save_flags(split_vis, "BeforeBandpassCalibration", "before bandpass calibration")
    if solve_now(applyonly, bandpass_table):
        remove_outputs(bandpass_phase_table)
        # Phase per integration, so that the bandpass averages coherently over
        # time:
        # phase per integration over the whole window (observatory generator
        # almaqa2csg, pipeline phaseupbw=''), sqrt(8) more signal-to-noise than
        # the central 1/8 of the channels
        gaincal(
            vis=split_vis,
            caltable=bandpass_phase_table,
            field="0",
            solint="int",
            refant=refant,
            calmode="p",
        )
        bandpass(
            vis=split_vis,
            caltable=bandpass_table,
            field="0",
            solint="inf",
            combine="scan",
            refant=refant,
            solnorm=True,
            bandtype="B",
            gaintable=[bandpass_phase_table],
        )


# Step 12
mystep = 12
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    # Phase per integration (applied to the bandpass and flux calibrators
    # themselves), phase per scan (applied to the phase calibrators and their
    # targets) and amplitude per scan, on the calibrators
    # '0,1,2'.
    # amplitude only (calmode='a': phases are solved, or already applied,
    # separately) and one solution for both polarisations (gaintype='T', sqrt(2)
    # more signal-to-noise): as the observatory generator almaqa2csg, delivered
    # scripts and the pipeline solve flux-transfer amplitudes
    save_flags(split_vis, "BeforeGainCalibration", "before gain calibration")
    if solve_now(applyonly, phase_int_table, phase_inf_table):
        remove_outputs(ampli_inf_table)
        gaincal(
            vis=split_vis,
            caltable=phase_int_table,
            field="0,1,2",
            solint="int",
            refant=refant,
            calmode="p",
            gaintable=[bandpass_table],
        )
        gaincal(
            vis=split_vis,
            caltable=phase_inf_table,
            field="0,1,2",
            solint="inf",
            refant=refant,
            calmode="p",
            gaintable=[bandpass_table],
        )
        gaincal(
            vis=split_vis,
            caltable=ampli_inf_table,
            field="0,1,2",
            solint="inf",
            refant=refant,
            gaintype="T",
            calmode="a",
            gaintable=[bandpass_table, phase_int_table],
        )
    # The flags applycal (step 14) starts from; a rerun of applycal goes back to them.
    save_flags(split_vis, "BeforeApplycal", "before applycal")


# Step 13
mystep = 13
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    # flux scale from field 1 ('Jsyn_flux') (observed with CALIBRATE_FLUX)
    # transferred to field 0 ('Jsyn_bandpass'), field 2 ('Jsyn_phase')
    # The results (flux per window of each transfer field) are kept as JSON
    # for the flux equalisation across EBs.
    if solve_now(applyonly, flux_inf_table, fluxscale_file):
        fluxscale_results = fluxscale(
            vis=split_vis,
            caltable=ampli_inf_table,
            fluxtable=flux_inf_table,
            reference="1",
            transfer="0,2",
        )
        save_json(fluxscale_results, fluxscale_file)


# Step 14
mystep = 14
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    # Rerunnable: back to the flags before any applycal (saved by the gain
    # calibration), so flags from an earlier run's solutions do not stay.
    if not restore_flags(split_vis, "BeforeApplycal"):
        save_flags(split_vis, "BeforeApplycal", "before applycal")
    # bandpass and flux calibrators: their own per-integration phases
    # (phase_int), so that their data are coherent for the bandpass and the flux
    # scale
    for calibrator in ["0", "1"]:
        applycal(
            vis=split_vis,
            field=calibrator,
            gaintable=[bandpass_table, phase_int_table, flux_inf_table],
            gainfield=["", calibrator, calibrator],
            interp=["linear,linear", "linear", "linear"],
            calwt=True,
            flagbackup=False,
        )
    # Fields '2,3':
    # field 2 ('Jsyn_phase') is the only phase calibrator; its scan-averaged
    # phases (phase_inf) calibrate it and its targets alike, so its image tests
    # the phase transfer (delivered ALMA scripts, pipeline hifa_timegaincal)
    applycal(
        vis=split_vis,
        field="2,3",
        gaintable=[bandpass_table, phase_inf_table, flux_inf_table],
        gainfield=["", "2", "2"],
        interp=["linear,linear", "linear", "linear"],
        calwt=True,
        flagbackup=False,
    )
    save_flags(split_vis, "AfterApplycal", "after applycal")


# Step 15
mystep = 15
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    # The calibrated calibrators and targets (pointing, Tsys and other
    # non-science scans are left out).
    remove_outputs(split_cal_vis)
    split(
        vis=split_vis,
        outputvis=split_cal_vis,
        intent="*OBSERVE_TARGET*,*CALIBRATE_BANDPASS*,*CALIBRATE_FLUX*,*CALIBRATE_PHASE*",
        datacolumn="corrected",
        keepflags=True,
    )
