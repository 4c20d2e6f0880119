"""Design changes and snapshots with stub clients: every way a render can fail is a problem
(one line), never a crash, and what could not be checked keeps its documented state."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from flowcatalog.model import FigmaRef, Link, Location
from flowcatalog.online.design_changes import compare, plan
from flowcatalog.online.figma_api import FigmaCall, FigmaOutcome
from flowcatalog.online.figma_images import ImageError
from flowcatalog.online.liveness import FigmaResult, FigmaStatus
from flowcatalog.report import FigmaDetails, LinkGroup
from flowcatalog.runs.snapshot import store_thumbnail, take
from flowcatalog.snapshot import Snapshot, SnapshotNode
from flowcatalog.thumbnails import make_thumbnail
from flowcatalog.views import NodeKey
from tests.online_support import png

KEY = "DCq7K8Srsv79tbH1yRkGbl"
LIMITED = FigmaResult(FigmaStatus.RATE_LIMITED, "the Figma API rate limit was reached (429)")


class StubClient:
    def __init__(self, results: dict[FigmaRef, FigmaResult], images: Any) -> None:
        self.results = results
        self.answer = images
        self.calls: tuple[FigmaCall, ...] = ()

    def verify(self, refs: Any) -> FigmaOutcome:
        self.calls += (FigmaCall("nodes", KEY, 200),)
        return FigmaOutcome({ref: self.results[ref] for ref in refs if ref in self.results})

    def images(self, key: str, version_id: str | None, ids: Any, *, scale: float) -> Any:
        self.calls += (FigmaCall("images", key, 200),)
        return self.answer


class StubFetcher:
    def __init__(self, data: dict[str, bytes]) -> None:
        self.data = data
        self.downloads = 0

    def fetch(self, url: str) -> bytes:
        self.downloads += 1
        if url not in self.data:
            raise ImageError("image host renders.example answered HTTP 403")
        return self.data[url]

    def fetch_many(self, urls: Any) -> dict[str, bytes | ImageError]:
        found: dict[str, bytes | ImageError] = {}
        for url in urls:
            try:
                found[url] = self.fetch(url)
            except ImageError as exc:
                found[url] = exc
        return found


def _ref(node: str) -> FigmaRef:
    return FigmaRef("design", KEY, node)


def _ok(node: str, version: str = "2") -> FigmaResult:
    return FigmaResult(
        FigmaStatus.OK,
        details=FigmaDetails("F", "2026-01-01T00:00:00Z", version, f"n{node}", "FRAME"),
    )


def test_snapshot_problems_keep_what_was_documented(tmp_path: Path) -> None:
    thumbnail = make_thumbnail(png((1, 2, 3)))
    path = store_thumbnail(tmp_path, thumbnail)
    old = SnapshotNode(
        KEY, "1:1", None, "old", "FRAME", "F", "1", None, path, thumbnail.sha256, 1, 1
    )
    gone = SnapshotNode(KEY, "2:2", None, "gone", "FRAME", "F", "1")
    results = {
        _ref("1:1"): FigmaResult(FigmaStatus.API_ERROR, "Figma API error 500 for file K: boom"),
        _ref("2:2"): FigmaResult(FigmaStatus.NODE_NOT_FOUND, "node 2:2 not found in Figma file K"),
        _ref("3:3"): _ok("3:3"),
        _ref("4:4"): _ok("4:4"),
        _ref("5:5"): _ok("5:5"),
    }
    client = StubClient(
        results,
        {"3:3": None, "4:4": "https://renders.example/4", "5:5": "https://renders.example/5"},
    )
    fetcher = StubFetcher({"https://renders.example/5": b"not an image"})
    run = take(
        [_ref(n) for n in ("1:1", "2:2", "3:3", "4:4", "5:5", "6:6")] + [FigmaRef("design", KEY)],
        cast(Any, client), cast(Any, fetcher), Snapshot((old, gone)), tmp_path, scale=0.5, taken_at=None,
    )  # fmt: skip
    assert run.problems == (
        "Figma API error 500 for file K: boom",
        "node 2:2 not found in Figma file K",
        f"node 6:6 of Figma file {KEY} was not checked",
        f"Figma could not render node 3:3 of file {KEY}",
        f"node 4:4 of file {KEY}: image host renders.example answered HTTP 403",
        f"node 5:5 of file {KEY}: not a decodable image: UnidentifiedImageError",
    )
    kept = {node.node_id: node for node in run.snapshot.nodes}
    assert kept["1:1"] == old  # not checked this time: the documented state stays
    assert "2:2" not in kept  # deleted: dropped
    assert [kept[n].thumbnail for n in ("3:3", "4:4", "5:5")] == [None, None, None]
    assert (run.rendered, run.reused, run.images_calls, run.downloads) == (0, 0, 1, 2)

    limited = take([_ref("3:3")], cast(Any, StubClient(results, LIMITED)), cast(Any, fetcher), None,
                   tmp_path, scale=0.5, taken_at=None)  # fmt: skip
    assert limited.problems == ("the Figma API rate limit was reached (429)",)
    assert [n.node_name for n in limited.snapshot.nodes] == ["n3:3"]


def _link(node: str, version: str) -> LinkGroup:
    url = f"https://www.figma.com/design/{KEY}?node-id={node.replace(':', '-')}"
    details = FigmaDetails("F", None, version, f"n{node}", "FRAME")
    occurrence = Link(url, Location("catalog.yaml", 3, 1), url, _ref(node))
    return LinkGroup(url, (occurrence,), "ok", details=details)


def test_compare_reports_render_failures_as_problems() -> None:
    before = make_thumbnail(png((9, 9, 9)))
    documented: dict[NodeKey, SnapshotNode] = {
        (KEY, n, None): SnapshotNode(KEY, n, None, f"n{n}", "FRAME", "F", "1")
        for n in ("1:1", "2:2", "3:3")
    }
    thumbnails = dict.fromkeys(documented, before)
    links = (_link("1:1", "2"), _link("2:2", "2"), _link("3:3", "1"))
    todo = plan(links, documented, thumbnails)
    assert list(todo.renders) == [(KEY, None)]
    assert [r.node.node_id for r in todo.renders[(KEY, None)]] == ["1:1", "2:2"]  # 3:3 unchanged
    client = StubClient({}, {"1:1": None, "2:2": "https://renders.example/2"})
    result = compare(
        links, documented, thumbnails, cast(Any, client), cast(Any, StubFetcher({})), scale=0.5
    )
    assert result.findings == ()
    assert result.problems == (
        f"Figma could not render node 1:1 of {KEY}",
        f"node 2:2 of {KEY}: image host renders.example answered HTTP 403",
    )
    stopped = compare(
        links,
        documented,
        thumbnails,
        cast(Any, StubClient({}, LIMITED)),
        cast(Any, StubFetcher({})),
        scale=0.5,
    )
    assert stopped.problems == ("the Figma API rate limit was reached (429)",)
