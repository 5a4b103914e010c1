"""Helpers shared by the test folders: running generated scripts in CASA
(``casarun``), the two-EB goal's analyst run (``goal``), reading fluxes and
phases back from MSs (``measure``), checks every emitted script must pass
(``scriptcheck``), images of known noise (``images``) and the imaging run
(``imaging_run``).

How hard the randomised tests try is set here. By default (the ``ci``
profile) they run enough examples and trials to catch a regression on
every run while keeping the suite short; ``SCRIPTGEN_LONG_TESTS=1`` runs
the long version (hypothesis profile ``long``, more kill -9 trials) for a
release or after touching the writer or the name checks.
"""

from __future__ import annotations

import os

#: Set ``SCRIPTGEN_LONG_TESTS=1`` for the long randomised runs.
LONG = os.environ.get("SCRIPTGEN_LONG_TESTS", "") not in ("", "0")


def register_hypothesis_profiles() -> None:
    """The ``ci`` profile (default) and the ``long`` one, loaded by ``LONG``."""
    from hypothesis import HealthCheck, settings

    common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("ci", max_examples=40, **common)
    settings.register_profile("long", max_examples=500, **common)
    settings.load_profile("long" if LONG else "ci")


def repetitions(default: int, long: int) -> int:
    """How many repetitions a randomised test makes: ``long`` with SCRIPTGEN_LONG_TESTS."""
    return long if LONG else default
