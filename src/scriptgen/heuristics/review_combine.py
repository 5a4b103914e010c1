"""Should the phase calibrator's per-scan phases combine windows?

When many of the phase calibrator's per-scan phase solutions are flagged
(gaincal flags a solution below ``minsnr``), the calibrator is too weak for
one window at a time. Solving over all windows together (``combine='spw'``,
applied with an ``spwmap`` onto every window) gains sqrt(number of windows)
in signal-to-noise: the ALMA pipeline does this for weak phase calibrators
(hifa_spwphaseup's combine decision). The pipeline first removes the
windows' relative phase offsets with a high-SNR solve on the bandpass
calibrator; the review's proposal does not, and says so: the bandpass
calibration already removed the per-window phase offsets it saw, which
suffices where they are stable over the EB.
"""

from __future__ import annotations

from dataclasses import dataclass

#: More than this fraction of a phase calibrator's per-scan solutions
#: flagged in a window means it is too weak for that window alone (this
#: module's choice; the same limit the review uses to report flagged
#: solutions).
FLAGGED_SOLUTIONS_LIMIT = 0.2


@dataclass(frozen=True)
class CombineAdvice:
    combine: bool
    reason: str


def combine_spw_advice(field: str, flagged_by_spw: dict[int, float]) -> CombineAdvice:
    """Combine windows when any window's flagged fraction exceeds the limit
    and there is more than one window to combine."""
    weak = {s: f for s, f in sorted(flagged_by_spw.items()) if f > FLAGGED_SOLUTIONS_LIMIT}
    if not weak or len(flagged_by_spw) < 2:
        return CombineAdvice(False, "")
    listed = ", ".join(f"spw {s} {100 * f:.0f} %" for s, f in weak.items())
    return CombineAdvice(
        True,
        f"{field}: per-scan phase solutions flagged ({listed}; limit "
        f"{100 * FLAGGED_SOLUTIONS_LIMIT:.0f} %): solve them over all {len(flagged_by_spw)} windows together "
        "(combine='spw', spwmap onto every window; ALMA pipeline hifa_spwphaseup combines windows for weak "
        "phase calibrators), then rerun from the gain calibration",
    )
