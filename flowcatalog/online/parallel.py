"""Web-link checking spread over worker processes, for runs where one interpreter is the limit.

When one interpreter's CPU bounds a run (many requests in flight to fast hosts, each about
0.25 ms of CPU under one GIL), ``ParallelChecker`` shares it between this process and
``processes - 1`` helpers (by itself only on ``MIN_AUTO_CPUS`` CPUs), each with its own
``web.WebChecker``:

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

Messages are the typed values below (``Done``, ``HostSignal``, ``Finished``, ``Stop``).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from queue import Empty, SimpleQueue
from typing import TYPE_CHECKING, Any

from flowcatalog.online import processes as starting
from flowcatalog.online.probes import Probe
from flowcatalog.online.settings import HttpSettings
from flowcatalog.online.web import HostStats, WebChecker, by_turns

if TYPE_CHECKING:
    from concurrent.futures import Future

#: below this many URLs a run is never split (a helper's start-up would cost more than it saves)
MIN_URLS = 200
#: nor when fewer requests than this can be in flight at once (then latency, not CPU, bounds it)
MIN_IN_FLIGHT = 32
#: at most this many processes in all (the parent included) when chosen automatically
MAX_AUTO_PROCESSES = 2
#: and only with this many CPUs: a helper pays when this process is CPU-bound *and* a core
#: is idle. On 2 CPUs (0.25 ms of CPU a request, ``transport``) it only took cores from the
#: parent and its neighbours: 2,000 URLs 1.66 s alone, 1.83 s split (``benchmarks/``)
MIN_AUTO_CPUS = 4
#: the parent's own index in messages (helpers are 0, 1, ...)
PARENT = -1


def choose_processes(settings: HttpSettings, urls: Sequence[str], requested: int | None) -> int:
    """How many processes to check ``urls`` with (1: this one only).

    ``requested`` None chooses automatically: several only for a big run that can keep many
    requests in flight, on a machine of ``MIN_AUTO_CPUS`` CPUs or more.
    """
    if settings.host_interval > 0:
        return 1
    if requested is None:
        if len(urls) < MIN_URLS or settings.max_concurrency < MIN_IN_FLIGHT:
            return 1
        per_host: dict[str | None, int] = {}
        in_flight = 0  # requests that can be in flight at once, counted up to the threshold
        for url in urls:
            key = WebChecker._host_key(url)
            seen = per_host.get(key, 0)
            per_host[key] = seen + 1
            in_flight += seen < settings.host_concurrency
            if in_flight >= MIN_IN_FLIGHT:
                break
        else:
            return 1
        cpus = starting.available_cpus()
        requested = min(cpus, MAX_AUTO_PROCESSES) if cpus >= MIN_AUTO_CPUS else 1
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
class _Interrupted:
    """(In the parent only) a Ctrl-C came: end the run at the next message."""


@dataclass(frozen=True, slots=True)
class _Exited:
    """(In the parent only) a helper's task ended; ``failed`` when it raised or died."""

    origin: int
    failed: bool


_Message = Done | HostSignal | Finished | _Exited | _Interrupted
#: a helper's queues, set in each helper process by ``_install``: URLs (None: no more),
#: messages to the parent, and each helper's own inbox (HostSignal | Stop | None)
_QUEUES: tuple[Any, Any, Sequence[Any]] | None = None
#: a helper's end of its lifeline (see ``_install``), set in each helper process
_LIFELINE: Any = None
#: a helper's task: (its index, its settings) -> its index
HelperTask = Callable[[int, HttpSettings], int]


# -- a helper ----------------------------------------------------------------------------------


def _install(todo: Any, outbox: Any, inboxes: Sequence[Any], lifeline: Any = None) -> None:
    """The pool's initializer: keep the queues the parent shares with this helper, and end
    this process at once when ``lifeline`` (the read end of a pipe whose only write end the
    parent holds) reaches its end: the parent ended the run early, or died. A helper the
    parent cannot name (one whose start a Ctrl-C cut short) so still ends with the run."""
    global _QUEUES, _LIFELINE
    _QUEUES = (todo, outbox, inboxes)
    _LIFELINE = lifeline
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


def _let_go() -> bool:
    """Whether the parent has let go of this helper's lifeline: it ended the run (a Ctrl-C),
    maybe before this helper even started. Nothing is ever sent on the lifeline, so the
    pipe is readable only at its end."""
    if _LIFELINE is None:
        return False
    try:
        return bool(_LIFELINE.poll(0))
    except (OSError, EOFError, ValueError):
        return True


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

    def stopped() -> bool:
        return ended.is_set() or _let_go()

    if stopped():  # the run ended before this helper came up: not one request
        return index
    source = _Taker(todo, ended.is_set, stopped)
    checker.start(source, lambda url, probe: outbox.put(Done(index, url, probe)), 1 << 16).wait()
    outbox.put(Finished(index, checker.requests_sent, checker.host_stats()))
    checker.close()
    return index


class _Taker:
    """A process's end of the shared URL queue: a batch at a time off the queue, a URL at a
    time to the threads. None once the end mark came, when ``give_up`` says so while the
    queue is empty, or (at once) when ``stopped`` says so."""

    def __init__(
        self,
        todo: Any,
        give_up: Callable[[], bool],
        stopped: Callable[[], bool] = lambda: False,
    ) -> None:
        self._todo = todo
        self._give_up = give_up
        self._stopped = stopped
        self._buffer: deque[str] = deque()
        self._lock = threading.Lock()
        self._ended = False

    def __call__(self) -> str | None:
        if not self._ended and not self._stopped():
            try:
                return self._buffer.popleft()  # (atomic: the lock is for refilling)
            except IndexError:
                pass
        with self._lock:
            if not self._ended and self._stopped():
                self._ended = True
                self._buffer.clear()
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
        self._interrupted = False  # a Ctrl-C came (set in the signal handler: a plain flag)

    def host_stats(self) -> dict[str, HostStats]:
        return dict(self._hosts)

    def close(self) -> None:
        """Nothing to release: a run's helpers end with the run."""

    def abort(self) -> None:
        """Stop at once (Ctrl-C): cut off this process's requests, end the helpers. Not for
        a signal handler (it takes locks); ``_check_split`` calls it from a thread."""
        self._aborted.set()
        for checker in list(self._running):
            checker.abort()
        stop = self._stop_helpers
        if stop is not None:
            stop()

    def _stopping(self) -> bool:
        """Whether this run is being stopped: ``abort`` was called, or a Ctrl-C came (seen
        here at once, before the thread that calls ``abort`` has run)."""
        return self._interrupted or self._aborted.is_set()

    def check_all(
        self, urls: Iterable[str], on_done: Callable[[str, Probe], None] | None = None
    ) -> dict[str, Probe]:
        """Probe every distinct URL once; ``on_done`` runs in the caller's thread."""
        distinct = by_turns(urls)
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
        """The run shared with helpers. A Ctrl-C never raises in the middle of starting or
        stopping processes (a ``KeyboardInterrupt`` inside ``multiprocessing``'s own code
        leaves its objects half made, and the exit then hangs or fails on them): the signal
        only posts ``_Interrupted`` to the parent's message queue, and the run raises it
        where it reads that queue, or once the helpers are stopped. Requests stop at once
        all the same: a thread of this process aborts the run as the signal comes."""
        self._interrupted = False
        finished: SimpleQueue[_Message] = SimpleQueue()
        interrupts: SimpleQueue[bool] = SimpleQueue()  # True: a Ctrl-C; False: the end

        def on_interrupt() -> None:  # in the signal handler: no lock taken
            self._interrupted = True
            for checker in list(self._running):
                checker.refuse_new_requests()
            finished.put(_Interrupted())
            interrupts.put(True)

        def abort_on_interrupt() -> None:
            if interrupts.get():
                self.abort()

        aborter = threading.Thread(target=abort_on_interrupt, name="flowcatalog-ctrl-c")
        aborter.start()
        try:
            with starting.interrupts_deferred(on_interrupt):
                try:
                    context = starting.helper_context(self._secrets)
                except (OSError, ValueError):  # no interpreter to start (embedded Python)
                    context = None
                if context is not None:
                    results = self._run_split(context, distinct, processes, on_done, finished)
        finally:
            interrupts.put(False)
            aborter.join()
        if context is None:
            return self._check_here(self.settings, distinct, on_done)
        lost = [url for url in distinct if url not in results]
        if lost:  # a helper failed: check here what nobody reported (Ctrl-C as usual)
            self.lost.extend(lost)
            results.update(self._check_here(self.settings, lost, on_done))
        return results

    def _run_split(
        self,
        context: Any,
        distinct: list[str],
        processes: int,
        on_done: Callable[[str, Probe], None] | None,
        finished: SimpleQueue[_Message],
    ) -> dict[str, Probe]:
        """The URLs probed by this process and ``processes - 1`` helpers; those a failed
        helper never reported are left out. Ends with ``KeyboardInterrupt`` when
        ``finished`` brings ``_Interrupted``."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        helpers = processes - 1
        own, theirs = share_settings(self.settings, processes)
        todo = context.Queue()
        outbox = context.Queue()
        inboxes = [context.Queue() for _ in range(helpers)]
        for batch in _batches(distinct, processes):
            todo.put(batch)
        for _ in range(processes + 1):
            todo.put(None)  # the end mark, one for each process

        def relay(kind: str, host: str, value: float, origin: int = PARENT) -> None:
            for index, inbox in enumerate(inboxes):
                if index != origin:
                    inbox.put(HostSignal(origin, kind, host, value))

        checker = WebChecker(own, on_host_event=relay)
        self._running.append(checker)
        if self._stopping():  # (``abort`` sets it, then aborts what is running)
            checker.abort()
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

        stopping = threading.Lock()  # the Ctrl-C thread and this one may both stop them

        def stop_helpers() -> None:
            with stopping:
                for inbox in inboxes:
                    with contextlib.suppress(OSError, ValueError):
                        inbox.put(Stop())
                held.close()  # (closing twice is nothing; at once in two threads it was)
                for child in children():
                    with contextlib.suppress(OSError, ValueError):
                        child.kill()
                # a helper still being started waits on the forkserver (slow to come up
                # on a loaded machine): ending it fails that start at once; a helper it
                # forked already, unnamed here, ends with its lifeline
                starting.end_forkserver()

        self._stop_helpers = stop_helpers
        completed = False
        results: dict[str, Probe] = {}
        try:
            # this process starts at once; the helpers join in as they come up
            helpers_gone = threading.Event()

            # short waits: a helper killed while it held the queue's lock, or one that died
            # holding end marks, must not leave this process waiting for ever
            take = _Taker(todo, lambda: self._stopping() or helpers_gone.is_set())

            run = checker.start(take, lambda url, probe: finished.put(Done(PARENT, url, probe)),
                                len(distinct))  # fmt: skip
            futures: list[Future[int]] = []

            def exited(index: int) -> Callable[[Future[int]], None]:
                return lambda done: finished.put(
                    _Exited(index, done.cancelled() or done.exception() is not None)
                )

            for index in range(helpers):
                if self._stopping():  # stopped already: no more helpers
                    break
                try:
                    future = pool.submit(self._task, index, theirs)
                except Exception:  # the abort ended the forkserver while it was asked
                    if not self._stopping():
                        raise
                    break
                future.add_done_callback(exited(index))
                futures.append(future)
            self.helper_pids = [c.pid for c in children() if c.pid is not None]
            self.processes_used = processes

            def bridge() -> None:  # the helpers' messages, into this thread's queue
                with contextlib.suppress(OSError, EOFError, ValueError):  # closed at exit
                    while (message := outbox.get()) is not None:
                        finished.put(message)

            bridging = threading.Thread(target=bridge, name="flowcatalog-helpers", daemon=True)
            bridging.start()
            if self._stopping():
                self.abort()

            running = set(range(len(futures)))
            failed = False
            helper_counts: dict[int, Finished] = {}
            try:
                while running or run.alive() or not finished.empty():
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
                    elif isinstance(message, _Interrupted):
                        raise KeyboardInterrupt
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
            assert failed or self._stopping() or len(results) == len(distinct), (
                "URLs lost without a failed helper"
            )
            for counts in helper_counts.values():
                self._collect(counts.requests, counts.hosts)
            completed = True
        finally:
            self._stop_helpers = None
            if not completed:  # interrupted, wherever it was: the helpers end first
                checker.abort()
                stop_helpers()  # (and the forkserver)
            self._running.remove(checker)
            checker.close()
            outbox.put(None)  # ends the bridge
            for inbox in inboxes:
                inbox.put(None)  # ends each helper's listener (after any Stop)
            pool.shutdown(wait=completed, cancel_futures=True)
            with stopping:
                held.close()  # a finished run's helpers ended already; none is left waiting
            lifeline.close()
            for queue in (todo, outbox, *inboxes):
                queue.cancel_join_thread()  # never wait at exit for a queue nobody reads
        self._collect(checker.requests_sent, checker.host_stats())
        return results
