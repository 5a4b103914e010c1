"""Diagnostic plots for the delivery's ``qa/`` folder.

``caltables`` reads CASA calibration tables into plain arrays (casatools),
``figures`` draws them and image previews (matplotlib, Agg), ``gallery``
decides which plots a set of EBs gets and writes ``index.html``.
"""
