"""scriptgen: inspect ALMA execution blocks and write editable CASA scripts.

The package is layered so that data flows one way:

* :mod:`scriptgen.model` and :mod:`scriptgen.derive` describe an execution
  block and what follows from its metadata, without CASA;
* :mod:`scriptgen.snapshot` stores that description as JSON;
* :mod:`scriptgen.inspect` reads it from a MeasurementSet with casatools;
* :mod:`scriptgen.synthetic` builds ALMA-like execution blocks to test on;
* :mod:`scriptgen.cli` is the command line.

CASA is imported lazily: everything that works from a snapshot works
without casatools installed.
"""

__version__ = "0.1.0"
