"""Read what the imaging plan needs from a calibrated MS's visibilities.

Two measurements, both from the target rows (cross-correlations, rows not
flagged):

* the projected baseline lengths (UVW), summarised as their 80th
  percentile, for the beam estimate;
* per target source and science window, the amplitude of the
  vector-averaged visibilities per channel: the spectrum in which lines
  are found (:mod:`scriptgen.heuristics.linefree`).

The main table is read one DATA_DESC_ID at a time (reading a data column
across windows of different channel counts aborts casatools) and in row
chunks, so memory stays bounded on large MSs. Everything else (decisions)
happens in :mod:`scriptgen.heuristics.imaging_plan`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import casa_env
from .errors import ScriptgenError
from .heuristics import imaging as im
from .heuristics.imaging import l80_m
from .heuristics.sensitivity import dish_diameter_m
from .heuristics.imaging_plan import ImagingInputs
from .model import ExecBlock

#: Rows read at once: 20 000 rows of 4 x 64 complex values is ~40 MB.
CHUNK_ROWS = 20_000

#: Rows of UVW kept for the percentile: plenty for a stable 80th percentile
#: and bounded memory on long tracks.
MAX_UV_SAMPLES = 2_000_000


def _ddid_to_spw(tb, ms: Path) -> dict[int, int]:
    tb.open(str(ms / "DATA_DESCRIPTION"))
    try:
        spw_ids = tb.getcol("SPECTRAL_WINDOW_ID")
    finally:
        tb.close()
    return {int(dd): int(s) for dd, s in enumerate(spw_ids)}


def _data_column(colnames: list[str]) -> str:
    """CORRECTED_DATA when a calibration was applied in place, else DATA."""
    return "CORRECTED_DATA" if "CORRECTED_DATA" in colnames else "DATA"


def read_imaging_inputs(
    ms: str | Path,
    eb: ExecBlock,
    target_field_ids: dict[str, tuple[int, ...]],
    spw_ids: tuple[int, ...],
    calibrator_ids: tuple[int, ...] = (),
) -> ImagingInputs:
    """Measure the uv coverage, the targets' averaged spectra and the
    calibrators' mean amplitudes in ``ms``."""
    ms = Path(ms)
    ct = casa_env.casatools()
    tb = ct.table()
    ddids = {spw: dd for dd, spw in _ddid_to_spw(tb, ms).items()}
    tb.open(str(ms))
    try:
        column = _data_column(list(tb.colnames()))
        all_targets = sorted({f for ids in target_field_ids.values() for f in ids})
        uvw, weight = _uv_points(tb, all_targets, [ddids[s] for s in spw_ids if s in ddids])
        spectra: dict[str, dict[int, tuple[float, ...]]] = {}
        for source, fids in target_field_ids.items():
            spectra[source] = {}
            for spw in spw_ids:
                if spw not in ddids:
                    continue
                spec = _averaged_spectrum(tb, column, list(fids), ddids[spw])
                if spec is not None:
                    spectra[source][spw] = tuple(float(x) for x in spec)
        calibrator_flux: dict[int, float] = {}
        for fid in calibrator_ids:
            amps = []
            for spw in spw_ids:
                if spw in ddids:
                    spec = _averaged_spectrum(tb, column, [fid], ddids[spw])
                    if spec is not None and np.isfinite(spec).any():
                        amps.append(float(np.nanmedian(spec)))
            if amps:
                calibrator_flux[fid] = float(np.median(amps))
    finally:
        tb.close()
    if uvw.shape[1] == 0:
        raise ScriptgenError(f"{ms} has no unflagged cross-correlations on the target")
    uv_lengths = np.hypot(uvw[0], uvw[1])
    # The PSF at the middle of the science frequencies; the plan scales it
    # as 1/frequency for each image.
    low = min(eb.spw(s).min_freq_hz for s in spw_ids)
    high = max(eb.spw(s).max_freq_hz for s in spw_ids)
    ref_hz = (low + high) / 2
    fov = im.pb_width_factor() * im.pb_fwhm_arcsec(low, dish_diameter_m(eb))
    beam = im.psf_beam(
        uvw[0] * ref_hz / im.SPEED_OF_LIGHT,
        uvw[1] * ref_hz / im.SPEED_OF_LIGHT,
        weight,
        field_of_view_arcsec=fov,
    )
    # PSFs for a few robust values: the plan picks the one meeting the PI's
    # resolution range (heuristics.imaging_params.choose_robust).
    from .heuristics.imaging_params import ROBUST_CANDIDATES

    beams = {im.ROBUST: beam}
    for robust in ROBUST_CANDIDATES:
        if robust not in beams:
            beams[robust] = im.psf_beam(
                uvw[0] * ref_hz / im.SPEED_OF_LIGHT,
                uvw[1] * ref_hz / im.SPEED_OF_LIGHT,
                weight,
                robust=robust,
                field_of_view_arcsec=fov,
            )
    return ImagingInputs(
        beams_by_robust=beams,
        ms=ms.name,
        datacolumn="corrected" if column == "CORRECTED_DATA" else "data",
        uv_l80_m=l80_m(uv_lengths),
        uv_max_m=float(uv_lengths.max()),
        spectra=spectra,
        beam=beam,
        beam_freq_hz=ref_hz,
        calibrator_flux_jy=calibrator_flux,
    )


def _select(tb, field_ids: list[int], ddid: int):
    """Unflagged cross-correlation rows of ``field_ids`` in one data description.

    Rows are chosen from the index columns with numpy and taken with
    ``selectrows``, not a TaQL query: casatools puts the table's path inside
    the query text, so a folder name with a double quote broke it.
    """
    mask = (
        (np.asarray(tb.getcol("DATA_DESC_ID")) == ddid)
        & np.isin(np.asarray(tb.getcol("FIELD_ID")), field_ids)
        & (np.asarray(tb.getcol("ANTENNA1")) != np.asarray(tb.getcol("ANTENNA2")))
        & ~np.asarray(tb.getcol("FLAG_ROW"), dtype=bool)
    )
    return tb.selectrows([int(r) for r in np.flatnonzero(mask)])


def _uv_points(tb, field_ids: list[int], ddids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """UVW (m) and weights of the target rows of the first window.

    UVW does not depend on the window (it is in metres), so one window is
    enough; the weight is the mean over correlations.
    """
    if not ddids or not field_ids:
        return np.zeros((3, 0)), np.zeros(0)
    sub = _select(tb, field_ids, ddids[0])
    try:
        n = sub.nrows()
        if n == 0:
            return np.zeros((3, 0)), np.zeros(0)
        step = max(1, n // MAX_UV_SAMPLES)
        uvw = sub.getcol("UVW", 0, -1, step)
        weight = sub.getcol("WEIGHT", 0, -1, step).mean(axis=0)
    finally:
        sub.close()
    return uvw, weight


def _averaged_spectrum(tb, column: str, field_ids: list[int], ddid: int) -> np.ndarray | None:
    """|mean of unflagged visibilities| per channel (parallel hands averaged)."""
    sub = _select(tb, field_ids, ddid)
    try:
        n = sub.nrows()
        if n == 0:
            return None
        total = None
        count = None
        for start in range(0, n, CHUNK_ROWS):
            nrow = min(CHUNK_ROWS, n - start)
            data = sub.getcol(column, start, nrow)  # [corr, chan, row]
            flag = sub.getcol("FLAG", start, nrow)
            ncorr = data.shape[0]
            # Parallel hands only: for 4 products they are the first and last.
            hands = [0, ncorr - 1] if ncorr == 4 else list(range(ncorr))
            good = ~flag[hands]
            vis = np.where(good, data[hands], 0)
            s = vis.sum(axis=(0, 2))
            c = good.sum(axis=(0, 2))
            total = s if total is None else total + s
            count = c if count is None else count + c
    finally:
        sub.close()
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return np.where(count > 0, np.abs(mean), np.nan)
