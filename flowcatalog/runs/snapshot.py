"""Taking, writing and reading the Figma snapshot (``.flowcatalog/`` beside the catalog).

``take`` asks the Figma API about every linked node (``FigmaClient.verify``: one ``/nodes``
call per file and version) and renders thumbnails only for nodes whose file version moved
since the previous snapshot, or that have none (``FigmaRenderClient.images``: one ``/images`` call
per file and version, nothing for an unchanged file). Renders are downloaded without the
token (``online.figma_images``). Thumbnails are stored by content hash, every file written
atomically; ``write`` removes thumbnails no node refers to any more.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from flowcatalog import fsio
from flowcatalog.snapshot import (
    SNAPSHOT_DIR,
    SNAPSHOT_FILE,
    THUMBNAIL_DIR,
    THUMBNAIL_PATH,
    Snapshot,
    SnapshotNode,
    dump,
    parse,
)
from flowcatalog.views import NodeKey, NodeView, Thumbnail, node_key

if TYPE_CHECKING:  # the HTTP modules are imported by ``take`` only: offline runs need none
    from flowcatalog.model import FigmaRef
    from flowcatalog.online.figma_images import FigmaRenderClient, ImageFetcher
    from flowcatalog.online.liveness import FigmaResult

MAX_THUMBNAIL_FILE = 256 * 1024


def snapshot_dir(catalog_path: str) -> Path:
    """``.flowcatalog`` in the catalog's directory."""
    return Path(catalog_path).parent / SNAPSHOT_DIR


def display_dir(directory: Path) -> str:
    """A path as reports show it: forward slashes, relative as given."""
    return str(PurePosixPath(directory.as_posix()))


def load(directory: Path) -> Snapshot | None:
    """The snapshot in ``directory``, or None when there is none (InputError when bad)."""
    path = directory / SNAPSHOT_FILE
    if not path.is_file():
        return None
    return parse(fsio.read_text(str(path)), display_dir(path))


def read_thumbnail(directory: Path, node: SnapshotNode) -> Thumbnail | None:
    """A node's committed thumbnail, when it is there and its bytes match its hash."""
    if node.thumbnail is None or not THUMBNAIL_PATH.fullmatch(node.thumbnail):
        return None
    path = directory / node.thumbnail
    try:
        data = fsio.read_bytes(str(path), limit=MAX_THUMBNAIL_FILE)
    except Exception:  # missing or unreadable: shown as "no thumbnail"
        return None
    digest = hashlib.sha256(data).hexdigest()
    if digest != node.thumbnail_sha256 or not node.thumbnail.endswith(f"{digest}.png"):
        return None
    return Thumbnail(data, node.width or 0, node.height or 0, display_dir(path))


def node_views(snapshot: Snapshot, directory: Path) -> dict[NodeKey, NodeView]:
    return {
        node.key: NodeView(
            api_key=node.api_key,
            node_id=node.node_id,
            version_id=node.version_id,
            node_name=node.node_name,
            node_type=node.node_type,
            file_name=node.file_name,
            file_version=node.file_version,
            last_modified=node.last_modified,
            thumbnail=read_thumbnail(directory, node),
        )
        for node in snapshot.nodes
    }


@dataclass(frozen=True, slots=True)
class SnapshotRun:
    snapshot: Snapshot
    problems: tuple[str, ...]
    reused: int
    rendered: int
    nodes_calls: int
    images_calls: int
    downloads: int


def store_thumbnail(directory: Path, thumbnail: Thumbnail) -> str:
    """Write a thumbnail under its content hash (once); its path relative to ``directory``."""
    relative = f"{THUMBNAIL_DIR}/{thumbnail.sha256}.png"
    target = directory / relative
    if not target.is_file() or target.read_bytes() != thumbnail.png:
        target.parent.mkdir(parents=True, exist_ok=True)
        fsio.atomic_write(str(target), thumbnail.png)
    return relative


def _problem(ref: FigmaRef, result: FigmaResult | None) -> str:
    if result is None:
        return f"node {ref.node_id} of Figma file {ref.api_key} was not checked"
    return result.message or f"node {ref.node_id} of {ref.api_key}: {result.status.value}"


def take(
    refs: Iterable[FigmaRef],
    client: FigmaRenderClient,
    fetcher: ImageFetcher,
    previous: Snapshot | None,
    directory: Path,
    *,
    scale: float,
    taken_at: str | None,
) -> SnapshotRun:
    """A new snapshot of every node in ``refs`` (see the module docstring)."""
    from flowcatalog.online.liveness import FigmaResult, FigmaStatus

    unique: dict[NodeKey, FigmaRef] = {}
    for ref in refs:
        key = node_key(ref)
        if key is not None:
            unique.setdefault(key, ref)
    outcome = client.verify(unique.values())
    old = previous.by_key() if previous is not None else {}
    entries: dict[NodeKey, SnapshotNode] = {}
    problems: list[str] = []
    pending: dict[tuple[str, str | None], list[tuple[NodeKey, SnapshotNode]]] = {}
    reused = 0
    for key, ref in sorted(unique.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or "")):
        result = outcome.results.get(ref)
        if result is None or result.status is not FigmaStatus.OK or result.details is None:
            problems.append(_problem(ref, result))
            if key in old and (result is None or result.status is not FigmaStatus.NODE_NOT_FOUND):
                entries[key] = old[key]  # not checked this time: the documented state stays
            continue
        details = result.details
        fresh = SnapshotNode(
            api_key=ref.api_key,
            node_id=key[1],
            version_id=ref.version_id,
            node_name=details.node_name,
            node_type=details.node_type,
            file_name=details.file_name,
            file_version=details.version,
            last_modified=details.last_modified,
        )
        before = old.get(key)
        if (
            before is not None
            and before.file_version == details.version
            and read_thumbnail(directory, before) is not None
        ):
            entries[key] = replace(
                fresh,
                thumbnail=before.thumbnail,
                thumbnail_sha256=before.thumbnail_sha256,
                width=before.width,
                height=before.height,
            )
            reused += 1
            continue
        pending.setdefault((ref.api_key, ref.version_id), []).append((key, fresh))
    rendered = 0
    for (api_key, version_id), members in sorted(pending.items(), key=lambda kv: kv[0][0]):
        urls = client.images(api_key, version_id, [key[1] for key, _ in members], scale=scale)
        fetched = (
            fetcher.fetch_many(u for u in urls.values() if u)
            if not isinstance(urls, FigmaResult)
            else {}
        )
        for key, fresh in members:
            if isinstance(urls, FigmaResult):
                problems.append(urls.message or "the Figma API could not render thumbnails")
                entries[key] = old.get(key, fresh)
                continue
            thumbnail = _render(urls.get(key[1]), fetched, key, problems)
            if thumbnail is None:
                entries[key] = fresh
                continue
            path = store_thumbnail(directory, thumbnail)
            entries[key] = replace(
                fresh,
                thumbnail=path,
                thumbnail_sha256=thumbnail.sha256,
                width=thumbnail.width,
                height=thumbnail.height,
            )
            rendered += 1
    calls = client.calls
    if previous is not None and dump(Snapshot(tuple(entries.values()))) == dump(
        Snapshot(previous.nodes)
    ):
        taken_at = previous.taken_at  # nothing changed: the file stays byte for byte the same
    return SnapshotRun(
        snapshot=Snapshot(tuple(entries.values()), taken_at),
        problems=tuple(dict.fromkeys(problems)),
        reused=reused,
        rendered=rendered,
        nodes_calls=sum(1 for c in calls if c.endpoint in ("nodes", "meta")),
        images_calls=sum(1 for c in calls if c.endpoint == "images"),
        downloads=fetcher.downloads,
    )


def _render(
    url: str | None, fetched: Mapping[str, bytes | Exception], key: NodeKey, problems: list[str]
) -> Thumbnail | None:
    from flowcatalog.thumbnails import ThumbnailError, make_thumbnail

    if url is None:
        problems.append(f"Figma could not render node {key[1]} of file {key[0]}")
        return None
    data = fetched[url]
    if isinstance(data, Exception):  # the download failed: its one-line reason
        problems.append(f"node {key[1]} of file {key[0]}: {data}")
        return None
    try:
        return make_thumbnail(data)
    except ThumbnailError as exc:
        problems.append(f"node {key[1]} of file {key[0]}: {exc}")
        return None


def write(directory: Path, snapshot: Snapshot) -> None:
    """Write ``figma.json`` atomically and remove thumbnails no node refers to."""
    directory.mkdir(parents=True, exist_ok=True)
    fsio.atomic_write(str(directory / SNAPSHOT_FILE), dump(snapshot))
    used = {node.thumbnail for node in snapshot.nodes if node.thumbnail}
    folder = directory / THUMBNAIL_DIR
    if folder.is_dir():
        for path in folder.iterdir():
            relative = f"{THUMBNAIL_DIR}/{path.name}"
            if THUMBNAIL_PATH.fullmatch(relative) and relative not in used:
                path.unlink(missing_ok=True)
