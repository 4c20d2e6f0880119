"""The web-link checker against a local server on 127.0.0.1 (millisecond timings)."""

from __future__ import annotations

import email.utils
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from flowcatalog.online.guard import address_forbidden
from flowcatalog.online.liveness import ErrorKind, LinkStatus, classify
from flowcatalog.online.policy import parse_retry_after
from flowcatalog.online.sessions import build_session
from flowcatalog.online.settings import USER_AGENT, HttpSettings
from flowcatalog.online.web import WebChecker, by_turns
from tests.online_support import (
    FAST,
    InFlight,
    free_port,
    local_server,
    methods,
    resetting_server,
    url,
)


@pytest.fixture(scope="module")
def module_server() -> Iterator[HTTPServer]:
    with local_server() as server:
        yield server


@pytest.fixture
def server(module_server: HTTPServer) -> HTTPServer:
    module_server.clear()
    return module_server


class Sleeps:
    """A fake sleep that records what it was asked and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def check(target: str, settings: HttpSettings = FAST, **kwargs: Any) -> tuple[LinkStatus, Any]:
    checker = WebChecker(settings, **kwargs)
    try:
        probe = checker.probe(target)
    finally:
        checker.close()
    return classify(probe, settings.accept), probe


def test_ok_with_one_head_request(server: HTTPServer) -> None:
    server.expect_request("/ok", method="HEAD").respond_with_data("")
    status, probe = check(url(server, "/ok"))
    assert status is LinkStatus.OK
    assert (probe.status, probe.method, probe.attempts) == (200, "HEAD", 1)
    assert methods(server) == [("HEAD", "/ok")]


@pytest.mark.parametrize("refused", [405, 501, 400, 403])
def test_head_refused_then_get(server: HTTPServer, refused: int) -> None:
    server.expect_request("/page", method="HEAD").respond_with_data("", status=refused)
    server.expect_request("/page", method="GET").respond_with_data("hello")
    status, probe = check(url(server, "/page"))
    assert status is LinkStatus.OK
    assert probe.method == "GET"
    assert methods(server) == [("HEAD", "/page"), ("GET", "/page")]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (404, LinkStatus.BROKEN),
        (410, LinkStatus.BROKEN),
        (418, LinkStatus.BROKEN),
        (401, LinkStatus.UNVERIFIABLE),
        (403, LinkStatus.UNVERIFIABLE),
        (204, LinkStatus.OK),
    ],
    ids=str,
)
def test_status_classes(server: HTTPServer, code: int, expected: LinkStatus) -> None:
    server.expect_request("/x").respond_with_data("", status=code)
    status, probe = check(url(server, "/x"))
    assert status is expected
    assert probe.status == code


def test_404_is_not_retried_with_get(server: HTTPServer) -> None:
    server.expect_request("/gone").respond_with_data("", status=404)
    check(url(server, "/gone"))
    assert methods(server) == [("HEAD", "/gone")]


def test_accepted_code_is_ok(server: HTTPServer) -> None:
    server.expect_request("/teapot").respond_with_data("", status=418)
    status, _ = check(url(server, "/teapot"), replace(FAST, accept=frozenset({418})))
    assert status is LinkStatus.OK


def _redirect(target: str, code: int = 301) -> Response:
    return Response("", status=code, headers={"Location": target})


def test_redirect_chain_is_followed_and_reported(server: HTTPServer) -> None:
    server.expect_request("/a").respond_with_response(_redirect("/b"))
    server.expect_request("/b").respond_with_response(_redirect(url(server, "/c"), 302))
    server.expect_request("/c").respond_with_data("")
    status, probe = check(url(server, "/a"))
    assert status is LinkStatus.REDIRECTED
    assert probe.redirects == (url(server, "/b"), url(server, "/c"))
    assert probe.final_url == url(server, "/c")
    assert probe.status == 200


def test_redirect_loop_is_broken_with_its_chain(server: HTTPServer) -> None:
    server.expect_request("/loop1").respond_with_response(_redirect("/loop2"))
    server.expect_request("/loop2").respond_with_response(_redirect("/loop1"))
    status, probe = check(url(server, "/loop1"))
    assert status is LinkStatus.BROKEN
    assert probe.error is ErrorKind.REDIRECT_LOOP
    assert probe.redirects == (url(server, "/loop2"), url(server, "/loop1"))
    assert len(server.log) == 2


def test_more_than_ten_redirects(server: HTTPServer) -> None:
    for i in range(15):
        server.expect_request(f"/r{i}").respond_with_response(_redirect(f"/r{i + 1}"))
    status, probe = check(url(server, "/r0"))
    assert status is LinkStatus.BROKEN
    assert probe.error is ErrorKind.TOO_MANY_REDIRECTS
    assert len(probe.redirects) == 11
    assert len(server.log) == 11


@pytest.mark.parametrize(
    ("location", "detail"),
    [
        ("ftp://example.org/file", "redirect to a non-web URL ftp://example.org/file"),
        ("", "redirect without a Location header"),
    ],
)
def test_bad_redirects_are_broken(server: HTTPServer, location: str, detail: str) -> None:
    headers = {"Location": location} if location else {}
    server.expect_request("/bad").respond_with_response(Response("", 302, headers=headers))
    status, probe = check(url(server, "/bad"))
    assert status is LinkStatus.BROKEN
    assert (probe.status, probe.detail) == (302, detail)


def test_503_then_200_is_retried(server: HTTPServer) -> None:
    server.expect_oneshot_request("/flaky").respond_with_data("", status=503)
    server.expect_request("/flaky").respond_with_data("")
    sleeps = Sleeps()
    status, probe = check(url(server, "/flaky"), sleep=sleeps)
    assert status is LinkStatus.OK
    assert probe.attempts == 2
    assert len(sleeps.calls) == 1
    assert 0 < sleeps.calls[0] <= FAST.backoff_max


def test_503_every_time_is_broken_after_the_retries(server: HTTPServer) -> None:
    server.expect_request("/down").respond_with_data("", status=503)
    status, probe = check(url(server, "/down"), sleep=Sleeps())
    assert status is LinkStatus.BROKEN
    assert probe.attempts == FAST.max_retries + 1
    assert len(server.log) == FAST.max_retries + 1


def test_retry_after_seconds_is_honoured(server: HTTPServer) -> None:
    server.expect_oneshot_request("/busy").respond_with_data(
        "", status=429, headers={"Retry-After": "1"}
    )
    server.expect_request("/busy").respond_with_data("")
    sleeps = Sleeps()
    status, probe = check(url(server, "/busy"), sleep=sleeps)
    assert status is LinkStatus.OK
    assert probe.attempts == 2
    assert sleeps.calls
    assert 0.9 <= max(sleeps.calls) <= 1.0


def test_retry_after_http_date_is_honoured(server: HTTPServer) -> None:
    when = email.utils.formatdate(time.time() + 1, usegmt=True)
    server.expect_oneshot_request("/busy").respond_with_data(
        "", status=503, headers={"Retry-After": when}
    )
    server.expect_request("/busy").respond_with_data("")
    sleeps = Sleeps()
    status, probe = check(url(server, "/busy"), sleep=sleeps)
    assert status is LinkStatus.OK
    assert probe.attempts == 2
    assert len(sleeps.calls) == 1
    assert 0 <= sleeps.calls[0] <= 1.0


def test_retry_after_above_the_cap_is_reported_not_slept(server: HTTPServer) -> None:
    server.expect_request("/later").respond_with_data(
        "", status=429, headers={"Retry-After": "3600"}
    )
    sleeps = Sleeps()
    status, probe = check(url(server, "/later"), sleep=sleeps)
    assert status is LinkStatus.UNVERIFIABLE
    assert probe.error is ErrorKind.RETRY_AFTER_TOO_LONG
    assert probe.retry_after == 3600
    assert len(server.log) == 1
    assert all(s <= FAST.max_retry_wait for s in sleeps.calls)


def test_a_long_retry_after_spares_the_rest_of_the_host(server: HTTPServer) -> None:
    server.expect_request("/first").respond_with_data(
        "", status=429, headers={"Retry-After": "3600"}
    )
    server.expect_request("/second").respond_with_data("")
    checker = WebChecker(replace(FAST, max_concurrency=1, host_concurrency=1))
    results = checker.check_all([url(server, "/first"), url(server, "/second")])
    checker.close()
    assert methods(server) == [("HEAD", "/first")]
    second = results[url(server, "/second")]
    assert classify(second) is LinkStatus.UNVERIFIABLE
    assert (second.retry_after, second.detail) == (3600, "asked on another link of this host")


def test_queueing_for_a_busy_host_does_not_use_the_deadline(server: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.08)
        return Response("")

    for i in range(4):
        server.expect_request(f"/busy{i}").respond_with_handler(slow)
    settings = replace(FAST, max_concurrency=4, host_concurrency=1, deadline=0.2)
    checker = WebChecker(settings)
    results = checker.check_all([url(server, f"/busy{i}") for i in range(4)])
    checker.close()
    assert {classify(p) for p in results.values()} == {LinkStatus.OK}


def test_429_after_the_retries_is_unverifiable(server: HTTPServer) -> None:
    server.expect_request("/limited").respond_with_data("", status=429)
    status, probe = check(url(server, "/limited"), sleep=Sleeps())
    assert status is LinkStatus.UNVERIFIABLE
    assert probe.attempts == FAST.max_retries + 1


def test_a_429_slows_every_queued_request_to_the_host(server: HTTPServer) -> None:
    starts: list[tuple[float, str]] = []
    lock = threading.Lock()
    limited_once: list[bool] = []

    def handler(request: Request) -> Response:
        with lock:
            starts.append((time.monotonic(), request.path))
            first = request.path == "/q0" and not limited_once
            if first:
                limited_once.append(True)
        if first:
            return Response("", status=429, headers={"Retry-After": "0.3"})
        time.sleep(0.02)
        return Response("")

    server.expect_request("/q0").respond_with_handler(handler)
    for i in range(1, 4):
        server.expect_request(f"/q{i}").respond_with_handler(handler)
    settings = replace(FAST, host_concurrency=1, max_concurrency=4)
    checker = WebChecker(settings)
    results = checker.check_all([url(server, f"/q{i}") for i in range(4)])
    checker.close()
    assert {p.status for p in results.values()} == {200}
    limited_at = next(t for t, path in starts if path == "/q0")
    later = [t for t, _ in starts if t > limited_at]
    assert len(later) == 4  # the retry of /q0 and the three others
    assert all(t - limited_at >= 0.28 for t in later)


def test_slow_server_times_out(server: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.3)
        return Response("")

    server.expect_request("/slow").respond_with_handler(slow)
    settings = replace(FAST, read_timeout=0.05, max_retries=1)
    started = time.monotonic()
    status, probe = check(url(server, "/slow"), settings)
    assert status is LinkStatus.TIMEOUT
    assert probe.error is ErrorKind.TIMEOUT
    assert probe.attempts == 2
    assert time.monotonic() - started < 1.0


def test_total_deadline_per_url(server: HTTPServer) -> None:
    server.expect_request("/s").respond_with_data("", status=503)
    settings = replace(FAST, deadline=0.2, max_retries=50, backoff_base=0.05, backoff_max=0.05)
    started = time.monotonic()
    status, probe = check(url(server, "/s"), settings)
    assert time.monotonic() - started < 0.5
    assert status is LinkStatus.BROKEN
    assert 1 < probe.attempts < 10


def test_connection_reset_is_retried_then_unreachable() -> None:
    with resetting_server() as (port, accepted):
        status, probe = check(f"http://127.0.0.1:{port}/x")
    assert status is LinkStatus.UNREACHABLE
    assert probe.error is ErrorKind.RESET
    assert probe.attempts == FAST.max_retries + 1
    assert accepted[0] == FAST.max_retries + 1


def test_connection_refused_is_not_retried() -> None:
    status, probe = check(f"http://127.0.0.1:{free_port()}/x")
    assert status is LinkStatus.UNREACHABLE
    assert probe.error is ErrorKind.REFUSED
    assert probe.attempts == 1


def test_endless_body_is_not_read(server: HTTPServer) -> None:
    def endless(request: Request) -> Response:
        def chunks() -> Iterator[bytes]:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                yield b"x" * 65536

        return Response(chunks(), status=200)

    server.expect_request("/endless", method="HEAD").respond_with_data("", status=405)
    server.expect_request("/endless", method="GET").respond_with_handler(endless)
    started = time.monotonic()
    status, probe = check(url(server, "/endless"))
    assert status is LinkStatus.OK
    assert probe.method == "GET"
    assert time.monotonic() - started < 1.0


def test_per_host_limit_bounds_the_peak_in_flight(server: HTTPServer) -> None:
    handler = InFlight(0.03)

    for i in range(24):
        server.expect_request(f"/p{i}").respond_with_handler(handler)
    settings = replace(FAST, max_concurrency=12, host_concurrency=3)
    checker = WebChecker(settings)
    results = checker.check_all([url(server, f"/p{i}") for i in range(24)])
    checker.close()
    assert len(results) == 24
    assert handler.peak == 3


def test_host_interval_spaces_request_starts(server: HTTPServer) -> None:
    server.expect_request("/i").respond_with_data("")
    server.expect_request("/j").respond_with_data("")
    server.expect_request("/k").respond_with_data("")
    checker = WebChecker(replace(FAST, host_interval=0.1))
    started = time.monotonic()
    checker.check_all([url(server, p) for p in ("/i", "/j", "/k")])
    checker.close()
    assert time.monotonic() - started >= 0.2


def test_one_request_per_distinct_url(server: HTTPServer) -> None:
    server.expect_request("/same").respond_with_data("")
    server.expect_request("/other").respond_with_data("")
    checker = WebChecker(FAST)
    targets = [url(server, "/same")] * 5 + [url(server, "/other")] * 3
    results = checker.check_all(targets)
    checker.close()
    assert len(results) == 2
    assert sorted(methods(server)) == [("HEAD", "/other"), ("HEAD", "/same")]


def test_excluded_url_is_skipped_without_a_request(server: HTTPServer) -> None:
    status, probe = check(url(server, "/private/x"), replace(FAST, exclude=(r"/private/",)))
    assert status is LinkStatus.SKIPPED
    assert probe.error is ErrorKind.EXCLUDED
    assert server.log == []


def test_loopback_is_skipped_without_include_private(server: HTTPServer) -> None:
    server.expect_request("/internal").respond_with_data("")
    status, probe = check(url(server, "/internal"), replace(FAST, include_private=False))
    assert status is LinkStatus.SKIPPED
    assert probe.error is ErrorKind.PRIVATE_ADDRESS
    assert "127.0.0.1" in probe.detail
    assert server.log == []


def test_a_name_that_rebinds_to_loopback_is_caught_at_connect(server: HTTPServer) -> None:
    """The pre-check sees a public address; the connection really reaches 127.0.0.1."""
    server.expect_request("/meta").respond_with_data("")

    def public(host: str, port: int, *args: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]

    target = f"http://localhost:{server.port}/meta"
    status, probe = check(target, replace(FAST, include_private=False), resolver=public)
    assert status is LinkStatus.SKIPPED
    assert probe.error is ErrorKind.PRIVATE_ADDRESS
    assert probe.detail == "connected to non-public address 127.0.0.1"
    assert server.log == []


def test_unresolvable_name_is_unreachable() -> None:
    def nxdomain(host: str, port: int, *args: Any) -> list[Any]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    status, probe = check(
        "https://no-such-host.invalid/x", replace(FAST, include_private=False), resolver=nxdomain
    )
    assert status is LinkStatus.UNREACHABLE
    assert probe.error is ErrorKind.DNS


@pytest.mark.parametrize(
    ("address", "forbidden"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("192.168.1.1", True),
        ("169.254.169.254", True),
        ("0.0.0.0", True),
        ("224.0.0.1", True),
        ("100.64.0.1", True),
        ("::1", True),
        ("fe80::1%eth0", True),
        ("fd00::1", True),
        ("::ffff:127.0.0.1", True),
        ("::", True),
        ("64:ff9b::a00:1", True),  # NAT64 of 10.0.0.1
        ("64:ff9b::7f00:1", True),  # NAT64 of 127.0.0.1
        ("64:ff9b::169.254.169.254", True),  # NAT64 of cloud metadata
        ("::10.0.0.1", True),  # IPv4-compatible spelling
        ("::127.0.0.1", True),
        ("::192.168.0.1", True),
        ("64:ff9b::93.184.216.34", False),  # NAT64 of a public address
        ("::ffff:93.184.216.34", False),
        ("93.184.216.34", False),
        ("2606:2800:220:1:248:1893:25c8:1946", False),
        ("not-an-ip", True),
    ],
)
def test_address_policy(address: str, forbidden: bool) -> None:
    assert address_forbidden(address) is forbidden


def test_parse_retry_after_forms() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after(" 0 ", now) == 0
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after(date, now) == pytest.approx(30, abs=1)
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now) == 0
    assert parse_retry_after(None, now) is None
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("", now) is None


def test_a_sessions_adapter_reuses_an_origins_pool_until_it_is_closed(server: HTTPServer) -> None:
    """(The sessions ``build_session`` makes: thumbnails and requests through a proxy.)"""
    server.expect_request("/a").respond_with_data("")
    server.expect_request("/b").respond_with_data("")
    session = build_session(FAST)
    adapter: Any = session.get_adapter("http://")
    assert session.head(url(server, "/a")).status_code == 200
    first = adapter.get_connection_with_tls_context(_prepared(url(server, "/a")), True)
    assert adapter.get_connection_with_tls_context(_prepared(url(server, "/b")), True) is first
    adapter.poolmanager.clear()  # the pool manager forgets it (evicted) ...
    first.close()  # ... and closes it, as urllib3 before 2.8 does
    fresh = adapter.get_connection_with_tls_context(_prepared(url(server, "/b")), True)
    assert fresh is not first
    assert session.head(url(server, "/b")).status_code == 200
    for port in range(1, 3 * adapter._direct_max):  # many origins: memory stays bounded
        adapter.get_connection_with_tls_context(_prepared(f"http://127.0.0.1:{port}/"), True)
    assert len(adapter._direct) <= adapter._direct_max
    session.close()


def _prepared(target: str) -> Any:
    import requests

    prepared = requests.PreparedRequest()
    prepared.prepare(method="HEAD", url=target)
    return prepared


def test_refusing_new_requests_sends_none_and_reports_interrupted(server: HTTPServer) -> None:
    """What a Ctrl-C's signal handler does at once (a flag, no lock): no request starts."""
    server.expect_request("/a").respond_with_data("")
    checker = WebChecker(FAST)
    try:
        checker.refuse_new_requests()
        results = checker.check_all([url(server, "/a"), url(server, "/b")])
    finally:
        checker.close()
    assert methods(server) == []
    assert checker.requests_sent == 0
    assert {p.detail for p in results.values()} == {"interrupted"}


def test_requests_carry_the_checkers_headers_and_never_a_cookie(server: HTTPServer) -> None:
    server.expect_request("/set").respond_with_response(
        Response("", headers={"Set-Cookie": "session=abc; Path=/"})
    )
    server.expect_request("/next").respond_with_data("")
    checker = WebChecker(FAST)
    try:
        assert checker.probe(url(server, "/set")).status == 200
        assert checker.probe(url(server, "/next")).status == 200
    finally:
        checker.close()
    sent = [request for request, _ in server.log]
    assert [request.path for request in sent] == ["/set", "/next"]
    for request in sent:
        assert request.headers["User-Agent"] == USER_AGENT
        assert request.headers["Accept"] == "*/*"
        assert "Cookie" not in request.headers


def test_a_url_is_sent_as_requests_would_send_it(server: HTTPServer) -> None:
    """Spaces and non-ASCII characters percent-encoded, the fragment left out."""
    server.expect_request("/a b/é").respond_with_data("")
    status, probe = check(url(server, "/a b/é?q=1 2#part"))
    assert (status, probe.status) == (LinkStatus.OK, 200)
    [(request, _)] = server.log
    assert request.environ["REQUEST_URI"] == "/a%20b/%C3%A9?q=1%202"


def test_a_proxy_from_the_environment_carries_the_request(
    server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The proxy (the local server here) gets the request for a host it resolves itself."""
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.port}")
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{server.port}")
    server.expect_request("/page").respond_with_data("")
    status, probe = check(
        "http://flowcatalog-proxied.invalid/page", replace(FAST, include_private=False)
    )
    assert (status, probe.status) == (LinkStatus.OK, 200)
    [(request, _)] = server.log
    assert request.environ["REQUEST_URI"] == "http://flowcatalog-proxied.invalid/page"
    assert request.headers["Host"] == "flowcatalog-proxied.invalid"
    assert request.headers["User-Agent"] == USER_AGENT


def test_a_pool_that_gets_fewer_threads_than_asked_still_checks_every_url(
    server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import _thread

    real = _thread.start_new_thread
    started: list[int] = []

    def two_at_most(function: Any, args: Any) -> int:
        if len(started) == 2:
            raise RuntimeError("can't start new thread")
        started.append(1)
        return real(function, args)

    monkeypatch.setattr(_thread, "start_new_thread", two_at_most)
    targets = [url(server, f"/p{i}") for i in range(6)]
    for i in range(6):
        server.expect_request(f"/p{i}").respond_with_data("")
    checker = WebChecker(replace(FAST, max_concurrency=8))
    try:
        results = checker.check_all(targets)
    finally:
        checker.close()
    assert len(started) == 2
    assert {probe.status for probe in results.values()} == {200}
    assert sorted(results) == sorted(targets)


def test_by_turns_takes_the_hosts_in_turn_each_in_its_own_order() -> None:
    urls = [
        "https://a.example/1",
        "https://a.example/2",
        "https://a.example/1",  # (twice: once in the order)
        "https://b.example/1",
        "https://a.example:8443/1",
        "https://a.example/3",
        "https://c.example/1",
        "https://c.example/2",
    ]
    assert by_turns(urls) == [
        "https://a.example/1",
        "https://b.example/1",
        "https://a.example:8443/1",
        "https://c.example/1",
        "https://a.example/2",
        "https://c.example/2",
        "https://a.example/3",
    ]
    one_host = [f"https://a.example/{i}" for i in (3, 1, 2)]
    assert by_turns(one_host) == one_host


def test_a_run_requests_the_hosts_in_turn(server: HTTPServer) -> None:
    """With one request at a time, the server sees the two host names alternate (URLs of
    one host side by side would otherwise hold every thread waiting for that host)."""
    for path in ("/a1", "/a2", "/a3", "/b1", "/b2"):
        server.expect_request(path).respond_with_data("")
    first = [url(server, path) for path in ("/a1", "/a2", "/a3")]
    second = [f"http://localhost:{server.port}{path}" for path in ("/b1", "/b2")]
    checker = WebChecker(replace(FAST, max_concurrency=1))
    try:
        results = checker.check_all([*first, *second])
    finally:
        checker.close()
    assert {probe.status for probe in results.values()} == {200}
    assert [path for _, path in methods(server)] == ["/a1", "/b1", "/a2", "/b2", "/a3"]


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HTTPServer, str]]:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate (made with the openssl
    command), and the certificate's path."""
    import shutil
    import ssl
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("the openssl command makes the test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context, threaded=True)
    server.start()
    try:
        yield server, str(cert)
    finally:
        server.clear()
        server.stop()


def test_a_certificate_nobody_vouches_for_is_a_tls_error(
    tls_server: tuple[HTTPServer, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, _ = tls_server
    server.clear()
    server.expect_request("/page").respond_with_data("")
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    status, probe = check(f"https://127.0.0.1:{server.port}/page")
    assert probe.error is ErrorKind.TLS
    assert status is LinkStatus.UNREACHABLE
    assert server.log == []  # (no request got through the handshake)


def test_the_ca_bundle_named_in_the_environment_is_trusted(
    tls_server: tuple[HTTPServer, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, cert = tls_server
    server.clear()
    server.expect_request("/page").respond_with_data("")
    server.expect_request("/other").respond_with_data("", status=404)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", cert)
    checker = WebChecker(FAST)
    try:
        results = checker.check_all(
            [f"https://127.0.0.1:{server.port}/page", f"https://127.0.0.1:{server.port}/other"]
        )
    finally:
        checker.close()
    assert sorted(probe.status or 0 for probe in results.values()) == [200, 404]
    assert sorted(path for _, path in methods(server)) == ["/other", "/page"]


def test_a_ca_bundle_that_is_not_there_is_a_tls_error_that_names_it(
    tls_server: tuple[HTTPServer, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server, _ = tls_server
    server.clear()
    missing = str(tmp_path / "no-such-bundle.pem")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", missing)
    status, probe = check(f"https://127.0.0.1:{server.port}/page")
    assert probe.error is ErrorKind.TLS
    assert status is LinkStatus.UNREACHABLE
    assert missing in probe.detail
    assert server.log == []
