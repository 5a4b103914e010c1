"""What uvcontsub fits in each window: never CASA's "all channels" default.

uvcontsub (CASA >= 6.5) takes ``fitspec`` as a dictionary of field
selection -> spectral window -> ``{'chan': ..., 'fitorder': ...}``. A
window of the selected data that the dictionary leaves out, or whose
``chan`` is empty, is fitted over every channel: lines included, so the fit
eats the lines it should reveal. Earlier scripts left windows without
line-free channels out of the dictionary and so got exactly that.

Here every window uvcontsub sees is listed with explicit channel ranges:

* windows with line-free channels in no field are kept out of uvcontsub's
  ``spw`` selection (uvcontsub does not renumber windows, so the cubes'
  ``spw`` ids still hold); their cubes are made from the unsubtracted data;
* a window line-free in one field but not in another must stay in the
  selection; for the field without line-free channels it is listed with a
  zeroth-order fit over all its channels, stated in the script, and that
  field's cube of the window is made from the unsubtracted data, so nothing
  reads the subtracted copy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .linefree import LineFree

#: First order follows the continuum's slope across a window (spectral index,
#: bandpass residuals) without bending into broad lines.
FIT_ORDER = 1


@dataclass(frozen=True)
class ContsubChoice:
    spw: str  # uvcontsub's spw selection: the windows it fits ('' never: always listed)
    fitspec: dict
    notes: tuple[str, ...]


def _channels(ranges: Sequence[tuple[int, int]]) -> str:
    """Explicit ``'a~b;c~d'`` ranges, even when they cover the whole window."""
    return ";".join(f"{a}~{b}" for a, b in ranges)


def contsub_choice(per_field: Mapping[str, Sequence[LineFree]]) -> ContsubChoice | None:
    """The uvcontsub selection and fitspec for field selections -> their windows.

    ``None`` when no window of any field has line-free channels (nothing to
    subtract: there is no uvcontsub call).
    """
    fitted = sorted({w.spw_id for windows in per_field.values() for w in windows if w.line_free})
    if not fitted:
        return None
    notes = [
        f"uvcontsub fits a polynomial of order {FIT_ORDER} to the line-free channels of each window "
        "(cont.dat) and subtracts it; every window it sees is listed with explicit channels, none is "
        "left to CASA's fit-all-channels default",
    ]
    excluded = sorted({w.spw_id for windows in per_field.values() for w in windows} - set(fitted))
    if excluded:
        notes.append(
            f"spw {','.join(str(s) for s in excluded)}: no line-free channels in any field, so left out of "
            "uvcontsub (spw selection); their cubes are made from the unsubtracted data"
        )
    fitspec: dict[str, dict[str, dict]] = {}
    for field, windows in per_field.items():
        if not any(w.line_free for w in windows):
            notes.append(
                f"field {field!r}: no line-free channels in any window, so left out of uvcontsub "
                "(field selection); its cubes are made from the unsubtracted data"
            )
            continue
        per_spw = {}
        by_id = {w.spw_id: w for w in windows}
        for spw_id in fitted:
            w = by_id.get(spw_id)
            if w is None:
                continue
            if w.line_free:
                per_spw[str(spw_id)] = {"chan": _channels(w.line_free), "fitorder": FIT_ORDER}
            else:
                per_spw[str(spw_id)] = {"chan": f"0~{w.nchan - 1}", "fitorder": 0}
                notes.append(
                    f"field {field!r} spw {spw_id}: no line-free channels here (other fields have some): "
                    "fitted with order 0 over all channels only to be explicit; its cube uses the "
                    "unsubtracted data, so nothing reads this subtraction"
                )
        fitspec[field] = per_spw
    return ContsubChoice(spw=",".join(str(s) for s in fitted), fitspec=fitspec, notes=tuple(notes))
