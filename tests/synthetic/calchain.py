"""A short standard ALMA calibration chain, written plainly with casatasks.

It is the yardstick for the synthetic EBs: if this recovers the true fluxes,
the builder's corruptions are the kind calibration undoes, and generated
scripts can be judged against the same truth.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scriptgen import casa_env
from scriptgen.synthetic import Truth


@dataclass(frozen=True)
class ChainResult:
    ms: Path
    tables: dict[str, Path]
    fluxscale: dict
    raw_bandpass_amp: dict[int, float]
    tsys_bandpass_amp: dict[int, float]
    #: Flagged fractions right after flagdata(autocorr=True).
    wvr_flagged_after_autocorr: float
    science_autocorr_flagged: float


def flagged_fraction(ms: Path, query: str) -> float:
    tb = casa_env.casatools().table()
    tb.open(str(ms))
    try:
        sel = tb.query(query)
        try:
            return float(sel.getcol("FLAG").mean()) if sel.nrows() else float("nan")
        finally:
            sel.close()
    finally:
        tb.close()


def median_amplitude(ms: Path, field: int, spw: int, column: str) -> float:
    """Median cross-correlation amplitude of one field and window."""
    tb = casa_env.casatools().table()
    tb.open(str(ms))
    try:
        sel = tb.query(f"FIELD_ID=={field} && DATA_DESC_ID=={spw} && ANTENNA1!=ANTENNA2")
        try:
            return float(np.median(np.abs(sel.getcol(column))))
        finally:
            sel.close()
    finally:
        tb.close()


def vector_mean(
    ms: Path, fields: tuple[int, ...], spw: int, column: str = "CORRECTED_DATA"
) -> complex:
    """Flag-aware vector average of cross-correlations: a point source's flux
    at the phase centre, lowered by any residual phase errors."""
    tb = casa_env.casatools().table()
    tb.open(str(ms))
    try:
        query = f"FIELD_ID IN [{','.join(map(str, fields))}] && DATA_DESC_ID=={spw} && ANTENNA1!=ANTENNA2"
        sel = tb.query(query)
        try:
            data = np.ma.array(sel.getcol(column), mask=sel.getcol("FLAG"))
            return complex(data.mean())
        finally:
            sel.close()
    finally:
        tb.close()


def run_chain(truth: Truth, ms: Path, workdir: Path) -> ChainResult:
    """flagdata autocorr, [wvrgcal], gencal tsys, applycal, setjy, bandpass,
    gaincal (int/inf phase, amplitude), fluxscale, applycal."""
    tk = casa_env.casatasks()
    t = {
        name: workdir / f"{name}.tbl"
        for name in ("wvr", "tsys", "ph", "bp", "int", "inf", "amp", "flux")
    }
    for path in t.values():
        shutil.rmtree(path, ignore_errors=True)
    vis = str(ms)
    sci = ",".join(map(str, truth.science_spws))
    spwmap = truth.tsys_spwmap()
    bp = truth.field_ids("bandpass")[0]
    flux = truth.fields_with_role("flux")[0]
    phase = truth.field_ids("phase")[0]
    targets = truth.field_ids("target")
    refant = truth.antennas[0].name

    tk.flagdata(vis=vis, mode="manual", autocorr=True, flagbackup=False)
    wvr_flagged = flagged_fraction(ms, f"DATA_DESC_ID=={truth.wvr_spw}")
    autos_flagged = flagged_fraction(
        ms, f"DATA_DESC_ID=={truth.science_spws[0]} && ANTENNA1==ANTENNA2"
    )
    if any(a.diameter_m == 12.0 for a in truth.antennas):
        tk.wvrgcal(vis=vis, caltable=str(t["wvr"]), toffset=0)
    tk.gencal(vis=vis, caltable=str(t["tsys"]), caltype="tsys")
    raw = {s: median_amplitude(ms, bp, s, "DATA") for s in truth.science_spws}
    tk.applycal(vis=vis, spw=sci, gaintable=[str(t["tsys"])], spwmap=[spwmap],
                interp=["linear,linear"], calwt=True, flagbackup=False)  # fmt: skip
    tsys_amp = {s: median_amplitude(ms, bp, s, "CORRECTED_DATA") for s in truth.science_spws}

    tk.flagdata(vis=vis, mode="manual", intent="*ATMOSPHERE*", flagbackup=False)
    if flux.solar_system:
        tk.setjy(
            vis=vis,
            field=str(flux.field_id),
            spw=sci,
            standard="Butler-JPL-Horizons 2012",
            usescratch=True,
        )
    else:
        tk.setjy(vis=vis, field=str(flux.field_id), spw=sci, standard="manual", usescratch=True,
                 fluxdensity=[flux.flux_jy, 0, 0, 0], spix=[flux.spectral_index],
                 reffreq=f"{flux.ref_freq_hz}Hz")  # fmt: skip
    pre, premap = [str(t["tsys"])], [spwmap]
    centre = ",".join(
        f"{s.spw_id}:{s.nchan // 3}~{2 * s.nchan // 3}"
        for s in truth.spws
        if s.spw_id in truth.science_spws
    )
    tk.gaincal(vis=vis, caltable=str(t["ph"]), field=str(bp), spw=centre, solint="int",
               refant=refant, calmode="p", gaintable=pre, spwmap=premap)  # fmt: skip
    tk.bandpass(vis=vis, caltable=str(t["bp"]), field=str(bp), spw=sci, solint="inf", combine="scan",
                refant=refant, solnorm=True, gaintable=pre + [str(t["ph"])], spwmap=premap + [[]])  # fmt: skip
    cals = ",".join(str(f) for f in (bp, flux.field_id, phase))
    withbp, withbpmap = pre + [str(t["bp"])], premap + [[]]
    for name, solint, mode, extra in (
        ("int", "int", "p", []),
        ("inf", "inf", "p", []),
        ("amp", "inf", "ap", [str(t["int"])]),
    ):
        tk.gaincal(vis=vis, caltable=str(t[name]), field=cals, spw=sci, solint=solint, refant=refant,
                   calmode=mode, gaintable=withbp + extra, spwmap=withbpmap + [[]] * len(extra))  # fmt: skip
    fs = tk.fluxscale(vis=vis, caltable=str(t["amp"]), fluxtable=str(t["flux"]),
                      reference=str(flux.field_id), transfer=f"{bp},{phase}")  # fmt: skip
    for fields, phases in ((str(phase), t["int"]), (",".join(map(str, targets)), t["inf"])):
        tk.applycal(vis=vis, field=fields, spw=sci,
                    gaintable=withbp + [str(phases), str(t["flux"])],
                    gainfield=["", "", str(phase), str(phase)], spwmap=withbpmap + [[], []],
                    interp=["linear,linear", "linear,linear", "linear", "linear"],
                    calwt=True, flagbackup=False)  # fmt: skip
    return ChainResult(ms, t, fs, raw, tsys_amp, wvr_flagged, autos_flagged)
