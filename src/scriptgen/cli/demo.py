"""`scriptgen demo` (placeholder until its issue lands)."""

NAME = "demo"
HELP = "(not yet available)"


def add_arguments(parser):
    pass


def run(args):
    from ..errors import ScriptgenError

    raise ScriptgenError("'scriptgen demo' is not available yet")
