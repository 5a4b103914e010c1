"""Which rest frequency a window's cube uses as its velocity reference.

A cube's velocity axis is only meaningful against the rest frequency of
the line the PI asked for. The Observing Tool records it per source and
window, and importasdm writes it to the SOURCE table (``REST_FREQUENCY``,
``TRANSITION``); ALMA's pipeline images each window's cube at that
frequency. The analyst may override it for one window or for all; only
without either does the window's centre stand in (the velocity axis is then
relative to an arbitrary frequency, and the script says so).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..model import ExecBlock

__all__ = ["cube_rest_frequency"]


def _quantity_ghz(freq_hz: float) -> str:
    return f"{freq_hz / 1e9:.9g}GHz"


def cube_rest_frequency(
    eb: ExecBlock,
    source: str,
    spw_id: int,
    *,
    requested: str = "",
    per_window: Mapping[int, str] | None = None,
) -> tuple[str, str]:
    """The ``restfreq`` of ``source``'s cube in ``spw_id`` and where it came from.

    In order: the analyst's value for this window, the analyst's value for
    every window, the SOURCE table's rest frequency for this source and
    window, the window's centre.
    """
    if per_window and spw_id in per_window:
        return per_window[spw_id], f"{per_window[spw_id]} as requested for spw {spw_id}"
    if requested:
        return requested, f"{requested} as requested"
    wanted = source.strip().casefold()
    for line in eb.rest_frequencies:
        if line.spw_id == spw_id and line.source.strip().casefold() == wanted:
            rest = _quantity_ghz(line.rest_freq_hz)
            what = f" ({line.transition!r})" if line.transition else ""
            return rest, f"{rest}{what} from the SOURCE table (the PI's line for this window)"
    centre = _quantity_ghz(eb.spw(spw_id).centre_freq_hz)
    return centre, f"{centre} (window centre: no rest frequency recorded or requested)"
