"""The CASA import check every emitted script starts with, copied into it.

On a fresh machine with CASA installed from PyPI, ``import casatasks`` fails
until casaconfig knows where CASA's measures data is: it tries to download
it into ``~/.casa/data`` and, when it may not, raises ``AutoUpdatesNotAllowed``
after a screen of SEVERE messages. scriptgen's own commands avoid that with a
generated site config (:mod:`scriptgen.casa_env`), but a script run with
plain ``python`` does not get it. :func:`require_casa` turns the failure
into one line that names the fix.

The renderer copies this function's source into each script
(the ``preamble`` macro of ``scriptgen/templates/common/macros.j2``), so the rules of the runtime
modules in :mod:`scriptgen.scripts` apply: standard library only, imported
inside the body, no module-level names. It lives here, beside the template
environment that offers it to every template, so that rendering never
imports the per-script modules built on it.
"""

from __future__ import annotations


def require_casa(script):
    """Import casatasks, or stop with one line saying how to run ``script``.

    CASA's own messages during the attempt are kept off the terminal (they
    are printed below Python, on descriptors 1 and 2); the first line of
    the error is kept in the message. A CASA that imports is left imported.
    """
    from os import O_WRONLY, close, devnull, dup, dup2, environ
    from os import open as open_fd
    from os.path import expanduser, isfile, join

    try:
        print(end="", flush=True)  # what the script printed so far stays visible
        saved = [dup(1), dup(2)]
    except (AttributeError, OSError, ValueError):
        saved = None  # no real descriptors (an embedding shell): just try
    if saved is not None:
        sink = open_fd(devnull, O_WRONLY)
        dup2(sink, 1)
        dup2(sink, 2)
        close(sink)
    try:
        import casatasks  # noqa: F401

        return None
    except Exception as exc:
        problem = (str(exc).strip().splitlines() or [""])[0]
        reason = "%s: %s" % (type(exc).__name__, problem) if problem else type(exc).__name__
    finally:
        if saved is not None:
            dup2(saved[0], 1)
            dup2(saved[1], 2)
            close(saved[0])
            close(saved[1])
    cache = environ.get("XDG_CACHE_HOME") or join(expanduser("~"), ".cache")
    siteconfig = join(cache, "scriptgen", "casasiteconfig.py")
    fix = "run it with 'scriptgen run %s'" % script
    if isfile(siteconfig):
        fix += ", or 'CASASITECONFIG=%s python %s'" % (siteconfig, script)
    else:
        fix += ", or set measurespath in ~/.casa/config.py (CASA's casaconfig documentation)"
    raise SystemExit("%s: CASA cannot start (%s); %s" % (script, reason, fix))
