"""Helpers for the online tests: a threaded local HTTP server on 127.0.0.1 and fast settings."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from pytest_httpserver import HTTPServer

from flowcatalog.online.settings import HttpSettings

#: millisecond timings so a whole test file runs in a second or two
FAST = HttpSettings(
    max_concurrency=8,
    host_concurrency=4,
    connect_timeout=0.5,
    read_timeout=0.5,
    deadline=3.0,
    max_retries=2,
    backoff_base=0.001,
    backoff_max=0.004,
    max_retry_wait=1.0,
    include_private=True,
)


@contextmanager
def local_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        if server.is_running():
            server.stop()


def url(server: HTTPServer, path: str) -> str:
    return f"http://127.0.0.1:{server.port}{path}"


def methods(server: HTTPServer) -> list[tuple[str, str]]:
    return [(request.method, request.path) for request, _ in server.log]


@contextmanager
def resetting_server(connections: int = 10) -> Iterator[tuple[int, list[int]]]:
    """A TCP server that accepts and resets every connection (RST); yields (port, count)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    port = listener.getsockname()[1]
    accepted = [0]
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            accepted[0] += 1
            conn.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            with suppress(OSError):
                conn.recv(1024)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port, accepted
    finally:
        stop.set()
        thread.join(1)
        listener.close()


def free_port() -> int:
    """A loopback port nobody listens on (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeFigma:
    """A fake Figma REST API (shapes from the reference notes) for pytest-httpserver.

    ``files`` maps a key to (name, version, {node id: (name, type)}). Wrong token -> 403.
    """

    def __init__(self, token: str, files: dict[str, tuple[str, str, dict[str, tuple[str, str]]]]):
        self.token = token
        self.files = files
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.wrapped_meta = True
        #: where ``/v1/images`` render URLs point (a ``FakeImageHost``'s base URL)
        self.image_base = "http://127.0.0.1:9/none"

    def install(self, server: HTTPServer) -> None:
        import re

        server.expect_request(re.compile(r"^/v1/files/.*")).respond_with_handler(self)
        server.expect_request(re.compile(r"^/v1/images/.*")).respond_with_handler(self)

    def calls(self, endpoint: str) -> list[str]:
        return [path for path, _ in self.requests if path.split("?")[0].endswith(endpoint)]

    def __call__(self, request: Any) -> Any:
        import json

        from werkzeug import Response

        full = request.full_path.rstrip("?")
        self.requests.append((full, dict(request.args)))

        def answer(status: int, body: object) -> Response:
            return Response(
                json.dumps(body), status=status, content_type="application/json; charset=utf-8"
            )

        if request.headers.get("X-Figma-Token") != self.token:
            return answer(403, {"status": 403, "err": "Invalid token"})
        parts = request.path.split("/")
        key = parts[3]
        if key not in self.files:
            return answer(404, {"status": 404, "err": "Not found"})
        name, version, nodes = self.files[key]
        if parts[2] == "images":
            ids = request.args.get("ids", "").split(",")
            images = {
                node: (f"{self.image_base}/{key}/{version}/{node}.png" if node in nodes else None)
                for node in ids
            }
            return answer(200, {"err": None, "images": images})
        if parts[-1] == "meta":
            meta = {
                "name": name,
                "version": version,
                "last_touched_at": "2024-05-02T10:11:12Z",
                "editorType": "figma",
                "role": "viewer",
            }
            return answer(200, {"file": meta} if self.wrapped_meta else meta)
        ids = request.args.get("ids", "").split(",")
        found: dict[str, object] = {}
        for node in ids:
            if node in nodes:
                node_name, node_type = nodes[node]
                found[node] = {
                    "document": {
                        "id": node,
                        "name": node_name,
                        "type": node_type,
                        "scrollBehavior": "SCROLLS",
                    },
                    "components": {},
                    "componentSets": {},
                    "schemaVersion": 0,
                    "styles": {},
                }
            else:
                found[node] = None
        return answer(
            200,
            {
                "name": name,
                "role": "viewer",
                "lastModified": "2024-05-02T10:11:12Z",
                "editorType": "figma",
                "thumbnailUrl": "https://example.invalid/t.png",
                "version": version,
                "nodes": found,
            },
        )


class InFlight:
    """A pytest-httpserver handler that holds each request ``delay`` seconds and records the
    most requests it ever had in flight at once (``peak``)."""

    def __init__(self, delay: float = 0.03) -> None:
        self.delay = delay
        self.now = 0
        self.peak = 0
        self._lock = threading.Lock()

    def __call__(self, request: Any) -> Any:
        import time

        from werkzeug import Response

        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        time.sleep(self.delay)
        with self._lock:
            self.now -= 1
        return Response("")


def png(
    colour: tuple[int, int, int], size: tuple[int, int] = (800, 600), box: bool = False
) -> bytes:
    """A real PNG: a plain colour, with a dark box in one corner when ``box``."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, colour)
    if box:
        ImageDraw.Draw(image).rectangle((20, 20, size[0] // 3, size[1] // 3), fill=(20, 20, 90))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class FakeImageHost:
    """Figma's render storage, faked: serves ``images[(key, node)]`` at ``/KEY/VERSION/NODE.png``
    and records every request's path and headers (the token must never arrive here)."""

    def __init__(self) -> None:
        self.images: dict[tuple[str, str], bytes] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []

    def install(self, server: HTTPServer) -> None:
        import re

        server.expect_request(re.compile(r"^/.*")).respond_with_handler(self)

    def __call__(self, request: Any) -> Any:
        from werkzeug import Response

        self.requests.append((request.full_path, dict(request.headers)))
        parts = request.path.split("/")
        node = parts[-1].removesuffix(".png")
        data = self.images.get((parts[1], node))
        if data is None:
            return Response("", status=404)
        return Response(data, content_type="image/png")


def flow_png(seed: int, size: tuple[int, int] = (960, 540)) -> bytes:
    """A made-up flow frame: a row of screens joined by arrows, in colours from ``seed``."""
    import io

    from PIL import Image, ImageDraw

    hues = [(37, 99, 235), (22, 163, 74), (217, 119, 6), (219, 39, 119), (124, 58, 237)]
    accent = hues[seed % len(hues)]
    image = Image.new("RGB", size, (246, 248, 250))
    draw = ImageDraw.Draw(image)
    screens = 2 + seed % 3
    width = (size[0] - 40 * (screens + 1)) // screens
    for index in range(screens):
        left = 40 + index * (width + 40)
        draw.rounded_rectangle(
            (left, 90, left + width, size[1] - 60), 16, (255, 255, 255), accent, 4
        )
        draw.rectangle((left + 20, 120, left + width - 20, 160), fill=accent)
        for row in range(4):
            top = 190 + row * 50 + (seed * 7 + index * 13) % 20
            draw.rectangle(
                (left + 20, top, left + width - 20 - row * 30, top + 18), fill=(208, 215, 222)
            )
        if index:
            draw.line((left - 36, size[1] // 2, left - 4, size[1] // 2), fill=(31, 35, 40), width=5)
            draw.polygon(
                [
                    (left - 4, size[1] // 2),
                    (left - 16, size[1] // 2 - 9),
                    (left - 16, size[1] // 2 + 9),
                ],
                fill=(31, 35, 40),
            )
    draw.rectangle((40, 30, 40 + 60 * (1 + seed % 4), 54), fill=(31, 35, 40))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def check_online(
    report: Any,
    settings: Any,
    *,
    token: str | None = None,
    catalog_exclude: tuple[str, ...] = (),
    progress: Any = None,
    cache: Any = None,
) -> Any:
    """``verify_online`` with the real parts, as the CLI builds them (``cache``: use this
    one, left open, instead of the settings' own)."""
    from dataclasses import replace

    from flowcatalog.online.verify import open_parts, verify_online

    parts = open_parts(settings, token=token, catalog_exclude=catalog_exclude)
    if cache is not None:
        parts.cache.close()
        if parts.figma is not None:
            parts.figma.close()
        parts = replace(open_parts(replace(settings, use_cache=False), token=token,
                                   catalog_exclude=catalog_exclude), cache=cache)  # fmt: skip
    try:
        return verify_online(
            report, settings, parts, catalog_exclude=catalog_exclude, progress=progress
        )
    finally:
        parts.prober.close()
        if parts.figma is not None:
            parts.figma.close()
        if cache is None:
            parts.cache.close()
