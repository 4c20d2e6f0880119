"""Render downloads: no credential, the address policy, a size cap, a deadline, redirects."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
from werkzeug import Response

from flowcatalog.online.figma_images import ImageError, ImageFetcher, ImageSettings
from tests.online_support import local_server, png, url


def _resolver(address: str) -> Any:
    def resolve(host: str, port: int, *args: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    return resolve


def test_private_image_host_is_refused_before_connecting() -> None:
    fetcher = ImageFetcher(ImageSettings(), resolver=_resolver("10.0.0.7"))
    with pytest.raises(
        ImageError,
        match=r"^image host renders\.example resolves to non-public address 10\.0\.0\.7$",
    ):
        fetcher.fetch("https://renders.example/a.png?X-Amz-Signature=secret")
    assert fetcher.downloads == 0


def test_loopback_is_refused_without_include_private() -> None:
    with local_server() as server:
        server.expect_request("/a.png").respond_with_data(png((1, 2, 3)))
        fetcher = ImageFetcher(ImageSettings())
        with pytest.raises(ImageError, match=r"non-public address 127\.0\.0\.1"):
            fetcher.fetch(url(server, "/a.png"))
        assert server.log == []


@pytest.mark.parametrize(
    "target", ["file:///etc/passwd", "ftp://example.com/a.png", "https://user:pw@example.com/a"]
)
def test_only_plain_http_urls(target: str) -> None:
    with pytest.raises(ImageError):
        ImageFetcher(ImageSettings(include_private=True)).fetch(target)


def test_size_cap_and_no_credentials() -> None:
    with local_server() as server:
        big = b"\0" * 5000
        server.expect_request("/big").respond_with_data(big)
        server.expect_request("/ok").respond_with_data(b"x" * 100)
        fetcher = ImageFetcher(ImageSettings(include_private=True, max_bytes=4096))
        with pytest.raises(ImageError, match=r"is over 4096 bytes$"):
            fetcher.fetch(url(server, "/big"))
        assert fetcher.fetch(url(server, "/ok")) == b"x" * 100
        for request, _ in server.log:
            assert "X-Figma-Token" not in request.headers
            assert "Authorization" not in request.headers
            assert "Cookie" not in request.headers


def test_deadline_per_download() -> None:
    def slow(request: Any) -> Response:
        def chunks() -> Any:
            for _ in range(20):
                time.sleep(0.05)
                yield b"x" * 100

        return Response(chunks(), content_type="image/png")

    with local_server() as server:
        server.expect_request("/slow").respond_with_handler(slow)
        fetcher = ImageFetcher(ImageSettings(include_private=True, deadline=0.2))
        started = time.monotonic()
        with pytest.raises(ImageError, match=r"took over 0\.2 s$"):
            fetcher.fetch(url(server, "/slow"))
        assert time.monotonic() - started < 1.0


def test_redirect_to_a_private_address_is_checked_again() -> None:
    calls: list[str] = []

    def resolve(host: str, port: int, *args: Any) -> list[Any]:
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", port))]

    fetcher = ImageFetcher(ImageSettings(), resolver=resolve)
    with pytest.raises(ImageError, match=r"169\.254\.169\.254"):
        fetcher.fetch("http://metadata.example/latest")
    assert calls == ["metadata.example"]


def test_http_errors_name_the_host_only() -> None:
    with local_server() as server:
        server.expect_request("/gone").respond_with_data("", status=403)
        fetcher = ImageFetcher(ImageSettings(include_private=True))
        with pytest.raises(ImageError) as caught:
            fetcher.fetch(url(server, "/gone?signature=s3cr3t"))
        assert str(caught.value) == "image host 127.0.0.1 answered HTTP 403"


def test_unresolvable_and_unreachable_hosts() -> None:
    def fail(*args: Any) -> Any:
        raise OSError("no such host")

    with pytest.raises(ImageError, match=r"^image host nowhere\.example does not resolve$"):
        ImageFetcher(ImageSettings(), resolver=fail).fetch("https://nowhere.example/a.png")
    from tests.online_support import free_port

    port = free_port()
    with pytest.raises(ImageError, match=r"^could not download the render from 127\.0\.0\.1$"):
        ImageFetcher(ImageSettings(include_private=True)).fetch(f"http://127.0.0.1:{port}/a.png")


def test_redirects_are_followed_a_few_times() -> None:
    with local_server() as server:
        server.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
        server.expect_request("/b").respond_with_data(b"png bytes")
        server.expect_request("/loop").respond_with_data(
            "", status=302, headers={"Location": "/loop"}
        )
        fetcher = ImageFetcher(ImageSettings(include_private=True))
        assert fetcher.fetch(url(server, "/a")) == b"png bytes"
        with pytest.raises(ImageError, match=r"^too many redirects for a render URL$"):
            fetcher.fetch(url(server, "/loop"))
        declared = ImageFetcher(ImageSettings(include_private=True, max_bytes=4))
        with pytest.raises(ImageError, match="is over 4 bytes"):
            declared.fetch(url(server, "/b"))


def test_fetch_many_downloads_in_parallel_and_reports_each_failure() -> None:
    with local_server() as server:
        server.expect_request("/a").respond_with_data(b"a")
        server.expect_request("/b").respond_with_data(b"b")
        fetcher = ImageFetcher(ImageSettings(include_private=True))
        found = fetcher.fetch_many(
            [url(server, "/a"), url(server, "/b"), url(server, "/x"), url(server, "/a")]
        )
        assert found[url(server, "/a")] == b"a"
        assert found[url(server, "/b")] == b"b"
        missing = found[url(server, "/x")]
        assert isinstance(missing, ImageError)
        assert str(missing) == "image host 127.0.0.1 answered HTTP 500"
        assert fetcher.downloads == 3  # each distinct URL once
