"""The SQLite cache: hits, staleness, corruption, locking, and Figma version reuse."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from flowcatalog.model import FigmaRef
from flowcatalog.online.cache import KEEP_SECONDS, Cache, default_path
from flowcatalog.online.figma_api import CachedFile, FigmaClient, FigmaSettings, FigmaToken
from flowcatalog.online.liveness import FigmaStatus, Probe
from tests.online_support import FakeFigma, local_server, url

TOKEN = "figd_canary-cache-5b2f91"
KEY = "DCq7K8Srsv79tbH1yRkGbl"
U = "https://example.org/a"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def warnings() -> list[str]:
    return []


@pytest.fixture
def cache_file(tmp_path: Path) -> Path:
    return tmp_path / "sub" / "cache.sqlite3"


def open_cache(
    path: Path, clock: Clock, warnings: list[str], *, busy_timeout: float = 2.0
) -> Cache:
    return Cache(path, max_age=3600, warn=warnings.append, clock=clock, busy_timeout=busy_timeout)


def test_default_path(tmp_path: Path) -> None:
    assert default_path({"XDG_CACHE_HOME": str(tmp_path)}) == (
        tmp_path / "flowcatalog" / "cache.sqlite3"
    )
    assert default_path({}) == Path.home() / ".cache" / "flowcatalog" / "cache.sqlite3"
    assert default_path({"XDG_CACHE_HOME": "relative"}).is_relative_to(Path.home())


def test_success_is_reused_until_stale(cache_file: Path, clock: Clock, warnings: list[str]) -> None:
    cache = open_cache(cache_file, clock, warnings)
    probe = Probe(U, status=200, final_url=U + "/b", redirects=(U + "/b",), method="HEAD")
    cache.put_web([(probe, True)])
    cache.close()
    again = open_cache(cache_file, clock, warnings)
    hit = again.get_web(U)
    assert hit is not None
    assert (hit.probe.status, hit.probe.redirects, hit.probe.final_url) == (
        200, (U + "/b",), U + "/b"
    )  # fmt: skip
    clock.now += 3601
    assert again.get_web(U) is None
    assert warnings == []


def test_failures_are_not_kept(cache_file: Path, clock: Clock, warnings: list[str]) -> None:
    cache = open_cache(cache_file, clock, warnings)
    cache.put_web([(Probe(U, status=200), True)])
    cache.put_web([(Probe(U, status=404), False)])
    assert cache.get_web(U) is None


def test_corrupt_file_is_rebuilt_with_a_warning(
    cache_file: Path, clock: Clock, warnings: list[str]
) -> None:
    open_cache(cache_file, clock, warnings).close()
    header = cache_file.read_bytes()[:100]  # ours: the application id is in the header
    cache_file.write_bytes(header + b"this is not a database at all" * 200)
    for suffix in ("-wal", "-shm"):
        cache_file.with_name(cache_file.name + suffix).unlink(missing_ok=True)
    cache = open_cache(cache_file, clock, warnings)
    assert cache.enabled
    assert len(warnings) == 1
    assert warnings[0].startswith(f"cache {cache_file} is unreadable (")
    assert warnings[0].endswith("); rebuilding it")
    cache.put_web([(Probe(U, status=200), True)])
    assert cache.get_web(U) is not None
    assert cache_file.with_name("cache.sqlite3.corrupt").exists()


def test_older_schema_of_ours_is_replaced(
    cache_file: Path, clock: Clock, warnings: list[str]
) -> None:
    cache_file.parent.mkdir(parents=True)
    db = sqlite3.connect(cache_file)
    db.execute("CREATE TABLE web (url TEXT PRIMARY KEY, probe TEXT, checked_at REAL)")
    db.execute("CREATE TABLE figma (api_key TEXT)")
    db.execute("PRAGMA user_version = 1")  # flowcatalog 0.1.0's cache: no application id yet
    db.commit()
    db.close()
    cache = open_cache(cache_file, clock, warnings)
    cache.put_web([(Probe(U, status=200), True)])
    assert cache.get_web(U) is not None
    assert warnings == []


def test_locked_file_warns_and_the_run_goes_on(
    cache_file: Path, clock: Clock, warnings: list[str]
) -> None:
    open_cache(cache_file, clock, warnings).close()
    other = sqlite3.connect(cache_file, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    other.execute("DELETE FROM web")
    try:
        cache = open_cache(cache_file, clock, warnings, busy_timeout=0.05)
        assert cache.get_web(U) is None
        cache.put_web([(Probe(U, status=200), True)])
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert warnings == [
        "cache not updated (locked by another run); results of this run are not saved"
    ]


def test_unusable_directory_runs_without_cache(
    tmp_path: Path, clock: Clock, warnings: list[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = open_cache(blocker / "cache.sqlite3", clock, warnings)
    assert not cache.enabled
    assert cache.get_web(U) is None
    cache.put_web([(Probe(U, status=200), True)])
    assert len(warnings) == 1
    assert "running without it" in warnings[0]


def test_concurrent_writers(cache_file: Path, clock: Clock, warnings: list[str]) -> None:
    open_cache(cache_file, clock, warnings).close()

    def write(prefix: str) -> None:
        cache = open_cache(cache_file, clock, warnings)
        for i in range(30):
            cache.put_web([(Probe(f"{U}/{prefix}/{i}", status=200), True)])
        cache.close()

    threads = [threading.Thread(target=write, args=(str(n),)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert warnings == []
    db = sqlite3.connect(cache_file)
    assert db.execute("SELECT count(*) FROM web").fetchone()[0] == 120
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


def test_figma_entries(cache_file: Path, clock: Clock, warnings: list[str]) -> None:
    cache = open_cache(cache_file, clock, warnings)
    entry = CachedFile(KEY, None, "77", "File", "2024", {"1:2": ("Frame", "FRAME"), "9:9": None})
    cache.put_file(entry)
    cache.put_file(CachedFile(KEY, "123", "77", "File", "2024", {"1:2": ("Frame", "FRAME")}))
    got = cache.get_file(KEY, None)
    assert got is not None
    assert (got.file_version, got.nodes) == ("77", {"1:2": ("Frame", "FRAME"), "9:9": None})
    clock.now += 7200
    assert cache.get_file(KEY, None) is not None  # trusted only after /meta confirms it
    assert cache.get_file(KEY, "123") is None  # a pinned version entry goes stale


def _rows(path: Path) -> dict[str, list[str]]:
    with sqlite3.connect(path) as db:
        return {
            "web": [row[0] for row in db.execute("SELECT url FROM web ORDER BY url")],
            "figma": [row[0] for row in db.execute("SELECT version_id FROM figma ORDER BY 1")],
        }


def test_entries_too_old_to_reuse_are_dropped_as_a_run_writes(
    cache_file: Path, clock: Clock, warnings: list[str]
) -> None:
    """The file does not grow with every URL ever checked: what no run would reuse any more
    goes when a later run writes (web results or Figma files), what is young enough stays;
    a run that reuses older results (a longer max_age) keeps them."""
    cache = open_cache(cache_file, clock, warnings)
    cache.put_web([(Probe(U, status=200), True)])
    cache.put_file(CachedFile(KEY, "1", "77", "File", "2024", {}))
    clock.now += KEEP_SECONDS - 10
    cache.put_web([(Probe(U + "/young", status=200), True)])
    assert _rows(cache_file) == {"web": [U, U + "/young"], "figma": ["1"]}
    clock.now += 20  # the first two are past KEEP_SECONDS now
    patient = Cache(cache_file, max_age=2 * KEEP_SECONDS, clock=clock)
    patient.put_web([(Probe(U + "/other", status=200), True)])
    patient.close()
    assert _rows(cache_file) == {"web": [U, U + "/other", U + "/young"], "figma": ["1"]}
    cache.put_file(CachedFile(KEY, "2", "78", "File", "2024", {}))
    assert _rows(cache_file) == {"web": [U + "/other", U + "/young"], "figma": ["2"]}
    assert warnings == []


@pytest.fixture(scope="module")
def figma_server() -> Iterator[HTTPServer]:
    with local_server() as server:
        yield server


def _fake(server: HTTPServer, version: str) -> FakeFigma:
    server.clear()
    fake = FakeFigma(TOKEN, {KEY: ("File", version, {"1:2": ("Frame", "FRAME")})})
    fake.install(server)
    return fake


def _verify(server: HTTPServer, cache: Cache, refs: list[FigmaRef]) -> dict[FigmaRef, object]:
    client = FigmaClient(FigmaToken(TOKEN), FigmaSettings(api_base=url(server, "")), cache=cache)
    return dict(client.verify(refs).results)


def test_figma_version_unchanged_needs_no_nodes_call(
    figma_server: HTTPServer, cache_file: Path, clock: Clock, warnings: list[str]
) -> None:
    refs = [FigmaRef("design", KEY, "1:2"), FigmaRef("design", KEY, "3:4")]
    cache = open_cache(cache_file, clock, warnings)
    fake = _fake(figma_server, "100")
    cold = _verify(figma_server, cache, refs)
    assert [p.split("?")[0] for p, _ in fake.requests] == [f"/v1/files/{KEY}/nodes"]

    fake = _fake(figma_server, "100")
    warm = _verify(figma_server, cache, refs)
    assert [p for p, _ in fake.requests] == [f"/v1/files/{KEY}/meta"]
    for ref in refs:
        assert warm[ref].status is cold[ref].status  # type: ignore[attr-defined]
        assert warm[ref].cached is True  # type: ignore[attr-defined]
    assert warm[refs[1]].status is FigmaStatus.NODE_NOT_FOUND  # type: ignore[attr-defined]

    fake = _fake(figma_server, "101")  # edited since: nodes are fetched again
    _verify(figma_server, cache, refs)
    assert [p.split("?")[0] for p, _ in fake.requests] == [
        f"/v1/files/{KEY}/meta",
        f"/v1/files/{KEY}/nodes",
    ]

    fake = _fake(figma_server, "101")  # a node not seen before: nodes again
    _verify(figma_server, cache, [*refs, FigmaRef("design", KEY, "5:6")])
    assert [p.split("?")[0] for p, _ in fake.requests] == [f"/v1/files/{KEY}/nodes"]
    cache.close()
    assert TOKEN.encode() not in cache_file.read_bytes()
