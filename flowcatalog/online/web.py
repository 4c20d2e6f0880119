"""The web-link checker: the only place that sends HTTP requests for ordinary web links.

One policy, in one place:

- one request chain per distinct URL per run, from a bounded thread pool sharing
  keep-alive connections per origin (``transport.DirectPool``; a request through a proxy
  goes through a ``requests`` adapter); the hosts taken in turn (``by_turns``);
  ``max_concurrency`` in flight overall and ``host_concurrency`` per host, with an
  optional pause ``host_interval`` between request starts to one host;
- HEAD first; GET when HEAD is refused (``HEAD_REFUSED``: 405 and 501, plus 400 and 403,
  which servers that mishandle HEAD commonly answer; 404 is *not* retried with GET, as
  that would double the requests for every dead link). Bodies are never needed: responses
  are streamed and closed, and only a small body (``drain_bytes``, by Content-Length) is
  read so the connection can go back to the pool;
- connect and read timeouts per attempt, and a total deadline per URL, counted from its
  first request (time spent queueing politely for a busy host does not count);
- redirects followed by hand (at most ``max_redirects``), loops reported with the chain;
- retries only for 408, 429, 5xx, timeouts and connection resets, with exponential
  back-off and full jitter; ``Retry-After`` (seconds or HTTP date) honoured up to
  ``max_retry_wait``, a longer wait is reported and never slept through; a 429 pauses
  every queued request to that host;
- no request to a loopback, private, link-local, unspecified, reserved or multicast
  address unless ``include_private``: the host is resolved first and its addresses
  checked, and the address a connection really reaches is checked again at connect time
  (so a DNS answer that changes between the two, "DNS rebinding", is caught too).

The checker never prints; results are ``probes.Probe`` values. A run that one interpreter
cannot drive fast enough is shared with helper processes by ``flowcatalog.online.parallel``,
through ``WebChecker.start`` and the host events (``on_host_event``, ``pause_host``,
``limit_host``) that carry a 429's slow-down from one process to the others.

Size: the scheduler, the attempt loop and redirect handling share one run's state (hosts,
budgets, the queue); the address policy (``guard``) and retry policy (``policy``) are apart.
"""

from __future__ import annotations

import _thread
import collections
import http.client
import itertools
import math
import os
import queue
import random
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urljoin, urlsplit

from flowcatalog.online.guard import BlockedAddressError, address_forbidden
from flowcatalog.online.policy import (
    HEAD_REFUSED,
    REDIRECT_CODES,
    RETRY_CODES,
    parse_retry_after,
)
from flowcatalog.online.probes import ErrorKind, Probe
from flowcatalog.online.settings import HttpSettings
from flowcatalog.online.transport import (
    DEFAULT_PORTS,
    ConnectTimeoutError,
    DirectPool,
    InvalidURLError,
    ReadTimeoutError,
    TLSError,
    plain_target,
    request_headers,
)
from flowcatalog.online.watchdog import Watchdog

if TYPE_CHECKING:
    import requests


@dataclass(slots=True)
class HostStats:
    """Per-host counters of one run (mutable, owned by the checker)."""

    requests: int = 0
    urls: int = 0
    busy: float = 0.0
    slowest: float = 0.0


@dataclass(slots=True)
class _Host:
    slots: threading.Semaphore
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_start: float = 0.0
    not_before: float = 0.0
    resolved: tuple[str, ...] | None = None
    resolve_error: str | None = None
    limited: float | None = None
    stats: HostStats = field(default_factory=HostStats)


@dataclass(slots=True)
class _Budget:
    """A URL's time budget; it starts with the URL's first request, not while queueing."""

    seconds: float
    ends: float | None = None

    def start(self, now: float) -> None:
        if self.ends is None:
            self.ends = now + self.seconds

    def left(self, now: float) -> float:
        return math.inf if self.ends is None else self.ends - now


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int | None = None
    location: str | None = None
    error: ErrorKind | None = None
    detail: str = ""
    attempts: int = 0
    retry_after: float | None = None
    method: str = "HEAD"


def by_turns(urls: Iterable[str]) -> list[str]:
    """The distinct URLs in the order to request them: the hosts in turn (the first URL of
    each host, then the second of each, ...), each host's URLs in their own order.

    A request waits for a slot of its host (``host_concurrency``) in the thread that took
    it; with many URLs of one host side by side, every thread would wait on that host
    while the others had nothing in flight."""
    hosts: dict[str | None, list[str]] = {}
    for url in dict.fromkeys(urls):
        hosts.setdefault(WebChecker._host_key(url), []).append(url)
    if len(hosts) <= 1:
        return [url for same in hosts.values() for url in same]
    turns = itertools.zip_longest(*hosts.values())
    return [url for turn in turns for url in turn if url is not None]


def _find_cause(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> BaseException | None:
    """The first exception of ``kinds`` in ``exc``'s cause/context/args chain."""
    todo: list[BaseException] = [exc]
    seen: set[int] = set()
    while todo:
        current = todo.pop(0)
        if id(current) in seen or len(seen) > 32:
            continue
        seen.add(id(current))
        if isinstance(current, kinds):
            return current
        for nxt in (current.__cause__, current.__context__, getattr(current, "reason", None)):
            if isinstance(nxt, BaseException):
                todo.append(nxt)
        todo.extend(arg for arg in current.args if isinstance(arg, BaseException))
    return None


def _classify_exception(exc: BaseException) -> tuple[ErrorKind, str]:
    blocked = _find_cause(exc, (BlockedAddressError,))
    if blocked is not None:
        return ErrorKind.PRIVATE_ADDRESS, str(blocked)
    malformed = _find_cause(exc, (http.client.HTTPException,))
    if malformed is not None and not isinstance(malformed, http.client.RemoteDisconnected):
        return ErrorKind.PROTOCOL, _protocol_detail(malformed)
    if isinstance(exc, ConnectTimeoutError):
        return ErrorKind.TIMEOUT, "connect timeout"
    if isinstance(exc, ReadTimeoutError):
        return ErrorKind.TIMEOUT, "read timeout"
    if isinstance(exc, TLSError):
        return ErrorKind.TLS, "TLS error: " + _short(exc)
    if isinstance(exc, InvalidURLError):
        return ErrorKind.INVALID_URL, "invalid URL"
    if _find_cause(exc, (socket.gaierror,)) is not None:
        return ErrorKind.DNS, "host name does not resolve"
    if _find_cause(exc, (ConnectionRefusedError,)) is not None:
        return ErrorKind.REFUSED, "connection refused"
    if _find_cause(exc, (socket.timeout, TimeoutError)) is not None:
        return ErrorKind.TIMEOUT, "timeout"
    reset = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)
    if _find_cause(exc, reset) is not None:
        return ErrorKind.RESET, "connection reset by the server"
    return ErrorKind.CONNECTION, "connection failed: " + _short(exc)


def _protocol_detail(exc: BaseException) -> str:
    """What was wrong with an answer that is not HTTP, in words (no server bytes echoed
    beyond a short, printable excerpt)."""
    if isinstance(exc, http.client.LineTooLong):
        return "a status or header line too long"
    if isinstance(exc, http.client.BadStatusLine):
        line = "".join(c if c.isprintable() else "?" for c in str(exc.args[0] if exc.args else ""))
        return f"invalid status line {line[:60]!r}"
    if isinstance(exc, http.client.IncompleteRead):
        return "the body ended before its Content-Length"
    text = _short(exc)
    return "".join(c if c.isprintable() else "?" for c in text)[:120]


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


class Run:
    """A started pool (``WebChecker.start``): ``wait`` for it, or ``stop`` it early."""

    def __init__(self, workers: int) -> None:
        self.stop_event = threading.Event()
        self._left = workers
        self._lock = threading.Lock()
        self._ended = threading.Event()
        if workers <= 0:
            self._ended.set()

    def worker_ended(self) -> None:
        """(In a worker, as it ends.)"""
        with self._lock:
            self._left -= 1
            if self._left <= 0:
                self._ended.set()

    def alive(self) -> bool:
        """Whether a worker is still running."""
        return not self._ended.is_set()

    def wait(self) -> None:
        self._ended.wait()

    def stop(self) -> None:
        """Take no new URL; wait for the requests in flight."""
        self.stop_event.set()
        self.wait()


#: ("pause", host key, seconds) after a 429 with a wait; ("limited", host key, seconds)
#: after a 429 asking for a wait above the cap; for sharing with other processes
HostEvent = Callable[[str, str, float], None]


class WebChecker:
    """Checks web links; thread-safe; ``check_all`` runs the bounded pool."""

    def __init__(
        self,
        settings: HttpSettings,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        resolver: Callable[..., Any] = socket.getaddrinfo,
        rng: random.Random | None = None,
        on_host_event: HostEvent | None = None,
    ) -> None:
        self.settings = settings
        self._on_host_event = on_host_event
        self._session = session  # for requests through a proxy; made at the first one
        self._headers = (
            {k: str(v) for k, v in session.headers.items()}
            if session is not None
            else request_headers(settings.user_agent)
        )
        self._sleep = sleep
        self._clock = clock
        self._resolver = resolver
        self._rng = rng or random.Random()
        self._rng_lock = threading.Lock()
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()
        self._proxies: dict[str, dict[str, str]] = {}
        #: a proxy may apply (``*_proxy`` variables other than ``no_proxy``, as ``urllib``
        #: reads them); without one no URL is looked up
        self._proxy_variables = any(
            name.lower().endswith("_proxy") and name.lower() != "no_proxy" and value
            for name, value in os.environ.items()
        )
        self._exclude = tuple(re.compile(p) for p in settings.exclude)
        self._verify: bool | str = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )
        self._direct = DirectPool(
            self._headers,
            verify=self._verify,
            guard=not settings.include_private,
            pool_size=min(settings.host_concurrency, settings.max_concurrency),
            max_origins=max(10, min(settings.max_concurrency, 100)),
        )
        self._watchdog = Watchdog()

    # -- public -------------------------------------------------------------------------

    def check_all(
        self, urls: Iterable[str], on_done: Callable[[str, Probe], None] | None = None
    ) -> dict[str, Probe]:
        """Probe every distinct URL once, in parallel; ``on_done`` runs in the caller's thread."""
        distinct = by_turns(urls)
        results: dict[str, Probe] = {}
        if not distinct:
            return results
        todo = collections.deque(distinct)

        def source() -> str | None:
            try:
                return todo.popleft()  # (atomic: no lock for the threads to queue on)
            except IndexError:
                return None

        finished: queue.SimpleQueue[tuple[str, Probe]] = queue.SimpleQueue()
        run = self.start(source, lambda url, probe: finished.put((url, probe)), len(distinct))
        completed = False
        try:
            for _ in distinct:
                url, probe = finished.get()
                results[url] = probe
                if on_done is not None:
                    on_done(url, probe)
            completed = True
        finally:
            if completed:
                run.stop()
            else:  # interrupted (or a failing callback): stop now, wait for nothing
                self.abort()
                run.stop_event.set()
        return results

    def start(
        self, source: Callable[[], str | None], sink: Callable[[str, Probe], None], count: int
    ) -> Run:
        """Start the bounded pool: threads take URLs from ``source`` (None: no more) and
        hand each probe to ``sink`` (in a pool thread). ``count`` bounds the thread count.

        Every worker thread is started before the first request: a thread started while
        others are busy waits for the GIL, and starting 128 of them one by one beside
        running requests used to delay full concurrency by half a second. They are started
        with ``_thread``: ``threading.Thread.start`` waits until each new thread runs, a
        millisecond each on a busy machine (over 100 ms for 128 threads before the first
        request); a ``Run`` counts them out instead of joining them.
        """
        go = threading.Event()
        workers = max(1, min(self.settings.max_concurrency, count))
        run = Run(workers)
        stop = run.stop_event

        def work() -> None:
            try:
                go.wait()
                while not stop.is_set():
                    try:
                        url = source()
                    except Exception:  # the source is gone (its queue closed at exit)
                        return
                    if url is None:
                        return
                    try:
                        probe = self.probe(url)
                    except Exception as exc:  # a bug must not lose the whole report
                        probe = Probe(url, error=ErrorKind.CONNECTION, detail=_short(exc))
                    sink(url, probe)
            finally:
                run.worker_ended()

        for started in range(workers):
            try:
                _thread.start_new_thread(work, ())
            except RuntimeError:  # no more threads to be had: those started do the work
                for _ in range(workers - started):
                    run.worker_ended()
                if started == 0:
                    raise
                break
        go.set()
        return run

    def pause_host(self, key: str, wait: float) -> None:
        """Another process saw a 429 from host ``key``: hold its requests ``wait`` seconds."""
        self._pause(self._host(key), wait, share=False)

    def limit_host(self, key: str, retry_after: float) -> None:
        """Another process was asked to wait ``retry_after`` s (above the cap) by ``key``."""
        host = self._host(key)
        with host.lock:
            host.limited = retry_after

    def host_stats(self) -> dict[str, HostStats]:
        with self._hosts_lock:
            return {name: host.stats for name, host in self._hosts.items()}

    @property
    def requests_sent(self) -> int:
        """Requests sent so far (every request counts against a host)."""
        with self._hosts_lock:
            hosts = list(self._hosts.values())
        total = 0
        for host in hosts:
            with host.lock:
                total += host.stats.requests
        return total

    def close(self) -> None:
        self._direct.close()
        if self._session is not None:
            self._session.close()
        self._watchdog.close()

    def abort(self) -> None:
        """Stop at once (Ctrl-C): cut off the requests in flight, send no new one."""
        self._watchdog.abort()

    def refuse_new_requests(self) -> None:
        """Send no new request from now on (``abort`` also cuts off those in flight). Safe
        in a signal handler: it sets a flag and takes no lock."""
        self._watchdog.aborted = True

    def probe(self, url: str) -> Probe:
        """Check one URL: HEAD (GET fallback), retries, redirects, all within the deadline."""
        start = self._clock()
        deadline = _Budget(self.settings.deadline)
        pattern = self._excluded(url)
        if pattern is not None:
            return Probe(
                url, error=ErrorKind.EXCLUDED, detail=f"matches exclude {pattern!r}", method=""
            )
        current = url
        chain: list[str] = []
        seen = {url}
        attempts = 0
        first_host = self._host_key(url)
        if first_host is not None:
            host = self._host(first_host)
            with host.lock:
                host.stats.urls += 1
        while True:
            blocked = self._blocked(current)
            if blocked is not None:
                kind, detail = blocked
                return Probe(
                    url,
                    final_url=current,
                    redirects=tuple(chain),
                    error=kind,
                    detail=detail,
                    attempts=attempts,
                    elapsed=self._clock() - start,
                    method="",
                )
            answer = self._ask(current, deadline)
            attempts += answer.attempts
            elapsed = self._clock() - start
            base = Probe(
                url,
                status=answer.status,
                final_url=current,
                redirects=tuple(chain),
                error=answer.error,
                detail=answer.detail,
                attempts=attempts,
                elapsed=elapsed,
                retry_after=answer.retry_after,
                method=answer.method,
            )
            if answer.error is not None or answer.status not in REDIRECT_CODES:
                return base
            if not answer.location:
                return replace(base, detail="redirect without a Location header")
            try:
                nxt = urljoin(current, answer.location.strip())
                scheme = urlsplit(nxt).scheme
                _ = urlsplit(nxt).port
            except ValueError:
                return replace(base, detail=f"redirect to an invalid URL {answer.location[:200]!r}")
            if scheme not in ("http", "https"):
                return replace(base, detail=f"redirect to a non-web URL {nxt[:200]}")
            chain.append(nxt)
            if nxt in seen:
                return replace(base, error=ErrorKind.REDIRECT_LOOP, redirects=tuple(chain))
            if len(chain) > self.settings.max_redirects:
                return replace(base, error=ErrorKind.TOO_MANY_REDIRECTS, redirects=tuple(chain))
            seen.add(nxt)
            current = nxt

    # -- internals ----------------------------------------------------------------------

    def _excluded(self, url: str) -> str | None:
        for pattern in self._exclude:
            if pattern.search(url):
                return pattern.pattern
        return None

    @staticmethod
    def _host_key(url: str) -> str | None:
        plain = plain_target(url)  # (most URLs: a fifth of the time of ``urlsplit``)
        if plain is not None:
            scheme, name, number = plain[0]
            return name if number == DEFAULT_PORTS[scheme] else f"{name}:{number}"
        try:
            parts = urlsplit(url)
            host = parts.hostname
            port = parts.port
        except ValueError:
            return None
        if not host:
            return None
        default = DEFAULT_PORTS.get(parts.scheme, 80)
        return host if port in (None, default) else f"{host}:{port}"

    def _host(self, key: str) -> _Host:
        host = self._hosts.get(key)  # (a dict lookup is atomic; the lock is for adding)
        if host is not None:
            return host
        with self._hosts_lock:
            host = self._hosts.get(key)
            if host is None:
                host = _Host(threading.Semaphore(max(1, self.settings.host_concurrency)))
                self._hosts[key] = host
            return host

    def _blocked(self, url: str) -> tuple[ErrorKind, str] | None:
        """Resolve the host once per run and refuse non-public addresses (unless allowed)."""
        if self.settings.include_private:
            return None
        try:
            parts = urlsplit(url)
            name = parts.hostname
            port = parts.port or DEFAULT_PORTS.get(parts.scheme, 80)
        except ValueError:
            return ErrorKind.INVALID_URL, "invalid URL"
        if not name:
            return ErrorKind.INVALID_URL, "URL has no host"
        key = self._host_key(url) or name
        host = self._host(key)
        with host.lock:
            if host.resolved is None and host.resolve_error is None:
                try:
                    infos = self._resolver(name, port, 0, socket.SOCK_STREAM)
                    host.resolved = tuple(sorted({str(info[4][0]) for info in infos}))
                except (OSError, UnicodeError):
                    host.resolve_error = "host name does not resolve"
            resolved, error = host.resolved, host.resolve_error
        if error is not None:
            if self._proxies_for(url):
                return None  # the proxy resolves it
            return ErrorKind.DNS, error
        bad = [a for a in resolved or () if address_forbidden(a)]
        if bad:
            return ErrorKind.PRIVATE_ADDRESS, f"{name} resolves to non-public address {bad[0]}"
        return None

    def _proxies_for(self, url: str) -> dict[str, str]:
        if not self._proxy_variables:  # no proxy set in the environment: none for any URL
            return {}
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        proxies = self._proxies.get(key)
        if proxies is None:
            import requests.utils  # (imported only when a proxy is set)

            proxies = dict(requests.utils.get_environ_proxies(url))
            self._proxies[key] = proxies
        return proxies

    def _backoff(self, retry: int) -> float:
        cap = min(self.settings.backoff_max, self.settings.backoff_base * (2**retry))
        with self._rng_lock:
            return self._rng.uniform(cap / 2, cap)

    def _ask(self, url: str, deadline: _Budget) -> _Answer:
        """One URL (no redirect following): HEAD, GET fallback, retries."""
        settings = self.settings
        host = self._host(self._host_key(url) or url)
        method = "HEAD"
        attempts = 0
        retries = 0
        previous: _Answer | None = None  # the last retryable answer, should a retry be cut off
        while True:
            if self._watchdog.aborted:  # interrupted: no new request
                return _Answer(
                    error=ErrorKind.DEADLINE, detail="interrupted", attempts=attempts, method=method
                )
            if deadline.left(self._clock()) <= 0:
                if previous is not None:  # a retry the deadline left no time for
                    return replace(previous, attempts=attempts)
                return _Answer(
                    error=ErrorKind.DEADLINE,
                    detail=f"{settings.deadline:g} s",
                    attempts=attempts,
                    method=method,
                )
            attempts += 1
            response: Response | None = None
            failure: BaseException | None = None
            with host.slots:
                limited = host.limited
                if limited is not None:  # the host asked for a wait above the cap already
                    return _Answer(
                        status=429,
                        error=ErrorKind.RETRY_AFTER_TOO_LONG,
                        attempts=attempts - 1,
                        retry_after=limited,
                        method=method,
                        detail="asked on another link of this host",
                    )
                self._wait_turn(host, deadline)
                deadline.start(self._clock())
                if deadline.left(self._clock()) <= 0:
                    if previous is not None:
                        return replace(previous, attempts=attempts - 1)
                    return _Answer(
                        error=ErrorKind.DEADLINE,
                        detail=f"{settings.deadline:g} s",
                        attempts=attempts,
                        method=method,
                    )
                started = self._clock()
                left = max(0.001, deadline.left(started))
                timeout = (min(settings.connect_timeout, left), min(settings.read_timeout, left))
                # the deadline holds within the attempt too, whatever pace the server
                # sends at: the watchdog shuts the socket when it passes
                with self._watchdog.watch(left) as watch:
                    try:
                        response = self._send(method, url, timeout)
                        response.release(settings.drain_bytes)
                    except (http.client.HTTPException, OSError, ValueError) as exc:
                        failure = exc
                    finally:
                        took = self._clock() - started
                        with host.lock:
                            host.stats.requests += 1
                            host.stats.busy += took
                            host.stats.slowest = max(host.stats.slowest, took)
            if watch.expired or watch.aborted:  # cut off: whatever came back is partial
                if previous is not None and watch.expired:  # a retry cut short: the last answer
                    return replace(previous, attempts=attempts)
                return _Answer(
                    error=ErrorKind.DEADLINE,
                    detail=f"{settings.deadline:g} s" if watch.expired else "interrupted",
                    attempts=attempts,
                    method=method,
                )
            if failure is not None:
                kind, detail = _classify_exception(failure)
                cut_short = deadline.left(self._clock()) <= 0.001  # a retry out of time
                if kind is ErrorKind.TIMEOUT and previous is not None and cut_short:
                    return replace(previous, attempts=attempts)
                if kind in (ErrorKind.TIMEOUT, ErrorKind.RESET) and retries < settings.max_retries:
                    wait = self._backoff(retries)
                    retries += 1
                    if wait < deadline.left(self._clock()):
                        self._sleep(wait)
                        continue
                return _Answer(error=kind, detail=detail, attempts=attempts, method=method)
            assert response is not None
            status = response.status
            if method == "HEAD" and status in HEAD_REFUSED:
                method = "GET"
                continue
            retry_after = parse_retry_after(response.header("Retry-After"))
            retryable = status in RETRY_CODES or 500 <= status <= 599
            if retryable and retry_after is not None and retry_after > settings.max_retry_wait:
                if status == 429:  # spare the host: its other links are not requested either
                    with host.lock:
                        host.limited = retry_after
                    if self._on_host_event is not None:
                        self._on_host_event("limited", self._host_key(url) or url, retry_after)
                return _Answer(
                    status=status,
                    error=ErrorKind.RETRY_AFTER_TOO_LONG,
                    attempts=attempts,
                    retry_after=retry_after,
                    method=method,
                )
            answer = _Answer(
                status=status,
                location=response.header("Location"),
                attempts=attempts,
                retry_after=retry_after,
                method=method,
                detail=(response.reason or "") if status >= 400 else "",
            )
            if retryable and retries < settings.max_retries:
                previous = answer
                wait = retry_after if retry_after is not None else self._backoff(retries)
                retries += 1
                if wait < deadline.left(self._clock()):
                    if status == 429:  # every queued request to the host waits too
                        self._pause(host, wait, key=self._host_key(url) or url)
                    else:
                        self._sleep(wait)
                    continue
            return answer

    def _send(self, method: str, url: str, timeout: tuple[float, float]) -> Response:
        """One request, never redirected; its answer, to be released.

        A direct request goes through ``transport.DirectPool``: ``http.client``
        connections kept per origin, a third of the CPU of a request through a
        ``requests`` session and urllib3 (no cookies, hooks, environment merging or
        response objects, none of which a probe needs). A request through a proxy goes
        through a ``requests`` adapter, which knows its proxy managers.
        """
        proxies = self._proxies_for(url)
        if proxies:
            return self._send_proxied(method, url, timeout, proxies)
        return self._direct.send(method, url, timeout)

    def _send_proxied(
        self, method: str, url: str, timeout: tuple[float, float], proxies: dict[str, str]
    ) -> Response:
        from flowcatalog.online.sessions import build_session, send_proxied

        session = self._session
        if session is None:
            session = self._session = build_session(self.settings)
        return send_proxied(session, method, url, self._headers, timeout, self._verify, proxies)

    def _pause(self, host: _Host, wait: float, *, key: str = "", share: bool = True) -> None:
        with host.lock:
            host.not_before = max(host.not_before, self._clock() + wait)
        if share and self._on_host_event is not None:
            self._on_host_event("pause", key, wait)

    def _wait_turn(self, host: _Host, deadline: _Budget) -> None:
        with host.lock:
            now = self._clock()
            start = max(now, host.next_start, host.not_before)
            host.next_start = start + self.settings.host_interval
        if deadline.ends is not None:
            start = min(start, deadline.ends)
        delay = start - self._clock()
        if delay > 0:
            self._sleep(delay)


class Response(Protocol):
    """An answer's status line and headers, until ``release``: ``transport.Answer`` or,
    through a proxy, ``sessions.ProxiedAnswer``."""

    status: int
    reason: str

    def header(self, name: str) -> str | None: ...

    def release(self, drain_bytes: int) -> None: ...
