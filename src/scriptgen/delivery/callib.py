"""A pipeline calibration's apply instructions, read as data.

The pipeline delivers, per EB, ``<uid>.ms.calapply.txt``: which table is
applied to which data and how. Two spellings occur and both are read here
into the same :class:`CalApplication` records, one per (table, data
selection):

* CASA's cal-library syntax (CASA cookbook, "Cal Library Syntax"), one
  line per table and selection::

      caltable='uid.ms.hifa_timegaincal.g' field='3' intent='*OBSERVE_TARGET*'
          spw='17,19' tinterp='linear' fldmap='2' spwmap=[0,1] calwt=True

* the pipeline's own export (``h_exportdata`` writes
  ``CalState.as_applycal()``; ``h_restoredata`` reads it back), one
  ``applycal(...)`` line per data selection with parallel lists::

      applycal(vis='uid.ms', field='3', intent='TARGET', spw='17,19',
               antenna='', gaintable=['a.tbl', 'b.tbl'], gainfield=['', '2'],
               spwmap=[[], []], interp=['linear,linear', 'linear'],
               calwt=[True, False])

  whose intents are the pipeline's short names (``TARGET``), translated
  here to the MS intents they stand for.

Table paths are reduced to their base names: the restore runs where the
tables are (``h_restoredata`` rewrites the paths the same way).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from ..errors import ScriptgenError
from .syntax import instruction_lines, parse_pairs

#: Pipeline intent names (``pipeline.domain.state.StateALMA.obs_mode_mapping``)
#: and the MS intents they stand for, as CASA intent selections.
PIPELINE_INTENTS = {
    "TARGET": ("*OBSERVE_TARGET*", "*CALIBRATE_TARGET*"),
    "REFERENCE": ("*OBSERVE_TARGET#OFF_SOURCE*",),
    "PHASE": ("*CALIBRATE_PHASE*",),
    "BANDPASS": ("*CALIBRATE_BANDPASS*",),
    "AMPLITUDE": ("*CALIBRATE_FLUX*", "*CALIBRATE_AMPLI*"),
    "CHECK": ("*OBSERVE_CHECK_SOURCE*", "*CALIBRATE_DELAY*"),
    "POLARIZATION": ("*CALIBRATE_POLARIZATION*",),
    "POLANGLE": ("*CALIBRATE_POL_ANGLE*",),
    "POLLEAKAGE": ("*CALIBRATE_POL_LEAKAGE*",),
    "DIFFGAINREF": ("*CALIBRATE_DIFFGAIN#REFERENCE*",),
    "DIFFGAINSRC": ("*CALIBRATE_DIFFGAIN#ON_SOURCE*",),
    "ATMOSPHERE": ("*CALIBRATE_ATMOSPHERE*",),
    "POINTING": ("*CALIBRATE_POINTING*",),
    "FOCUS": ("*CALIBRATE_FOCUS*",),
    "WVR": ("*CALIBRATE_WVR*",),
    "SIDEBAND": ("*CALIBRATE_SIDEBAND_RATIO*",),
}

#: Cal-library keys this reader understands: the data selection ("calto")
#: and how the table is applied ("calfrom").
CALTO_KEYS = ("field", "intent", "spw", "obs")
CALFROM_KEYS = ("caltable", "tinterp", "finterp", "fldmap", "spwmap", "calwt")

#: Keys of the pipeline's applycal lines.
APPLYCAL_KEYS = ("vis", "field", "intent", "spw", "antenna", "gaintable", "gainfield", "spwmap", "interp", "calwt")

#: Characters a value may not hold: they could not be written back into a
#: cal-library line unambiguously.
_FORBIDDEN = ("'", '"', "\n", "\r")


class CalLibraryError(ScriptgenError):
    """A calibration library that cannot be restored exactly; one line."""


@dataclass(frozen=True)
class CalApplication:
    """One table applied to one data selection (one cal-library line)."""

    caltable: str
    field: str = ""
    intent: str = ""
    spw: str = ""
    obs: str = ""
    tinterp: str = ""
    finterp: str = ""
    #: Which caltable fields to take: '' (the row's own field), 'nearest',
    #: a selection string, or caltable field ids.
    fldmap: str | tuple[int, ...] = ""
    spwmap: tuple[int, ...] = ()
    calwt: bool = True
    #: Where it was read: ``file:line``.
    origin: str = ""

    def callib_fields(self) -> dict[str, object]:
        """The non-default keys of its cal-library line, in the usual order."""
        out: dict[str, object] = {"caltable": self.caltable}
        for key in ("field", "intent", "spw", "obs", "tinterp", "finterp", "fldmap"):
            value = getattr(self, key)
            if value not in ("", ()):
                out[key] = list(value) if isinstance(value, tuple) else value
        if self.spwmap:
            out["spwmap"] = list(self.spwmap)
        out["calwt"] = self.calwt
        return out


@dataclass(frozen=True)
class CalLibrary:
    """Every application of one EB's calibration, in the delivered order."""

    source: str
    applications: tuple[CalApplication, ...]
    #: Which spelling the file used: ``'callib'`` or ``'applycal'``.
    syntax: str = "callib"

    @property
    def tables(self) -> tuple[str, ...]:
        """The tables it names, each once, in first-use order."""
        return tuple(dict.fromkeys(app.caltable for app in self.applications))

    @property
    def field_selections(self) -> tuple[str, ...]:
        """Every field selection it uses (data and caltable side)."""
        out = []
        for app in self.applications:
            out.append(app.field)
            if isinstance(app.fldmap, str) and app.fldmap != "nearest":
                out.append(app.fldmap)
        return tuple(item for item in dict.fromkeys(out) if item)


def _text(value: object, key: str, where: str) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise CalLibraryError(f"{where}: {key} must be a string, not {value!r}")
    for char in _FORBIDDEN:
        if char in value:
            raise CalLibraryError(f"{where}: {key} {value!r} holds {char!r}, which a cal library cannot carry")
    return value.strip()


def _int_list(value: object, key: str, where: str) -> tuple[int, ...]:
    if value == "" or value == ():
        return ()
    if not isinstance(value, tuple) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise CalLibraryError(f"{where}: {key} must be a list of integers, not {value!r}")
    return value


def _bool(value: object, key: str, where: str) -> bool:
    if not isinstance(value, bool):
        raise CalLibraryError(f"{where}: {key} must be True or False, not {value!r}")
    return value


def _table(value: object, where: str) -> str:
    name = posixpath.basename(_text(value, "caltable", where).rstrip("/"))
    if not name or name in (".", ".."):
        raise CalLibraryError(f"{where}: a caltable name is missing")
    return name


def casa_intents(pipeline_intents: str, where: str) -> str:
    """The MS intent selection for the pipeline's intent names (``'TARGET,PHASE'``).

    Already-CASA selections (``'*CALIBRATE_PHASE*'``) are kept as they are.
    """
    if not pipeline_intents or any(c in pipeline_intents for c in "*#_"):
        return pipeline_intents
    out: list[str] = []
    for name in pipeline_intents.split(","):
        name = name.strip()
        if name not in PIPELINE_INTENTS:
            raise CalLibraryError(f"{where}: unknown pipeline intent {name!r}")
        out.extend(PIPELINE_INTENTS[name])
    return ",".join(dict.fromkeys(out))


def _check_field_list(fldmap: tuple[int, ...], field: str, where: str) -> None:
    """Refuse a list ``fldmap`` that has no entry for a field the line selects.

    A list is indexed by MS field id, like ``spwmap`` (measured with CASA
    6: ``field='3' fldmap=[2]`` does not give field 3 the solutions of
    field 2; ``fldmap='2'`` or ``[0, 1, 2, 2]`` do).
    """
    ids = [item.strip() for item in field.split(",") if item.strip()]
    if not ids or not all(item.isdigit() for item in ids):
        return
    short = [int(item) for item in ids if int(item) >= len(fldmap)]
    if short:
        raise CalLibraryError(
            f"{where}: fldmap {list(fldmap)} has no entry for field {short[0]} (a list is indexed by MS field id, "
            "like spwmap); to take one caltable field's solutions write fldmap='<id>'"
        )


def _from_callib_line(pairs: dict[str, object], where: str) -> CalApplication:
    unknown = sorted(set(pairs) - set(CALTO_KEYS) - set(CALFROM_KEYS))
    if unknown:
        raise CalLibraryError(f"{where}: cal-library key {unknown[0]!r} is not supported")
    if "caltable" not in pairs:
        raise CalLibraryError(f"{where}: no caltable")
    fldmap = pairs.get("fldmap", "")
    field = _text(pairs.get("field", ""), "field", where)
    if isinstance(fldmap, tuple):
        _check_field_list(_int_list(fldmap, "fldmap", where), field, where)
    return CalApplication(
        caltable=_table(pairs["caltable"], where),
        field=field,
        intent=_text(pairs.get("intent", ""), "intent", where),
        spw=_text(pairs.get("spw", ""), "spw", where),
        obs=_text(pairs.get("obs", ""), "obs", where),
        tinterp=_text(pairs.get("tinterp", ""), "tinterp", where),
        finterp=_text(pairs.get("finterp", ""), "finterp", where),
        fldmap=_int_list(fldmap, "fldmap", where) if isinstance(fldmap, tuple) else _text(fldmap, "fldmap", where),
        spwmap=_int_list(pairs.get("spwmap", ()), "spwmap", where),
        calwt=_bool(pairs.get("calwt", True), "calwt", where),
        origin=where,
    )


def _per_table(value: object, count: int, key: str, where: str) -> list:
    """A per-table list of ``applycal``; a single value stands for every table."""
    if not isinstance(value, tuple):
        return [value] * count
    if len(value) != count:
        raise CalLibraryError(f"{where}: {key} has {len(value)} entries for {count} tables")
    return list(value)


def _spwmaps(value: object, count: int, where: str) -> list:
    """``applycal``'s spwmap: ``[]`` for none, ``[0, 1]`` for one table, ``[[...], ...]`` per table."""
    if value in ("", ()):
        return [()] * count
    if isinstance(value, tuple) and not any(isinstance(item, tuple) for item in value):
        if count != 1:
            raise CalLibraryError(f"{where}: one spwmap for {count} tables: give one list per table")
        return [value]
    return _per_table(value, count, "spwmap", where)


def _from_applycal_line(pairs: dict[str, object], where: str) -> list[CalApplication]:
    unknown = sorted(set(pairs) - set(APPLYCAL_KEYS))
    if unknown:
        raise CalLibraryError(f"{where}: applycal parameter {unknown[0]!r} is not supported")
    antenna = _text(pairs.get("antenna", ""), "antenna", where)
    if antenna:
        raise CalLibraryError(
            f"{where}: antenna selection {antenna!r} cannot be expressed in a cal library (calto has no antenna)"
        )
    tables = pairs.get("gaintable", ())
    tables = (tables,) if isinstance(tables, str) else tables
    if not tables:
        return []
    count = len(tables)
    gainfields = _per_table(pairs.get("gainfield", ""), count, "gainfield", where)
    interps = _per_table(pairs.get("interp", ""), count, "interp", where)
    calwts = _per_table(pairs.get("calwt", True), count, "calwt", where)
    spwmaps = _spwmaps(pairs.get("spwmap", ()), count, where)
    field = _text(pairs.get("field", ""), "field", where)
    intent = casa_intents(_text(pairs.get("intent", ""), "intent", where), where)
    spw = _text(pairs.get("spw", ""), "spw", where)
    out = []
    for table, gainfield, interp, calwt, spwmap in zip(tables, gainfields, interps, calwts, spwmaps):
        interp = _text(interp, "interp", where)
        tinterp, _, finterp = interp.partition(",")
        out.append(
            CalApplication(
                caltable=_table(table, where),
                field=field,
                intent=intent,
                spw=spw,
                tinterp=tinterp.strip(),
                finterp=finterp.strip(),
                fldmap=_text(gainfield, "gainfield", where),
                spwmap=_int_list(spwmap, "spwmap", where),
                calwt=_bool(calwt, "calwt", where),
                origin=where,
            )
        )
    return out


def parse_calapply(text: str, source: str) -> CalLibrary:
    """Read a calibration library (either spelling) from its text.

    ``source`` names the file in messages. Raises :class:`CalLibraryError`
    (or a syntax error) with one line naming the file and line.
    """
    applications: list[CalApplication] = []
    syntaxes = set()
    for number, line in instruction_lines(text):
        where = f"{source}:{number}"
        if line.startswith("applycal("):
            body = line[len("applycal(") :].rstrip()
            if not body.endswith(")"):
                raise CalLibraryError(f"{where}: applycal( without its closing parenthesis")
            applications.extend(_from_applycal_line(dict(parse_pairs(body[:-1], where)), where))
            syntaxes.add("applycal")
        else:
            applications.append(_from_callib_line(dict(parse_pairs(line, where)), where))
            syntaxes.add("callib")
    if not applications:
        raise CalLibraryError(f"{source}: no calibration in it")
    if len(syntaxes) > 1:
        raise CalLibraryError(f"{source}: mixes cal-library lines and applycal(...) lines")
    return CalLibrary(source=source, applications=tuple(applications), syntax=syntaxes.pop())
