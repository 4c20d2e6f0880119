"""The web checker's own HTTP/1.1 exchange (``transport``): what it sends, how it reads an
answer, and when it keeps a connection, against raw servers on 127.0.0.1."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowcatalog.online.probes import ErrorKind
from flowcatalog.online.transport import (
    DirectPool,
    InvalidURLError,
    _prepared_target,
    target,
)
from flowcatalog.online.web import WebChecker
from tests.hostile.servers import raw_server, read_head
from tests.online_support import FAST

HEADERS = {"User-Agent": "test/1", "Accept": "*/*"}
TIMEOUT = (0.5, 0.5)

#: one connection's conversation: (its requests' heads, the answers to send in turn)
Answers = Callable[[int], list[bytes]]


@contextmanager
def conversation(answers: list[list[bytes]]) -> Iterator[tuple[int, list[list[bytes]]]]:
    """A server whose n-th connection answers its requests with ``answers[n]`` in turn and
    then closes; yields (port, the request heads each connection got)."""
    heads: list[list[bytes]] = []
    lock = threading.Lock()

    def handle(conn: socket.socket, head: bytes) -> None:
        with lock:
            index = len(heads)
            heads.append([])
        script = answers[index] if index < len(answers) else []
        for turn, answer in enumerate(script):
            heads[index].append(head)
            conn.sendall(answer)
            if turn == len(script) - 1:
                return  # (closed at once after its last answer)
            head = read_head(conn)
            if not head:
                return

    with raw_server(handle) as port:
        yield port, heads


def pool() -> DirectPool:
    return DirectPool(HEADERS, verify=True, guard=False, pool_size=4)


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"


def test_a_connection_is_kept_for_the_next_request() -> None:
    with conversation([[OK, OK, OK]]) as (port, heads):
        direct = pool()
        for path in ("/a", "/b", "/c"):
            answer = direct.send("HEAD", f"http://127.0.0.1:{port}{path}", TIMEOUT)
            assert answer.status == 200
            answer.release(1024)
        direct.close()
    assert [len(h) for h in heads] == [3]
    assert heads[0][0].startswith(b"HEAD /a HTTP/1.1\r\nHost: 127.0.0.1:")


def test_the_request_head_as_sent() -> None:
    with conversation([[OK]]) as (port, heads):
        direct = pool()
        direct.send("GET", f"http://127.0.0.1:{port}/p?q=1#frag", TIMEOUT).release(0)
        direct.close()
    assert (
        heads[0][0]
        == (
            f"GET /p?q=1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "User-Agent: test/1\r\nAccept: */*\r\n\r\n"
        ).encode()
    )


@pytest.mark.parametrize(
    ("answer", "kept"),
    [
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", False),
        (b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", False),
        (b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", True),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", True),  # small: read
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000, False),  # large
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", False),
        (b"HTTP/1.1 200 OK\r\n\r\n", False),  # no length: the body runs to the end
        (b"HTTP/1.1 204 No Content\r\n\r\n", True),  # no body, whatever the headers
        (b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", False),
    ],
    ids=["close", "http-1.0", "http-1.0-keep-alive", "small-body", "large-body", "chunked",
         "no-length", "204", "bytes-left-over"],
)  # fmt: skip
def test_when_a_connection_is_kept(answer: bytes, kept: bool) -> None:
    with conversation([[answer, OK], [OK]]) as (port, heads):
        direct = pool()
        first = direct.send("GET", f"http://127.0.0.1:{port}/a", TIMEOUT)
        assert first.status in (200, 204)
        first.release(1024)
        second = direct.send("GET", f"http://127.0.0.1:{port}/b", TIMEOUT)
        assert second.status == 200
        second.release(1024)
        direct.close()
    assert [len(h) for h in heads] == ([2] if kept else [1, 1])


def test_a_connection_the_server_closed_while_idle_is_not_used() -> None:
    with conversation([[OK], [OK]]) as (port, heads):  # each connection: one answer, closed
        direct = pool()
        direct.send("HEAD", f"http://127.0.0.1:{port}/a", TIMEOUT).release(0)
        threading.Event().wait(0.05)  # (the server closes it meanwhile)
        assert direct._idle_connection(("http", "127.0.0.1", port)) is None  # seen closed
        second = direct.send("HEAD", f"http://127.0.0.1:{port}/b", TIMEOUT)
        assert second.status == 200
        second.release(0)
        direct.close()
    assert [len(h) for h in heads] == [1, 1]


def test_a_kept_connection_closed_as_the_request_goes_is_tried_once_more_anew() -> None:
    """The server reads the second request and closes without a byte of answer (its
    keep-alive ran out just then): the request goes again on a new connection."""

    seen: list[int] = []

    def handle(conn: socket.socket, head: bytes) -> None:
        seen.append(1)
        conn.sendall(OK)
        read_head(conn)  # the next request: dropped

    with raw_server(handle) as port:
        direct = pool()
        direct.send("HEAD", f"http://127.0.0.1:{port}/a", TIMEOUT).release(0)
        answer = direct.send("HEAD", f"http://127.0.0.1:{port}/b", TIMEOUT)
        assert answer.status == 200
        answer.release(0)
        direct.close()
    assert len(seen) == 2


def test_a_new_connection_closed_without_an_answer_is_not_tried_again() -> None:
    with raw_server(lambda conn, head: None) as port:
        direct = pool()
        with pytest.raises(http.client.RemoteDisconnected):
            direct.send("HEAD", f"http://127.0.0.1:{port}/a", TIMEOUT)
        direct.close()


def test_interim_answers_are_skipped_and_headers_read_as_http_says() -> None:
    answer = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\n"
        b"HTTP/1.1 301 Moved Permanently\r\n"
        b"LOCATION: /next\r\n"
        b"X-Folded: one\r\n two\r\n"
        b"Vary: a\r\nVary: b\r\n"
        b"not a header line\r\n"
        b"Content-Length: 0\r\n\r\n"
    )
    with conversation([[answer]]) as (port, _):
        direct = pool()
        got = direct.send("HEAD", f"http://127.0.0.1:{port}/a", TIMEOUT)
        got.release(0)
        direct.close()
    assert (got.status, got.reason) == (301, "Moved Permanently")
    assert got.header("Location") == "/next"
    assert got.header("x-folded") == "one two"
    assert got.header("Vary") == "a, b"
    assert got.header("Link") is None  # (the interim answer's)
    assert got.header("Retry-After") is None


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (b"HTTP/2 200\r\n\r\n", http.client.UnknownProtocol),
        (b"HTTP/1.1 099 Low\r\n\r\n", http.client.BadStatusLine),
        (b"HTTP/1.1 20 OK\r\n\r\n", http.client.BadStatusLine),
        (b"HTTP/1.1\r\n\r\n", http.client.BadStatusLine),
        (b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 101 + b"\r\n", http.client.HTTPException),
        (b"HTTP/1.1 200 " + b"K" * 70_000 + b"\r\n\r\n", http.client.LineTooLong),
        (b"HTTP/1.1 102 Processing\r\n\r\n" * 11 + OK, http.client.HTTPException),
    ],
    ids=[
        "http-2",
        "low-code",
        "two-digits",
        "no-code",
        "101-headers",
        "long-status-line",
        "endless-interim",
    ],
)
def test_what_is_not_http_1(answer: bytes, error: type[Exception]) -> None:
    with conversation([[answer]]) as (port, _):
        direct = pool()
        with pytest.raises(error):
            direct.send("HEAD", f"http://127.0.0.1:{port}/a", TIMEOUT)
        direct.close()


def test_a_status_line_without_a_reason_is_fine() -> None:
    with conversation([[b"HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n"]]) as (port, _):
        direct = pool()
        got = direct.send("HEAD", f"http://127.0.0.1:{port}/a", TIMEOUT)
        got.release(0)
        direct.close()
    assert (got.status, got.reason) == (404, "")


def test_more_than_100_headers_is_a_protocol_error_in_a_probe() -> None:
    answer = b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 101 + b"\r\n"
    with conversation([[answer]]) as (port, _):
        checker = WebChecker(FAST)
        probe = checker.probe(f"http://127.0.0.1:{port}/a")
        checker.close()
    assert probe.error is ErrorKind.PROTOCOL
    assert "more than 100 headers" in probe.detail


def test_an_ipv6_literal_is_sent_in_brackets_and_a_default_port_left_out() -> None:
    direct = pool()
    assert direct._request("HEAD", ("http", "::1", 8080), "/") == (
        b"HEAD / HTTP/1.1\r\nHost: [::1]:8080\r\nUser-Agent: test/1\r\nAccept: */*\r\n\r\n"
    )
    assert b"Host: example.com\r\n" in direct._request("GET", ("https", "example.com", 443), "/")
    with pytest.raises(InvalidURLError):
        direct._request("GET", ("http", "example.com", 80), "/a b")


def test_a_header_with_a_line_break_is_refused() -> None:
    with pytest.raises(ValueError, match="line break"):
        DirectPool({"X": "a\r\nInjected: 1"}, verify=True, guard=False, pool_size=1)


@pytest.mark.parametrize(
    "link",
    [
        "http://example.com",
        "http://example.com/a/b?c=d&e=f#g",
        "HTTP://Example.COM/A",
        "http://example.com/a%20b",
        "http://exämple.com/ä",
        "http://[::1]:8080/x",
        "https://example.com:443/",
        "http://example.com/?",
        "http://example.com/a/../b/./c",
        "http://example.com/.well-known/x",
    ],
)
def test_a_url_is_sent_as_requests_sends_it(link: str) -> None:
    assert target(link) == _prepared_target(link)


@settings(max_examples=500)
@given(
    st.sampled_from(["http", "https"]),
    st.from_regex(r"[a-z0-9]([a-z0-9.-]{0,20}[a-z0-9])?", fullmatch=True),
    st.one_of(st.none(), st.integers(1, 65535)),
    st.text(alphabet="abcXYZ019._~!$&'()*+,;=:@/-", max_size=20),
    st.one_of(st.none(), st.text(alphabet="abc019._~!$&'()*+,;=:@/?-", max_size=12)),
)
def test_the_plain_url_shortcut_agrees_with_requests(
    scheme: str, host: str, port: int | None, path: str, query: str | None
) -> None:
    link = f"{scheme}://{host}{'' if port is None else f':{port}'}/{path}"
    if query is not None:
        link += f"?{query}"
    assert target(link) == _prepared_target(link)


@pytest.mark.parametrize("link", ["http://exa mple.com/", "http://example.com:99999/", "ftp://x/"])
def test_a_url_that_cannot_be_sent(link: str) -> None:
    with pytest.raises(InvalidURLError):
        target(link)


def test_a_check_without_a_proxy_imports_neither_requests_nor_urllib3() -> None:
    """They take a tenth of a second to import; only a proxy, a Figma token or thumbnails
    need them."""
    import os
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from flowcatalog.online.verify import verify_online\n"
        "from flowcatalog.online.web import WebChecker\n"
        "from tests.online_support import FAST\n"
        "checker = WebChecker(FAST)\n"
        "print(checker.probe(sys.argv[1]).status)\n"
        "checker.close()\n"
        "print(sorted({'requests', 'urllib3'} & set(sys.modules)))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    with conversation([[OK]]) as (port, _):
        done = subprocess.run(
            [sys.executable, "-c", script, f"http://127.0.0.1:{port}/a"],
            capture_output=True, text=True, env=env, check=True, timeout=60,
        )  # fmt: skip
    assert done.stdout.split("\n")[:2] == ["200", "[]"]


@settings(max_examples=300)
@given(
    st.sampled_from(["http", "https", "HTTP"]),
    st.from_regex(r"[a-zA-Z0-9]([a-z0-9.-]{0,12}[a-z0-9])?", fullmatch=True),
    st.one_of(st.none(), st.integers(0, 70000)),
    st.text(alphabet="ab/.%?#", max_size=8),
)
def test_the_host_key_shortcut_agrees_with_urlsplit(
    scheme: str, host: str, port: int | None, rest: str
) -> None:
    from urllib.parse import urlsplit

    link = f"{scheme}://{host}{'' if port is None else f':{port}'}/{rest}"
    try:
        parts = urlsplit(link)
        name, number = parts.hostname, parts.port
    except ValueError:
        expected = None
    else:
        default = 443 if parts.scheme == "https" else 80
        expected = None if not name else name if number in (None, default) else f"{name}:{number}"
    assert WebChecker._host_key(link) == expected
