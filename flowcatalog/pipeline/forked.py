"""Tasks run in forked worker processes: a small pool of our own, for pages to lint.

The standard ``ProcessPoolExecutor`` costs about 25 ms before its first worker starts, in
imports alone (``multiprocessing``, ``concurrent.futures`` and their queues, locks and
threads), which is a tenth of linting a hundred pages on two cores. This pool needs
``os.fork``, two pipes per worker and ``pickle``:

- The tasks are known before the workers are forked, so each worker has them in memory: a
  task goes out as its index (four bytes, written at once, as the pipe guarantees for
  writes this small) and only its result comes back, pickled, behind a header of the
  task's index, whether it succeeded and the payload's length.
- Tasks are handed out in their order, ``AHEAD`` at a time per worker, so a worker finds
  its next task waiting when it finishes one. The results come back as soon as each task
  is done, in whatever order they finish.
- A task that raised, whose result could not be pickled there or unpickled here, or whose
  worker died (its result pipe closed before the result came), comes back as ``FAILED``;
  the caller decides what to do with it (``pages`` lints it again in its own process,
  where the error is reported as usual).
- A worker ignores Ctrl-C, ends when its task pipe closes and never returns into the
  caller's code (``os._exit``: no ``atexit`` handler, no buffered output of the parent
  written twice). Leaving the pool reaps every worker; leaving it on an exception (Ctrl-C
  in the parent) kills them first.

Linux only, from a process with a single thread (``pages._can_fork`` decides).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import selectors
import signal
import struct
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Final, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: tasks sent to a worker ahead of its results: its next one is there when it needs it
AHEAD: Final = 2
#: what comes back for a task that raised or whose worker died
FAILED: Final = object()

_TASK = struct.Struct("<I")
_HEAD = struct.Struct("<IBQ")  # task index, 1 if it succeeded, payload length
_READ = 1 << 20


class _Worker:
    __slots__ = ("buffer", "pid", "results", "tasks", "waiting")

    def __init__(self, pid: int, tasks: int, results: int) -> None:
        self.pid = pid
        self.tasks: int | None = tasks  # where its tasks are written (None: closed)
        self.results = results  # where its results are read
        self.waiting: list[int] = []  # tasks sent whose results have not come
        self.buffer = bytearray()


class Workers(Generic[T, R]):
    """``jobs`` forked processes applying ``task`` to ``items``; ``results`` gives each
    item's index and result (or ``FAILED``) as they come. Use it as a context manager;
    ``in_worker`` runs first in each worker."""

    def __init__(
        self,
        task: Callable[[T], R],
        items: Sequence[T],
        jobs: int,
        in_worker: Callable[[], None] | None = None,
    ) -> None:
        self._task = task
        self._items = items
        self._jobs = min(max(1, jobs), len(items))
        self._in_worker = in_worker
        self._workers: list[_Worker] = []
        self._next = 0  # the next item to hand out
        self._owed = len(items)  # items whose result has not been given yet

    @property
    def pids(self) -> tuple[int, ...]:
        return tuple(worker.pid for worker in self._workers)

    def __enter__(self) -> Workers[T, R]:
        try:
            for _ in range(self._jobs):
                self._fork()
        except BaseException:
            self._close(kill=True)
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._close(kill=exc_type is not None or self._owed > 0)

    def results(self) -> Iterator[tuple[int, R | object]]:
        """Each item's index and its result, or ``FAILED``, in the order they finish."""
        with selectors.DefaultSelector() as selector:
            for worker in self._workers:
                selector.register(worker.results, selectors.EVENT_READ, worker)
                for _ in range(AHEAD):
                    self._hand_out(worker)
            while self._owed > 0:
                if not selector.get_map():  # every worker is gone: the rest failed here
                    while self._next < len(self._items):
                        self._owed -= 1
                        self._next += 1
                        yield self._next - 1, FAILED
                    return
                for key, _ in selector.select():
                    worker = key.data
                    chunk = os.read(worker.results, _READ)
                    if not chunk:  # the worker is gone: what it was given failed
                        selector.unregister(worker.results)
                        self._stop(worker)
                        for index in worker.waiting:
                            self._owed -= 1
                            yield index, FAILED
                        worker.waiting.clear()
                        continue
                    worker.buffer += chunk
                    for index, outcome in self._complete(worker):
                        self._owed -= 1
                        self._hand_out(worker)
                        yield index, outcome

    def _complete(self, worker: _Worker) -> list[tuple[int, R | object]]:
        """The results whole in ``worker``'s buffer, taken out of it."""
        done: list[tuple[int, R | object]] = []
        buffer = worker.buffer
        start = 0
        while len(buffer) - start >= _HEAD.size:
            index, ok, length = _HEAD.unpack_from(buffer, start)
            end = start + _HEAD.size + length
            if len(buffer) < end:
                break
            outcome: R | object = FAILED
            if ok:
                try:
                    outcome = pickle.loads(buffer[start + _HEAD.size : end])
                except Exception:  # a result that cannot be made here: redone by the caller
                    outcome = FAILED
            worker.waiting.remove(index)
            done.append((index, outcome))
            start = end
        if start:
            del buffer[:start]
        return done

    def _hand_out(self, worker: _Worker) -> None:
        """The next item to ``worker``; once none is left, its task pipe is closed (it
        ends when it has done what it has)."""
        if worker.tasks is None:
            return
        if self._next >= len(self._items):
            self._stop(worker)
            return
        try:
            os.write(worker.tasks, _TASK.pack(self._next))
        except OSError:  # the worker is gone: its result pipe says so next
            self._stop(worker)
            return
        worker.waiting.append(self._next)
        self._next += 1

    def _stop(self, worker: _Worker) -> None:
        if worker.tasks is not None:
            os.close(worker.tasks)
            worker.tasks = None

    def _fork(self) -> None:
        tasks_in, tasks_out = os.pipe()
        results_in, results_out = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: never returns
            code = 1
            try:
                os.close(tasks_out)
                os.close(results_in)
                for other in self._workers:  # the parent's ends of the earlier workers' pipes
                    if other.tasks is not None:
                        os.close(other.tasks)
                    os.close(other.results)
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                if self._in_worker is not None:
                    self._in_worker()
                _serve(self._task, self._items, tasks_in, results_out)
                code = 0
            finally:
                os._exit(code)
        os.close(tasks_in)
        os.close(results_out)
        self._workers.append(_Worker(pid, tasks_out, results_in))

    def _close(self, kill: bool) -> None:
        for worker in self._workers:
            self._stop(worker)
            if kill:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.pid, signal.SIGKILL)
        for worker in self._workers:
            os.close(worker.results)
            # (a ChildProcessError: reaped already, by a SIGCHLD handler of the caller's)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(worker.pid, 0)
        self._workers.clear()


def _serve(task: Callable[[T], R], items: Sequence[T], tasks: int, results: int) -> None:
    """A worker's loop: read a task's index, send back its result, until the pipe closes."""
    while True:
        head = _read_exactly(tasks, _TASK.size)
        if head is None:
            return
        (index,) = _TASK.unpack(head)
        try:
            payload = pickle.dumps(task(items[index]), protocol=pickle.HIGHEST_PROTOCOL)
            ok = 1
        except Exception:  # told as FAILED: the caller redoes it where errors are seen
            payload, ok = b"", 0
        _write_all(results, _HEAD.pack(index, ok, len(payload)))
        _write_all(results, payload)


def _read_exactly(fd: int, size: int) -> bytes | None:
    """``size`` bytes from ``fd``; None at its end."""
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
