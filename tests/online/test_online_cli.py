"""``flowcatalog check --online`` end to end, the usage errors, and the token canary."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from flowcatalog.cli.main import cli
from flowcatalog.cli.online import parse_accept, parse_duration
from flowcatalog.errors import UsageError
from flowcatalog.reporters import COVERAGE_REPORTERS, REPORTERS
from tests.conftest import RunCli
from tests.online_support import FakeFigma, local_server, url

CANARY = "figd_CANARY-9f3e1a7c-do-not-leak"
KEY = "DCq7K8Srsv79tbH1yRkGbl"
REPO = Path(__file__).resolve().parents[2]

CATALOG = """\
version: 1
title: Online test
deployments:
  - id: saas
    name: SaaS
stages:
  - id: trial
    name: Trial
    flows:
      - name: Purchase
        deployments: [saas]
        links:
          - https://www.figma.com/design/{key}/Flows?node-id=1-2
      - name: Renewal
        deployments: [saas]
        links:
          - https://www.figma.com/design/{key}/Flows?node-id=9-9
future_iterations:
  - title: Things to do
    links:
      - {base}/ok
      - {base}/gone
      - {base}/internal/admin
exclude:
  - /internal/
"""


@pytest.fixture(scope="module")
def module_server() -> Iterator[HTTPServer]:
    with local_server() as server:
        yield server


@pytest.fixture
def server(module_server: HTTPServer) -> HTTPServer:
    module_server.clear()
    module_server.expect_request("/ok").respond_with_data("")
    module_server.expect_request("/gone").respond_with_data("", status=404)
    return module_server


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: HTTPServer) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("FIGMA_TOKEN", raising=False)
    (tmp_path / "catalog.yaml").write_text(CATALOG.format(key=KEY, base=url(server, "")))
    return tmp_path


def online_args(server: HTTPServer, workdir: Path, *extra: str) -> list[str]:
    return [
        "check",
        "--catalog",
        str(workdir / "catalog.yaml"),
        "--online",
        "--include-private",
        "--timeout",
        "0.5",
        "--figma-api",
        url(server, ""),
        *extra,
    ]


def test_online_check_text(run_cli: RunCli, server: HTTPServer, workdir: Path) -> None:
    result = run_cli(*online_args(server, workdir))
    cat = str(workdir / "catalog.yaml")
    assert result.code == 1
    lines = result.out.splitlines()
    assert f"{cat}:13:13: info: 2 Figma links shape-checked only: set FIGMA_TOKEN to verify " \
        "files and nodes with the Figma API [figma-shape-only]" in lines  # fmt: skip
    assert f"{cat}:22:9: error: HTTP 404 NOT FOUND [link-broken]" in lines
    assert any(
        line.startswith(f"{cat}:23:9: info: not requested: matches exclude") for line in lines
    )
    assert result.err.startswith(
        "flowcatalog: online: 5 links checked (3 web, 2 Figma; 0 from cache)"
    )
    assert "(no FIGMA_TOKEN)" in result.err
    assert sorted((r.method, r.path) for r, _ in server.log) == [("HEAD", "/gone"), ("HEAD", "/ok")]
    assert (workdir / "xdg" / "flowcatalog" / "cache.sqlite3").exists()


def test_online_check_json_with_token(
    run_cli: RunCli, server: HTTPServer, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeFigma(CANARY, {KEY: ("Flows", "12", {"1:2": ("Trial - SaaS", "FRAME")})})
    fake.install(server)
    monkeypatch.setenv("FIGMA_TOKEN", CANARY)
    result = run_cli(*online_args(server, workdir, "--format", "json", "--quiet"))
    assert result.code == 1
    assert result.err == ""
    data = json.loads(result.out)
    online_rules = {"figma-node-not-found", "link-broken", "link-skipped"}
    assert sorted(f["rule"] for f in data["findings"] if f["rule"] in online_rules) == sorted(
        online_rules
    )
    figma_links = [link for link in data["links"] if "figma.com" in link["url"]]
    assert [link["status"] for link in figma_links] == ["ok", "broken"]
    assert figma_links[0]["figma_details"]["node_name"] == "Trial - SaaS"
    assert len(fake.requests) == 1


def test_quiet_and_not_a_terminal_show_no_progress(
    run_cli: RunCli, server: HTTPServer, workdir: Path
) -> None:
    result = run_cli(*online_args(server, workdir, "-q"))
    assert result.err == ""
    result = run_cli(*online_args(server, workdir))
    assert "\r" not in result.err
    assert result.err.count("\n") == 1


def test_loopback_is_skipped_without_include_private(
    run_cli: RunCli, server: HTTPServer, workdir: Path
) -> None:
    args = online_args(server, workdir)
    args.remove("--include-private")
    result = run_cli(*args, "-q")
    assert server.log == []
    assert "resolves to non-public address 127.0.0.1; use --include-private" in result.out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--exclude", "("], "flowcatalog: error: --exclude: invalid regular expression '('"),
        (["--figma-api", "ftp://x"], "flowcatalog: error: --figma-api: not an http(s) URL"),
        (["--max-cache-age", "soon"], "flowcatalog: error: invalid duration 'soon'"),
        (["--accept", "abc"], "flowcatalog: error: --accept: 'abc' is not a status code"),
    ],
)
def test_bad_online_options_are_usage_errors(
    run_cli: RunCli, server: HTTPServer, workdir: Path, extra: list[str], message: str
) -> None:
    result = run_cli(*online_args(server, workdir, *extra))
    assert result.code == 2
    assert result.err.startswith(message)
    assert result.err.count("\n") == 1
    assert server.log == []


def test_parsers() -> None:
    assert parse_duration("1d") == 86400
    assert parse_duration("90") == 90
    assert parse_duration("30m") == 1800
    assert parse_accept(("200-204,429", "403")) == frozenset({200, 201, 202, 203, 204, 403, 429})
    with pytest.raises(UsageError):
        parse_accept(("99",))


def test_offline_check_imports_no_network_module(tmp_path: Path) -> None:
    """Without --online nothing leaves the machine: the HTTP modules are not even imported."""
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(CATALOG.format(key=KEY, base="http://127.0.0.1:9"))
    code = (
        "import sys\n"
        "from flowcatalog.cli.main import main\n"
        f"main(['check', '--catalog', {str(catalog)!r}, '-o', {str(tmp_path / 'o.txt')!r}])\n"
        "heavy = {'requests', 'urllib3', 'flowcatalog.online.web', 'flowcatalog.online.verify',\n"
        "         'flowcatalog.online.figma_api', 'flowcatalog.online.cache'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert done.stdout.strip() == "[]", done.stderr


def _all_text(root: Path) -> str:
    chunks = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            chunks.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(chunks)


@pytest.mark.parametrize("api_behaviour", ["ok", "rejected", "redirect", "limited", "down"])
def test_canary_token_never_leaks(
    run_cli: RunCli,
    server: HTTPServer,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    api_behaviour: str,
) -> None:
    """Every command and output format, with a canary token: it shows up nowhere."""
    import re

    from werkzeug import Response

    if api_behaviour == "ok":
        FakeFigma(CANARY, {KEY: ("Flows", "12", {"1:2": ("Trial", "FRAME")})}).install(server)
    elif api_behaviour == "rejected":
        FakeFigma("figd_other", {}).install(server)
    elif api_behaviour == "redirect":
        server.expect_request(re.compile("^/v1/")).respond_with_response(
            Response("", status=302, headers={"Location": f"http://127.0.0.1:9/?t={CANARY}"})
        )
    elif api_behaviour == "limited":
        server.expect_request(re.compile("^/v1/")).respond_with_json(
            {"status": 429, "err": f"Rate limit exceeded for {CANARY}"},
            status=429,
            headers={"Retry-After": "396749", "X-Figma-Plan-Tier": CANARY},
        )
    else:
        monkeypatch.setattr(
            "tests.online.test_online_cli.url", lambda s, p: "http://127.0.0.1:9" + p
        )
    monkeypatch.setenv("FIGMA_TOKEN", CANARY)
    outputs = workdir / "out"
    outputs.mkdir()
    seen: list[str] = []
    cache = str(workdir / "cache.sqlite3")
    for fmt in sorted(REPORTERS):
        for debug in ([], ["--debug"]):
            result = run_cli(
                *debug,
                *online_args(
                    server, workdir, "--format", fmt, "--cache", cache, "--report",
                    f"json={outputs / (fmt + '.json')}",
                ),
            )  # fmt: skip
            assert result.code in (0, 1), result.err
            seen += [result.out, result.err]
            result = run_cli(
                *online_args(server, workdir, "--format", fmt, "-o", str(outputs / fmt))
            )
            seen += [result.out, result.err]
    for fmt in sorted(COVERAGE_REPORTERS):
        result = run_cli("coverage", "--catalog", str(workdir / "catalog.yaml"), "--format", fmt)
        seen += [result.out, result.err]
    for fmt in ("text", "json"):
        result = run_cli("links", "--catalog", str(workdir / "catalog.yaml"), "--format", fmt)
        seen += [result.out, result.err]
    result = run_cli("schema")
    seen += [result.out, result.err]
    jsons = sorted(str(p) for p in outputs.glob("*.json"))
    result = run_cli("merge", *jsons, "--format", "json")
    seen += [result.out, result.err]
    for name in sorted(cli.commands):
        result = run_cli(name, "--help")
        seen += [result.out, result.err]
    assert all(CANARY not in text for text in seen)
    text = _all_text(workdir)
    assert "Flows" in text or api_behaviour != "ok"
    assert CANARY not in text
    # the token did travel, but only in the header to the configured API host
    assert all(
        CANARY not in request.full_path and CANARY not in request.get_data(as_text=True)
        for request, _ in server.log
    )


def test_progress_bar_draws_in_place_and_clears() -> None:
    import io

    from flowcatalog.cli.online import ProgressBar

    stream = io.StringIO()
    bar = ProgressBar(stream, width=10)
    bar(1, 4, 0)
    bar(2, 4, 1)  # within 0.1 s of the last draw: skipped
    bar(4, 4, 1)  # the last one is always drawn
    bar.clear()
    assert stream.getvalue() == (
        "\rchecking links [##........] 1/4 (0 cached)"
        "\rchecking links [##########] 4/4 (1 cached)"
        "\r\x1b[K"
    )


def test_summary_line() -> None:
    from flowcatalog.online.verify import HostLine, OnlineSummary

    summary = OnlineSummary(
        web=3, figma=2, cached=1, requests=4, figma_calls=1, elapsed=1.25, figma_token=True,
        hosts=(HostLine("a.example", 2, 3, 0.5), HostLine("b.example", 1, 1, 2.0)),
    )  # fmt: skip
    assert summary.line() == (
        "online: 5 links checked (3 web, 2 Figma; 1 from cache) in 1.2 s; 4 HTTP requests; "
        "1 Figma API call; hosts: a.example 2, b.example 1; "
        "slowest: b.example 2.00 s, a.example 0.50 s"
    )
