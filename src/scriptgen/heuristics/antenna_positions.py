"""Antenna position corrections: fetched by the script, or given to scriptgen.

ALMA measures its antenna positions again after antennas move and publishes
corrections per EB; delivered scripts correct tens of antennas by up to
about 2 mm, and a 2 mm baseline error with 3 degrees between target and
phase calibrator costs about 40 degrees of phase at Band 7. CASA 6.7's
``getantposalma`` fetches the observatory's positions for an EB as a JSON
file (it needs the network; the pipeline's ``hifa_antpos`` queries the same
service by default) and ``gencal(caltype='antpos', infile=<json>)`` turns
them into a calibration table.

The JSON file, as ``getantposalma`` writes it and ``gencal`` reads it
(casatasks ``task_getantposalma`` and ``correct_ant_posns_alma_json``)::

    {"data": {"DA41": [x, y, z], ...},          # ITRF positions in metres
     "metadata": {"product_code": "antposalma", "asdm": "uid://A002/X.../X...", ...}}

The positions are absolute: gencal subtracts the MS's ANTENNA positions.
gencal refuses a file whose ``product_code`` is not ``antposalma`` or that
names an antenna the MS does not have, so scriptgen checks both when the
analyst gives a file (``scriptgen generate --antpos FILE``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..model import ExecBlock

#: What getantposalma writes in ``metadata['product_code']``; gencal refuses others.
PRODUCT_CODE = "antposalma"

#: A correction larger than this is not a correction: the file holds the
#: positions of another array configuration or EB, or offsets instead of
#: absolute ITRF positions. Real corrections are millimetres; pad surveys
#: are good to a few centimetres, so 0.1 m leaves room for any genuine one.
MAX_CORRECTION_M = 0.1


class AntposError(ValueError):
    """An antenna-position file that gencal could not use (one line, why)."""


@dataclass(frozen=True)
class AntposFile:
    """A parsed getantposalma JSON file."""

    path: str
    positions: Mapping[str, tuple[float, float, float]]
    metadata: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def asdm(self) -> str | None:
        value = self.metadata.get("asdm")
        return str(value) if value else None

    def as_json_data(self) -> dict[str, Any]:
        """The file's content as plain data, as getantposalma wrote it."""
        return {
            "data": {name: list(xyz) for name, xyz in sorted(self.positions.items())},
            "metadata": dict(self.metadata),
        }


def parse(text: str, path: str = "antenna positions") -> AntposFile:
    """Read a getantposalma JSON file, refusing what gencal would refuse."""
    try:
        content = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AntposError(f"{path}: not JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(content, dict) or not isinstance(content.get("data"), dict):
        raise AntposError(f"{path}: expected getantposalma's JSON, an object with 'data' and 'metadata'")
    metadata = content.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("product_code") != PRODUCT_CODE:
        raise AntposError(
            f"{path}: metadata.product_code must be {PRODUCT_CODE!r} (gencal reads only getantposalma's files)"
        )
    positions = {}
    for name, xyz in content["data"].items():
        ok = isinstance(xyz, list) and len(xyz) == 3
        ok = ok and all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c) for c in xyz)
        if not ok:
            raise AntposError(f"{path}: antenna {name!r} needs three finite ITRF coordinates in metres, got {xyz!r}")
        positions[str(name)] = tuple(float(c) for c in xyz)
    if not positions:
        raise AntposError(f"{path}: no antenna positions in 'data'")
    return AntposFile(path=path, positions=MappingProxyType(positions), metadata=MappingProxyType(dict(metadata)))


def asdm_uid(eb: ExecBlock) -> str:
    """The EB's archive uid as the web service wants it: ``uid://A002/X1/X2``."""
    uid = eb.uid
    if uid.startswith("uid___"):
        return "uid://" + uid[len("uid___") :].replace("_", "/")
    return uid


def check_against(antpos: AntposFile, eb: ExecBlock) -> None:
    """Refuse a file that names antennas the EB lacks or moves one by more than a correction."""
    recorded = {a.name: a.position_m for a in eb.antennas}
    unknown = sorted(set(antpos.positions) - set(recorded))
    if unknown:
        raise AntposError(f"{antpos.path}: antennas {', '.join(unknown)} are not in {eb.uid} (gencal would refuse)")
    for name, xyz in sorted(antpos.positions.items()):
        shift = math.dist(xyz, recorded[name])
        if shift > MAX_CORRECTION_M:
            raise AntposError(
                f"{antpos.path}: {name} would move {shift:.3g} m from its recorded position in {eb.uid}; "
                f"corrections are millimetres (limit {MAX_CORRECTION_M} m): absolute ITRF positions of this EB needed"
            )
    if antpos.asdm and antpos.asdm != asdm_uid(eb):
        raise AntposError(f"{antpos.path}: written for {antpos.asdm}, not {asdm_uid(eb)}")


def assign(files: list[AntposFile], ebs: list[ExecBlock]) -> dict[str, AntposFile]:
    """Each file's EB (by the ``asdm`` its metadata names; a file without one needs a single EB)."""
    by_uid = {asdm_uid(eb): eb for eb in ebs}
    result: dict[str, AntposFile] = {}
    for antpos in files:
        if antpos.asdm:
            eb = by_uid.get(antpos.asdm)
            if eb is None:
                raise AntposError(f"{antpos.path}: written for {antpos.asdm}, which is not among the EBs given")
        elif len(ebs) == 1:
            eb = ebs[0]
        else:
            raise AntposError(f"{antpos.path}: metadata names no 'asdm', so it cannot be matched to one of {len(ebs)} EBs")
        if eb.uid in result:
            raise AntposError(f"{antpos.path}: a second antenna-position file for {eb.uid}")
        check_against(antpos, eb)
        result[eb.uid] = antpos
    return result


@dataclass(frozen=True)
class AntposChoice:
    asdm: str  # the uid getantposalma asks for
    given: AntposFile | None  # the analyst's file, used instead of fetching
    reason: str


def antpos_choice(eb: ExecBlock, given: AntposFile | None = None) -> AntposChoice:
    """Fetch the observatory's corrections when the script runs, or use the analyst's file."""
    if given is not None:
        recorded = {a.name: a.position_m for a in eb.antennas}
        shifts = [math.dist(xyz, recorded[n]) for n, xyz in given.positions.items() if n in recorded]
        largest = max(shifts) * 1e3 if shifts else 0.0
        return AntposChoice(
            asdm=asdm_uid(eb),
            given=given,
            reason=f"antenna positions from {given.path!r} (given to scriptgen, getantposalma's format): "
            f"{len(given.positions)} antennas, largest correction {largest:.2f} mm; written beside the "
            "tables and made into a table by gencal(caltype='antpos', infile=...)",
        )
    return AntposChoice(
        asdm=asdm_uid(eb),
        given=None,
        reason="the observatory's antenna positions for this EB, fetched with getantposalma (CASA >= 6.7, "
        "needs the network; the pipeline's hifa_antpos does the same) and made into a table by "
        "gencal(caltype='antpos', infile=...); offline, the script says so and goes on without them",
    )
