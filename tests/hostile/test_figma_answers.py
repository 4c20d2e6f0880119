"""The Figma API client against answers no real API sends: endless, trickling, nested past
any parser's depth, numbers of thousands of digits. Each is a finding, in bounded time and
memory, never an internal error."""

from __future__ import annotations

import resource
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from flowcatalog.model import FigmaRef
from flowcatalog.online.figma_api import FigmaClient, FigmaSettings, FigmaToken
from flowcatalog.online.liveness import FigmaStatus
from tests.conftest import RunCli
from tests.hostile.servers import endless_body, fixed, json_answer, raw_server, slowloris

TOKEN = "figd_hostile-8d2f6a41b7"
KEY = "DCq7K8Srsv79tbH1yRkGbl"
REF = FigmaRef("design", KEY, "1:2")


def client(port: int, **settings: Any) -> FigmaClient:
    base = FigmaSettings(api_base=f"http://127.0.0.1:{port}", connect_timeout=0.5, read_timeout=0.5)
    return FigmaClient(FigmaToken(TOKEN), replace(base, **settings))


def test_an_endless_answer_is_cut_at_the_size_cap() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with raw_server(endless_body()) as port:
        api = client(port, max_answer_bytes=2 * 1024 * 1024, call_deadline=5.0)
        started = time.monotonic()
        outcome = api.verify([REF])
        api.close()
    assert time.monotonic() - started < 3
    result = outcome.results[REF]
    assert result.status is FigmaStatus.API_ERROR
    assert "larger than 2,097,152 bytes" in result.message
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 64 * 1024  # far under the gigabyte the server would send


def test_an_answer_trickling_in_ends_at_the_call_deadline() -> None:
    with raw_server(slowloris(interval=0.01)) as port:
        api = client(port, call_deadline=0.3)
        started = time.monotonic()
        outcome = api.verify([REF])
        api.close()
    took = time.monotonic() - started
    assert took < 0.3 + 0.4
    result = outcome.results[REF]
    assert result.status is FigmaStatus.API_ERROR
    assert "no complete answer within 0.3 s" in result.message
    assert outcome.stop is result  # the API is not asked again this run


@pytest.mark.parametrize(
    "body",
    [
        b'{"nodes": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",
        b'{"name": "x", "version": ' + b"9" * 5000 + b', "nodes": {}}',
        b'{"nodes": {"1:2": {"document": {"name": ' + b"1" * 5000 + b"}}}}",
        b"[" * 100_000,
    ],
    ids=["deep-array", "huge-version", "huge-name", "unclosed"],
)
def test_hostile_json_is_a_finding(body: bytes) -> None:
    with raw_server(fixed(json_answer(body))) as port:
        api = client(port)
        outcome = api.verify([REF])
        api.close()
    result = outcome.results[REF]
    assert result.status in (FigmaStatus.API_ERROR, FigmaStatus.NODE_NOT_FOUND)
    assert result.status is FigmaStatus.API_ERROR or "node 1:2 not found" in result.message


@pytest.mark.parametrize(
    "body",
    [b'{"nodes": ' + b"[" * 200_000 + b"]" * 200_000 + b"}", b'{"version": ' + b"9" * 5000 + b"}"],
    ids=["deep", "huge-number"],
)
def test_check_reports_a_hostile_answer_as_a_finding_not_an_internal_error(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: bytes
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FIGMA_TOKEN", TOKEN)
    page = tmp_path / "page.md"
    page.write_text(f"# Flows\n\n- [flow](https://www.figma.com/design/{KEY}/x?node-id=1-2)\n")
    with raw_server(fixed(json_answer(body))) as port:
        result = run_cli("check", str(page), "--online", "--no-cache", "--quiet",
                         "--figma-api", f"http://127.0.0.1:{port}")  # fmt: skip
    assert result.code == 0, result.err  # a warning: the link is unverified, not broken
    assert "the answer is not a JSON object [figma-api-error]" in result.out
    assert "internal error" not in result.err
