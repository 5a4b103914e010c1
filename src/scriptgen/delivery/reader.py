"""One delivery, read and validated before scriptForPI is written.

A delivery (ALMA QA2 product layout) holds ``raw/`` (the ASDMs, or MSs),
``calibration/`` (tables, flag versions, flag templates, calibration
libraries, ``flux.csv``) and ``script/``. Each EB was calibrated either by
the pipeline (``calibration/<uid>.ms.calapply.txt`` says how to apply its
tables) or by a ``scriptForCalibration.py`` (``script/<uid>.ms.
scriptForCalibration.py``, rerun with ``applyonly``); a mixed delivery has
both. Everything that could make the restore fail half-way (a table the
library names but the delivery lacks, a flag template naming an unknown
field, an EB without raw data) is refused here, in one line, before any
CASA work.
"""

from __future__ import annotations

import re
import tarfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from .. import naming
from ..errors import ScriptgenError
from .callib import CalLibrary, parse_calapply
from .flagtemplate import KnownFields, check_template
from .pi_lists import delivered_by_script

#: ``<uid>.ms.calapply.txt`` (also ``<uid>.calapply.txt``): the pipeline's
#: per-EB apply list (``h_exportdata``).
CALAPPLY = re.compile(r"^(uid___[A-Za-z0-9_]+?)(?:\.ms)?\.calapply\.txt$")
CALIBRATION_SCRIPT = re.compile(r"^(uid___[A-Za-z0-9_]+?)\.ms\.scriptForCalibration\.py$")
#: Goal-wide files the flux step or the PI may need, copied when present.
GOAL_FILES = ("flux.csv", naming.FLUX_CSV)
#: The flag version the pipeline's restore goes back to (``h_restoredata``).
FINAL_FLAG_VERSION = "Pipeline_Final"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class FlagVersions:
    """A delivered ``<ms>.flagversions`` folder (or its ``.tgz``) and the version to restore."""

    name: str
    version: str

    @property
    def is_tarball(self) -> bool:
        return self.name.endswith(".tgz")


@dataclass(frozen=True)
class DeliveredEb:
    """One EB of a delivery and how its calibration is restored."""

    uid: str
    #: ``'pipeline'`` (cal library) or ``'script'`` (scriptForCalibration.py).
    calibrated_by: str
    #: Its raw data in ``raw/`` and what it is: ``'asdm'`` or ``'ms'``.
    raw: str
    raw_kind: str
    library: CalLibrary | None = None
    flag_template: str | None = None
    flag_versions: FlagVersions | None = None
    calibration_script: str | None = None
    #: Files in ``calibration/`` to copy next to the MS.
    delivered: tuple[str, ...] = ()

    @property
    def ms(self) -> str:
        return naming.ms_name(self.uid)


@dataclass(frozen=True)
class Delivery:
    root: Path
    ebs: tuple[DeliveredEb, ...]
    flux_script: str | None
    goal_files: tuple[str, ...]
    #: The CASA and pipeline versions that made the calibration, and where
    #: that was read ('unknown' when the delivery does not say).
    casa_version: str = UNKNOWN
    pipeline_version: str = UNKNOWN
    version_source: str = ""


def _raw_data(raw_dir: Path, uid: str) -> tuple[str, str]:
    """``(name in raw/, 'asdm' | 'ms')``; the same candidates scriptForPI tries."""
    for name in (f"{uid}.asdm.sdm", uid, f"{uid}.ms"):
        path = raw_dir / name
        if (path / "ASDM.xml").is_file():
            return name, "asdm"
        if (path / "table.dat").is_file():
            return name, "ms"
    raise ScriptgenError(f"no raw data for {uid} in {raw_dir} (expected {uid}.asdm.sdm, {uid} or {uid}.ms)")


def _flag_versions(calibration: Path, ms: str) -> FlagVersions | None:
    folder = calibration / f"{ms}.flagversions"
    tarball = calibration / f"{ms}.flagversions.tgz"
    if folder.is_dir():
        listing = (folder / "FLAG_VERSION_LIST").read_text() if (folder / "FLAG_VERSION_LIST").is_file() else ""
        name = folder.name
    elif tarball.is_file():
        try:
            with tarfile.open(tarball, "r:gz") as tar:
                member = tar.extractfile(f"{ms}.flagversions/FLAG_VERSION_LIST")
                listing = member.read().decode() if member is not None else ""
        except (tarfile.TarError, KeyError, OSError) as exc:
            raise ScriptgenError(f"{tarball}: not a readable flag-versions archive ({exc})") from None
        name = tarball.name
    else:
        return None
    versions = [line.split(" : ")[0].strip() for line in listing.splitlines() if line.strip()]
    if not versions:
        raise ScriptgenError(f"{calibration / name}: lists no flag version (FLAG_VERSION_LIST)")
    version = FINAL_FLAG_VERSION if FINAL_FLAG_VERSION in versions else versions[-1]
    return FlagVersions(name=name, version=version)


def _flag_template(calibration: Path, uid: str) -> str | None:
    for name in (f"{uid}.ms.flagtemplate.txt", f"{uid}.flagtemplate.txt"):
        if (calibration / name).is_file():
            return name
    return None


def known_fields(root: Path, eb_raw: Path, raw_kind: str, library: CalLibrary | None, uid: str) -> KnownFields:
    """The EB's fields: from its snapshot, else its raw MS, else the library's own selections."""
    for folder in ("script", "calibration"):
        snap = root / folder / naming.snapshot_file(naming.ms_name(uid))
        if snap.is_file():
            from ..snapshot import load

            eb = load(snap)
            return KnownFields(
                frozenset(f.name for f in eb.fields), frozenset(f.field_id for f in eb.fields), f"snapshot {snap.name}"
            )
    if raw_kind == "ms":
        from ..inspect.fields import read_fields

        fields = read_fields(eb_raw)
        return KnownFields(
            frozenset(f.name for f in fields), frozenset(f.field_id for f in fields), f"FIELD of raw/{eb_raw.name}"
        )
    names: set[str] = set()
    for selection in library.field_selections if library else ():
        names.update(item.strip() for item in selection.split(","))
    ids = frozenset(int(n) for n in names if n.isdigit())
    return KnownFields(frozenset(names), ids, "the fields its calibration library names")


def read_versions(root: Path) -> tuple[str, str, str]:
    """``(casa, pipeline, source)`` from a ``*pipeline_manifest.xml`` (``h_exportdata``)."""
    manifests = sorted(root.glob("*/*pipeline_manifest.xml")) + sorted(root.glob("*pipeline_manifest.xml"))
    for manifest in manifests:
        try:
            tree = ET.parse(manifest)
        except ET.ParseError:
            continue
        casa = next((el.get("name") for el in tree.iter("casaversion") if el.get("name")), UNKNOWN)
        pipe = next((el.get("name") for el in tree.iter("pipeline_version") if el.get("name")), UNKNOWN)
        if casa != UNKNOWN or pipe != UNKNOWN:
            return casa, pipe, str(manifest.relative_to(root))
    return UNKNOWN, UNKNOWN, ""


def _pipeline_eb(root: Path, uid: str, calapply: Path) -> DeliveredEb:
    calibration = root / "calibration"
    library = parse_calapply(calapply.read_text(), f"calibration/{calapply.name}")
    missing = [table for table in library.tables if not (calibration / table).exists()]
    if missing:
        raise ScriptgenError(
            f"calibration/{calapply.name} names {missing[0]}, which is not in calibration/"
            + (f" (nor {len(missing) - 1} more)" if len(missing) > 1 else "")
        )
    raw, raw_kind = _raw_data(root / "raw", uid)
    template = _flag_template(calibration, uid)
    if template is not None:
        known = known_fields(root, root / "raw" / raw, raw_kind, library, uid)
        check_template((calibration / template).read_text(), f"calibration/{template}", known)
    versions = _flag_versions(calibration, naming.ms_name(uid))
    delivered = library.tables + ((template,) if template else ()) + ((versions.name,) if versions else ())
    # The fluxscale results, when delivered, for a flux script of the goal.
    fluxscale = naming.CalTables(naming.ms_name(uid)).fluxscale_results
    if (calibration / fluxscale).is_file():
        delivered += (fluxscale,)
    return DeliveredEb(
        uid=uid,
        calibrated_by="pipeline",
        raw=raw,
        raw_kind=raw_kind,
        library=library,
        flag_template=template,
        flag_versions=versions,
        delivered=delivered,
    )


def _script_eb(root: Path, uid: str, script: Path, listed: dict[str, tuple[str, ...]]) -> DeliveredEb:
    """``listed``: what the delivery's scriptForPI.py copies per MS (the
    observing mode's list, e.g. band-to-band's DIFFGAIN tables); an EB it
    does not list delivers the shared ``CalTables.delivered``."""
    raw, raw_kind = _raw_data(root / "raw", uid)
    tables = naming.CalTables(naming.ms_name(uid))
    return DeliveredEb(
        uid=uid,
        calibrated_by="script",
        raw=raw,
        raw_kind=raw_kind,
        calibration_script=script.name,
        delivered=listed.get(tables.ms, tables.delivered),
    )


def read_delivery(root: str | Path) -> Delivery:
    """Every EB of the delivery at ``root``, validated; one-line errors."""
    root = Path(root)
    for folder in ("raw", "calibration", "script"):
        if not (root / folder).is_dir():
            raise ScriptgenError(f"{root} is not a delivery: {folder}/ is missing")
    found: dict[str, DeliveredEb] = {}
    listed = delivered_by_script(root / "script" / naming.PI_SCRIPT)
    for path in sorted((root / "calibration").iterdir()):
        match = CALAPPLY.match(path.name)
        if match:
            if match.group(1) in found:
                raise ScriptgenError(f"two calibration libraries for {match.group(1)} in calibration/")
            found[match.group(1)] = _pipeline_eb(root, match.group(1), path)
    for path in sorted((root / "script").iterdir()):
        match = CALIBRATION_SCRIPT.match(path.name)
        if match:
            if match.group(1) in found:
                raise ScriptgenError(
                    f"{match.group(1)} has both a calibration library and {path.name}: keep one of them"
                )
            found[match.group(1)] = _script_eb(root, match.group(1), path, listed)
    if not found:
        raise ScriptgenError(
            f"{root}: no EB to restore (no calibration/<uid>.ms.calapply.txt, no script/<uid>.ms.scriptForCalibration.py)"
        )
    flux = root / "script" / naming.FLUX_SCRIPT
    if flux.is_file():
        for eb in found.values():
            needed = naming.CalTables(eb.ms).fluxscale_results
            if eb.calibrated_by == "pipeline" and not (root / "calibration" / needed).is_file():
                raise ScriptgenError(
                    f"script/{flux.name} needs the fluxscale results {needed} of the pipeline-calibrated "
                    f"{eb.uid}, which are not in calibration/ (remove the flux script to restore without it)"
                )
    casa, pipe, source = read_versions(root)
    return Delivery(
        root=root,
        ebs=tuple(found[uid] for uid in sorted(found)),
        flux_script=flux.name if flux.is_file() else None,
        goal_files=tuple(name for name in GOAL_FILES if (root / "calibration" / name).is_file()),
        casa_version=casa,
        pipeline_version=pipe,
        version_source=source,
    )
