"""Web links against servers that trickle, lie or do not speak HTTP: each one ends in time
with the right finding, and a malformed answer is not retried."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from flowcatalog.model import Location
from flowcatalog.online.liveness import ErrorKind, LinkStatus, classify, web_findings
from flowcatalog.online.web import WebChecker
from tests.conftest import RunCli
from tests.hostile.servers import fixed, raw_server, slowloris
from tests.online_support import FAST


def test_a_server_sending_one_byte_at_a_time_is_cut_off_at_the_deadline() -> None:
    settings = replace(FAST, read_timeout=0.2, deadline=0.4, max_retries=2)
    with raw_server(slowloris(interval=0.02)) as port:
        checker = WebChecker(settings)
        started = time.monotonic()
        probe = checker.probe(f"http://127.0.0.1:{port}/slow")
        took = time.monotonic() - started
        checker.close()
    assert probe.error is ErrorKind.DEADLINE
    assert classify(probe) is LinkStatus.TIMEOUT
    assert took < 0.4 + 0.3  # the deadline, not the answer's length (about 200 s)
    assert probe.attempts == 1  # a deadline is not retried
    status, (finding,) = web_findings(probe, [Location("p.md", 1, 1)])
    assert status is LinkStatus.TIMEOUT
    assert finding.rule == "link-timeout"
    assert "total deadline" in finding.message


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", "invalid status line 'SSH-2.0-OpenSSH_9.6"),
        (b"HTTP/1.1 2OO OK\r\n\r\n", "invalid status line"),
        (b"\x00\x01\x02garbage\r\n\r\n", "invalid status line '???garbage"),
        (b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 10_000_000 + b"\r\n\r\n", "line too long"),
    ],
    ids=["ssh-banner", "bad-code", "binary", "10-MB-header"],
)
def test_a_malformed_answer_is_a_protocol_error_not_retried(answer: bytes, detail: str) -> None:
    seen: list[bytes] = []

    def handler(conn: object, head: bytes) -> None:
        seen.append(head)
        fixed(answer)(conn, head)  # type: ignore[arg-type]

    with raw_server(handler) as port:
        checker = WebChecker(FAST)
        probe = checker.probe(f"http://127.0.0.1:{port}/x")
        checker.close()
    assert probe.error is ErrorKind.PROTOCOL
    assert detail in probe.detail
    assert len(seen) == 1  # not retried, not re-asked with GET
    status, (finding,) = web_findings(probe, [Location("p.md", 1, 1)])
    assert status is LinkStatus.BROKEN
    assert finding.rule == "link-broken"
    assert finding.message.startswith("malformed HTTP answer: ")
    assert "reset" not in finding.message


def test_check_online_ends_within_the_deadline_against_a_trickling_server(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with raw_server(slowloris(interval=0.02)) as port:
        page = tmp_path / "page.md"
        page.write_text(f"# Links\n\n- [slow](http://127.0.0.1:{port}/slow)\n")
        started = time.monotonic()
        result = run_cli("check", str(page), "--online", "--include-private", "--no-cache",
                         "--timeout", "0.2")  # fmt: skip
        took = time.monotonic() - started
    assert took < 3 * 0.2 + 0.5  # --timeout 0.2 gives each URL 0.6 s in all
    assert result.code == 1
    assert "no answer within the total deadline (0.6 s) [link-timeout]" in result.out
