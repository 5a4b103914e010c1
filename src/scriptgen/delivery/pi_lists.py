"""What the working folder's scriptForPI.py will copy from ``calibration/``.

The observing mode decides what an EB's calibration delivers
(``CalibrationPlan.delivered``: a band-to-band EB adds its DIFFGAIN tables)
and generation writes that list into scriptForPI.py as a literal. The
package must put exactly those files in ``calibration/``, so it reads the
list back from the script it delivers, parsed as data (``ast``), never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

__all__ = ["delivered_by_script", "parse_delivered"]


def parse_delivered(source: str) -> dict[str, tuple[str, ...]]:
    """MS name -> delivered names, from the ``ebs = {...}`` literal of a scriptForPI.

    Returns an empty mapping when the script has no such literal (an older
    or hand-written script): the package then falls back to the shared list.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "ebs"
        ):
            try:
                ebs = ast.literal_eval(node.value)
            except ValueError:
                return {}
            if not isinstance(ebs, dict):
                return {}
            out = {}
            for eb in ebs.values():
                if isinstance(eb, dict) and isinstance(eb.get("ms"), str) and isinstance(eb.get("delivered"), list):
                    out[eb["ms"]] = tuple(str(name) for name in eb["delivered"])
            return out
    return {}


def delivered_by_script(script: Path) -> dict[str, tuple[str, ...]]:
    """:func:`parse_delivered` of ``script`` when it exists, else empty."""
    try:
        return parse_delivered(script.read_text())
    except (OSError, UnicodeDecodeError):
        return {}
