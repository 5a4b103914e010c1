"""Moved to ``tests/support/imaging_run.py``; this name stays for older imports."""

from .support.imaging_run import ImagingRun, _split_cal, run_imaging

__all__ = ["ImagingRun", "_split_cal", "run_imaging"]
