"""Running whole science goals: the task graph, completion records, Dask.

``graph`` turns the scripts found in a working folder into tasks and their
dependencies (pure); ``records`` remembers which tasks finished and checks
their outputs; ``execute`` runs the graph on Dask distributed workers, each
task one emitted script in a fresh CASA subprocess (:mod:`scriptgen.runner`).
"""
