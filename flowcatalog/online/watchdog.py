"""Deadlines enforced during a request, on every byte: a watchdog thread that shuts down the
sockets of a request whose deadline passed, and the connection classes that register them.

A socket timeout bounds one read; a server that sends its status line, headers or body one
byte at a time, each within that timeout, is only stopped by a deadline over the whole
exchange. ``Watchdog.watch(deadline)`` covers the requests the calling thread makes until
the ``with`` block ends: every socket they open or reuse is registered (by the connection
classes below, through a thread-local) and shut down when the deadline passes, which wakes
the blocked read at once. ``Watchdog.abort`` does the same to every watched socket now and
to any opened later (Ctrl-C: stop, close what is open, start nothing new).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Callable, Iterator

_current = threading.local()


class Watch:
    """One thread's requests under one deadline (``expired``: the watchdog cut them off)."""

    __slots__ = ("_lock", "_sockets", "aborted", "deadline", "done", "expired")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.expired = False
        self.aborted = False
        self.done = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def attach(self, sock: socket.socket | None) -> None:
        """Watch ``sock`` (shut down at once when the deadline passed already)."""
        if sock is None:
            return
        with self._lock:
            if not (self.expired or self.aborted):
                self._sockets.append(sock)
                return
        _cut(sock)

    def expire(self, *, aborted: bool = False) -> None:
        with self._lock:
            if self.done:
                return
            if aborted:
                self.aborted = True
            else:
                self.expired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _cut(sock)

    def finish(self) -> None:
        with self._lock:
            self.done = True
            self._sockets = []


def _cut(sock: socket.socket) -> None:
    """Wake any thread blocked on ``sock``: its read returns at once (the end of the stream)."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class Watchdog:
    """Cuts off the requests of every ``watch`` whose deadline passed; one thread, started
    with the first watch, ending a second after the last one ended. The thread sleeps until
    the first deadline and is woken only by a watch that ends sooner, by the last watch
    ending, or by ``abort``, not by every request: watches that finished are dropped from
    the top of the heap as new ones come."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._heap: list[tuple[float, int, Watch]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._watches: set[Watch] = set()
        self._closing = False
        self.aborted = False

    @contextlib.contextmanager
    def watch(self, seconds: float) -> Iterator[Watch]:
        """The calling thread's requests within the block are cut off after ``seconds``."""
        watch = Watch(self._clock() + max(0.0, seconds))
        with self._cond:
            self._closing = False
            if self.aborted:
                watch.aborted = True
            self._watches.add(watch)
            heap = self._heap
            while heap and heap[0][2].done:  # finished ones at the top: gone at once
                heapq.heappop(heap)
            heapq.heappush(heap, (watch.deadline, next(self._order), watch))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="flowcatalog-watchdog", daemon=True
                )
                self._thread.start()
            elif heap[0][2] is watch:  # the first deadline now: the thread sleeps until it
                self._cond.notify()
        previous = getattr(_current, "watch", None)
        _current.watch = watch
        try:
            yield watch
        finally:
            _current.watch = previous
            watch.finish()
            with self._cond:
                self._watches.discard(watch)
                if not self._watches:  # none left: the thread clears the heap and ends
                    self._cond.notify()

    def close(self) -> None:
        """The checker is done: the thread ends now, when no watch is left, instead of a
        second later (a library caller may lint pages next, and a process with a thread
        running does not fork its page workers). A later watch starts it again."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(1.0)

    def abort(self) -> None:
        """Cut off every watched request now, and every one started from now on."""
        with self._cond:
            self.aborted = True
            watches = list(self._watches)
            self._cond.notify()
        for watch in watches:
            watch.expire(aborted=True)

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][2].done:
                    heapq.heappop(self._heap)
                if not self._heap:
                    if self._closing or (not self._cond.wait(timeout=1.0) and not self._heap):
                        self._thread = None
                        return
                    continue
                deadline, _, watch = self._heap[0]
                delay = deadline - self._clock()
                if delay > 0:
                    self._cond.wait(timeout=delay)
                    continue
                heapq.heappop(self._heap)
                self._cond.release()
                try:
                    watch.expire()
                finally:
                    self._cond.acquire()


def watch_socket(sock: socket.socket | None) -> None:
    """Put ``sock`` under the calling thread's current watch (if any)."""
    watch: Watch | None = getattr(_current, "watch", None)
    if watch is not None:
        watch.attach(sock)
