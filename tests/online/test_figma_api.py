"""The Figma REST client against a fake API on 127.0.0.1."""

from __future__ import annotations

import json
import pickle
import re
from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import urlsplit

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from flowcatalog.model import FigmaRef
from flowcatalog.online.figma_api import FigmaClient, FigmaSettings, FigmaToken
from flowcatalog.online.liveness import FigmaStatus
from flowcatalog.online.settings import api_origin
from tests.online_support import FakeFigma, local_server, url

TOKEN = "figd_canary-7c1e2b9d-secret"
KEY = "DCq7K8Srsv79tbH1yRkGbl"
KEY2 = "nrPSsILSYjesyc5UHjYYa4"
BRANCH = "Br4nchKey0123456789abcd"


@pytest.fixture(scope="module")
def module_server() -> Iterator[HTTPServer]:
    with local_server() as server:
        yield server


@pytest.fixture
def server(module_server: HTTPServer) -> HTTPServer:
    module_server.clear()
    return module_server


@pytest.fixture
def fake(server: HTTPServer) -> FakeFigma:
    api = FakeFigma(
        TOKEN,
        {
            KEY: (
                "Document user flows",
                "5566778899",
                {"138:97": ("Trial - SaaS", "FRAME"), "I1:2;3:4": ("Button", "INSTANCE")},
            ),
            KEY2: ("Other file", "42", {"1:2": ("Page", "CANVAS")}),
            BRANCH: ("Branch file", "7", {"5:6": ("Renewal", "SECTION")}),
        },
    )
    api.install(server)
    return api


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def client(server: HTTPServer, token: str = TOKEN, **kwargs: object) -> FigmaClient:
    settings = kwargs.pop("settings", None) or FigmaSettings(api_base=url(server, ""))
    assert isinstance(settings, FigmaSettings)
    return FigmaClient(FigmaToken(token), settings, **kwargs)  # type: ignore[arg-type]


def ref(node: str | None, key: str = KEY, **kwargs: str | None) -> FigmaRef:
    return FigmaRef("design", key, node, **kwargs)


def test_one_nodes_call_per_file_with_found_and_null(server: HTTPServer, fake: FakeFigma) -> None:
    refs = [ref("138:97"), ref("999:1"), ref("138:97"), ref("I1:2;3:4")]
    outcome = client(server).verify(refs)
    assert len(fake.requests) == 1
    path, args = fake.requests[0]
    assert path.startswith(f"/v1/files/{KEY}/nodes?ids=")
    assert "I1:2%3B3:4" in path
    assert args == {"ids": "138:97,999:1,I1:2;3:4", "depth": "1"}
    found = outcome.results[ref("138:97")]
    assert found.status is FigmaStatus.OK
    assert found.details is not None
    assert (found.details.node_name, found.details.node_type) == ("Trial - SaaS", "FRAME")
    assert (found.details.file_name, found.details.version) == ("Document user flows", "5566778899")
    assert found.details.last_modified == "2024-05-02T10:11:12Z"
    missing = outcome.results[ref("999:1")]
    assert missing.status is FigmaStatus.NODE_NOT_FOUND
    assert missing.message == f"node 999:1 not found in Figma file {KEY} (Document user flows)"
    assert outcome.results[ref("I1:2;3:4")].status is FigmaStatus.OK


def test_entry_without_document_or_missing_is_node_not_found(server: HTTPServer) -> None:
    body = {"name": "F", "version": "1", "lastModified": "x",
            "nodes": {"1:1": {"components": {}}}}  # fmt: skip
    server.expect_request(f"/v1/files/{KEY}/nodes").respond_with_json(body)
    outcome = client(server).verify([ref("1:1"), ref("2:2")])
    assert outcome.results[ref("1:1")].status is FigmaStatus.NODE_NOT_FOUND
    assert outcome.results[ref("2:2")].status is FigmaStatus.NODE_NOT_FOUND


@pytest.mark.parametrize("wrapped", [True, False], ids=["wrapped", "unwrapped"])
def test_meta_for_links_without_node_id(server: HTTPServer, fake: FakeFigma, wrapped: bool) -> None:
    fake.wrapped_meta = wrapped
    outcome = client(server).verify([ref(None, KEY2)])
    assert fake.requests[0][0] == f"/v1/files/{KEY2}/meta"
    result = outcome.results[ref(None, KEY2)]
    assert result.status is FigmaStatus.OK
    assert result.details is not None
    assert (result.details.file_name, result.details.version) == ("Other file", "42")
    assert result.details.last_modified == "2024-05-02T10:11:12Z"


def test_a_file_with_nodes_needs_no_meta_for_its_bare_link(
    server: HTTPServer, fake: FakeFigma
) -> None:
    outcome = client(server).verify([ref(None), ref("138:97")])
    assert len(fake.requests) == 1
    assert outcome.results[ref(None)].status is FigmaStatus.OK


def test_groups_by_key_and_version(server: HTTPServer, fake: FakeFigma) -> None:
    refs = [
        ref("138:97"),
        ref("138:97", version_id="123"),
        ref("5:6", branch_key=BRANCH),
        ref("1:2", KEY2),
    ]
    outcome = client(server).verify(refs)
    paths = sorted(path for path, _ in fake.requests)
    assert len(paths) == 4
    assert any(f"/v1/files/{BRANCH}/nodes" in p for p in paths)
    pinned = [args for path, args in fake.requests if args.get("version")]
    assert pinned == [{"ids": "138:97", "depth": "1", "version": "123"}]
    assert all(r.status is FigmaStatus.OK for r in outcome.results.values())


def test_404_is_file_not_found_and_other_files_go_on(server: HTTPServer, fake: FakeFigma) -> None:
    unknown = "ZZZZZZZZZZZZZZZZZZZZZZ"
    outcome = client(server).verify([ref("1:1", unknown), ref("1:2", KEY2)])
    result = outcome.results[ref("1:1", unknown)]
    assert result.status is FigmaStatus.FILE_NOT_FOUND
    assert result.message == (
        f"Figma file {unknown} not found, or not visible to this token's user (Not found)"
    )
    assert outcome.results[ref("1:2", KEY2)].status is FigmaStatus.OK
    assert outcome.stop is None


def test_403_stops_every_further_call(server: HTTPServer, fake: FakeFigma) -> None:
    outcome = client(server, token="figd_wrong").verify([ref("1:2", KEY2), ref("138:97")])
    assert len(fake.requests) == 1
    assert outcome.stop is not None
    assert outcome.stop.status is FigmaStatus.TOKEN_REJECTED
    assert "403: Invalid token" in outcome.stop.message
    assert {r.status for r in outcome.results.values()} == {FigmaStatus.TOKEN_REJECTED}


def _limited(retry_after: str, kind: str) -> Response:
    return Response(
        json.dumps({"status": 429, "err": "Rate limit exceeded"}),
        status=429,
        content_type="application/json",
        headers={
            "Retry-After": retry_after,
            "X-Figma-Plan-Tier": "pro",
            "X-Figma-Rate-Limit-Type": kind,
            "X-Figma-Upgrade-Link": "https://example.invalid/upgrade",
        },
    )


def test_429_with_a_long_wait_stops_and_reports_its_headers(server: HTTPServer) -> None:
    server.expect_request(re.compile("^/v1/files/")).respond_with_response(
        _limited("396749", "low")
    )
    sleeps = Sleeps()
    outcome = client(server, sleep=sleeps).verify([ref("1:2", KEY2), ref("138:97")])
    assert len(server.log) == 1
    assert sleeps.calls == []
    assert outcome.stop is not None
    assert outcome.stop.status is FigmaStatus.RATE_LIMITED
    assert outcome.stop.message == (
        "the Figma API rate limit was reached (429) (Retry-After 396749 s (4.6 days), "
        "plan tier pro, rate limit type low); no further Figma calls were made this run"
    )
    assert {r.status for r in outcome.results.values()} == {FigmaStatus.RATE_LIMITED}


def test_429_with_a_short_wait_is_retried_once(server: HTTPServer, fake: FakeFigma) -> None:
    server.clear()
    server.expect_oneshot_request(re.compile("^/v1/files/")).respond_with_response(
        _limited("2", "high")
    )
    fake.install(server)
    sleeps = Sleeps()
    outcome = client(server, sleep=sleeps).verify([ref("138:97")])
    assert sleeps.calls == [2.0]
    assert outcome.results[ref("138:97")].status is FigmaStatus.OK


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"status": 500, "err": "Internal server error"}, "Internal server error"),
        ({"error": True, "status": 500, "message": "Boom"}, "Boom"),
        ("not json", "INTERNAL SERVER ERROR"),
    ],
)
def test_other_errors_carry_figmas_message(server: HTTPServer, body: object, text: str) -> None:
    if isinstance(body, str):
        server.expect_request(re.compile("^/v1/")).respond_with_data(body, status=500)
    else:
        server.expect_request(re.compile("^/v1/")).respond_with_json(body, status=500)
    outcome = client(server).verify([ref("1:2")])
    result = outcome.results[ref("1:2")]
    assert result.status is FigmaStatus.API_ERROR
    assert result.message == f"Figma API error 500 for file {KEY}: {text}"


def test_redirect_to_another_host_is_not_followed_and_gets_no_token(server: HTTPServer) -> None:
    with local_server() as other:
        seen: list[Request] = []

        def record(request: Request) -> Response:
            seen.append(request)
            return Response("{}", content_type="application/json")

        other.expect_request(re.compile(".*")).respond_with_handler(record)
        target = url(other, f"/v1/files/{KEY}/nodes?ids=1:2")
        server.expect_request(re.compile("^/v1/")).respond_with_response(
            Response("", status=302, headers={"Location": target})
        )
        outcome = client(server).verify([ref("1:2")])
        assert seen == []
    result = outcome.results[ref("1:2")]
    assert result.status is FigmaStatus.API_ERROR
    assert result.message == "the Figma API answered a redirect (302) to 127.0.0.1; not followed"
    assert TOKEN not in result.message


def test_token_goes_only_in_the_header(server: HTTPServer, fake: FakeFigma) -> None:
    client(server).verify([ref("138:97")])
    request, _ = server.log[0]
    assert request.headers["X-Figma-Token"] == TOKEN
    assert TOKEN not in request.full_path
    assert "Authorization" not in request.headers


def test_large_id_lists_are_chunked_by_count_and_length(
    server: HTTPServer, fake: FakeFigma
) -> None:
    ids = [f"{i}:{i + 1}" for i in range(450)]
    outcome = client(server).verify([ref(node) for node in ids])
    nodes_calls = fake.calls("/nodes")
    assert len(nodes_calls) == 3  # 200 + 200 + 50
    assert sorted(n for _, a in fake.requests for n in a["ids"].split(",")) == sorted(ids)
    assert len(outcome.results) == 450
    fake.requests.clear()
    settings = FigmaSettings(api_base=url(server, ""), max_url_length=400)
    client(server, settings=settings).verify([ref(node) for node in ids[:100]])
    assert len(fake.requests) > 1
    for path, _ in fake.requests:
        assert len(url(server, path)) <= 400


def test_the_token_never_shows_in_reprs() -> None:
    token = FigmaToken(TOKEN)
    assert TOKEN not in repr(token)
    assert TOKEN not in str(token)
    assert TOKEN not in f"{token}"
    assert token.scrub(f"x {TOKEN} y") == "x <redacted> y"
    figma = FigmaClient(token, FigmaSettings(api_base="http://127.0.0.1:9"))
    assert TOKEN not in repr(figma)
    assert TOKEN not in repr(vars(figma) if hasattr(figma, "__dict__") else figma)
    with pytest.raises(TypeError):
        pickle.dumps(token)


@pytest.mark.parametrize("bad", ["figd_ünïcode", "figd_with space", "figd_\x07bell"])
def test_a_malformed_token_is_never_sent(server: HTTPServer, bad: str) -> None:
    outcome = client(server, token=bad).verify([ref("1:2")])
    assert server.log == []
    assert outcome.stop is not None
    assert outcome.stop.status is FigmaStatus.TOKEN_REJECTED
    assert outcome.stop.message.startswith("FIGMA_TOKEN is not a valid token")
    assert bad not in outcome.stop.message


def test_unreachable_api_is_one_error_and_stops(server: HTTPServer) -> None:
    from tests.online_support import free_port

    base = f"http://127.0.0.1:{free_port()}"
    figma = FigmaClient(FigmaToken(TOKEN), FigmaSettings(api_base=base))
    outcome = figma.verify([ref("1:2"), ref("1:2", KEY2)])
    assert outcome.stop is not None
    assert outcome.stop.status is FigmaStatus.API_ERROR
    assert outcome.stop.message == "could not reach the Figma API at 127.0.0.1: connection failed"
    assert len(figma.calls) == 1


@pytest.mark.parametrize(
    ("base", "origin"),
    [
        ("https://api.figma.com", ("https", "api.figma.com", 443)),
        ("http://127.0.0.1:8080/", ("http", "127.0.0.1", 8080)),
    ],
)
def test_api_origin(base: str, origin: tuple[str, str, int]) -> None:
    assert api_origin(base) == origin


@pytest.mark.parametrize("bad", ["ftp://x", "https://user:pw@api.figma.com", "api.figma.com"])
def test_api_origin_rejects(bad: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        api_origin(bad)


def test_settings_base_is_used_verbatim(server: HTTPServer, fake: FakeFigma) -> None:
    settings = replace(FigmaSettings(), api_base=url(server, "/"))
    client(server, settings=settings).verify([ref("138:97")])
    assert urlsplit(url(server, fake.requests[0][0])).path == f"/v1/files/{KEY}/nodes"
