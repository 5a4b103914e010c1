# scriptForPI.py: regenerate the calibrated data of a delivery
# Written by scriptgen 0.1.0: a draft to read and edit; every step
# says what it does and why.
#
# The raw data of every EB is in ../raw/ (the ASDM <uid>.asdm.sdm as the
# archive unpacks it, or <uid>, or an MS <uid>.ms) and the delivered
# calibration tables in ../calibration/.
#
# Everything it makes goes into ../calibrated/; the raw data is only read.
# For each EB it links the ASDM (or copies the MS) into calibrated/, copies
# the delivered tables, and runs the EB's calibration script with
# applyonly = True: the script imports the ASDM and applies the delivered
# tables instead of solving again.
# Then it runs 'scriptForFluxCalibration.py' to put the EBs on one flux scale and
# concatenate them into 'calibrated.ms'.
#
# Options: set them before running the script (e.g. from Python:
# SPACESAVING = 2; exec(open("scriptForPI.py").read())), or edit the defaults.
#   SPACESAVING  0 (default) keeps every intermediate MS; 1 deletes each EB's
#                <uid>.ms.split once calibrated; 2 also the working <uid>.ms;
#                3 also <uid>.ms.split.cal once 'calibrated.ms' holds its data.
#   DOSPLIT      True also splits the science targets of all EBs into
#                'calibrated_final.ms' (default False).
#   USEMS        True takes ../raw/<uid>.ms even when the ASDM is there
#                (default False: the ASDM when present, else the MS).
#   mysteps      the steps to run, e.g. [2, 3] (default: all).
#
# Run it from the delivery's script/ folder (cd script):
#   scriptgen run scriptForPI.py
# (CASA set up offline, the log streamed to the file beside the script), or
#   python scriptForPI.py
# or only some steps (numbers in step_title below):
#   python -c "mysteps = [2, 3]; exec(open('scriptForPI.py').read())"
# In the CASA shell: mysteps = [2, 3]; exec(open('scriptForPI.py').read())
# Each step removes what it recreates, so it can be rerun.

import os
import shutil
import sys


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


require_casa("scriptForPI.py")
from casatasks import (
    casalog,
    concat,
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


def raw_data_kind(path):
    """``'asdm'``, ``'ms'`` or None: what a path in ``raw/`` holds.

    An ASDM is a folder with ``ASDM.xml``; a MeasurementSet a folder with a
    ``table.dat`` (every CASA table has one).
    """
    import os

    if os.path.isfile(os.path.join(path, "ASDM.xml")):
        return "asdm"
    if os.path.isfile(os.path.join(path, "table.dat")):
        return "ms"
    return None


def locate_raw_data(raw_dir, uid, use_ms):
    """Where an EB's raw data is and how to read it: ``(kind, path)``.

    Deliveries ship ASDMs named by the EB uid; the archive's download
    unpacks them as ``<uid>.asdm.sdm`` (the observatory's scriptForPI
    links that to ``<uid>``), older packages as plain ``<uid>``. With
    ``use_ms`` the PI asks for an MS imported earlier (``<uid>.ms``)
    instead; without it an MS is still used when it is all ``raw/`` holds
    (e.g. data re-imported by an archive, or simulated EBs). When nothing
    fits, the error lists every path looked at and what was there.
    """
    import os

    asdm_paths = [os.path.join(raw_dir, uid + ".asdm.sdm"), os.path.join(raw_dir, uid)]
    ms = os.path.join(raw_dir, uid + ".ms")
    candidates = [ms] if use_ms else asdm_paths + [ms]
    seen = []
    for path in candidates:
        kind = raw_data_kind(path)
        if kind is not None and (not use_ms or kind == "ms"):
            return kind, path
        if kind is not None:
            state = "an ASDM, but USEMS asks for an MS"
        elif os.path.isdir(path):
            state = "a folder with neither ASDM.xml nor table.dat"
        elif os.path.lexists(path):
            state = "not a folder"
        else:
            state = "missing"
        seen.append("%s (%s)" % (path, state))
    if use_ms:
        for path in asdm_paths:
            if raw_data_kind(path) == "asdm":
                seen.append("%s (an ASDM: unset USEMS to import it)" % path)
    wanted = "an MS (USEMS is set)" if use_ms else "an ASDM or an MS"
    raise RuntimeError(
        "no raw data for %s: expected %s; looked at %s" % (uid, wanted, "; ".join(seen))
    )


def folder_size(path):
    """Bytes used by a file or a folder tree (symbolic links not followed)."""
    import os

    if os.path.isfile(path):
        return os.path.getsize(path)
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            full = os.path.join(root, name)
            if not os.path.islink(full):
                total += os.path.getsize(full)
    return total


def disk_space_verdict(raw_bytes, free_bytes, factor):
    """``(enough, needed_bytes)``: will the calibration fit on this disk?

    ``factor`` times the raw data is what the calibrated folder may reach
    at its largest (the MS, its corrected and model columns, the split
    science windows and the calibrated split; see the script's constant).
    """
    needed = int(raw_bytes * factor)
    return free_bytes >= needed, needed


def space_saving_removals(level, ms, split, split_cal, have_calibrated_ms):
    """What SPACESAVING allows deleting once an EB is calibrated.

    0 keeps everything; 1 deletes the split science windows (``.split``,
    the intermediate the calibration solved on); 2 also the working copy of
    the MS; 3 also the EB's calibrated split (``.split.cal``), but only when
    its data are safe in ``calibrated.ms``. Only files in the calibrated
    folder are ever named here: raw data is never deleted.
    """
    removals = []
    if level >= 1:
        removals.append(split)
    if level >= 2:
        removals.append(ms)
    if level >= 3 and have_calibrated_ms:
        removals.append(split_cal)
    return removals


def run_script(path, applyonly):
    """Run a delivered script in a fresh namespace, as the analyst did.

    The namespace holds only ``applyonly``: the script sees no ``mysteps``
    of the caller (so all its steps run) and leaves nothing behind in ours.
    """
    namespace = {"__name__": "__main__", "__file__": path, "applyonly": applyonly}
    with open(path) as handle:
        code = compile(handle.read(), path, "exec")
    exec(code, namespace)


def copy_path(source, destination):
    """Copy a file or a folder tree, replacing what is at ``destination`` (in the working folder)."""
    import os
    import shutil

    remove_outputs(destination)
    if os.path.isdir(source):
        shutil.copytree(source, destination)
    else:
        shutil.copy2(source, destination)


# ---------------------------------------------------------------------------
# Steps: mysteps = [...] before running the script selects some of them.

step_title = {
    0: "Checking free disk space",
    1: "Linking or copying the raw data of each EB",
    2: "Copying the delivered calibration tables",
    3: "Applying the delivered calibration of each EB",
    4: "Equalising the flux scale across the EBs",
    5: "Splitting the science targets into one MS (DOSPLIT)",
}
thesteps = select_steps(step_title, globals().get("mysteps") or [])

SPACESAVING = globals().get("SPACESAVING", 0)
DOSPLIT = globals().get("DOSPLIT", False)
USEMS = globals().get("USEMS", False)
if SPACESAVING not in (0, 1, 2, 3):
    sys.exit("SPACESAVING must be 0, 1, 2 or 3, not %r" % (SPACESAVING,))

#: The EBs of this delivery: uid -> the names scriptForPI works with.
ebs = {
    "uid___A002_Xsyn_X10": {
        "ms": "uid___A002_Xsyn_X10.ms",
        "calibration_script": "uid___A002_Xsyn_X10.ms.scriptForCalibration.py",
        "delivered": [
            "uid___A002_Xsyn_X10.ms.tsys",
            "uid___A002_Xsyn_X10.ms.wvr",
            "uid___A002_Xsyn_X10.ms.antpos",
            "uid___A002_Xsyn_X10.ms.antpos.json",
            "uid___A002_Xsyn_X10.ms.split.bandpass",
            "uid___A002_Xsyn_X10.ms.split.phase_int",
            "uid___A002_Xsyn_X10.ms.split.phase_inf",
            "uid___A002_Xsyn_X10.ms.split.flux_inf",
            "uid___A002_Xsyn_X10.ms.split.fluxscale.json",
            "uid___A002_Xsyn_X10.ms.flagtemplate.txt",
        ],
        "split": "uid___A002_Xsyn_X10.ms.split",
        "split_cal": "uid___A002_Xsyn_X10.ms.split.cal",
    },
    "uid___A002_Xsyn_X11": {
        "ms": "uid___A002_Xsyn_X11.ms",
        "calibration_script": "uid___A002_Xsyn_X11.ms.scriptForCalibration.py",
        "delivered": [
            "uid___A002_Xsyn_X11.ms.tsys",
            "uid___A002_Xsyn_X11.ms.wvr",
            "uid___A002_Xsyn_X11.ms.antpos",
            "uid___A002_Xsyn_X11.ms.antpos.json",
            "uid___A002_Xsyn_X11.ms.split.bandpass",
            "uid___A002_Xsyn_X11.ms.split.phase_int",
            "uid___A002_Xsyn_X11.ms.split.phase_inf",
            "uid___A002_Xsyn_X11.ms.split.flux_inf",
            "uid___A002_Xsyn_X11.ms.split.fluxscale.json",
            "uid___A002_Xsyn_X11.ms.flagtemplate.txt",
        ],
        "split": "uid___A002_Xsyn_X11.ms.split",
        "split_cal": "uid___A002_Xsyn_X11.ms.split.cal",
    },
}
flux_script = "scriptForFluxCalibration.py"
#: Files of the whole goal in ../calibration/ (the fluxes the flux script set).
goal_delivered = ["allFluxes.csv"]
calibrated_ms = "calibrated.ms"
calibrated_final_ms = "calibrated_final.ms"

#: Peak size of ../calibrated/ relative to the raw data (see disk_space_verdict).
DISK_SPACE_FACTOR = 6.0

_this = globals().get("__file__", "")
if os.path.basename(_this).endswith("scriptForPI.py"):
    script_dir = os.path.dirname(os.path.abspath(_this))
else:
    script_dir = os.getcwd()
delivery_dir = os.path.dirname(script_dir)
raw_dir = os.path.join(delivery_dir, "raw")
calibration_dir = os.path.join(delivery_dir, "calibration")
calibrated_dir = os.path.join(delivery_dir, "calibrated")


for folder in (raw_dir, calibration_dir):
    if not os.path.isdir(folder):
        sys.exit(
            "%s is missing: run scriptForPI.py from the delivery's script/ folder"
            % folder
        )
os.makedirs(calibrated_dir, exist_ok=True)
os.chdir(calibrated_dir)


# Step 0
mystep = 0
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    raw_bytes = sum(folder_size(locate_raw_data(raw_dir, uid, USEMS)[1]) for uid in ebs)
    free_bytes = shutil.disk_usage(calibrated_dir).free
    enough, needed = disk_space_verdict(raw_bytes, free_bytes, DISK_SPACE_FACTOR)
    print(
        "Raw data %.2f GB; the calibration needs about %.2f GB, %.2f GB free in %s"
        % (raw_bytes / 1e9, needed / 1e9, free_bytes / 1e9, calibrated_dir)
    )
    if not enough:
        sys.exit(
            "Not enough disk space: about %.2f GB needed, %.2f GB free in %s. "
            "Free some space, or set SPACESAVING to delete intermediate MSs."
            % (needed / 1e9, free_bytes / 1e9, calibrated_dir)
        )


# Step 1
mystep = 1
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    for uid, eb in sorted(ebs.items()):
        kind, path = locate_raw_data(raw_dir, uid, USEMS)
        remove_outputs(eb["ms"], uid)
        if kind == "asdm":
            # A link, not a copy: the EB's calibration script imports the
            # ASDM itself (its first step), with the analyst's options.
            os.symlink(path, uid)
        else:
            # A copy: the calibration writes into the MS, the raw data stays as it is.
            copy_path(path, eb["ms"])


# Step 2
mystep = 2
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    for uid, eb in sorted(ebs.items()):
        missing = []
        for name in eb["delivered"]:
            source = os.path.join(calibration_dir, name)
            if os.path.exists(source):
                copy_path(source, name)
            else:
                missing.append(name)
        if missing:
            # Not every EB makes every table (no WVR on 7 m antennas, no
            # antenna position corrections); the calibration script knows.
            print("Not in the delivery for %s: %s" % (uid, ", ".join(missing)))
    for name in goal_delivered:
        source = os.path.join(calibration_dir, name)
        if os.path.exists(source):
            copy_path(source, name)
        else:
            print("Not in the delivery: %s (it will be computed again)" % name)


# Step 3
mystep = 3
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    for uid, eb in sorted(ebs.items()):
        run_script(os.path.join(script_dir, eb["calibration_script"]), applyonly=True)
        os.chdir(calibrated_dir)
        for path in space_saving_removals(
            SPACESAVING, eb["ms"], eb["split"], eb["split_cal"], False
        ):
            remove_outputs(path)


# Step 4
mystep = 4
if mystep in thesteps:
    announce(mystep, step_title[mystep])
    run_script(os.path.join(script_dir, flux_script), applyonly=True)
    os.chdir(calibrated_dir)
    for uid, eb in sorted(ebs.items()):
        removals = space_saving_removals(
            SPACESAVING,
            eb["ms"],
            eb["split"],
            eb["split_cal"],
            os.path.isdir(calibrated_ms),
        )
        if eb["split_cal"] in removals:
            remove_outputs(eb["split_cal"])


# Step 5
mystep = 5
if mystep in thesteps and DOSPLIT:
    announce(mystep, step_title[mystep])
    if os.path.isdir(calibrated_ms):
        sources = [calibrated_ms]
    else:
        sources = [eb["split_cal"] for uid, eb in sorted(ebs.items())]
    remove_outputs(calibrated_final_ms)
    if len(sources) > 1:
        concatenated = calibrated_final_ms + ".concat"
        remove_outputs(concatenated)
        concat(vis=sources, concatvis=concatenated)
        sources = [concatenated]
    split(
        vis=sources[0],
        outputvis=calibrated_final_ms,
        intent="*OBSERVE_TARGET*",
        datacolumn="data",
    )
    if sources[0] == calibrated_final_ms + ".concat":
        remove_outputs(sources[0])
