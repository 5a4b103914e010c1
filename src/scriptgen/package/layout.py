"""Where things go in an ALMA delivery package, and the names that place it.

The archive's product tree is
``<project>/science_goal.<uid>/group.<uid>/member.<uid>/`` with one folder
per kind of content. Everything here is pure: names in, relative paths out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from ..errors import ScriptgenError

__all__ = ["FOLDERS", "DeliveryIds", "normalise_uid", "check_project", "README", "QA2_JSON", "QA2_TEXT", "RAW_NOTE"]

#: The member folder's sub-folders and what each holds (shown in the README).
FOLDERS = {
    "product": "imaging products (FITS): primary-beam-corrected images, primary beams, clean masks",
    "calibration": "calibration tables, flag versions and calibrator fluxes that scriptForPI.py applies",
    "qa": "quality-assessment plots, the plot index (index.html) and the QA2 report",
    "script": "the reduction scripts: calibration per EB, flux equalisation, imaging, scriptForPI.py",
    "log": "CASA logs and listobs summaries from the reduction",
    "raw": "the raw data (ASDMs) go here; they are downloaded separately",
}

README = "README"
QA2_JSON = "qa2_report.json"
QA2_TEXT = "qa2_report.txt"
RAW_NOTE = "README.raw.txt"

_UID_ARCHIVE = re.compile(r"^uid://([A-Za-z0-9]+)/([A-Za-z0-9]+)/([A-Za-z0-9]+)$")
_UID_FOLDER = re.compile(r"^uid___[A-Za-z0-9]+(_[A-Za-z0-9]+)+$")
_PROJECT_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_PROJECT_ALMA = re.compile(r"^\d{4}\.[0-9A-Z]\.\d{5}\.[A-Z]+$")


def normalise_uid(text: str, what: str) -> str:
    """``uid://A001/X123/X45`` or ``uid___A001_X123_X45`` -> the folder form."""
    text = text.strip()
    m = _UID_ARCHIVE.match(text)
    if m:
        text = "uid___" + "_".join(m.groups())
    if not _UID_FOLDER.match(text):
        raise ScriptgenError(f"{what} {text!r} is not an ALMA uid (uid://A001/X1/X2 or uid___A001_X1_X2)")
    return text


def check_project(text: str) -> tuple[str, str | None]:
    """The project code, and a warning if it is not ALMA-shaped (2024.1.00001.S).

    Only characters safe in a folder name are accepted, since the code
    becomes the top folder of the package.
    """
    text = text.strip()
    if not _PROJECT_SAFE.match(text) or text in (".", ".."):
        raise ScriptgenError(f"project code {text!r} cannot name a folder (letters, digits, '.', '_', '-')")
    warning = None if _PROJECT_ALMA.match(text) else f"project code {text!r} is not of ALMA's form 2024.1.00001.S"
    return text, warning


@dataclass(frozen=True)
class DeliveryIds:
    """The identifiers that place a package in the archive's tree."""

    project: str
    science_goal: str
    group: str
    member: str

    @property
    def member_path(self) -> PurePosixPath:
        return PurePosixPath(
            self.project, f"science_goal.{self.science_goal}", f"group.{self.group}", f"member.{self.member}"
        )
