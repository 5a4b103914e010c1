"""Decisions, as plain functions of an execution block.

Heuristics never render and never call CASA: they take the frozen model
(:mod:`scriptgen.model`) and return values CASA accepts directly, each with
the reason an analyst would want to read in the emitted script. They are
unit-tested on hand-made EBs.

* :mod:`.calibration` - reference antenna, edge channels, solution
  intervals, flux models, Tsys field mapping, a-priori flags, WVR, the
  phase calibrator of each target;
* :mod:`.calibrator_fluxes` - the small file format in which a user passes
  catalogue fluxes for quasar flux calibrators.
"""
