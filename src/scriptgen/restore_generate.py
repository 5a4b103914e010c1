"""``scriptgen generate --from-delivery DIR``: scriptForPI for a pipeline or mixed delivery.

Reads and validates the delivery (:mod:`scriptgen.delivery`; no CASA
unless a flag template must be checked against a raw MS), renders the
script (:mod:`scriptgen.scripts.restore`) and writes it into the
delivery's ``script/`` folder, keeping a scriptForPI.py someone edited (the
new draft then goes beside it as ``scriptForPI.py.new``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import naming
from .delivery import Delivery, read_delivery
from .errors import ScriptgenError
from .render import WriteReport, make_environment, write_outputs
from .scripts import restore


@dataclass(frozen=True)
class RestoreResult:
    delivery: Delivery
    report: WriteReport

    def summary_lines(self) -> list[str]:
        d = self.delivery
        lines = self.report.lines()
        for eb in d.ebs:
            if eb.calibrated_by == "pipeline":
                flags = ", ".join(
                    part
                    for part in (
                        f"flag version {eb.flag_versions.version!r}" if eb.flag_versions else "",
                        f"template {eb.flag_template}" if eb.flag_template else "",
                    )
                    if part
                )
                lines.append(
                    f"{eb.uid}: pipeline calibration, {len(eb.library.applications)} applications of "
                    f"{len(eb.library.tables)} tables ({eb.library.syntax} syntax); raw {eb.raw}; "
                    f"flags: {flags or 'as in the raw data'}"
                )
            else:
                lines.append(f"{eb.uid}: {eb.calibration_script} (rerun with applyonly); raw {eb.raw}")
        where = f" (from {d.version_source})" if d.version_source else ""
        lines.append(f"calibration made with CASA {d.casa_version}, pipeline {d.pipeline_version}{where}")
        return lines


def generate_from_delivery(
    root: str | Path, *, templates: str | Path | None = None, force: bool = False
) -> RestoreResult:
    root = Path(root)
    if not root.is_dir():
        raise ScriptgenError(f"{root} is not a folder")
    delivery = read_delivery(root)
    text = restore.render(delivery, make_environment(templates))
    report = write_outputs(root / "script", {naming.PI_SCRIPT: text}, force=force)
    return RestoreResult(delivery=delivery, report=report)
