"""What the builder put into a synthetic EB, saved beside it as JSON.

Tests compare what scriptgen infers (inspector, generated scripts run in
CASA) against this record, so it states facts in the units and numbering of
the MS itself: spectral window and field ids as written, frequencies in Hz,
times in MJD seconds (UTC), fluxes in Jy.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ..errors import ScriptgenError
from .config import LineSpec, SyntheticConfig

#: Bump when the JSON layout changes incompatibly.
SCHEMA_VERSION = 1
TRUTH_SUFFIX = ".truth.json"


@dataclass(frozen=True)
class SpwTruth:
    """A window as built. ``role``: science / tsys / ch_avg / wvr."""

    spw_id: int
    name: str
    kind: str
    role: str
    nchan: int
    centre_hz: float
    chan_width_hz: float
    baseband: int
    partner: int | None = None


@dataclass(frozen=True)
class FieldTruth:
    """A field and the true sky behind it.

    ``flux_jy`` at ``ref_freq_hz`` with ``spectral_index`` is the true model;
    ``spw_flux_jy`` gives it at each science window centre (for a
    solar-system body, the Butler-JPL-Horizons 2012 flux CASA predicted).
    ``data_scale`` is what the visibilities were multiplied by on top of
    the truth (``flux_cal_scale_error`` on the flux calibrator, else 1).
    For target pointings ``flux_jy`` is the flux of the source at
    ``source_ra_deg``/``source_dec_deg``, not the primary-beam-attenuated
    flux seen by that pointing.
    """

    field_id: int
    name: str
    source_name: str
    roles: tuple[str, ...]
    ra_deg: float
    dec_deg: float
    flux_jy: float
    spectral_index: float
    ref_freq_hz: float
    spw_flux_jy: dict[int, float]
    solar_system: bool = False
    data_scale: float = 1.0
    source_ra_deg: float | None = None
    source_dec_deg: float | None = None


@dataclass(frozen=True)
class ScanTruth:
    number: int
    field_ids: tuple[int, ...]
    intents: tuple[str, ...]
    spw_ids: tuple[int, ...]
    start_mjd_s: float
    end_mjd_s: float


@dataclass(frozen=True)
class AntennaTruth:
    antenna_id: int
    name: str
    station: str
    diameter_m: float


@dataclass(frozen=True)
class LineTruth:
    """The injected line: requested LSRK centre and where it sits in the data."""

    spec: LineSpec
    spw_id: int
    topo_centre_hz: float
    source_name: str


@dataclass(frozen=True)
class Truth:
    """Everything a test may check a synthetic EB against.

    ``tsys_map`` maps each science window to the Tsys window of its
    baseband (itself when Tsys was measured on the science windows).
    ``median_tsys_k`` is the median SYSCAL Tsys per Tsys window;
    ``noise_jy`` the thermal noise (rms of the real part of one calibrated
    visibility, one channel, one integration, one polarisation) per science
    window at the median Tsys, from the radiometer equation used to add it.
    ``injected`` names the corruption tables applied to the data
    (``bandpass``, ``gains``), absolute paths, empty when ``corrupt`` was
    False.
    """

    schema: int
    uid: str
    ms: str
    config: SyntheticConfig
    start_mjd_s: float
    end_mjd_s: float
    integration_s: float
    spws: tuple[SpwTruth, ...]
    science_spws: tuple[int, ...]
    tsys_spws: tuple[int, ...]
    wvr_spw: int
    ch_avg_spws: tuple[int, ...]
    tsys_map: dict[int, int]
    fields: tuple[FieldTruth, ...]
    scans: tuple[ScanTruth, ...]
    antennas: tuple[AntennaTruth, ...]
    median_tsys_k: dict[int, float]
    noise_jy: dict[int, float]
    line: LineTruth | None
    injected: dict[str, str]
    build_seconds: float = 0.0
    #: Band-to-band / bandwidth-switching EBs: reference windows, the
    #: science -> reference window map, the injected per-antenna setup
    #: offset and the offset table a calibration should find
    #: (``build.diffgain_truth``); empty otherwise.
    diffgain: dict = field(default_factory=dict)
    #: Injected faults (``faults.faults_truth``): one dict per fault with its
    #: kind, antenna, windows and time range; empty for a fault-free EB.
    faults: list = field(default_factory=list)
    #: EBs with a second target and/or a check source
    #: (``build.multi_target_truth``): the phase calibrator each must take,
    #: the second region's per-antenna phase, the check source's position
    #: offset; empty otherwise.
    multi_target: dict = field(default_factory=dict)
    #: A spectral scan's science windows per tuning, first tuning first
    #: (``n_tunings`` > 1); empty otherwise.
    spectral_tunings: list = field(default_factory=list)
    #: An extended line source (``config.extended_line``;
    #: ``build.extended_line_truth``): J2000 position, size, LSRK and TOPO
    #: line centre and width, its window, and per target pointing the
    #: source's distance and the flux fraction it saw; empty otherwise.
    extended_line: dict = field(default_factory=dict)

    @property
    def ms_path(self) -> Path:
        return Path(self.ms)

    def field(self, field_id: int) -> FieldTruth:
        for fld in self.fields:
            if fld.field_id == field_id:
                return fld
        raise KeyError(f"no field {field_id} in {self.uid}")

    def fields_with_role(self, role: str) -> tuple[FieldTruth, ...]:
        return tuple(f for f in self.fields if role in f.roles)

    def calibrator_catalogue(self, note: str = "synthetic truth (the builder's model)") -> str:
        """The flux calibrator's entry as an analyst would look it up.

        CSV in the calibrator-flux format ``scriptgen generate
        --calibrator-fluxes`` reads; a solar-system calibrator needs no entry
        (CASA models it), so only quasars are listed.
        """
        lines = ["source,flux_jy,spix,reffreq_ghz,date,note"]
        for fld in self.fields_with_role("flux"):
            if not fld.solar_system:
                lines.append(
                    f"{fld.source_name},{fld.flux_jy},{fld.spectral_index},"
                    f"{fld.ref_freq_hz / 1e9},{self.config.start[:10]},{note}"
                )
        return "\n".join(lines) + "\n"

    def field_ids(self, role: str) -> tuple[int, ...]:
        return tuple(f.field_id for f in self.fields_with_role(role))

    @property
    def target_fields(self) -> tuple[FieldTruth, ...]:
        return self.fields_with_role("target")

    def tsys_spwmap(self) -> list[int]:
        """The Tsys map as applycal's ``spwmap`` list (index = spw id)."""
        n = max(s.spw_id for s in self.spws) + 1
        return [self.tsys_map.get(i, i) for i in range(n)]

    def to_json(self) -> dict:
        data = asdict(self)
        data["config"] = self.config.to_json()
        return data

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n")

    @classmethod
    def from_json(cls, data: dict) -> Truth:
        if data.get("schema") != SCHEMA_VERSION:
            raise ScriptgenError(
                f"truth file schema {data.get('schema')!r} is not {SCHEMA_VERSION}; rebuild the EB"
            )
        d = dict(data)
        d["config"] = SyntheticConfig.from_json(d["config"])
        d["spws"] = tuple(SpwTruth(**s) for s in d["spws"])
        d["fields"] = tuple(
            FieldTruth(
                **{**f, "roles": tuple(f["roles"]), "spw_flux_jy": _int_keys(f["spw_flux_jy"])}
            )
            for f in d["fields"]
        )
        d["scans"] = tuple(
            ScanTruth(**{**s, **{k: tuple(s[k]) for k in ("field_ids", "intents", "spw_ids")}})
            for s in d["scans"]
        )
        d["antennas"] = tuple(AntennaTruth(**a) for a in d["antennas"])
        for key in ("science_spws", "tsys_spws", "ch_avg_spws"):
            d[key] = tuple(d[key])
        for key in ("tsys_map", "median_tsys_k", "noise_jy"):
            d[key] = _int_keys(d[key])
        if d.get("line") is not None:
            line = d["line"]
            d["line"] = LineTruth(**{**line, "spec": LineSpec(**line["spec"])})
        return cls(**d)

    @classmethod
    def load(cls, path: str | Path) -> Truth:
        """Read ``<ms>.truth.json`` (or give the MS path: the suffix is added).

        ``ms`` is taken from where the truth file is, not from what it
        recorded: a copied EB (MS and truth copied together, as ``copy_ms``
        does) must not point back at the original, which tests treat as
        read-only.
        """
        path = Path(path)
        if path.suffix != ".json":
            path = truth_path(path)
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise ScriptgenError(f"no truth file at {path}") from None
        except json.JSONDecodeError as exc:
            raise ScriptgenError(f"truth file {path} is not valid JSON: {exc}") from None
        truth = cls.from_json(data)
        if path.name.endswith(TRUTH_SUFFIX):
            truth = replace(truth, ms=str(path.absolute().with_name(path.name[: -len(TRUTH_SUFFIX)])))
        return truth


def truth_path(ms: str | Path) -> Path:
    """Where the truth of ``ms`` lives: ``<ms>.truth.json`` beside it."""
    ms = Path(ms)
    return ms.with_name(ms.name + TRUTH_SUFFIX)


def _int_keys(mapping: dict) -> dict:
    """JSON object keys are strings; ids are ints."""
    return {int(k): v for k, v in mapping.items()}
