"""The ``flowcatalog`` program's entry point: answers ``--version`` before importing anything
(click included), and hands every other command line to ``cli.main``; ``program`` is the
process around it."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``flowcatalog`` command; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:  # what click's version option prints, without loading click
        from flowcatalog import __version__

        sys.stdout.write(f"flowcatalog, version {__version__}\n")
        return 0
    from flowcatalog.cli.main import main as run

    return run(args)


def program() -> None:
    """The process: ``main``, then exit with its code. After a Ctrl-C (exit 130) the process
    ends at once, without waiting on interpreter shutdown: a worker pool that the interrupt
    caught half-started could otherwise hold the exit while its threads are joined. Nothing
    is half-written (files are written atomically, at the end of a run), and helper processes
    end by themselves when this process goes (their lifeline pipe closes)."""
    code = main()
    if code == 130:
        import contextlib
        import os

        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)
    sys.exit(code)
