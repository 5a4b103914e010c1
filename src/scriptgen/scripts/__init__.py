"""One module per emitted script; each exposes ``render(...) -> str``.

They turn decisions (from :mod:`scriptgen.heuristics` and the observing
mode) into template context and return black-formatted Python source;
:mod:`scriptgen.generate` decides which scripts an EB set needs and writes
them.
"""
