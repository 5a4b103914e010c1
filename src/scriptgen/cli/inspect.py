"""`scriptgen inspect`: what is in an execution block, and its JSON snapshot."""

from __future__ import annotations

import os
from pathlib import Path

NAME = "inspect"
HELP = "summarise ALMA MeasurementSets and write their metadata snapshots"
DESCRIPTION = """\
Read an ALMA MeasurementSet's tables (never its visibilities) and print what
a reduction needs: spectral windows with kinds, bands and basebands, which
are science and which carry Tsys; scans with fields and intents; fields with
calibrator roles and coordinates; antennas; whether Tsys and WVR
calibration can run; the Tsys -> science spw map; and the preflight
classification 'scriptgen generate' acts on: what kind of EB (or MS) it is
(standard, band-to-band, bandwidth switching, full polarisation, total
power, mixed arrays, a split or calibrated MS), the mode for it or why it
is refused, and the risks to check. --json writes the classification
beside the snapshot (key "preflight").

examples:
  scriptgen inspect uid___A002_X1_X2.ms
  scriptgen inspect uid___A002_X1_X2.ms --json eb.json     also write the snapshot
  scriptgen inspect eb1.ms eb2.ms --json snapshots/         one <uid>.json per EB
  scriptgen inspect eb.json                                 summarise a saved snapshot
  scriptgen inspect odd.ms --lenient                        show an MS without intents

--json PATH: with one input, PATH is the snapshot file (or, if PATH is an
existing directory or ends in '/', the folder for <uid>.json). With several
inputs PATH is always a folder (created if needed), one <uid>.json per EB.
A snapshot lets scripts be generated later without the MS or CASA.

Exit status: 0 on success, 2 when an input is missing, not a
MeasurementSet, damaged, or (unless --lenient) has no intents or no
science windows; the reason is printed on one line.
"""


def add_arguments(parser) -> None:
    parser.add_argument(
        "inputs", nargs="+", metavar="MS",
        help="MeasurementSet directories (or .json snapshots to summarise)",
    )
    parser.add_argument(
        "--json", metavar="PATH", dest="json_path",
        help="write the metadata snapshot(s) here (see above for several MSs)",
    )
    parser.add_argument(
        "--lenient", action="store_true",
        help="summarise MSs with no intents or no science windows instead of failing",
    )


def snapshot_targets(inputs: list[str], json_path: str | None, uids: list[str]) -> list[Path | None]:
    """Where each input's snapshot goes (None: no snapshot asked for)."""
    if json_path is None:
        return [None] * len(inputs)
    target = Path(json_path)
    as_folder = len(inputs) > 1 or target.is_dir() or json_path.endswith(("/", os.sep))
    if not as_folder:
        return [target]
    seen: set[str] = set()
    out = []
    for uid in uids:
        if uid in seen:
            from ..errors import ScriptgenError

            raise ScriptgenError(
                f"two inputs have the same EB name {uid!r}; write their snapshots one at a time"
            )
        seen.add(uid)
        out.append(target / f"{uid}.json")
    return out


def _load(path: str, lenient: bool):
    from .. import snapshot
    from ..inspect import Inspection, check_usable, inspect_with_notes

    if snapshot.is_snapshot_path(path):
        eb = snapshot.load(path, content=False)
        if not lenient:
            check_usable(eb)
        return Inspection(eb)
    return inspect_with_notes(path, strict=not lenient)


def snapshot_text(eb, check) -> str:
    """The snapshot with the preflight classification beside it.

    The classification sits next to the ``execblock`` key, which is all a
    snapshot reader loads, so the file stays a valid snapshot; it is there
    for people and tools reading the JSON.
    """
    import json

    from .. import snapshot

    data = snapshot.to_dict(eb)
    data["preflight"] = check.to_json()
    return json.dumps(data, indent=1, sort_keys=True, allow_nan=False) + "\n"


def _save(text: str, target: Path) -> None:
    """Write the snapshot atomically, file-system problems as one line."""
    from .. import atomicfile
    from ..errors import ScriptgenError

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomicfile.write_text(target, text)
    except IsADirectoryError:
        raise ScriptgenError(f"cannot write snapshot {target}: it is a folder") from None
    except OSError as exc:
        raise ScriptgenError(f"cannot write snapshot {target}: {exc.strerror or exc}") from None


def run(args) -> int:
    from ..inspect.summary import summarise
    from ..modes import preflight

    inspections = [_load(path, args.lenient) for path in args.inputs]
    targets = snapshot_targets(args.inputs, args.json_path, [i.eb.uid for i in inspections])
    for n, (inspection, target) in enumerate(zip(inspections, targets)):
        check = preflight(inspection.eb)
        if not args.quiet:
            if n:
                print("\n" + "=" * 78 + "\n")
            print(summarise(inspection.eb, inspection.notes), end="")
            print("\nPreflight (what 'scriptgen generate' does with this EB)")
            print("\n".join("  " + line for line in check.lines()))
        if target is not None:
            _save(snapshot_text(inspection.eb, check), target)
            if not args.quiet:
                print(f"\nsnapshot written to {target}")
    return 0
