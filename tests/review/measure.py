"""Moved to ``tests/support/measure.py``; this name stays for older imports."""

from ..support.measure import phase_scatter_deg

__all__ = ["phase_scatter_deg"]
