"""Web-link checking spread over worker processes, for runs where one interpreter is the limit.

With many URLs and many requests in flight (say 2,000 URLs at 128 at once), the checker is
bound by CPU: every request costs a few hundred microseconds of Python in requests, urllib3
and http.client, all under one GIL. ``ParallelChecker`` shares such a run between this
process and ``processes - 1`` helper processes, each running its own ``web.WebChecker``:

- helpers are the workers of a standard ``ProcessPoolExecutor`` on the ``forkserver``
  context: fresh interpreters forked from a server process that is started with this
  process's environment less ``FIGMA_TOKEN`` (and any variable holding a secret the caller
  names), never a ``fork`` of this threaded process that holds the token in memory. They
  get the HTTP settings and URLs only; only the parent writes the cache and reports progress;
- the URLs wait in one queue that every process takes from, a URL at a time (a helper that
  starts late takes fewer); each URL goes to exactly one process, so there is still one
  request chain per URL, and each probe comes back as soon as it is done;
- limits are divided, not multiplied: each process gets ``max_concurrency // processes`` and
  ``host_concurrency // processes`` (the parent takes the remainder), so the peak in flight
  to one host, over all processes, stays within ``host_concurrency``. A run with a
  ``host_interval`` is never split (the interval is one process's state, and such a run is
  bound by the interval, not by CPU);
- a 429 seen by any process (a pause, or a wait above the cap) is relayed to every other
  process through the parent, so the host is slowed everywhere, not only where it answered;
- a helper that dies is not fatal: the URLs no process reported are checked in the parent
  (those a helper had already requested are then requested twice, in that failure case only);
- Ctrl-C (``abort``): every process cuts off its requests and the helpers end at once.

Messages between the processes are the typed values below (``Done``, ``HostSignal``,
``Finished``, ``Stop``), carried by ``multiprocessing`` queues.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from queue import Empty, SimpleQueue
from typing import Any

import flowcatalog
from flowcatalog.online.liveness import Probe
from flowcatalog.online.web import HostStats, HttpSettings, WebChecker

#: below this many URLs a run is never split (a helper's start-up would cost more than it saves)
MIN_URLS = 200
#: nor when fewer requests than this can be in flight at once (then latency, not CPU, bounds it)
MIN_IN_FLIGHT = 32
#: at most this many processes in all (the parent included) when chosen automatically
MAX_AUTO_PROCESSES = 2
_SECRET_VARIABLES = ("FIGMA_TOKEN",)
#: the parent's own index in messages (helpers are 0, 1, ...)
PARENT = -1


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def host_key(url: str) -> str | None:
    """The host (and non-default port) a URL's requests count against."""
    return WebChecker._host_key(url)


def choose_processes(settings: HttpSettings, urls: Sequence[str], requested: int | None) -> int:
    """How many processes to check ``urls`` with (1: this one only).

    ``requested`` None chooses automatically: several only for a big run that can keep many
    requests in flight, on a machine with more than one CPU.
    """
    if settings.host_interval > 0:
        return 1
    if requested is None:
        if len(urls) < MIN_URLS or settings.max_concurrency < MIN_IN_FLIGHT:
            return 1
        per_host: dict[str | None, int] = {}
        in_flight = 0  # requests that can be in flight at once, counted up to the threshold
        for url in urls:
            key = host_key(url)
            seen = per_host.get(key, 0)
            per_host[key] = seen + 1
            in_flight += seen < settings.host_concurrency
            if in_flight >= MIN_IN_FLIGHT:
                break
        else:
            return 1
        requested = min(available_cpus(), MAX_AUTO_PROCESSES)
    return max(1, min(requested, settings.max_concurrency, settings.host_concurrency))


def share_settings(settings: HttpSettings, processes: int) -> tuple[HttpSettings, HttpSettings]:
    """(the parent's settings, each helper's): the limits divided between ``processes``."""
    helper = replace(
        settings,
        max_concurrency=settings.max_concurrency // processes,
        host_concurrency=settings.host_concurrency // processes,
    )
    parent = replace(
        settings,
        max_concurrency=settings.max_concurrency - (processes - 1) * helper.max_concurrency,
        host_concurrency=settings.host_concurrency - (processes - 1) * helper.host_concurrency,
    )
    return parent, helper


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


# -- messages ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Done:
    """A probe, from the process (``PARENT`` or a helper index) that made it."""

    origin: int
    url: str
    probe: Probe


@dataclass(frozen=True, slots=True)
class HostSignal:
    """A 429's slow-down for a host: ``kind`` "pause" (wait ``value`` s) or "limited" (a
    wait of ``value`` s above the cap was asked), to be applied in every other process."""

    origin: int
    kind: str
    host: str
    value: float


@dataclass(frozen=True, slots=True)
class Finished:
    """A helper's last message: its counters (its probes all came before this)."""

    origin: int
    requests: int
    hosts: dict[str, HostStats]


@dataclass(frozen=True, slots=True)
class Stop:
    """To a helper: stop at once (Ctrl-C)."""


@dataclass(frozen=True, slots=True)
class _Exited:
    """(In the parent only) a helper's task ended; ``failed`` when it raised or died."""

    origin: int
    failed: bool


_Message = Done | HostSignal | Finished | _Exited
#: a helper's queues, set in each helper process by ``_install``: URLs (None: no more),
#: messages to the parent, and each helper's own inbox (HostSignal | Stop | None)
_QUEUES: tuple[Any, Any, Sequence[Any]] | None = None
#: a helper's task: (its index, its settings) -> its index
HelperTask = Callable[[int, HttpSettings], int]


# -- a helper ----------------------------------------------------------------------------------


def _install(todo: Any, outbox: Any, inboxes: Sequence[Any], lifeline: Any = None) -> None:
    """The pool's initializer: keep the queues the parent shares with this helper, and end
    this process at once when ``lifeline`` (the read end of a pipe whose only write end the
    parent holds) reaches its end: the parent ended the run early, or died. A helper the
    parent cannot name (one whose start a Ctrl-C cut short) so still ends with the run."""
    global _QUEUES
    _QUEUES = (todo, outbox, inboxes)
    if lifeline is not None:
        threading.Thread(
            target=_end_with, args=(lifeline,), name="flowcatalog-lifeline", daemon=True
        ).start()


def _end_with(lifeline: Any) -> None:
    """Wait for the parent's end of ``lifeline`` to close, then end this process."""
    with contextlib.suppress(OSError, EOFError, ValueError):
        while True:
            lifeline.poll(None)
            lifeline.recv_bytes()  # nothing is ever sent: EOFError once the parent let go
    os._exit(1)


def helper_run(index: int, settings: HttpSettings) -> int:
    """A helper's task: probe URLs from the shared queue until there are none, sending each
    probe and host signal to the parent, then its counters."""
    assert _QUEUES is not None, "helper_run runs in a pool set up by ParallelChecker"
    todo, outbox, inboxes = _QUEUES
    inbox = inboxes[index]

    def share(kind: str, host: str, value: float) -> None:
        outbox.put(HostSignal(index, kind, host, value))

    checker = WebChecker(settings, on_host_event=share)
    ended = threading.Event()

    def listen() -> None:
        while (message := inbox.get()) is not None:
            if isinstance(message, Stop):
                ended.set()
                checker.abort()
                return
            if message.kind == "pause":
                checker.pause_host(message.host, message.value)
            elif message.kind == "limited":
                checker.limit_host(message.host, message.value)

    threading.Thread(target=listen, name="flowcatalog-helper-in", daemon=True).start()

    source = _Taker(todo, ended.is_set)
    checker.start(source, lambda url, probe: outbox.put(Done(index, url, probe)), 1 << 16).wait()
    outbox.put(Finished(index, checker.requests_sent, checker.host_stats()))
    checker.close()
    return index


class _Taker:
    """A process's end of the shared URL queue: a batch at a time off the queue, a URL at a
    time to the threads. None once the end mark came, or when ``give_up`` says so while
    the queue is empty."""

    def __init__(self, todo: Any, give_up: Callable[[], bool]) -> None:
        self._todo = todo
        self._give_up = give_up
        self._buffer: deque[str] = deque()
        self._lock = threading.Lock()
        self._ended = False

    def __call__(self) -> str | None:
        with self._lock:
            while not self._buffer:
                if self._ended:
                    return None
                try:
                    batch = self._todo.get(timeout=0.1)
                except Empty:
                    if self._give_up():
                        self._ended = True
                    continue
                except (OSError, EOFError, ValueError):  # the queue closed (at exit)
                    self._ended = True
                    continue
                if batch is None:
                    self._ended = True
                else:
                    self._buffer.extend(batch)
            return self._buffer.popleft()


def _batches(urls: Sequence[str], processes: int) -> Iterator[list[str]]:
    """The URLs in batches, smaller as the run ends, so the processes end together."""
    at = 0
    while at < len(urls):
        size = max(1, min(32, (len(urls) - at) // (4 * processes)))
        yield list(urls[at : at + size])
        at += size


# -- the parent --------------------------------------------------------------------------------

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


def _helper_context(secrets: Iterable[str]) -> Any:
    """The forkserver context, its server started (once per process) without secrets."""
    from multiprocessing import forkserver

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["flowcatalog.online.parallel"])
    # a Ctrl-C in here would leave this process without its environment or its stderr
    # (the "interrupted" line lost), so it waits for the end of the block (a few ms: the
    # servers are started, not waited for)
    with _interrupts_deferred(), _environment(helper_environment(secrets)), _output_to_devnull():
        forkserver.ensure_running()  # and the resource tracker it needs
    return context


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """A SIGINT within the block raises KeyboardInterrupt at its end, not in its middle
    (main thread only; elsewhere the block runs as is)."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
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


def _end_forkserver() -> None:
    """After a Ctrl-C: end the forkserver now. It would end by itself once this process and
    its helpers are gone, one more wake-up in a chain a loaded machine makes slow; the
    next split run (``ensure_running``) sees it gone and starts a new one."""
    import signal
    from multiprocessing import forkserver

    pid = getattr(getattr(forkserver, "_forkserver", None), "_forkserver_pid", None)
    if isinstance(pid, int) and pid > 0:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _on_exit(finished: SimpleQueue[_Message], index: int) -> Callable[[Future[int]], None]:
    def exited(future: Future[int]) -> None:
        finished.put(_Exited(index, future.cancelled() or future.exception() is not None))

    return exited


class ParallelChecker:
    """``WebChecker``'s interface (``check_all``, ``requests_sent``, ``host_stats``,
    ``abort``, ``close``) over this process and helper processes; one process when the run
    is small."""

    def __init__(
        self,
        settings: HttpSettings,
        *,
        processes: int | None = None,
        secrets: Iterable[str] = (),
        helper_task: HelperTask = helper_run,
    ) -> None:
        self.settings = settings
        self.processes = processes
        self._secrets = tuple(secrets)
        self._task = helper_task
        self.requests_sent = 0
        self.processes_used = 1
        self.lost: list[str] = []  # URLs a failed helper never reported (checked here)
        self.helper_pids: list[int] = []  # the helper processes of the last split run
        self._hosts: dict[str, HostStats] = {}
        self._running: list[WebChecker] = []  # this process's checker of the current run
        self._stop_helpers: Callable[[], None] | None = None
        self._aborted = threading.Event()

    def host_stats(self) -> dict[str, HostStats]:
        return dict(self._hosts)

    def close(self) -> None:
        """Nothing to release: a run's helpers end with the run."""

    def abort(self) -> None:
        """Stop at once (Ctrl-C): cut off this process's requests, end the helpers."""
        self._aborted.set()
        for checker in list(self._running):
            checker.abort()
        stop = self._stop_helpers
        if stop is not None:
            stop()

    def check_all(
        self, urls: Iterable[str], on_done: Callable[[str, Probe], None] | None = None
    ) -> dict[str, Probe]:
        """Probe every distinct URL once; ``on_done`` runs in the caller's thread."""
        distinct = list(dict.fromkeys(urls))
        processes = choose_processes(self.settings, distinct, self.processes)
        if len(distinct) < processes:
            processes = 1
        if processes == 1:
            return self._check_here(self.settings, distinct, on_done)
        return self._check_split(distinct, processes, on_done)

    def _check_here(
        self,
        settings: HttpSettings,
        distinct: list[str],
        on_done: Callable[[str, Probe], None] | None,
    ) -> dict[str, Probe]:
        checker = WebChecker(settings)
        self._running.append(checker)
        if self._aborted.is_set():
            checker.abort()
        try:
            results = checker.check_all(distinct, on_done)
        finally:
            self._running.remove(checker)
            checker.close()
        self._collect(checker.requests_sent, checker.host_stats())
        return results

    def _collect(self, requests: int, hosts: dict[str, HostStats]) -> None:
        self.requests_sent += requests
        for name, stats in hosts.items():
            mine = self._hosts.setdefault(name, HostStats())
            mine.requests += stats.requests
            mine.urls += stats.urls
            mine.busy += stats.busy
            mine.slowest = max(mine.slowest, stats.slowest)

    def _check_split(
        self, distinct: list[str], processes: int, on_done: Callable[[str, Probe], None] | None
    ) -> dict[str, Probe]:
        try:
            context = _helper_context(self._secrets)
        except (OSError, ValueError):  # no interpreter to start (an embedded Python, say)
            return self._check_here(self.settings, distinct, on_done)
        helpers = processes - 1
        own, theirs = share_settings(self.settings, processes)
        todo = context.Queue()
        outbox = context.Queue()
        inboxes = [context.Queue() for _ in range(helpers)]
        for batch in _batches(distinct, processes):
            todo.put(batch)
        for _ in range(processes + 1):
            todo.put(None)  # the end mark, one for each process
        finished: SimpleQueue[_Message] = SimpleQueue()

        def relay(kind: str, host: str, value: float, origin: int = PARENT) -> None:
            for index, inbox in enumerate(inboxes):
                if index != origin:
                    inbox.put(HostSignal(origin, kind, host, value))

        checker = WebChecker(own, on_host_event=relay)
        self._running.append(checker)
        before = set(multiprocessing.active_children())
        # the helpers' lifeline: this process holds the only write end; closing it (or
        # this process ending) ends every helper, even one a Ctrl-C left unnamed here
        lifeline, held = context.Pipe(duplex=False)
        pool = ProcessPoolExecutor(
            max_workers=helpers, mp_context=context, initializer=_install,
            initargs=(todo, outbox, inboxes, lifeline),
        )  # fmt: skip

        def children() -> list[Any]:
            """The helpers started so far (looked up now: a Ctrl-C may come at any time)."""
            return [c for c in multiprocessing.active_children() if c not in before]

        def stop_helpers() -> None:
            for inbox in inboxes:
                with contextlib.suppress(OSError, ValueError):
                    inbox.put(Stop())
            held.close()
            for child in children():
                with contextlib.suppress(OSError, ValueError):
                    child.kill()

        self._stop_helpers = stop_helpers
        completed = False
        results: dict[str, Probe] = {}
        try:
            # this process starts at once; the helpers join in as they come up
            helpers_gone = threading.Event()

            # short waits: a helper killed while it held the queue's lock, or one that died
            # holding end marks, must not leave this process waiting for ever
            take = _Taker(todo, lambda: self._aborted.is_set() or helpers_gone.is_set())

            run = checker.start(take, lambda url, probe: finished.put(Done(PARENT, url, probe)),
                                len(distinct))  # fmt: skip
            futures: list[Future[int]] = []
            for index in range(helpers):
                future = pool.submit(self._task, index, theirs)
                future.add_done_callback(_on_exit(finished, index))
                futures.append(future)
            self.helper_pids = [c.pid for c in children() if c.pid is not None]
            self.processes_used = processes

            def bridge() -> None:  # the helpers' messages, into this thread's queue
                with contextlib.suppress(OSError, EOFError, ValueError):  # closed at exit
                    while (message := outbox.get()) is not None:
                        finished.put(message)

            bridging = threading.Thread(target=bridge, name="flowcatalog-helpers", daemon=True)
            bridging.start()
            if self._aborted.is_set():
                self.abort()

            running = set(range(helpers))
            failed = False
            helper_counts: dict[int, Finished] = {}
            try:
                while running or any(t.is_alive() for t in run.threads) or not finished.empty():
                    try:
                        message = finished.get(timeout=0.5)  # short: a Ctrl-C is seen at once
                    except Empty:
                        continue
                    if isinstance(message, Done):
                        if message.url not in results:
                            results[message.url] = message.probe
                            if on_done is not None:
                                on_done(message.url, message.probe)
                    elif isinstance(message, HostSignal):
                        if message.kind == "pause":
                            checker.pause_host(message.host, message.value)
                        elif message.kind == "limited":
                            checker.limit_host(message.host, message.value)
                        relay(message.kind, message.host, message.value, message.origin)
                    elif isinstance(message, Finished):
                        helper_counts[message.origin] = message
                        running.discard(message.origin)
                    elif message.failed:
                        failed = True
                        running.discard(message.origin)
                    if not running:
                        helpers_gone.set()
            except BaseException:  # interrupted: nothing in flight is waited for
                self.abort()
                run.stop_event.set()
                raise
            run.wait()
            lost = [url for url in distinct if url not in results]
            if lost:  # a helper failed: check what nobody reported here
                assert failed or self._aborted.is_set(), "URLs lost without a failed helper"
                self.lost.extend(lost)
                results.update(checker.check_all(lost, on_done))
            for counts in helper_counts.values():
                self._collect(counts.requests, counts.hosts)
            completed = True
        finally:
            self._stop_helpers = None
            if not completed:  # interrupted, wherever it was: the helpers end first
                checker.abort()
                stop_helpers()
                _end_forkserver()
            self._running.remove(checker)
            checker.close()
            outbox.put(None)  # ends the bridge
            for inbox in inboxes:
                inbox.put(None)  # ends each helper's listener (after any Stop)
            pool.shutdown(wait=completed, cancel_futures=True)
            held.close()  # a finished run's helpers ended already; none is left waiting
            lifeline.close()
            for queue in (todo, outbox, *inboxes):
                queue.cancel_join_thread()  # never wait at exit for a queue nobody reads
        self._collect(checker.requests_sent, checker.host_stats())
        return results
