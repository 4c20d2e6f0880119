"""Web-link checking spread over worker processes, for runs where one interpreter is the limit.

With many URLs and many requests in flight (say 2,000 URLs at 128 at once), the checker is
bound by CPU: every request costs a few hundred microseconds of Python in requests, urllib3
and http.client, all under one GIL. ``ParallelChecker`` shares such a run between this
process and ``processes - 1`` helper processes, each running its own ``http.WebChecker``:

- helpers are fresh interpreters started with ``subprocess`` (fork and exec at once), never
  a bare ``fork`` of this threaded process; their environment is this one without
  ``FIGMA_TOKEN`` (and without any variable holding a secret the caller names), and they get
  only the HTTP settings and URLs, over their stdin; they send probes back over stdout, as
  length-prefixed pickle frames. Only the parent writes the cache and reports progress;
- URLs are handed out on demand in small batches (a helper that starts late takes fewer);
  each URL goes to exactly one process, so there is still one request chain per URL;
- limits are divided, not multiplied: each process gets ``max_concurrency // processes`` and
  ``host_concurrency // processes`` (the parent takes the remainder), so the peak in flight
  to one host, over all processes, stays within ``host_concurrency``. A run with a
  ``host_interval`` is never split (the interval is one process's state, and such a run is
  bound by the interval, not by CPU);
- a 429 seen by any process (a pause, or a wait above the cap) is relayed to every other
  process through the parent, so the host is slowed everywhere, not only where it answered;
- a helper that dies is not fatal: the URLs it had not reported are checked in the parent
  (those it had already requested are then requested twice, in that failure case only).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import struct
import subprocess
import sys
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from queue import Empty, SimpleQueue
from typing import IO, Any

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
#: a helper asks for more URLs when fewer than this many are left in hand
_PREFETCH = 32
_HEADER = struct.Struct(">I")


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


# -- framing -----------------------------------------------------------------------------------


def _send(stream: IO[bytes], lock: threading.Lock, message: tuple[Any, ...]) -> bool:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        with lock:
            stream.write(_HEADER.pack(len(data)) + data)
            stream.flush()
    except (OSError, ValueError):  # the other side is gone (or the pipe closed)
        return False
    return True


def _receive(stream: IO[bytes]) -> tuple[Any, ...] | None:
    """The next message, or None at the end of the stream (or a torn frame)."""
    try:
        header = stream.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return None
        (size,) = _HEADER.unpack(header)
        data = stream.read(size)
    except (OSError, ValueError):
        return None
    if len(data) < size:
        return None
    try:
        message = pickle.loads(data)
    except Exception:  # a garbled frame ends the conversation
        return None
    return message if isinstance(message, tuple) and message else None


# -- the parent --------------------------------------------------------------------------------


class _Dispenser:
    """The URLs not yet handed to any process."""

    def __init__(self, urls: Iterable[str]) -> None:
        self._todo = deque(urls)
        self._lock = threading.Lock()

    def take_one(self) -> str | None:
        with self._lock:
            return self._todo.popleft() if self._todo else None

    def left(self) -> int:
        with self._lock:
            return len(self._todo)

    def take(self, processes: int) -> list[str]:
        """A batch for a helper: smaller as the run ends, so the processes end together."""
        with self._lock:
            size = max(1, min(64, len(self._todo) // (4 * processes)))
            return [self._todo.popleft() for _ in range(min(size, len(self._todo)))]


class _Helper:
    """One helper process, seen from the parent."""

    def __init__(self, index: int, process: subprocess.Popen[bytes]) -> None:
        self.index = index
        self.process = process
        self.write_lock = threading.Lock()
        self.outstanding: set[str] = set()
        self.requests = 0
        self.hosts: dict[str, HostStats] = {}
        self.reader: threading.Thread | None = None

    def send(self, message: tuple[Any, ...]) -> bool:
        assert self.process.stdin is not None
        return _send(self.process.stdin, self.write_lock, message)

    def close(self) -> None:
        """Close its pipes and reap it (a helper with no more work ends by itself)."""
        self._close_pipes()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        self._close_pipes()
        self.process.wait()

    def _close_pipes(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def _discard(helpers: list[_Helper]) -> None:
    """End helpers that were never given work: at once (nothing of theirs is left to finish)."""
    while helpers:
        helpers.pop().kill()


class HelperPool:
    """Helper processes started ahead of need (while pages are parsed, say), so their
    interpreter start-up overlaps other work. ``ParallelChecker`` takes them when the run
    is big enough (and ends them); the rest are ended at ``close`` or when the pool is
    collected, at the latest when the interpreter exits."""

    def __init__(self, count: int, *, secrets: Iterable[str] = ()) -> None:
        self._idle = _spawn(helper_environment(secrets), count)
        self._finalizer = weakref.finalize(self, _discard, self._idle)

    def __len__(self) -> int:
        return len(self._idle)

    def take(self, count: int) -> list[_Helper]:
        """Up to ``count`` started helpers, each handed out once; the caller closes them."""
        taken = self._idle[:count]
        del self._idle[:count]
        return taken

    def close(self) -> None:
        """End the helpers nobody took."""
        self._finalizer()


class ParallelChecker:
    """``WebChecker``'s interface (``check_all``, ``requests_sent``, ``host_stats``, ``close``)
    over this process and helper processes; one process when the run is small."""

    def __init__(
        self,
        settings: HttpSettings,
        *,
        processes: int | None = None,
        secrets: Iterable[str] = (),
        pool: HelperPool | None = None,
    ) -> None:
        self.settings = settings
        self.processes = processes
        self._pool = pool
        self._secrets = tuple(secrets)
        self.requests_sent = 0
        self.processes_used = 1
        self.lost: list[str] = []  # URLs a failed helper never reported (checked here)
        self._hosts: dict[str, HostStats] = {}
        self._running: list[WebChecker] = []  # this process's checker of the current run
        self._helpers: list[_Helper] = []  # the helpers of the current run
        self._aborted = threading.Event()

    def host_stats(self) -> dict[str, HostStats]:
        return dict(self._hosts)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()

    def abort(self) -> None:
        """Stop at once (Ctrl-C): cut off this process's requests, end the helpers."""
        self._aborted.set()
        for checker in list(self._running):
            checker.abort()
        for helper in list(self._helpers):
            with contextlib.suppress(OSError):
                helper.process.kill()

    def check_all(
        self, urls: Iterable[str], on_done: Callable[[str, Probe], None] | None = None
    ) -> dict[str, Probe]:
        """Probe every distinct URL once; ``on_done`` runs in the caller's thread."""
        distinct = list(dict.fromkeys(urls))
        processes = choose_processes(self.settings, distinct, self.processes)
        if len(distinct) < processes:
            processes = 1
        if processes == 1:
            if self._pool is not None:
                self._pool.close()
            return self._check_here(distinct, on_done)
        return self._check_split(distinct, processes, on_done)

    def _check_here(
        self, distinct: list[str], on_done: Callable[[str, Probe], None] | None
    ) -> dict[str, Probe]:
        checker = WebChecker(self.settings)
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
        wanted = processes - 1
        helpers = self._pool.take(wanted) if self._pool is not None else []
        if len(helpers) < wanted:
            helpers += _spawn(helper_environment(self._secrets), wanted - len(helpers))
        if not helpers:  # no interpreter to start (an embedded Python, say)
            return self._check_here(distinct, on_done)
        for index, helper in enumerate(helpers):
            helper.index = index
        processes = len(helpers) + 1
        own, theirs = share_settings(self.settings, processes)
        self.processes_used = processes
        #: ("probe", url, probe) | ("exit", helper index)
        finished: SimpleQueue[tuple[str, Any, Any]] = SimpleQueue()
        dispenser = _Dispenser(distinct)

        def relay(kind: str, key: str, value: float, origin: int | None = None) -> None:
            for helper in helpers:
                if helper.index != origin:
                    helper.send(("event", kind, key, value))

        checker = WebChecker(own, on_host_event=relay)
        self._running.append(checker)
        self._helpers = helpers

        def apply(kind: str, key: str, value: float) -> None:
            if kind == "pause":
                checker.pause_host(key, value)
            elif kind == "limited":
                checker.limit_host(key, value)

        def read(helper: _Helper) -> None:
            stdout = helper.process.stdout
            assert stdout is not None
            try:
                while (message := _receive(stdout)) is not None:
                    if not answer(helper, message):
                        break
            except Exception:  # a malformed message: treat the helper as failed
                helper.process.kill()
            finally:
                finished.put(("exit", helper.index, None))

        def answer(helper: _Helper, message: tuple[Any, ...]) -> bool:
            kind = message[0]
            if kind == "more":
                batch = dispenser.take(processes)
                helper.outstanding.update(batch)
                return helper.send(("urls", batch))
            if kind == "probes":
                for url, probe in message[1]:
                    helper.outstanding.discard(url)
                    finished.put(("probe", url, probe))
            elif kind == "event":
                apply(message[1], message[2], message[3])
                relay(message[1], message[2], message[3], origin=helper.index)
            elif kind == "stats":
                helper.requests, helper.hosts = message[1], message[2]
            return True

        results: dict[str, Probe] = {}
        lost: list[str] = []
        completed = False
        try:
            for helper in helpers:
                helper.send(("settings", theirs))  # if this fails, its reader sees the end
                helper.reader = threading.Thread(
                    target=read, args=(helper,), name=f"flowcatalog-helper-{helper.index}",
                    daemon=True,
                )  # fmt: skip
                helper.reader.start()
            run = checker.start(
                dispenser.take_one,
                lambda url, probe: finished.put(("probe", url, probe)),
                len(distinct),
            )
            running = len(helpers)
            try:
                # the helpers' URLs come back from them (or are counted lost when one ends);
                # the others from this process's own pool, which takes until none is left
                while running or len(results) + len(lost) < len(distinct):
                    try:
                        kind, first, second = finished.get(timeout=1.0)
                    except Empty:
                        if not dispenser.left():  # a helper that holds no URL is not waited for
                            for helper in helpers:
                                if not helper.outstanding and helper.process.poll() is None:
                                    helper.process.kill()
                        continue
                    if kind == "probe":
                        results[first] = second
                        if on_done is not None:
                            on_done(first, second)
                    elif kind == "exit":
                        running -= 1
                        helper = helpers[first]
                        lost.extend(u for u in distinct if u in helper.outstanding)
                        helper.outstanding.clear()
            except BaseException:  # interrupted: nothing in flight is waited for
                self.abort()
                run.stop_event.set()
                raise
            run.stop()
            if lost:  # a helper failed: check what it never reported here
                self.lost.extend(lost)
                results.update(checker.check_all(lost, on_done))
            completed = True
        finally:
            self._running.remove(checker)
            self._helpers = []
            checker.close()
            for helper in helpers:
                if completed:
                    helper.close()
                else:
                    helper.kill()
                if helper.reader is not None:
                    helper.reader.join(timeout=10 if completed else 1)
        self._collect(checker.requests_sent, checker.host_stats())
        for helper in helpers:
            self._collect(helper.requests, helper.hosts)
        return results


def _spawn(env: dict[str, str], count: int) -> list[_Helper]:
    helpers: list[_Helper] = []
    for index in range(count):
        try:
            helpers.append(_Helper(index, _start_helper(env)))
        except OSError:
            break
    return helpers


def _start_helper(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # -P: nothing imported from the working directory
        [sys.executable, "-P", "-c", "from flowcatalog.online.parallel import main; main()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        close_fds=True,
    )


# -- a helper ----------------------------------------------------------------------------------


def main() -> None:
    """A helper process: settings and URLs on stdin, probes on stdout, nothing else."""
    incoming = sys.stdin.buffer
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print must not corrupt frames
    write_lock = threading.Lock()
    first = _receive(incoming)
    if first is None or first[0] != "settings" or not isinstance(first[1], HttpSettings):
        return
    settings: HttpSettings = first[1]
    batches: SimpleQueue[list[str] | None] = SimpleQueue()

    def share(kind: str, key: str, value: float) -> None:
        _send(out, write_lock, ("event", kind, key, value))

    checker = WebChecker(settings, on_host_event=share)

    def listen() -> None:
        while True:
            message = _receive(incoming)
            if message is None:
                batches.put(None)
                return
            if message[0] == "urls":
                batches.put(list(message[1]))
            elif message[0] == "event" and message[1] == "pause":
                checker.pause_host(message[2], message[3])
            elif message[0] == "event" and message[1] == "limited":
                checker.limit_host(message[2], message[3])

    threading.Thread(target=listen, name="flowcatalog-helper-in", daemon=True).start()
    buffered: deque[str] = deque()
    source_lock = threading.Lock()
    exhausted = False
    asked = False  # a "more" is on its way: the next batch is asked for before it is needed

    def source() -> str | None:
        nonlocal exhausted, asked
        with source_lock:
            while True:
                if asked:
                    try:
                        batch = batches.get(block=not buffered)
                    except Empty:
                        batch = None  # not here yet; some URLs are still buffered
                    else:
                        asked = False
                        if batch:
                            buffered.extend(batch)
                        else:  # none left (or the parent is gone)
                            exhausted = True
                if asked or exhausted or len(buffered) >= _PREFETCH:
                    break
                asked = _send(out, write_lock, ("more",))
                exhausted = not asked
            return buffered.popleft() if buffered else None

    def sink(url: str, probe: Probe) -> None:
        _send(out, write_lock, ("probes", [(url, probe)]))

    checker.start(source, sink, settings.max_concurrency).wait()
    _send(out, write_lock, ("stats", checker.requests_sent, checker.host_stats()))
    checker.close()
    out.close()
    # end here: a normal interpreter exit would wait to close stdin, which the listening
    # thread is blocked reading (the parent closes it only after this process ends)
    os._exit(0)
