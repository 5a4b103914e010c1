"""Band-to-band and bandwidth-switching EBs as the inspector would read them,
made from the synthetic builder's layout in pure Python (no CASA).

The layout is what ``scriptgen simulate --b2b/--bwsw`` writes, so these
metadata-only EBs and the CASA-built ones agree on windows, fields and
scans; intents lose their ``#`` suffix as the inspector strips it.
"""

from __future__ import annotations

from dataclasses import replace

from scriptgen import derive
from scriptgen.model import Antenna, CatalogueFluxEntry, ExecBlock, Field, Scan, SpectralWindow, SpwKind, TsysMeasurement
from scriptgen.synthetic import SyntheticConfig
from scriptgen.synthetic.layout import plan


def diffgain_eb(mode: str = "b2b", band: int = 6, n_spws: int = 2, nchan: int = 16) -> ExecBlock:
    cfg = SyntheticConfig(
        band=band, diffgain=mode, n_spws=n_spws, nchan=nchan, n_antennas=5, uid=f"uid___A002_Xsyn_X{mode}"
    )
    layout = plan(cfg)
    t0 = 5.0e9
    scans = []
    spw_intents: dict[int, set] = {}
    field_intents: dict[int, set] = {}
    for s in layout.scans:
        intents = tuple(dict.fromkeys(derive.strip_intent(i) for i in s.intents.split(",")))
        scans.append(
            Scan(s.number, s.field_ids, intents, s.spw_ids, t0 + s.start_s, t0 + s.stop_s, cfg.integration_s)
        )
        for spw in s.spw_ids:
            spw_intents.setdefault(spw, set()).update(intents)
        for f in s.field_ids:
            field_intents.setdefault(f, set()).update(intents)
    spws = tuple(
        SpectralWindow(
            spw_id=p.spw_id, name=p.name, kind=SpwKind(p.kind), nchan=p.nchan, chan_width_hz=p.chan_width_hz,
            bandwidth_hz=p.bandwidth_hz, ref_freq_hz=p.first_chan_hz, centre_freq_hz=p.centre_hz,
            band=derive.band_from_name(p.name), baseband=p.baseband or None,
            corr_products=("XX", "YY") if p.ncorr == 2 else ("XX",),
            intents=tuple(sorted(spw_intents.get(p.spw_id, ()))),
        )
        for p in layout.spws
    )  # fmt: skip
    fields = tuple(
        Field(f.field_id, f.name, f.source_name, 1.0 + 0.01 * f.dra_deg, -0.6 + 0.01 * f.ddec_deg, False,
              tuple(sorted(field_intents.get(f.field_id, ()))))
        for f in layout.fields
    )  # fmt: skip
    antennas = tuple(
        Antenna(i, f"DA{41 + i}", f"A{i:03d}", 12.0, (2225000.0 + 10 * i, -5440000.0 + 7 * i, -2481000.0))
        for i in range(cfg.n_antennas)
    )
    tsys = tuple(TsysMeasurement(s.spw_id, 90.0, 10) for s in layout.tsys)
    # The quasars' catalogue fluxes, as importasdm records them in ASDM_SOURCE
    # (the builder writes the same table for the CASA-built EBs).
    catalogue = tuple(
        CatalogueFluxEntry(f.source_name, f.ref_freq_hz * k, f.flux_jy * k**f.spectral_index, 0.05 * f.flux_jy,
                           t0 - 86400.0)
        for f in layout.fields
        if not f.solar_system and "target" not in f.roles and f.flux_jy > 0
        for k in (0.9, 1.1)
    )  # fmt: skip
    return ExecBlock(
        uid=cfg.uid, ms_path=f"/data/{cfg.uid}.ms", spws=spws, fields=fields, scans=tuple(scans),
        antennas=antennas, tsys=tsys, project=cfg.project, start_mjd_s=t0, end_mjd_s=t0 + layout.duration_s,
        calibrator_fluxes=catalogue,
    )  # fmt: skip


def without_diffgain_scans(eb: ExecBlock) -> ExecBlock:
    """The same EB with its DIFFGAIN scans dropped (phase calibrator still in other windows)."""
    scans = tuple(s for s in eb.scans if "CALIBRATE_DIFFGAIN" not in s.intents)
    fields = tuple(
        replace(f, intents=tuple(i for i in f.intents if i != "CALIBRATE_DIFFGAIN")) for f in eb.fields
    )
    spws = tuple(
        replace(s, intents=tuple(i for i in s.intents if i != "CALIBRATE_DIFFGAIN")) for s in eb.spws
    )
    return replace(eb, scans=scans, fields=fields, spws=spws)
