"""`scriptgen simulate` (placeholder until its issue lands)."""

NAME = "simulate"
HELP = "(not yet available)"


def add_arguments(parser):
    pass


def run(args):
    from ..errors import ScriptgenError

    raise ScriptgenError("'scriptgen simulate' is not available yet")
