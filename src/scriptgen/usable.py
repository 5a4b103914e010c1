"""Whether any reduction script can be built from an execution block.

``scriptgen inspect`` refuses such an MS and ``generate`` refuses a snapshot
of one, with the same words: the rule is a pure function of the model, so
it sits beside it and both the MS inspector and the snapshot checks use it
without either importing the other.
"""

from __future__ import annotations

from . import derive
from .errors import ScriptgenError
from .model import ExecBlock

__all__ = ["UnusableExecBlock", "NoIntents", "NoScienceWindows", "check_usable"]


class UnusableExecBlock(ScriptgenError):
    """A readable MS that lacks what a reduction script is built from."""


class NoIntents(UnusableExecBlock):
    """No scan carries an ALMA intent, so calibrators cannot be told apart.

    Happens with MSs that were not imported from an ALMA ASDM (a simulator
    run without ``state_obs_mode``, another telescope) or whose STATE table
    was dropped by a split.
    """


class NoScienceWindows(UnusableExecBlock):
    """No correlator window was observed on a target or calibrator."""


def check_usable(eb: ExecBlock) -> None:
    """Raise when no reduction script can be built from ``eb``."""
    if not any(s.intents for s in eb.scans):
        reason = "its main table is empty" if not eb.scans else "the STATE table has no OBS_MODE intents"
        raise NoIntents(
            f"{eb.ms_path} has no scan intents ({reason}); scriptgen needs ALMA intents "
            "(CALIBRATE_BANDPASS, OBSERVE_TARGET, ...) to tell calibrators from targets"
        )
    if not derive.science_spws(eb):
        raise NoScienceWindows(
            f"{eb.ms_path} has no science spectral windows (no TDM/FDM window was "
            "observed with OBSERVE_TARGET, CALIBRATE_PHASE or CALIBRATE_BANDPASS)"
        )
