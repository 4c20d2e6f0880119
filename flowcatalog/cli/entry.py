"""The ``flowcatalog`` program's entry point: answers ``--version`` before importing anything
(click included), and hands every other command line to ``cli.main``; ``program`` is the
process around it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence


def main(argv: Sequence[str] | None = None, *, loaded: Callable[[], None] | None = None) -> int:
    """Entry point of the ``flowcatalog`` command; returns the exit code. ``loaded`` is
    called once the command line's modules (click, the commands) are imported."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:  # what click's version option prints, without loading click
        from flowcatalog import __version__

        sys.stdout.write(f"flowcatalog, version {__version__}\n")
        return 0
    from flowcatalog.cli.main import main as run

    if loaded is not None:
        loaded()
    return run(args)


def _collect_again() -> None:
    """Start-up is over: what it made stays for the process (``gc.freeze``: no collection
    walks it again), and the command's own objects are collected as usual."""
    import gc

    gc.freeze()
    gc.enable()


def _flushed() -> bool:
    """Whether standard output and error were written out in full."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            return False
    return True


def program() -> None:
    """The process: ``main``, then exit with its code.

    Start-up runs with the cyclic garbage collector off: importing click and the commands
    makes hundreds of thousands of objects and no garbage, and collections during it were
    a twentieth of a pre-commit run (``_collect_again`` turns it back on).

    The process then ends at once (``os._exit``), once standard output and error are
    written out, without the interpreter's shutdown: taking apart every module and object
    it made cost 30 ms of every run (a sixth of a pre-commit one), and there is nothing
    left for it to do. Every file a command writes is written atomically and closed before
    the command returns, the page-lint workers are joined, the SQLite caches are closed
    (and would be whole anyway: SQLite survives a process ending at any point), helper
    processes end by themselves when this process goes (their lifeline pipe closes), and
    nothing of ours runs at exit. Should writing out the output fail, the exit is the usual
    one, which reports it; so it is under a profiler or tracer (``python -m cProfile``,
    coverage), which writes its results at exit. After a Ctrl-C (exit 130) the exit is at
    once in any case: a worker pool that the interrupt caught half-started could otherwise
    hold the exit while its threads are joined."""
    import gc
    import os

    gc.disable()
    try:
        code = main(loaded=_collect_again)
    finally:
        gc.enable()
    watched = sys.getprofile() is not None or sys.gettrace() is not None
    if (_flushed() and not watched) or code == 130:
        os._exit(code)
    sys.exit(code)
