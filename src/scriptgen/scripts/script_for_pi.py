"""scriptForPI.py: regenerate the calibrated data from a delivery."""

from __future__ import annotations

from collections.abc import Sequence

import jinja2

from ..model import ExecBlock


def render(ebs: Sequence[ExecBlock], env: jinja2.Environment, *, with_flux_script: bool) -> str:
    raise NotImplementedError("scriptForPI: in progress")
