"""Helpers only the imaging script needs when it runs, copied into it.

Same rules as :mod:`.runtime`: each function imports what it uses inside
its body, refers to no module-level name but the shared helpers (copied
into the script before these), and is deterministic.
"""

from __future__ import annotations

from .runtime import remove_outputs


def remove_image(imagename):
    """Delete every product tclean wrote for ``imagename`` (and only those).

    tclean writes ``<imagename>.<product>`` (Taylor terms add ``.tt0``,
    ``.tt1``; primary-beam correction ``.pbcor``), so another image whose
    name merely starts the same way is left alone.
    """
    import glob

    products = ("image", "pb", "psf", "residual", "model", "mask", "sumwt", "weight", "alpha", "beta")
    for path in sorted(glob.glob(glob.escape(imagename) + ".*")):
        if path[len(imagename) + 1 :].split(".")[0] in products:
            remove_outputs(path)
