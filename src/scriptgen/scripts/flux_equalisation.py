"""scriptForFluxCalibration.py: one flux scale across the EBs of a science goal."""

from __future__ import annotations

from collections.abc import Sequence

import jinja2

from ..model import ExecBlock


def render(ebs: Sequence[ExecBlock], env: jinja2.Environment) -> str:
    raise NotImplementedError("flux equalisation script: in progress")
