"""The ``requests`` sessions of the online checks, and what they are made of: urllib3
connection pools whose sockets are under the calling thread's deadline watch
(``watchdog``), pools that check the address a connection really reached (``guard``), the
adapters that use them, and a request through a proxy for the web checker.

Imported only when a session is needed (a Figma API client, thumbnails, a web link behind
a proxy): ``requests`` and urllib3 cost a tenth of a second to import, and the web checker
sends its direct requests without them (``transport``).
"""

from __future__ import annotations

import http.client
import socket
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
import requests.adapters
import requests.structures
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions

from flowcatalog.online.guard import check_peer
from flowcatalog.online.transport import (
    ConnectTimeoutError,
    InvalidURLError,
    ReadTimeoutError,
    TLSError,
    TransportError,
    request_headers,
)
from flowcatalog.online.watchdog import watch_socket


class SessionLimits(Protocol):
    """What a session is made after (``web.HttpSettings`` has it all)."""

    @property
    def max_concurrency(self) -> int: ...
    @property
    def host_concurrency(self) -> int: ...
    @property
    def include_private(self) -> bool: ...
    @property
    def user_agent(self) -> str: ...


class WatchedHTTPConnection(urllib3.connection.HTTPConnection):
    """Its socket, new or reused, is under the calling thread's watch."""

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        watch_socket(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        watch_socket(self.sock)  # a pooled connection reused: its socket exists already
        super().request(*args, **kwargs)


class WatchedHTTPSConnection(urllib3.connection.HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        watch_socket(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        watch_socket(self.sock)
        super().request(*args, **kwargs)


class WatchedHTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class WatchedHTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


WATCHED_POOLS: dict[str, type[urllib3.connectionpool.HTTPConnectionPool]] = {
    "http": WatchedHTTPPool,
    "https": WatchedHTTPSPool,
}


class _GuardedHTTPConnection(WatchedHTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        check_peer(sock)
        return sock


class _GuardedHTTPSConnection(WatchedHTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        check_peer(sock)
        return sock


class GuardedHTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class GuardedHTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _CheckAdapter(requests.adapters.HTTPAdapter):
    """The checker's adapter: responses without cookie handling (no cookie is ever sent), and
    the connection pool of a direct (unproxied) origin looked up once, not per request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._direct: dict[tuple[str, str, Any], urllib3.connectionpool.ConnectionPool] = {}
        super().__init__(*args, **kwargs)
        self._direct_max = max(1, int(getattr(self, "_pool_connections", 10)))

    def get_connection_with_tls_context(
        self,
        request: requests.PreparedRequest,
        verify: bool | str | None,
        proxies: Any = None,
        cert: Any = None,
    ) -> urllib3.connectionpool.ConnectionPool:
        # requests builds a pool key and takes the pool manager's lock on every request;
        # with a hundred threads that costs about a tenth of each request's CPU time
        if proxies or cert is not None or not request.url:
            return super().get_connection_with_tls_context(request, verify, proxies, cert)
        parts = urlsplit(request.url)
        key = (parts.scheme, parts.netloc, verify)
        pool = self._direct.get(key)
        if pool is None or getattr(pool, "pool", None) is None:  # new, or closed (evicted)
            pool = super().get_connection_with_tls_context(request, verify, proxies, cert)
            # what ``send`` sets on the pool before every request, set once: the same
            # ``verify`` for every request of this pool (it is part of the key)
            self.cert_verify(pool, request.url, verify, None)  # type: ignore[no-untyped-call]
            if len(self._direct) >= self._direct_max:  # hold no more pools than requests does
                self._direct.clear()
            self._direct[key] = pool
        return pool

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(WATCHED_POOLS)

    def close(self) -> None:
        self._direct.clear()
        super().close()

    def build_response(self, req: requests.PreparedRequest, resp: Any) -> requests.Response:
        response = requests.Response()
        response.status_code = resp.status
        response.headers = requests.structures.CaseInsensitiveDict(resp.headers)
        response.raw = resp
        response.reason = resp.reason
        response.url = req.url or ""
        response.request = req
        response.connection = self
        return response


class _GuardedAdapter(_CheckAdapter):
    """Direct connections re-check the peer address after connecting (DNS rebinding)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": GuardedHTTPPool,
            "https": GuardedHTTPSPool,
        }


def build_session(settings: SessionLimits) -> requests.Session:
    """A pooled session: pool size per host matches ``host_concurrency``; no cookies, no netrc."""
    session = requests.Session()
    session.trust_env = False  # no netrc credentials; proxies are resolved per host instead
    adapter_cls = _CheckAdapter if settings.include_private else _GuardedAdapter
    adapter = adapter_cls(
        pool_connections=max(10, min(settings.max_concurrency, 100)),
        pool_maxsize=max(1, min(settings.host_concurrency, settings.max_concurrency)),
        max_retries=0,
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.clear()  # (requests' defaults: the same names, its own User-Agent)
    session.headers.update(request_headers(settings.user_agent))
    from http.cookiejar import DefaultCookiePolicy

    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    return session


def watched_session() -> requests.Session:
    """A session whose connections are under the calling thread's watch (call deadline)."""
    session = requests.Session()
    adapter = _WatchedAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class _WatchedAdapter(requests.adapters.HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(WATCHED_POOLS)


class ProxiedAnswer:
    """A urllib3 response (through a proxy) as a ``Response``."""

    __slots__ = ("_head", "_raw", "reason", "status")

    def __init__(self, raw: urllib3.BaseHTTPResponse, head: bool) -> None:
        self._raw = raw
        self._head = head
        self.status = raw.status
        self.reason = raw.reason or ""

    def header(self, name: str) -> str | None:
        value = self._raw.headers.get(name)
        return None if value is None else str(value)

    def release(self, drain_bytes: int) -> None:
        """Give the connection back to the pool when that costs at most ``drain_bytes``."""
        raw = self._raw
        if self._head:
            # no body follows a HEAD answer; reading its empty one closes it, so the
            # connection is idle before another thread takes it from the pool
            length = "0"
        else:
            length = raw.headers.get("Content-Length", "")
            if not (length.isdigit() and int(length) <= drain_bytes):
                raw.close()  # unknown or large body: drop the connection rather than read it
                raw.release_conn()
                return
        try:
            raw.read(int(length) or None, decode_content=False)
        except (urllib3.exceptions.HTTPError, OSError):
            raw.close()
            return
        raw.release_conn()


def send_proxied(
    session: requests.Session,
    method: str,
    url: str,
    headers: dict[str, str],
    timeout: tuple[float, float],
    verify: bool | str,
    proxies: dict[str, str],
) -> ProxiedAnswer:
    """One request through a proxy, streamed, never redirected; its failures raised as
    ``transport``'s errors (or the standard library's they wrap), so that a failure is
    classified the same way with a proxy or without."""
    try:
        adapter = session.get_adapter(url)
        prepared = requests.PreparedRequest()
        prepared.prepare_url(url, None)  # the URL as requests sends it (IDNA, quoting)
        prepared.method = method
        prepared.headers = requests.structures.CaseInsensitiveDict(headers)
        prepared.body = None
        response = adapter.send(
            prepared, stream=True, timeout=timeout, verify=verify, proxies=proxies
        )
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        raise _failure(exc) from exc
    return ProxiedAnswer(response.raw, method == "HEAD")


def _failure(exc: BaseException) -> OSError | http.client.HTTPException:
    """What a failure of ``requests`` or urllib3 is, as ``transport`` names failures."""
    text = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return ConnectTimeoutError("connect timeout")
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return ReadTimeoutError("read timeout")
    if isinstance(exc, requests.exceptions.SSLError):
        return TLSError(text)
    if isinstance(
        exc,
        (
            requests.exceptions.InvalidURL,
            requests.exceptions.InvalidSchema,
            requests.exceptions.MissingSchema,
            urllib3.exceptions.LocationParseError,
        ),
    ):
        return InvalidURLError("invalid URL")
    if isinstance(exc, urllib3.exceptions.ProtocolError) and not any(
        isinstance(arg, (OSError, http.client.HTTPException)) for arg in exc.args
    ):
        return ConnectionResetError(text)
    return TransportError(text)  # (the cause, refused or unknown host, is in its chain)
