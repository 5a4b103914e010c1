"""Moved to ``tests/support/measure.py``; this name stays for older imports."""

from ..support.measure import mean_real_per_spw, phase_scatter

__all__ = ["mean_real_per_spw", "phase_scatter"]
