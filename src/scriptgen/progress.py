"""Progress lines for long work, on stderr so stdout stays parseable."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager


#: Set by the command line's ``-q`` (every command accepts it the same way).
QUIET = False


def set_quiet(quiet: bool) -> None:
    global QUIET
    QUIET = quiet


@contextmanager
def step(message: str, *, quiet: bool = False) -> Iterator[None]:
    """Say what is starting and, when it ends, how long it took (unless quiet)."""
    quiet = quiet or QUIET
    if not quiet:
        print(f"... {message}", file=sys.stderr, flush=True)
    start = time.perf_counter()
    yield
    if not quiet:
        print(f"    done in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
