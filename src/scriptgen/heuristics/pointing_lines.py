"""Lines seen by any one pointing's short baselines (issue 9, line finding).

An all-baseline vector average over every pointing of a mosaic misses
emission that is extended (the long baselines resolve it out) or offset
(only the pointings over it see it, and the phase of an off-centre source
winds the average down). Analysts look at the short-baseline spectrum of
each pointing instead (NAASC imaging guides: an averaged spectrum with a
``uvrange`` cut); the ALMA pipeline searches a dirty cube (hif_findcont).

Each pointing's spectrum is searched on its own and the line channels are
the union over pointings. Not a channel-wise maximum of the pointings'
amplitude spectra: the pointing with the brightest continuum (the one over
a continuum source) then sets the maximum in every channel, and a line in a
fainter pointing never shows in it (measured on a synthetic 5-pointing
mosaic: the maximum missed a line that its own pointing showed at many
sigma). The cost of the union is more trials: with N pointings the chance
of a false line channel is N times that of one spectrum (4 sigma: 6e-5 per
channel per spectrum), and a false line only removes channels from the
continuum, never adds line emission to it.

Pure functions, no CASA.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from . import linefree as lf

__all__ = ["pointing_line_mask", "combined_line_free"]


def pointing_line_mask(
    spectra_by_field: Mapping[int, Sequence[float]], nchan: int
) -> tuple[np.ndarray, tuple[int, ...]]:
    """Union over pointings of each pointing's line channels, and the
    fields (pointings) in which a line was found.

    A spectrum of another length than ``nchan`` is ignored (a window the
    pointing was not observed in gives none at all).
    """
    mask = np.zeros(nchan, dtype=bool)
    seen = []
    for fid, spectrum in sorted(spectra_by_field.items()):
        if len(spectrum) != nchan or not np.isfinite(np.asarray(spectrum, dtype=float)).any():
            continue
        found, _ = lf.find_line_channels(spectrum)
        # Flagged (NaN) channels of one pointing are not a line: another
        # pointing may have them.
        found &= np.isfinite(np.asarray(spectrum, dtype=float))
        if found.any():
            seen.append(int(fid))
        mask |= found
    return mask, tuple(seen)


def combined_line_free(
    spw_id: int,
    all_baselines: Sequence[float],
    spectra_by_field: Mapping[int, Sequence[float]],
    note: str = "",
) -> tuple[lf.LineFree, str]:
    """Line-free channels of one window from both searches, and why.

    Lines are the union of those in the all-baseline average over every
    pointing (compact emission, best sensitivity) and those in any
    pointing's short-baseline spectrum (extended or offset emission).
    ``note`` says which baselines made the per-pointing spectra.
    """
    mask, sigma = lf.find_line_channels(all_baselines)
    n_all = int(mask.sum())
    pointing_mask, seen = pointing_line_mask(spectra_by_field, mask.size)
    extra = pointing_mask & ~mask
    mask = mask | pointing_mask
    result = lf.LineFree(
        spw_id=spw_id,
        nchan=int(mask.size),
        line_free=lf.channel_ranges(~mask),
        lines=lf.channel_ranges(mask),
        sigma=sigma,
    )
    if not spectra_by_field:
        return result, f"spw {spw_id}: lines from the all-baseline average only (no per-pointing spectra)"
    why = (
        f"spw {spw_id}: {n_all} line channel(s) in the all-baseline average over every pointing, "
        f"{int(extra.sum())} more only in the short-baseline spectra of pointing(s) "
        f"{list(seen) if seen else 'none'} of {len(spectra_by_field)}"
    )
    return result, why + (f" ({note})" if note else "")
