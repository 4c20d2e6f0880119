"""Figma renders: asking for them (``FigmaRenderClient.images``, ``GET /v1/images``, with the
token, to the API host only, like every call of ``FigmaClient``) and downloading them. The
image URLs ``/images`` answers point at another host (Figma's render storage), so they are
fetched like any untrusted URL.

- never with the Figma token: a fresh session that sends no credential of any kind;
- the host is checked against the address policy (``guard``) before connecting, and the
  connection re-checks the address it reached (unless ``include_private``);
- http(s) only, at most ``max_redirects`` redirects, each target checked again;
- a size cap (``max_bytes``, from Content-Length and while reading) and a deadline per download.

Messages name the host only: render URLs carry signatures that belong in no report.
"""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import requests

from flowcatalog import fsio
from flowcatalog.errors import InputError
from flowcatalog.online.figma_api import FigmaClient
from flowcatalog.online.guard import address_forbidden
from flowcatalog.online.liveness import FigmaResult
from flowcatalog.online.sessions import build_session
from flowcatalog.online.settings import HttpSettings
from flowcatalog.views import Thumbnail

DEFAULT_SCALE = 0.5


@dataclass(frozen=True, slots=True)
class ImageSettings:
    max_bytes: int = 16 * 1024 * 1024
    deadline: float = 30.0
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    max_redirects: int = 3
    include_private: bool = False
    scale: float = DEFAULT_SCALE


class FigmaRenderClient(FigmaClient):
    """The Figma client with one more call, for snapshots and design checks: ``images``."""

    def images(
        self, key: str, version_id: str | None, node_ids: Iterable[str], *, scale: float
    ) -> dict[str, str | None] | FigmaResult:
        """Render URLs of nodes of one file (and version): ``GET /v1/images/KEY?ids=...``,
        one call per chunk of ids (chunked as ``/nodes``). A failure comes back as the
        FigmaResult that says why; 403 and 429 stop every later call, as for ``verify``."""
        if self._stop is not None:
            return self._stop
        found: dict[str, str | None] = {}
        for chunk in self._chunks(key, version_id, sorted(set(node_ids))):
            query = "ids=" + ",".join(quote(node, safe=":") for node in chunk)
            query += f"&format=png&scale={scale:g}"
            if version_id is not None:
                query += "&version=" + quote(version_id, safe="")
            got = self._get(f"/v1/images/{quote(key, safe='')}?{query}", "images", key, len(chunk))
            if not isinstance(got, dict):
                if got.stops:
                    self._stop = got.result
                return got.result
            urls = got.get("images")
            urls = urls if isinstance(urls, dict) else {}
            for node_id in chunk:
                value = urls.get(node_id)
                found[node_id] = value if isinstance(value, str) and value else None
        return found


class ImageError(Exception):
    """A render could not be downloaded; ``str()`` is one line naming the host only."""


class ImageFetcher:
    """Downloads render URLs under the rules above; one instance per run."""

    def __init__(
        self,
        settings: ImageSettings | None = None,
        *,
        resolver: Callable[..., Any] = socket.getaddrinfo,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings or ImageSettings()
        self._resolver = resolver
        self._clock = clock
        self._session = build_session(
            HttpSettings(
                max_concurrency=4,
                host_concurrency=4,
                connect_timeout=self.settings.connect_timeout,
                read_timeout=self.settings.read_timeout,
                include_private=self.settings.include_private,
            )
        )
        self.downloads = 0
        self._lock = threading.Lock()

    def fetch_many(self, urls: Iterable[str], workers: int = 4) -> dict[str, bytes | ImageError]:
        """Each URL's bytes, or the ImageError that says why not; ``workers`` at a time."""
        unique = list(dict.fromkeys(urls))

        def one(url: str) -> bytes | ImageError:
            try:
                return self.fetch(url)
            except ImageError as exc:
                return exc

        if len(unique) <= 1:
            return {url: one(url) for url in unique}
        with ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="flowcatalog-render"
        ) as pool:
            return dict(zip(unique, pool.map(one, unique), strict=True))

    def close(self) -> None:
        self._session.close()

    def _check_host(self, url: str) -> str:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme not in ("http", "https") or not host:
            raise ImageError("the render URL is not an http(s) URL")
        if parts.username or parts.password:
            raise ImageError(f"the render URL for {host} carries credentials; refused")
        if self.settings.include_private:
            return host
        try:
            infos = self._resolver(host, parts.port or 443, 0, socket.SOCK_STREAM)
        except OSError:
            raise ImageError(f"image host {host} does not resolve") from None
        for info in infos:
            address = str(info[4][0])
            if address_forbidden(address):
                raise ImageError(f"image host {host} resolves to non-public address {address}")
        return host

    def fetch(self, url: str) -> bytes:
        """The bytes at ``url``; ImageError when refused, failed, too big or too slow."""
        started = self._clock()
        limit = self.settings.max_bytes
        for _ in range(self.settings.max_redirects + 1):
            host = self._check_host(url)
            with self._lock:
                self.downloads += 1
            try:
                response = self._session.get(
                    url,
                    stream=True,
                    allow_redirects=False,
                    timeout=(self.settings.connect_timeout, self.settings.read_timeout),
                    headers={"Accept": "image/png"},
                )
            except requests.Timeout:
                raise ImageError(f"image host {host} timed out") from None
            except (requests.RequestException, OSError, ValueError):
                raise ImageError(f"could not download the render from {host}") from None
            with response:
                status = response.status_code
                if status in (301, 302, 303, 307, 308) and response.headers.get("Location"):
                    url = urljoin(url, response.headers["Location"])
                    continue
                if status != 200:
                    raise ImageError(f"image host {host} answered HTTP {status}")
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise ImageError(f"the render from {host} is over {limit} bytes")
                body = bytearray()
                try:
                    for chunk in response.iter_content(64 * 1024):
                        body.extend(chunk)
                        if len(body) > limit:
                            raise ImageError(f"the render from {host} is over {limit} bytes")
                        if self._clock() - started > self.settings.deadline:
                            raise ImageError(
                                f"the render from {host} took over {self.settings.deadline:g} s"
                            )
                except (requests.RequestException, OSError):
                    raise ImageError(f"the download from {host} broke off") from None
                return bytes(body)
        raise ImageError("too many redirects for a render URL")


class RenderCache:
    """Thumbnails of renders by (file key, file version, node id), one PNG file each in
    ``directory`` (beside the online cache): a render of a saved version never changes."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str, version: str | None, node: str) -> Path:
        name = hashlib.sha256(f"{key}\0{version}\0{node}".encode()).hexdigest()
        return self.directory / f"{name}.png"

    def get(self, key: str, version: str | None, node: str) -> Thumbnail | None:
        if version is None:
            return None
        path = self._path(key, version, node)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        from flowcatalog.thumbnails import ThumbnailError, decode_size

        try:
            width, height = decode_size(data)
        except ThumbnailError:
            return None  # a damaged entry: rendered again
        return Thumbnail(data, width, height)

    def put(self, key: str, version: str | None, node: str, thumbnail: Thumbnail) -> None:
        if version is None:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fsio.atomic_write(str(self._path(key, version, node)), thumbnail.png)
        except (OSError, InputError):
            pass  # a cache that cannot be written only costs a call next time
