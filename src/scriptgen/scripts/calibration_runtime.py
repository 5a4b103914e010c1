"""Helpers the calibration script needs when it runs, copied into it.

What can only be decided on the analyst's machine (does this table exist
yet, is there a flag version to go back to) is done by these small
functions. :mod:`scriptgen.scripts.calibration` copies their source into
the emitted script with :func:`inspect.getsource`, so the script needs
nothing but CASA, and the same code is unit-tested here.

Rules for functions in this module: standard library and casatasks only,
imported inside the function (the copy must stand alone); no scriptgen
import; behaviour that does not depend on generation-time data.
"""

from __future__ import annotations


def announce(step, title):
    """Say which step starts, on the terminal and in the CASA log."""
    from casatasks import casalog

    message = "# Step %d: %s" % (step, title)
    print(message)
    casalog.post(message)


def select_steps(step_title, requested):
    """The steps to run: ``mysteps`` if the caller set one, else all.

    Unknown step numbers are an error rather than silently nothing.
    """
    if not requested:
        return sorted(step_title)
    unknown = [s for s in requested if s not in step_title]
    if unknown:
        raise ValueError("unknown step(s) %s; steps are %s" % (unknown, sorted(step_title)))
    return list(requested)


def remove_outputs(*paths):
    """Delete what a step is about to recreate (tables, MSs, files, flag versions)."""
    import os
    import shutil

    for path in paths:
        for candidate in (path, path + ".flagversions"):
            if os.path.isdir(candidate) and not os.path.islink(candidate):
                shutil.rmtree(candidate)
            elif os.path.lexists(candidate):
                os.remove(candidate)


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
            raise RuntimeError("applyonly is set but the delivered table(s) %s are missing" % ", ".join(missing))
        print("applyonly: using the delivered %s" % ", ".join(tables))
        return False
    remove_outputs(*tables)
    return True


def has_flag_version(vis, name):
    """Whether ``flagmanager`` saved a version ``name`` of ``vis``."""
    import os

    return os.path.isdir(os.path.join(vis + ".flagversions", "flags." + name))


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
    """fluxscale's result (numpy arrays, numpy scalars) as JSON-ready data."""
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
