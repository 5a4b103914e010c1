"""The ``scriptgen`` command line.

Each command lives in its own module exposing ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``; :data:`COMMANDS` lists
them in the order ``--help`` shows. A :class:`~scriptgen.errors.ScriptgenError`
becomes one line on stderr and exit status 2; anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .. import __version__
from ..casa_env import casa_output_to
from ..errors import ScriptgenError

#: Command modules, in the order an analyst meets them.
COMMANDS = ("demo", "inspect", "simulate", "generate", "run", "review", "imaging", "qa2", "qaplots", "package")

DESCRIPTION = """\
Inspect ALMA execution blocks (CASA MeasurementSets) and write editable CASA
reduction scripts.

typical session:
  scriptgen inspect uid___A002_X1_X2.ms          what is in this EB?
  scriptgen inspect uid___A002_X1_X2.ms --json eb.json
  scriptgen simulate test.ms --band 6            a synthetic EB to try things on
  scriptgen demo                                 all of it on a bundled default

Run 'scriptgen COMMAND --help' for each command's options.
"""


#: ``-q`` means the same for every command.
QUIET_HELP = "quiet: no progress lines or explanations; only what was written, warnings and errors"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scriptgen",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"scriptgen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"{__name__}.{name}")
        cmd = sub.add_parser(
            module.NAME,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", module.HELP),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(cmd)
        cmd.add_argument("-q", "--quiet", action="store_true", help=QUIET_HELP)
        cmd.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from .. import progress

    outer_quiet = progress.QUIET  # a command run from another (demo) stays as quiet
    progress.set_quiet(args.quiet or outer_quiet)
    args.quiet = progress.QUIET
    try:
        # CASA echoes its SEVERE messages to the process's stderr before we
        # can turn them into one line; they also go to CASA's log file.
        with casa_output_to(None, stdout=False):
            return args.run(args)
    except ScriptgenError as exc:
        print(f"scriptgen: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("scriptgen: interrupted", file=sys.stderr)
        return 130
    finally:
        progress.set_quiet(outer_quiet)


def one_line(message: str) -> str:
    """An error message as one line, whatever a name inside it held."""
    return " ".join(message.split()) or "failed"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
