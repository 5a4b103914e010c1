"""The ALMA delivery package: ``<project>/science_goal.<uid>/group.<uid>/member.<uid>/``.

``layout`` names the tree, ``plan`` decides what goes where (pure),
``readme`` writes the README (pure), ``build`` copies and writes safely.
"""
