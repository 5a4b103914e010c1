"""Run-time helpers of scriptForPI.py, copied into the script.

scriptForPI runs on the PI's machine, years later, with whatever the
delivery's ``raw/`` folder holds; what it finds there (an ASDM or an MS, how
large, how much disk is free) is only known then. Its decisions are written
here as plain functions so they are unit-tested, and the renderer copies
their source into the emitted script (which needs only Python and CASA).

Rules, because these functions travel alone: each imports what it uses
inside its body, refers to no module-level name other than the shared
helpers of :mod:`.runtime` (copied into every script before these), and is
deterministic.
"""

from __future__ import annotations

from .runtime import remove_outputs


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
    raise RuntimeError("no raw data for %s: expected %s; looked at %s" % (uid, wanted, "; ".join(seen)))


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
