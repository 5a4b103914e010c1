"""Observing modes: which calibration steps an EB needs, and their templates.

A mode is an object with a ``name``, a ``description``, a ``priority``, a
``matches(eb)`` test and a ``plan(eb, options) -> CalibrationPlan``. Modes
register themselves by name (:func:`register`), or from another package
through the ``scriptgen.modes`` entry-point group (the entry point loads a
mode class or instance), so a new mode never edits this package:

.. code-block:: toml

    [project.entry-points."scriptgen.modes"]
    bandtoband = "mypkg.modes:BandToBandMode"

:func:`select` picks the mode for an EB: the one the user named, else the
highest-priority mode whose ``matches`` accepts the EB (the built-in
``standard`` mode accepts everything and has the lowest priority, so a
specialised mode takes over for the EBs it recognises).
"""

from __future__ import annotations

from .plan import CalibrationPlan, Decision, PlanOptions, Step
from .registry import ObservingMode, Preflight, RefusedKind, available, get, preflight, register, select

# Built-in modes register on import.
from . import standard  # noqa: E402,F401
from . import band_to_band  # noqa: E402,F401

__all__ = [
    "CalibrationPlan",
    "Decision",
    "ObservingMode",
    "PlanOptions",
    "Preflight",
    "RefusedKind",
    "Step",
    "available",
    "get",
    "preflight",
    "register",
    "select",
]
