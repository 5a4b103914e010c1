"""Run-time helpers of a delivery's scriptForPI.py (pipeline and mixed), copied into it.

Same rules as :mod:`.pi_runtime`: each function imports what it uses inside
its body, refers to no module-level name but the shared helpers of
:mod:`.runtime`, and is deterministic, because the renderer copies its
source into a script that needs only Python and CASA.
"""

from __future__ import annotations


def delivered_raw_data(raw_dir, uid, use_ms):
    """``(kind, path)`` of an EB's raw data: ``raw/<uid>.asdm.sdm``, ``raw/<uid>`` or ``raw/<uid>.ms``.

    Archive downloads name the ASDM ``<uid>.asdm.sdm``, older deliveries
    ``<uid>``; an MS is used when that is all there is, or first with
    ``use_ms``. ``kind`` is ``'asdm'`` (has ``ASDM.xml``) or ``'ms'`` (has
    ``table.dat``).
    """
    import os

    names = [uid + ".asdm.sdm", uid, uid + ".ms"]
    if use_ms:
        names = names[2:] + names[:2]
    for name in names:
        path = os.path.join(raw_dir, name)
        if os.path.isfile(os.path.join(path, "ASDM.xml")):
            if not use_ms:
                return "asdm", path
        elif os.path.isfile(os.path.join(path, "table.dat")):
            return "ms", path
    wanted = "an MS %s.ms (USEMS is set)" % uid if use_ms else "%s.asdm.sdm, %s or %s.ms" % (uid, uid, uid)
    raise RuntimeError("no raw data for %s in %s: expected %s" % (uid, raw_dir, wanted))


def callib_line(application):
    """One cal-library line (CASA's "Cal Library Syntax") for one table and data selection.

    ``application`` maps cal-library keys to values: strings are quoted
    (scriptgen refused any holding a quote), lists and booleans written as
    Python writes them.
    """
    parts = []
    for key, value in application.items():
        if isinstance(value, str):
            parts.append("%s='%s'" % (key, value))
        elif isinstance(value, bool):
            parts.append("%s=%s" % (key, "True" if value else "False"))
        else:
            parts.append("%s=[%s]" % (key, ",".join(str(int(item)) for item in value)))
    return " ".join(parts)


def write_callib(applications, path, title):
    """Write a cal library applycal reads with ``docallib=True``."""
    with open(path, "w") as handle:
        handle.write("# %s\n" % title)
        for application in applications:
            handle.write(callib_line(application) + "\n")


def version_warning(made_with, running):
    """A warning when the running CASA is not the one that made the calibration, else None.

    Only the release part counts (``6.5.4`` of ``6.5.4-9``); an unknown
    origin gives no warning but is printed by the script's header.
    """
    if not made_with or made_with == "unknown":
        return None

    def release(version):
        return version.strip().split("-")[0].split("+")[0]

    if release(made_with) == release(running):
        return None
    return (
        "WARNING: the calibration was made with CASA %s and this is CASA %s; "
        "results may differ slightly (the restore goes on)" % (made_with, running)
    )


def unpack_flag_versions(source, ms):
    """Put a delivered ``<ms>.flagversions`` (folder or ``.tgz``) beside ``ms`` in the working folder."""
    import os
    import shutil
    import tarfile

    target = ms + ".flagversions"
    if os.path.isdir(target):
        shutil.rmtree(target)
    if source.endswith(".tgz"):
        with tarfile.open(source, "r:gz") as tar:
            members = [m for m in tar.getmembers() if m.name == target or m.name.startswith(target + "/")]
            for member in members:
                if member.issym() or member.islnk() or os.path.isabs(member.name) or ".." in member.name.split("/"):
                    raise RuntimeError("%s: unsafe member %s" % (source, member.name))
            tar.extractall(path=".", members=members)
    else:
        shutil.copytree(source, target)
    return target


def intents_present(ms, patterns):
    """The intent patterns (``'*CALIBRATE_PHASE*,...'``) that match a scan intent of ``ms``.

    CASA refuses a selection naming an intent the MS does not have, and a
    fixed list (every intent the pipeline calibrates) must work for every
    EB. None of them present is an error: an empty selection would mean all.
    """
    import fnmatch

    from casatools import table

    tb = table()
    tb.open(ms + "/STATE")
    try:
        modes = set()
        for obs_mode in tb.getcol("OBS_MODE") if tb.nrows() else []:
            modes.update(str(obs_mode).split(","))
    finally:
        tb.close()
    kept = [p for p in patterns.split(",") if any(fnmatch.fnmatchcase(mode, p) for mode in modes)]
    if not kept:
        raise RuntimeError("%s has none of the intents %s" % (ms, patterns))
    return ",".join(kept)
