"""What the reports show beyond the check itself: Figma node views (names, dates, thumbnails),
design changes since the snapshot, coverage over time, where sources live, and the target
branch's figures to compare coverage with.

Plain values, read at the edges (snapshot files, git, the environment) and handed to the pure
renderers through ``Report.context`` (``report.ReportContext``, which holds them; a run
whose formats show none of them never imports this module).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import quote

from flowcatalog.model import FigmaRef

#: (API key, node id, version id): the key of a Figma node in the snapshot and the views
NodeKey = tuple[str, str, str | None]


def node_key(ref: FigmaRef) -> NodeKey | None:
    """The view key of a Figma link, or None when it names no node."""
    if ref.node_id is None:
        return None
    return (ref.api_key, ref.node_id, ref.version_id)


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """A small PNG of a Figma node; ``path`` is where it is committed (repo-relative), if it is."""

    png: bytes = field(repr=False)
    width: int
    height: int
    path: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.png).hexdigest()

    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@dataclass(frozen=True, slots=True)
class NodeFacts:
    """What Figma says about one node, wherever it was read: the node, its name and type,
    its file's name, version and last change."""

    api_key: str
    node_id: str
    version_id: str | None = None
    node_name: str | None = None
    node_type: str | None = None
    file_name: str | None = None
    file_version: str | None = None
    last_modified: str | None = None

    @property
    def key(self) -> NodeKey:
        return (self.api_key, self.node_id, self.version_id)


@dataclass(frozen=True, slots=True)
class NodeView(NodeFacts):
    """What a report shows of one Figma node: from the snapshot (offline) or the API
    (online), with its thumbnail when there is one."""

    thumbnail: Thumbnail | None = None


@dataclass(frozen=True, slots=True)
class DesignChange:
    """A node that differs from the snapshot: ``kind`` is changed, renamed or deleted."""

    kind: str
    api_key: str
    node_id: str
    name: str | None
    version_before: str | None
    version_after: str | None
    new_name: str | None = None
    before: Thumbnail | None = None
    after: Thumbnail | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """Coverage and finding counts of the catalog at one commit."""

    commit: str
    date: str
    subject: str
    percent: float | None
    documented: int
    total: int
    errors: int
    warnings: int


@dataclass(frozen=True, slots=True)
class SourceLinks:
    """Where a source file can be opened: ``kind`` gitlab, github or local.

    ``base`` is the URL prefix of a file at the commit (``.../-/blob/SHA`` on GitLab,
    ``.../blob/SHA`` on GitHub, a ``file://`` directory locally); ``raw`` the prefix of its raw
    bytes (None locally, where ``base`` serves both).
    """

    kind: str
    base: str
    raw_base: str | None = None

    def blob(self, path: str, line: int | None = None) -> str | None:
        """The URL of ``path`` (at ``line``, where the host shows lines); None for a path
        that is absolute or climbs out (``..``)."""
        url = self.file_url(path)
        return url + self.at_line(line) if url is not None else None

    def file_url(self, path: str) -> str | None:
        """``blob`` without a line: the part of it every line of one file shares."""
        # what PurePosixPath would say (absolute; a ".." part), said with str methods: the
        # HTML report asks this for every finding and link location
        if not path or path.startswith("/") or ".." in path.split("/"):
            return None
        return f"{self.base.rstrip('/')}/{quote(path)}"

    def at_line(self, line: int | None) -> str:
        """What ``blob`` adds to ``file_url`` for ``line``: ``#L12`` on GitLab and GitHub,
        nothing locally or without a line (nothing in it to escape in HTML either)."""
        return f"#L{line}" if line and self.kind != "local" else ""

    def raw(self, path: str) -> str | None:
        base = self.raw_base or (self.base if self.kind == "local" else None)
        if base is None or not path or ".." in PurePosixPath(path).parts:
            return None
        return f"{base.rstrip('/')}/{quote(path)}"


def source_links(env: Mapping[str, str], cwd: str) -> SourceLinks:
    """Source links from the CI environment (GitLab, then GitHub), else ``file://`` under cwd."""
    project, sha = env.get("CI_PROJECT_URL", ""), env.get("CI_COMMIT_SHA", "")
    if project.startswith(("https://", "http://")) and sha:
        root = project.rstrip("/")
        return SourceLinks("gitlab", f"{root}/-/blob/{sha}", f"{root}/-/raw/{sha}")
    server = env.get("GITHUB_SERVER_URL", "")
    repo, gsha = env.get("GITHUB_REPOSITORY", ""), env.get("GITHUB_SHA", "")
    if server.startswith(("https://", "http://")) and repo and gsha:
        root = f"{server.rstrip('/')}/{repo}"
        return SourceLinks("github", f"{root}/blob/{gsha}", f"{root}/raw/{gsha}")
    return SourceLinks("local", PurePosixPath(cwd).as_uri() if cwd.startswith("/") else cwd)


@dataclass(frozen=True, slots=True)
class TargetCell:
    stage: str
    deployment: str
    state: str
    links: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TargetFigures:
    """The target branch's coverage, to compare with (from its JSON report or from git)."""

    label: str
    percent: float
    documented: int
    total: int
    cells: tuple[TargetCell, ...] = ()
