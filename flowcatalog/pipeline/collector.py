"""Python's cyclic garbage collector, paused while a process gathers many results.

Gathering the pages' results of a large corpus makes hundreds of thousands of small objects
that live to the end of the run (every link occurrence with its location) and hold no
reference cycles, so the collector has nothing to find in them; but it counts them as they
are made and goes through all of them again and again (on 5,000 pages, a fifth of the CPU
of the process that gathers them). Pausing it meanwhile costs nothing: what is freed is
freed by reference counting as before, and the few cycles made meanwhile are collected once
it runs again. Parsing can make cycles (an HTML page's element tree), so no page is parsed
while it is paused.

The objects that exist when the pause starts are also moved out of the collector's sight
(``gc.freeze``): a worker process forked meanwhile then never goes through its parent's
objects, which would also copy the memory pages they sit on into the worker. The worker
collects its own garbage as usual (``resumed_in_worker``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The collector off and the objects existing now frozen; after, it is on again (unless
    it was off: nested pauses leave it off until the outermost one ends) and every object
    is in its oldest generation, where the objects that live on belong."""
    enabled = gc.isenabled()
    gc.disable()
    gc.freeze()
    try:
        yield
    finally:
        gc.freeze()  # with what was made meanwhile (all of it young: never collected) ...
        gc.unfreeze()  # ... into the oldest generation, not gone through by every collection
        if enabled:
            gc.enable()


def resumed_in_worker() -> None:
    """A forked worker's start: its own garbage is collected (what it inherited stays
    frozen)."""
    gc.enable()
