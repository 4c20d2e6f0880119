"""Direct HTTP/1.1 requests for the web checker: keep-alive connections pooled per origin,
doing only what a link probe needs.

A probe wants a status line and a few headers, never a body. With thousands of links the
checker is bound by CPU, and most of it went to the general machinery around those few
bytes. CPU per HEAD request to a local server (``benchmarks/bench_transport.py``): a
``requests`` session about 860 µs, ``http.client`` about 180 (its headers go through the
``email`` parser), this module about 110; a whole probe went from about 550 µs (through
urllib3's pools, before) to about 240. This module does that work, and only it:

- one stack of idle connections per origin (scheme, host, port), at most ``pool_size``
  kept per origin and ``max_origins`` origins; a connection the server closed while it
  sat idle is dropped before reuse, and a reused one that fails before any byte of an
  answer came is retried once on a new connection (the server closed it as we sent);
- connecting: TCP within the connect timeout; the address really reached checked against
  the address policy (``guard.check_peer``, so a DNS answer that changed since the host
  was checked is caught) unless private addresses are allowed; the socket put under the
  calling thread's deadline watch (``watchdog``), during the TLS handshake too; TLS
  verified against certifi's bundle, or the one ``REQUESTS_CA_BUNDLE`` or
  ``CURL_CA_BUNDLE`` names, as ``requests`` does;
- the URL sent as ``requests`` sends it (IDNA host name, percent-encoded path, no
  fragment): a plain ASCII URL as it is, anything else through ``requests``' own
  preparation;
- the answer read as ``http.client`` reads one, with its limits (a line of 64 KiB, 100
  header lines) and its exceptions for what is not HTTP (``BadStatusLine``, ``LineTooLong``,
  ``RemoteDisconnected`` for a connection closed before any answer); interim 1xx answers
  skipped, up to ``MAX_INTERIM`` of them; the connection kept only when HTTP/1.x says it
  stays open and no byte of this answer is left unread (a body is read only when small:
  ``drain_bytes``);
- any other failure raised as one of the errors below, which names its phase, or as the
  standard library's own (refused, host name unknown, reset).

Requests through a proxy do not come here: ``web`` sends them through a ``requests``
adapter, which knows proxies.
"""

from __future__ import annotations

import http.client
import os
import re
import select
import socket
import ssl
import threading
from collections.abc import Mapping
from urllib.parse import urlsplit

from flowcatalog.online.guard import check_peer
from flowcatalog.online.watchdog import watch_socket

#: (scheme, host, port): the connections of one origin are interchangeable
Origin = tuple[str, str, int]

#: a URL ``requests`` would send unchanged: lower-case host name, no percent sign, no
#: character it would quote (its ``requote_uri`` leaves these alone), at most a fragment;
#: and no dot segment (``target`` looks for those)
_PLAIN = re.compile(
    r"(https?)://([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::([0-9]{1,5}))?"
    r"(/[A-Za-z0-9._~!$&'()*+,;=:@/-]*)?(?:\?([A-Za-z0-9._~!$&'()*+,;=:@/?-]*))?(?:#.*)?",
    re.ASCII,
)
#: the port a URL of each scheme names when it names none
DEFAULT_PORTS = {"http": 80, "https": 443}


class TransportError(OSError):
    """A request failed in a way the transport names (its subclasses say which)."""


class ConnectTimeoutError(TransportError):
    """No connection (TCP and TLS) within the connect timeout."""


class ReadTimeoutError(TransportError):
    """The server sent nothing for the read timeout."""


class TLSError(TransportError):
    """The TLS handshake failed (certificate not trusted, wrong host, protocol)."""


class InvalidURLError(TransportError):
    """The URL cannot be sent."""


def request_headers(user_agent: str) -> dict[str, str]:
    """The headers of every web-link request, direct or through a ``requests`` session
    (``sessions.build_session`` sends the same)."""
    return {
        "User-Agent": user_agent,
        "Accept-Encoding": "gzip, deflate",
        "Accept": "*/*",
        "Connection": "keep-alive",
    }


def target(url: str) -> tuple[Origin, str]:
    """The origin and request target (path and query) of ``url``, as ``requests`` sends
    them; ``InvalidURLError`` for a URL it would refuse."""
    plain = plain_target(url)
    return plain if plain is not None else _prepared_target(url)


def plain_target(url: str) -> tuple[Origin, str] | None:
    """``target`` of a plain URL (see ``_PLAIN``), worked out without ``requests``; None
    for any other."""
    plain = _PLAIN.fullmatch(url)
    if plain is None or "/." in url:  # (dot segments: requests removes them)
        return None
    scheme, host, port, path, query = plain.groups()
    number = int(port) if port else DEFAULT_PORTS[scheme]
    if not 0 < number < 65536:
        return None
    sent = path or "/"
    return (scheme, host, number), f"{sent}?{query}" if query else sent


def _prepared_target(url: str) -> tuple[Origin, str]:
    import requests
    import urllib3.exceptions

    prepared = requests.PreparedRequest()
    try:
        prepared.prepare_url(url, None)
        parts = urlsplit(prepared.url or "")
        scheme, host, port = parts.scheme, parts.hostname, parts.port
    except (requests.RequestException, urllib3.exceptions.HTTPError, ValueError) as exc:
        raise InvalidURLError(f"invalid URL: {exc}") from exc
    if scheme not in DEFAULT_PORTS or not host:
        raise InvalidURLError("invalid URL")
    return (scheme, host, port or DEFAULT_PORTS[scheme]), prepared.path_url


def tls_context(verify: bool | str) -> ssl.SSLContext:
    """The TLS settings of every HTTPS connection: ``verify`` a string trusts the bundle
    file or certificate directory it names, anything else certifi's bundle (verification
    is never turned off)."""
    if isinstance(verify, str):
        if os.path.isdir(verify):
            context = ssl.create_default_context(capath=verify)
        else:
            context = ssl.create_default_context(cafile=verify)
    else:
        import certifi

        context = ssl.create_default_context(cafile=certifi.where())
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    return context


#: ``http.client``'s limits: the longest status or header line, and the most header lines
MAX_LINE = 65536
MAX_HEADERS = 100
#: the most interim (1xx) answers taken before the real one
MAX_INTERIM = 10
#: what a request target or Host header may not hold (``http.client`` refuses the same)
_UNSAFE = re.compile(r"[\x00-\x20\x7f]")


class _Connection:
    """One keep-alive connection: its socket and the bytes received but not yet read."""

    __slots__ = ("buffer", "received", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.received = 0  # bytes received for the current answer

    def close(self) -> None:
        self.sock.close()

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        if not chunk:
            return False
        self.received += len(chunk)
        self.buffer += chunk
        return True

    def line(self) -> bytes:
        """The next line, with its end of line (what is left, at the end of the stream);
        ``LineTooLong`` past ``MAX_LINE``."""
        buffer = self.buffer
        searched = 0
        while True:
            end = buffer.find(b"\n", searched)
            if end >= 0:
                if end >= MAX_LINE:
                    raise http.client.LineTooLong("header line")
                line = bytes(buffer[: end + 1])
                del buffer[: end + 1]
                return line
            if len(buffer) > MAX_LINE:
                raise http.client.LineTooLong("header line")
            searched = len(buffer)
            if not self._fill():
                line = bytes(buffer)
                buffer.clear()
                return line

    def skip(self, count: int) -> None:
        """Read and drop ``count`` bytes; ``IncompleteRead`` if the stream ends before."""
        while len(self.buffer) < count:
            if not self._fill():
                raise http.client.IncompleteRead(bytes(self.buffer), count - len(self.buffer))
        del self.buffer[:count]


def _open(
    origin: Origin,
    tls: ssl.SSLContext | None,
    guard: bool,
    connect_timeout: float,
) -> _Connection:
    """A new connection to ``origin``: TCP, the address policy, the watch, TLS."""
    try:
        sock = socket.create_connection((origin[1], origin[2]), connect_timeout)
    except TimeoutError as exc:
        raise ConnectTimeoutError("connect timeout") from exc
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if guard:
            check_peer(sock)
        watch_socket(sock)
        if tls is not None:
            sock = _handshake(sock, tls, origin[1])
    except BaseException:
        sock.close()
        raise
    return _Connection(sock)


def _handshake(sock: socket.socket, tls: ssl.SSLContext, host: str) -> ssl.SSLSocket:
    secure = tls.wrap_socket(sock, server_hostname=host, do_handshake_on_connect=False)
    watch_socket(secure)  # (the plain socket object is detached by the wrapping)
    try:
        secure.do_handshake()
    except TimeoutError as exc:
        secure.close()
        raise ConnectTimeoutError("connect timeout (TLS handshake)") from exc
    except ssl.SSLError as exc:
        secure.close()
        raise TLSError(_SSL_SOURCE.sub("", str(exc))) from exc
    return secure


#: where in OpenSSL's C code an error was raised, at the end of its text: not for readers
_SSL_SOURCE = re.compile(r" \(_ssl\.c:[0-9]+\)$")


def _dropped(conn: _Connection) -> bool:
    """Whether an idle connection was closed (or written to) by the server meanwhile."""
    sock = conn.sock
    if conn.buffer or (isinstance(sock, ssl.SSLSocket) and sock.pending()):
        return True
    poller = select.poll()
    try:
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True


def _status_line(conn: _Connection) -> tuple[int, int, str]:
    """(HTTP version 10 or 11, status, reason) of the next answer on ``conn``."""
    raw = conn.line()
    if not raw:
        raise http.client.RemoteDisconnected("Remote end closed connection without response")
    line = raw.decode("iso-8859-1")
    parts = line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise http.client.BadStatusLine(line)
    version, code = parts[0], parts[1]
    if len(code) != 3 or not (code.isascii() and code.isdigit()) or code[0] == "0":
        raise http.client.BadStatusLine(line)
    if version in ("HTTP/1.0", "HTTP/0.9"):
        number = 10
    elif version.startswith("HTTP/1."):
        number = 11
    else:
        raise http.client.UnknownProtocol(version)
    return number, int(code), parts[2].strip() if len(parts) > 2 else ""


def _headers(conn: _Connection) -> dict[str, str]:
    """The header block up to its blank line: names in lower case, repeated ones joined
    with ", ", folded lines unfolded; a line that is no header is skipped."""
    headers: dict[str, str] = {}
    last = ""
    for _ in range(MAX_HEADERS + 1):
        raw = conn.line()
        if raw in (b"\r\n", b"\n", b""):
            return headers
        text = raw.decode("iso-8859-1").rstrip("\r\n")
        if text[:1] in (" ", "\t"):
            if last:
                headers[last] = f"{headers[last]} {text.strip()}"
            continue
        name, colon, value = text.partition(":")
        if not colon:
            continue
        last = name.strip().lower()
        value = value.strip()
        headers[last] = f"{headers[last]}, {value}" if last in headers else value
    raise http.client.HTTPException(f"got more than {MAX_HEADERS} headers")


class Answer:
    """An answer's status line and headers; ``release`` ends it (no body is read but a
    small one, to keep the connection)."""

    __slots__ = ("_body", "_conn", "_headers", "_keep", "_origin", "_pool", "reason", "status")

    def __init__(
        self,
        pool: DirectPool,
        origin: Origin,
        conn: _Connection,
        head: bool,
    ) -> None:
        version, status, reason = _status_line(conn)
        headers = _headers(conn)
        for _ in range(MAX_INTERIM):  # interim answers: the real one follows
            if not 100 <= status < 200 or status == 101:
                break
            version, status, reason = _status_line(conn)
            headers = _headers(conn)
        else:
            raise http.client.HTTPException(f"more than {MAX_INTERIM} interim (1xx) answers")
        self._pool = pool
        self._origin = origin
        self._conn = conn
        self.status = status
        self.reason = reason
        self._headers = headers
        tokens = {token.strip() for token in headers.get("connection", "").lower().split(",")}
        self._keep = "keep-alive" in tokens if version == 10 else "close" not in tokens
        self._body: int | None = 0  # bytes of body to read; None: unknown, or chunked
        if not (head or status in (204, 304) or status < 200):
            length = headers.get("content-length", "")
            if length.isascii() and length.isdigit() and "transfer-encoding" not in headers:
                self._body = int(length)
            else:
                self._body = None

    def header(self, name: str) -> str | None:
        return self._headers.get(name.lower())

    def release(self, drain_bytes: int) -> None:
        """Give the connection back for reuse when that costs at most ``drain_bytes`` of
        body read; otherwise close it."""
        conn, body = self._conn, self._body
        if not self._keep or body is None or body > drain_bytes:
            conn.close()  # unknown or large body: drop the connection rather than read it
            return
        try:
            if body:
                conn.skip(body)
        except (OSError, http.client.HTTPException):
            conn.close()
            return
        self._pool.put(self._origin, conn)


class DirectPool:
    """The connections of one checker; thread-safe (the idle stacks are plain lists, whose
    ``append`` and ``pop`` are atomic; a lock only for adding an origin)."""

    def __init__(
        self,
        headers: Mapping[str, str],
        *,
        verify: bool | str,
        guard: bool,
        pool_size: int,
        max_origins: int = 100,
    ) -> None:
        if any(c in text for item in headers.items() for text in item for c in "\r\n\0"):
            raise ValueError("a request header holds a line break")
        self._header_lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self._verify = verify
        self._tls: ssl.SSLContext | None = None
        self._guard = guard
        self._pool_size = max(1, pool_size)
        self._max_origins = max(1, max_origins)
        self._idle: dict[Origin, list[_Connection]] = {}
        self._lock = threading.Lock()

    def send(self, method: str, url: str, timeout: tuple[float, float]) -> Answer:
        """One request without a body (``timeout``: connect, read); its answer, to be
        released (``Answer.release``)."""
        origin, path = target(url)
        request = self._request(method, origin, path)
        conn = self._idle_connection(origin)
        if conn is not None:
            try:
                return self._exchange(conn, origin, request, method, timeout[1])
            except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
                if conn.received:
                    raise
                # closed by the server as we sent, before any answer: once more, anew
        tls = self._context() if origin[0] == "https" else None
        conn = _open(origin, tls, self._guard, timeout[0])
        return self._exchange(conn, origin, request, method, timeout[1])

    def put(self, origin: Origin, conn: _Connection) -> None:
        """Keep an idle connection for the next request to ``origin``."""
        idle = self._idle.get(origin)
        if idle is None:
            with self._lock:
                idle = self._idle.get(origin)
                if idle is None:
                    if len(self._idle) >= self._max_origins:
                        for dropped in self._idle.values():
                            _close_all(dropped)
                        self._idle = {}
                    idle = self._idle[origin] = []
        if len(idle) < self._pool_size:
            idle.append(conn)
        else:
            conn.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            _close_all(connections)

    def _request(self, method: str, origin: Origin, path: str) -> bytes:
        scheme, host, port = origin
        if _UNSAFE.search(path) or _UNSAFE.search(host):
            raise InvalidURLError("invalid URL: a control character or space")
        named = f"[{host}]" if ":" in host else host
        if port != DEFAULT_PORTS[scheme]:
            named = f"{named}:{port}"
        text = f"{method} {path} HTTP/1.1\r\nHost: {named}\r\n{self._header_lines}\r\n"
        try:
            return text.encode("ascii")
        except UnicodeEncodeError as exc:
            raise InvalidURLError("invalid URL: not ASCII after encoding") from exc

    def _idle_connection(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        while idle:
            try:
                conn = idle.pop()
            except IndexError:  # (another thread took the last one)
                return None
            if not _dropped(conn):
                return conn
            conn.close()
        return None

    def _exchange(
        self, conn: _Connection, origin: Origin, request: bytes, method: str, read_timeout: float
    ) -> Answer:
        sock = conn.sock
        try:
            watch_socket(sock)
            sock.settimeout(read_timeout)
            conn.received = 0
            sock.sendall(request)
            return Answer(self, origin, conn, method == "HEAD")
        except TimeoutError as exc:
            conn.close()
            raise ReadTimeoutError("read timeout") from exc
        except BaseException:
            conn.close()
            raise

    def _context(self) -> ssl.SSLContext:
        context = self._tls
        if context is None:
            try:
                context = self._tls = tls_context(self._verify)
            except (OSError, ssl.SSLError) as exc:  # (REQUESTS_CA_BUNDLE naming no bundle)
                raise TLSError(f"the CA bundle {self._verify!r} cannot be used: {exc}") from exc
        return context


def _close_all(connections: list[_Connection]) -> None:
    while connections:
        try:
            connections.pop().close()
        except IndexError:
            return
