"""The ``flowcatalog`` program's entry point: answers ``--version`` before importing anything
(click included), and hands every other command line to ``cli.main``."""

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
