"""Reference-antenna continuity of the gain tables, for the review.

gaincal references every phase to ``refant``; where the first reference
antenna has no good solution CASA moves on to the next of the list
(``refantmode='flex'``, the default) and re-references. Each switch is a
place where an antenna's phases can step (the two references' phases
differ, and interpolation across the switch mixes them), which is why the
ALMA pipeline's hif_refant ranks antennas by how little they are flagged as
well as by how central they are, and why an analyst reading a gain table
wants the reference present throughout. When it is not, the review names
the solutions without it and proposes the best antenna that is present in
every solution of every gain table, moved to the front of the list.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RefantUse:
    """One gain table's reference antennas.

    ``used`` is the reference antenna (id) of each solution time, -1 when
    none was recorded; ``present`` [antenna, solution time] whether the
    antenna has an unflagged solution in every window solved at that time.
    """

    table: str
    antennas: tuple[str, ...]
    times: np.ndarray
    used: np.ndarray
    present: np.ndarray


@dataclass(frozen=True)
class RefantReview:
    """What the review says about the reference antenna, and why."""

    intended: str
    #: Per table: solution times at which the intended antenna was not the reference.
    missing: dict
    #: The refant list to use instead ('' when the current one is fine or
    #: no antenna is present throughout).
    proposed_refant: str
    reason: str


def refant_continuity(uses: list[RefantUse], refant_list: tuple[str, ...]) -> RefantReview | None:
    """Whether the first reference antenna of ``refant_list`` referenced
    every solution of every gain table; if not, which antenna would have.

    None when there is no gain table or no refant list to judge.
    """
    if not uses or not refant_list:
        return None
    intended = refant_list[0]
    missing = {}
    for use in uses:
        if intended not in use.antennas:
            missing[use.table] = tuple(float(t) for t in use.times)
            continue
        i = use.antennas.index(intended)
        away = (np.asarray(use.used) != i) | ~np.asarray(use.present[i], bool)
        if away.any():
            missing[use.table] = tuple(float(t) for t in np.asarray(use.times)[away])
    if not missing:
        return RefantReview(intended, {}, "", f"{intended} referenced every gain solution")
    candidates = list(refant_list) + [a for a in uses[0].antennas if a not in refant_list]
    steady = [
        name
        for name in candidates
        if all(name in u.antennas and bool(np.all(u.present[u.antennas.index(name)])) for u in uses)
    ]
    counts = ", ".join(f"{t}: {len(v)} of {_n_times(uses, t)}" for t, v in sorted(missing.items()))
    reason = (
        f"reference antenna {intended} is flagged or absent in some gain solutions ({counts}); "
        "CASA re-referenced those to the next antenna of the list, so phases may step there "
        "(ALMA pipeline hif_refant prefers antennas that are never flagged)"
    )
    if not steady:
        return RefantReview(intended, missing, "", reason + "; no antenna is present in every solution")
    new = [steady[0]] + [a for a in refant_list if a != steady[0]]
    return RefantReview(
        intended,
        missing,
        ",".join(new),
        reason + f"; {steady[0]} is present in every solution of every gain table: put it first",
    )


def _n_times(uses: list[RefantUse], table: str) -> int:
    return next(len(u.times) for u in uses if u.table == table)
