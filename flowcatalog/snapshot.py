"""The Figma snapshot, ``.flowcatalog/figma.json``: what every Figma node the catalog links
looked like when it was documented (names, file version, ``lastModified``, a thumbnail by
content hash). Committed with the docs; ``flowcatalog snapshot`` writes it, an offline
``check`` shows it, an online ``check`` compares Figma with it.

Pure: parsing and printing the JSON. Thumbnail paths are held to ``thumbnails/<sha256>.png``
so a hostile snapshot cannot make a report read any other file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from flowcatalog.errors import InputError
from flowcatalog.views import NodeFacts, NodeKey

SNAPSHOT_VERSION = 1
SNAPSHOT_DIR = ".flowcatalog"
SNAPSHOT_FILE = "figma.json"
THUMBNAIL_DIR = "thumbnails"
THUMBNAIL_PATH = re.compile(r"thumbnails/[0-9a-f]{64}\.png")


@dataclass(frozen=True, slots=True)
class SnapshotNode(NodeFacts):
    """One Figma node as documented; ``thumbnail`` is relative to the snapshot directory."""

    thumbnail: str | None = None
    thumbnail_sha256: str | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    nodes: tuple[SnapshotNode, ...] = ()
    taken_at: str | None = None

    def by_key(self) -> dict[NodeKey, SnapshotNode]:
        return {node.key: node for node in self.nodes}


_FIELDS = (
    "api_key", "node_id", "version_id", "node_name", "node_type", "file_name", "file_version",
    "last_modified", "thumbnail", "thumbnail_sha256", "width", "height",
)  # fmt: skip


def dump(snapshot: Snapshot) -> str:
    """The snapshot as stable JSON: nodes sorted by key, one field order, a final newline."""
    nodes = sorted(snapshot.nodes, key=lambda n: (n.api_key, n.node_id, n.version_id or ""))
    body = {
        "version": SNAPSHOT_VERSION,
        "taken_at": snapshot.taken_at,
        "nodes": [{name: getattr(node, name) for name in _FIELDS} for node in nodes],
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def _text(entry: dict[str, Any], name: str, path: str, index: int) -> str | None:
    value = entry.get(name)
    if value is None or isinstance(value, str):
        return value
    raise InputError(f"nodes[{index}].{name} must be a string or null", location=path)


def _int(entry: dict[str, Any], name: str, path: str, index: int) -> int | None:
    value = entry.get(name)
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        return value
    raise InputError(f"nodes[{index}].{name} must be a whole number or null", location=path)


def parse(text: str, path: str) -> Snapshot:
    """Read a snapshot file's text; InputError (one line, exit 2) when it is not one."""
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise InputError(f"not a JSON snapshot: {exc}", location=path) from None
    if not isinstance(body, dict) or body.get("version") != SNAPSHOT_VERSION:
        raise InputError(f"not a flowcatalog snapshot of version {SNAPSHOT_VERSION}", location=path)
    entries = body.get("nodes")
    if not isinstance(entries, list):
        raise InputError("'nodes' must be a list", location=path)
    nodes = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise InputError(f"nodes[{index}] must be an object", location=path)
        api_key = _text(entry, "api_key", path, index)
        node_id = _text(entry, "node_id", path, index)
        if not api_key or not node_id:
            raise InputError(f"nodes[{index}] needs api_key and node_id", location=path)
        thumbnail = _text(entry, "thumbnail", path, index)
        if thumbnail is not None and not THUMBNAIL_PATH.fullmatch(thumbnail):
            raise InputError(
                f"nodes[{index}].thumbnail must be thumbnails/<sha256>.png", location=path
            )
        nodes.append(
            SnapshotNode(
                api_key=api_key,
                node_id=node_id,
                version_id=_text(entry, "version_id", path, index),
                node_name=_text(entry, "node_name", path, index),
                node_type=_text(entry, "node_type", path, index),
                file_name=_text(entry, "file_name", path, index),
                file_version=_text(entry, "file_version", path, index),
                last_modified=_text(entry, "last_modified", path, index),
                thumbnail=thumbnail,
                thumbnail_sha256=_text(entry, "thumbnail_sha256", path, index),
                width=_int(entry, "width", path, index),
                height=_int(entry, "height", path, index),
            )
        )
    taken = body.get("taken_at")
    return Snapshot(tuple(nodes), taken if isinstance(taken, str) else None)
