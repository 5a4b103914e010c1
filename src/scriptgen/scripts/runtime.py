"""The run-time helpers every emitted script shares, copied into each one.

All four scripts (calibration, flux equalisation, scriptForPI, imaging)
need the same few things when they run: say which step starts, pick the
steps ``mysteps`` asks for, delete what a step is about to recreate, save
and go back to flag versions, read and write JSON. They are written once,
here, unit-tested here, and the renderer copies their source into each
script with :func:`inspect.getsource` (:func:`source`), so every script
behaves the same way and needs nothing but Python and CASA. What only one
script needs stays in that script's own runtime module
(:mod:`.calibration_runtime`, :mod:`.fluxcal_runtime`, :mod:`.pi_runtime`,
:mod:`.restore_runtime`, :mod:`.imaging_runtime`), built on these.

Rules, because these functions travel alone: standard library and CASA
only, imported inside the function body; no module-level name and no
scriptgen import; behaviour that does not depend on generation-time data.
"""

from __future__ import annotations

import inspect


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
            % (unknown, ", ".join("%d (%s)" % (n, step_title[n]) for n in sorted(step_title)))
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
            raise RuntimeError("refusing to delete %r: not a name inside %s" % (path, here))
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


def load_json(path):
    """What :func:`save_json` wrote (a step's results read by a later step or script)."""
    import json

    with open(path) as handle:
        return json.load(handle)


#: The shared helpers, in the order they are copied into a script.
COMMON = (
    announce,
    select_steps,
    remove_outputs,
    has_flag_version,
    save_flags,
    restore_flags,
    plain_data,
    save_json,
    load_json,
)

#: What the skeleton itself calls in every script (banner, step selection,
#: removal of a step's outputs).
SKELETON = (announce, select_steps, remove_outputs)

#: Shared helpers that call others: a script copying one gets those too.
NEEDS = {save_flags: (has_flag_version,), restore_flags: (has_flag_version,), save_json: (plain_data,)}


def source(*functions) -> str:
    """The helpers a script carries, as source text.

    Every script gets :data:`SKELETON`; ``functions`` adds the shared
    helpers it also calls and its own (from its runtime module). Shared
    helpers come first, in :data:`COMMON`'s order, each once, so the same
    helper reads the same in every script and a script carries no helper
    it never calls.
    """
    wanted = list(SKELETON)
    for func in functions:
        wanted += [func, *NEEDS.get(func, ())]
    shared = [f for f in COMMON if f in wanted]
    own = [f for f in dict.fromkeys(wanted) if f not in COMMON]
    return "\n\n".join(inspect.getsource(f) for f in shared + own)
