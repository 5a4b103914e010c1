"""Synthetic ALMA-like execution blocks for tests and for trying things out.

::

    from scriptgen.synthetic import SyntheticConfig, Truth, build_execblock
    truth = build_execblock("uid___A002_Xsyn_X1.ms", SyntheticConfig(band=6))
    Truth.load("uid___A002_Xsyn_X1.ms.truth.json")

The builder makes an MS that looks like importasdm wrote it (WVR window,
FULL_RES/CH_AVG pairs, ALMA intents, SYSCAL Tsys, radiometer processor,
AZEL pointing) with a known sky and known corruptions, and saves that
knowledge beside it. See ``docs/synthetic.md``. Importing this package does
not import CASA; building does.
"""

from .build import build_execblock
from .config import ExtendedLineSpec, LineSpec, SyntheticConfig
from .truth import Truth, truth_path

__all__ = ["SyntheticConfig", "LineSpec", "ExtendedLineSpec", "Truth", "build_execblock", "truth_path"]
