"""Errors a user can act on.

The CLI prints a :class:`ScriptgenError` as one line and exits non-zero;
anything else is a bug and keeps its traceback.
"""


class ScriptgenError(Exception):
    """A problem with the user's input or environment, said in one line."""


class NotAMeasurementSet(ScriptgenError):
    """The path exists but is not a readable CASA MeasurementSet."""


class SnapshotError(ScriptgenError):
    """A JSON snapshot that cannot be read back into an execution block."""


class NotCalibratable(ScriptgenError, ValueError):
    """An EB that lacks what a calibration script is built from (no bandpass
    calibrator, no antennas). Also a ValueError, which is what the
    heuristics raised before; callers that caught that keep working."""
