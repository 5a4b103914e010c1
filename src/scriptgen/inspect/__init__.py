"""The MS inspector: what an ALMA execution block contains, read from its tables.

One small reader per MS table (:mod:`.spectral`, :mod:`.fields`,
:mod:`.antennas`, :mod:`.observation`, :mod:`.states`, :mod:`.syscal`), a
scan reader over the main table's index columns only (:mod:`.mainindex`),
and :mod:`.core` joining them into a :class:`~scriptgen.model.ExecBlock`.
:mod:`.summary` turns an EB into the text ``scriptgen inspect`` prints.

Typical use::

    from scriptgen.inspect import inspect_ms
    eb = inspect_ms("uid___A002_X1_X2.ms")

casatools is imported only when an MS is actually read.
"""

from .core import Inspection, check_usable, inspect_ms, inspect_with_notes, uid_from_path
from .errors import (
    CorruptTable,
    NoIntents,
    NoScienceWindows,
    NotAMeasurementSet,
    PathNotFound,
    UnusableExecBlock,
)

__all__ = [
    "inspect_ms",
    "inspect_with_notes",
    "Inspection",
    "check_usable",
    "uid_from_path",
    "PathNotFound",
    "NotAMeasurementSet",
    "CorruptTable",
    "UnusableExecBlock",
    "NoIntents",
    "NoScienceWindows",
]
