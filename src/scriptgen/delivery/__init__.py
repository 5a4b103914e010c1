"""A delivery's ``calibration/`` folder read as data (no CASA needed).

* :mod:`.syntax` - the ``key=value`` lexer shared by cal libraries and flag
  templates;
* :mod:`.callib` - a pipeline's ``<uid>.ms.calapply.txt`` (CASA cal-library
  lines, or the pipeline's ``applycal(...)`` lines) as frozen data;
* :mod:`.flagtemplate` - the fields a flag template names;
* :mod:`.reader` - one delivery: its EBs, tables, flags, raw data and the
  versions that made it, validated before any CASA work.
"""

from .callib import CalApplication, CalLibrary, parse_calapply
from .reader import DeliveredEb, Delivery, read_delivery

__all__ = [
    "CalApplication",
    "CalLibrary",
    "DeliveredEb",
    "Delivery",
    "parse_calapply",
    "read_delivery",
]
