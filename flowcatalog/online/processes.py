"""Starting helper processes for a run: from a server process started without secrets, with
nothing on the user's terminal, and never with a Ctrl-C raised in the middle of a start.

``multiprocessing``'s own code is not safe against a ``KeyboardInterrupt`` raised at any
byte code: one that lands while a process, a queue or a finaliser is being made leaves it
half made, and the run's exit then hangs on it or fails with an error of its own. Starts
happen inside ``interrupts_deferred``, which turns the signal into a call the run handles
where it chooses.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import flowcatalog

_SECRET_VARIABLES = ("FIGMA_TOKEN",)


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def helper_environment(secrets: Iterable[str] = ()) -> dict[str, str]:
    """This process's environment without secrets, able to import this package."""
    hidden = [s for s in secrets if s]
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in _SECRET_VARIABLES and not any(s in value for s in hidden)
    }
    root = str(
        Path(flowcatalog.__file__).resolve().parent.parent
    )  # the directory holding the package
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


_ENVIRON_LOCK = threading.Lock()


@contextlib.contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """This process's environment is ``env`` within the block (for starting a process)."""
    with _ENVIRON_LOCK:
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(env)
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)


def helper_context(secrets: Iterable[str]) -> Any:
    """The forkserver context, its server started (once per process) without secrets."""
    import multiprocessing
    from multiprocessing import forkserver

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["flowcatalog.online.parallel"])
    # a Ctrl-C in here would leave this process without its environment or its stderr
    # (the "interrupted" line lost), so it waits for the end of the block (a few ms: the
    # servers are started, not waited for)
    with interrupts_deferred(), _environment(helper_environment(secrets)), _output_to_devnull():
        forkserver.ensure_running()  # and the resource tracker it needs
    return context


@contextlib.contextmanager
def interrupts_deferred(notify: Callable[[], None] | None = None) -> Iterator[None]:
    """A SIGINT within the block raises KeyboardInterrupt at its end, not in its middle
    (main thread only; elsewhere the block runs as is). ``notify`` runs at each SIGINT, in
    the signal handler, so a long block can end early on its own: it must be safe to call
    at any point of this thread (``SimpleQueue.put`` is; a lock this thread may hold is not).
    """
    import signal

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def handler(signum: int, frame: object) -> None:
        caught.append(signum)
        if notify is not None:
            notify()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught and callable(previous):
        previous(signal.SIGINT, None)
    elif caught and previous == signal.SIG_DFL:
        raise KeyboardInterrupt


@contextlib.contextmanager
def _output_to_devnull() -> Iterator[None]:
    """File descriptors 1 and 2 are /dev/null within the block, for the processes started
    in it: the forkserver, its helpers and the resource tracker print nothing on the user's
    terminal (a helper's stray print, the tracker's leak warnings after a Ctrl-C), and none
    holds this process's stdout or stderr open after it ended (a caller reading them to
    their end would wait for those processes too)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stdout.flush()
    null = os.open(os.devnull, os.O_WRONLY)
    saved: list[tuple[int, int]] = []
    try:
        for fd in (1, 2):
            saved.append((fd, os.dup(fd)))
            os.dup2(null, fd)
        yield
    finally:
        for fd, copy in saved:
            os.dup2(copy, fd)
            os.close(copy)
        os.close(null)


def end_forkserver() -> None:
    """After a Ctrl-C: end the forkserver now. It would end by itself once this process and
    its helpers are gone, one more wake-up in a chain a loaded machine makes slow; the
    next split run (``ensure_running``) sees it gone and starts a new one."""
    import signal
    from multiprocessing import forkserver

    pid = getattr(getattr(forkserver, "_forkserver", None), "_forkserver_pid", None)
    if isinstance(pid, int) and pid > 0:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
