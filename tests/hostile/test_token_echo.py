"""A fake Figma API that echoes the token everywhere it can (bodies, names, headers, error
texts, reason phrases, redirect targets); every command and every output format runs
against it, and no run of 8 characters of the token reaches stdout, stderr or any file."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from flowcatalog.cli.main import cli
from flowcatalog.reporters import COVERAGE_REPORTERS, REPORTERS
from tests.conftest import RunCli
from tests.online_support import local_server, url

TOKEN = "figd_Q7vX9kPz2LmW4nRt8sYb3cHj6dFg1aZe"
KEY = "DCq7K8Srsv79tbH1yRkGbl"
PAD = "x" * 280  # an echo cut at 300 characters after this would still show 20 of the token

CATALOG = """\
version: 1
title: Echo test
pages:
  - path: page.md
deployments:
  - {{id: saas, name: SaaS}}
stages:
  - id: trial
    name: Trial
    flows:
      - name: Purchase
        deployments: [saas]
        links:
          - https://www.figma.com/design/{key}/Flows?node-id=1-2
          - https://www.figma.com/design/{key}/Flows?node-id=9-9
          - https://www.figma.com/design/{key}/Flows
future_iterations:
  - title: Web
    links: ["{base}/ok"]
"""

PAGE = """\
# Echo test

<!-- flowcatalog:begin -->
<!-- flowcatalog:end -->

- [Purchase](https://www.figma.com/design/{key}/Flows?node-id=1-2)
"""


def pieces(secret: str, run: int = 8) -> set[str]:
    return {secret[i : i + run] for i in range(len(secret) - run + 1)}


def leaks(text: str) -> list[str]:
    folded = text.casefold()
    return sorted(p for p in pieces(TOKEN.casefold()) if p in folded)


def echo_api(behaviour: str) -> Callable[[Request], Response]:
    """A handler answering every API call in the way ``behaviour`` names, token included."""

    def handle(request: Request) -> Response:
        headers = {"X-Echo": TOKEN, "X-Figma-Plan-Tier": "pro " + TOKEN}
        said = f"{PAD} you sent {request.headers.get('X-Figma-Token')}"
        if behaviour == "ok":
            if request.path.endswith("/meta"):
                body: object = {"file": {"name": said, "version": TOKEN, "last_touched_at": TOKEN}}
            else:
                node = {"document": {"id": "1:2", "name": said, "type": TOKEN}}
                body = {"name": said, "version": TOKEN, "lastModified": said,
                        "nodes": {"1:2": node, "9-9": None}}  # fmt: skip
            return Response(json.dumps(body), 200, headers, content_type="application/json")
        if behaviour in ("403", "404", "500"):
            body = {"status": int(behaviour), "err": said, "message": said}
            return Response(json.dumps(body), int(behaviour), headers)
        if behaviour == "reason":
            return Response(said, status=f"599 {TOKEN}", headers=headers)
        if behaviour == "limited":
            headers |= {"Retry-After": "396749", "X-Figma-Rate-Limit-Type": "low" + TOKEN}
            body = {"status": 429, "err": said}
            return Response(json.dumps(body), 429, headers, content_type="application/json")
        assert behaviour == "redirect"
        headers["Location"] = f"http://{TOKEN.lower()}.example/{TOKEN}?t={TOKEN}"
        return Response(said, 302, headers)

    return handle


@pytest.fixture(scope="module")
def module_server() -> Iterator[HTTPServer]:
    with local_server() as server:
        yield server


@pytest.mark.parametrize("behaviour", ["ok", "403", "404", "500", "reason", "limited", "redirect"])
def test_no_piece_of_an_echoed_token_is_written_anywhere(
    run_cli: RunCli,
    module_server: HTTPServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    behaviour: str,
) -> None:
    server = module_server
    server.clear()
    server.expect_request(re.compile("^/v1/")).respond_with_handler(echo_api(behaviour))
    server.expect_request("/ok").respond_with_data(TOKEN, headers={"X-Echo": TOKEN})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("FIGMA_TOKEN", TOKEN)
    (tmp_path / "catalog.yaml").write_text(CATALOG.format(key=KEY, base=url(server, "")))
    (tmp_path / "page.md").write_text(PAGE.format(key=KEY))
    online = ["--online", "--include-private", "--timeout", "0.5", "--figma-api", url(server, ""),
              "--cache", str(tmp_path / "cache.sqlite3")]  # fmt: skip
    out = tmp_path / "out"
    out.mkdir()
    seen: list[str] = []

    def run(*args: str) -> int:
        result = run_cli(*args)
        seen.extend((result.out, result.err))
        return result.code

    every_report = [f"--report={name}={out / ('all.' + name)}" for name in sorted(REPORTERS)]
    for fmt in sorted(REPORTERS):
        code = run("check", *online, "--format", fmt, *every_report)
        assert code in (0, 1), seen[-1]
        assert run("--debug", "check", *online, "--format", fmt, "-o", str(out / fmt)) in (0, 1)
    assert run("check", *online, "--format", "json", "-o", str(out / "shard.json"),
               "--shard", "1/2") in (0, 1)  # fmt: skip
    for fmt in sorted(COVERAGE_REPORTERS):
        run("coverage", "--format", fmt)
    for fmt in ("text", "json"):
        run("links", "--format", fmt)
        run("links", "--occurrences", "--format", fmt)
    run("schema")
    run("merge", str(out / "all.json"), str(out / "shard.json"), "--format", "json")
    run("render", "--check", "page.md")
    run("import", "page.md")
    for name in sorted(cli.commands):
        run(name, "--help")

    assert TOKEN[:5] + "Q7vX9kPz" not in "".join(seen)  # the check itself can see a leak:
    assert leaks(f"zz{TOKEN[10:19]}zz") != []  # any 8 characters of the token are found
    assert [leaks(text) for text in seen if leaks(text)] == []
    written = {
        str(path.relative_to(tmp_path)): path.read_bytes().decode("latin-1")
        for path in sorted(tmp_path.rglob("*"))
        if path.is_file() and path.name not in ("catalog.yaml", "page.md")
    }
    assert "cache.sqlite3" in written
    assert "out/all.html" in written
    assert {name: leaks(text) for name, text in written.items() if leaks(text)} == {}
    figma_calls = [r for r, _ in server.log if r.path.startswith("/v1/")]
    assert figma_calls  # the API was asked (and echoed), so the test means something
    assert all(r.headers.get("X-Figma-Token") == TOKEN for r in figma_calls)
