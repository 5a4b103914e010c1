"""Helpers only the calibration script needs when it runs, copied into it.

What can only be decided on the analyst's machine (are the delivered
tables there for an ``applyonly`` run) is done by these small functions.
:mod:`scriptgen.scripts.calibration` copies their source into the emitted
script with :func:`inspect.getsource`, after the helpers every script
shares (:mod:`.runtime`), so the script needs nothing but CASA, and the
same code is unit-tested here.

Rules for functions in this module: standard library and casatasks only,
imported inside the function (the copy must stand alone); no scriptgen
import; behaviour that does not depend on generation-time data. They may
call the shared helpers by name (imported below for the unit tests; in the
script they are defined before them).
"""

from __future__ import annotations

from .runtime import remove_outputs


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
