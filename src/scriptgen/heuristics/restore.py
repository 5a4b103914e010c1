"""Decisions of a restore scriptForPI (pipeline-calibrated EBs).

Plain functions of what a delivery's calibration library says; each returns
its value with the reason the emitted script prints beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import ScriptgenError

#: The data the pipeline's restore calibrates (``hifa_restoredata``,
#: PIPE-1165), as MS intents: science targets, calibrators, check sources,
#: polarisation calibrators. The script keeps those its MS has.
APPLYCAL_INTENTS = (
    "*OBSERVE_TARGET*,*CALIBRATE_PHASE*,*CALIBRATE_BANDPASS*,*CALIBRATE_FLUX*,*CALIBRATE_AMPLI*,"
    "*OBSERVE_CHECK_SOURCE*,*CALIBRATE_POLARIZATION*,*CALIBRATE_POL_ANGLE*,*CALIBRATE_POL_LEAKAGE*"
)
#: What goes into ``<uid>.ms.split.cal``: the calibrated calibrators and
#: targets, as our calibration script's last step splits them, so the flux
#: script and the final split treat both kinds of EB alike.
SPLIT_INTENTS = "*OBSERVE_TARGET*,*CALIBRATE_BANDPASS*,*CALIBRATE_FLUX*,*CALIBRATE_PHASE*"
#: How applycal flags data without a solution: the pipeline's default
#: (``hif_applycal`` applymode='calflagstrict').
APPLYMODE = "calflagstrict"


@dataclass(frozen=True)
class SpwChoice:
    spw: str
    reason: str


def science_spw(selections: Sequence[str]) -> SpwChoice:
    """The windows a library calibrates, as one selection for applycal and the split.

    The union of every line's window ids; ``''`` (all windows) when a line
    calibrates every window. Channel ranges are dropped (the split keeps
    whole windows); anything but ids is refused, since the split needs
    plain window ids.
    """
    if not selections or any(not selection for selection in selections):
        return SpwChoice("", "a line of the library applies to every window")
    ids: set[int] = set()
    for selection in selections:
        for item in selection.split(","):
            item = item.split(":")[0].strip()
            if not item.isdigit():
                raise ScriptgenError(f"spw selection {selection!r}: only window ids are supported for the split")
            ids.add(int(item))
    return SpwChoice(",".join(str(i) for i in sorted(ids)), f"the {len(ids)} windows the library calibrates")
