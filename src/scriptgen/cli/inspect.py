"""`scriptgen inspect` (placeholder until its issue lands)."""

NAME = "inspect"
HELP = "(not yet available)"


def add_arguments(parser):
    pass


def run(args):
    from ..errors import ScriptgenError

    raise ScriptgenError("'scriptgen inspect' is not available yet")
