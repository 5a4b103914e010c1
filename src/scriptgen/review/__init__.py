"""``scriptgen review``: the analyst's look at a calibration run's tables.

:mod:`.tables` reads the caltables, flag versions and fluxscale results of
one EB (plain casatools table reads); :mod:`.report` turns them into
findings with :mod:`scriptgen.heuristics.review`, writes the text and JSON
report and the proposed flag template.
"""
