"""Design changed since documented: an online check's Figma answers against the snapshot.

For every linked node the snapshot holds:

- same file version as documented: nothing to do, no call;
- the node's name differs: ``design-renamed``; the node is gone: ``design-deleted``;
- a new file version: the node is rendered again (``/images``, one call per changed file
  and version, downloads without the token) and its thumbnail compared, by decoded pixels
  with a tolerance (``thumbnails.same_design``), with the documented one: ``design-changed``
  when it differs, silence when it looks the same.

``plan`` is pure (which findings, which renders); ``compare`` makes the calls, and keeps
each render in a ``RenderCache`` (by file, version and node) when it has one, so checking a
changed file again costs no call until the file changes again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flowcatalog.findings import Finding
from flowcatalog.online.design_rules import DESIGN_CHANGED, DESIGN_DELETED, DESIGN_RENAMED
from flowcatalog.online.liveness import FigmaResult
from flowcatalog.report import LinkGroup
from flowcatalog.snapshot import SnapshotNode
from flowcatalog.thumbnails import ThumbnailError, make_thumbnail, same_design
from flowcatalog.views import DesignChange, NodeKey, Thumbnail, node_key

if TYPE_CHECKING:  # the HTTP side is imported only when renders are compared (see compare)
    from flowcatalog.online.figma_images import FigmaRenderClient, ImageFetcher, RenderCache


@dataclass(frozen=True, slots=True)
class Render:
    """A node to render again: its link, its documented state and its documented thumbnail."""

    link: LinkGroup
    node: SnapshotNode
    before: Thumbnail


@dataclass(frozen=True, slots=True)
class Plan:
    findings: tuple[Finding, ...]
    changes: tuple[DesignChange, ...]
    renders: Mapping[tuple[str, str | None], tuple[Render, ...]]


def _label(node: SnapshotNode) -> str:
    return node.node_name or f"node {node.node_id}"


def plan(
    links: tuple[LinkGroup, ...],
    documented: Mapping[NodeKey, SnapshotNode],
    thumbnails: Mapping[NodeKey, Thumbnail],
) -> Plan:
    """Renamed and deleted nodes (findings now) and the nodes of changed files to render."""
    findings: list[Finding] = []
    changes: list[DesignChange] = []
    renders: dict[tuple[str, str | None], list[Render]] = {}
    for link in links:
        key = node_key(link.figma) if link.figma is not None else None
        node = documented.get(key) if key is not None else None
        details = link.details
        if key is None or node is None or details is None or details.version is None:
            continue
        where = min(link.locations)
        versions = f"version {node.file_version} \u2192 {details.version}"
        if details.node_name is None and details.node_type is None:
            message = (
                f"frame '{_label(node)}' was deleted in Figma since it was documented ({versions})"
            )
            findings.append(
                DESIGN_DELETED.finding(message, where, url=link.normalised, subject=link.normalised)
            )
            changes.append(
                DesignChange(
                    "deleted",
                    key[0],
                    key[1],
                    node.node_name,
                    node.file_version,
                    details.version,
                    before=thumbnails.get(key),
                    url=link.url,
                )
            )
            continue
        if details.node_name != node.node_name:
            message = (
                f"frame '{_label(node)}' was renamed in Figma to '{details.node_name}' since it "
                f"was documented ({versions})"
            )
            findings.append(
                DESIGN_RENAMED.finding(message, where, url=link.normalised, subject=link.normalised)
            )
            changes.append(
                DesignChange(
                    "renamed",
                    key[0],
                    key[1],
                    node.node_name,
                    node.file_version,
                    details.version,
                    new_name=details.node_name,
                    url=link.url,
                )
            )
        if details.version == node.file_version:
            continue
        before = thumbnails.get(key)
        if before is not None:
            renders.setdefault((key[0], key[2]), []).append(Render(link, node, before))
    return Plan(
        tuple(findings),
        tuple(changes),
        {k: tuple(v) for k, v in sorted(renders.items(), key=lambda kv: kv[0][0])},
    )


@dataclass(frozen=True, slots=True)
class Comparison:
    findings: tuple[Finding, ...]
    changes: tuple[DesignChange, ...]
    problems: tuple[str, ...]


def _judge(render: Render, after: Thumbnail, api_key: str) -> tuple[Finding, DesignChange] | None:
    """The design-changed finding of one re-rendered node, or None when it looks the same."""
    if same_design(render.before.png, after.png):
        return None
    link, node = render.link, render.node
    assert link.details is not None
    message = (
        f"frame '{_label(node)}' changed in Figma since it was documented "
        f"(version {node.file_version} \u2192 {link.details.version}); check the docs, "
        "then run 'flowcatalog snapshot' to accept it"
    )
    finding = DESIGN_CHANGED.finding(
        message, min(link.locations), url=link.normalised, subject=link.normalised
    )
    change = DesignChange(
        "changed",
        api_key,
        node.node_id,
        node.node_name,
        node.file_version,
        link.details.version,
        new_name=link.details.node_name,
        before=render.before,
        after=after,
        url=link.url,
    )
    return finding, change


def compare(
    links: tuple[LinkGroup, ...],
    documented: Mapping[NodeKey, SnapshotNode],
    thumbnails: Mapping[NodeKey, Thumbnail],
    client: FigmaRenderClient,
    fetcher: ImageFetcher,
    *,
    scale: float,
    renders: RenderCache | None = None,
) -> Comparison:
    """The design-change findings of an online run; renders only changed files' nodes, and
    with ``renders`` only once per (file, version, node): a later run compares the cached
    render and makes no call."""
    from flowcatalog.online.figma_images import ImageError

    todo = plan(links, documented, thumbnails)
    findings = list(todo.findings)
    changes = list(todo.changes)
    problems: list[str] = []
    judged: list[tuple[Render, Thumbnail, str]] = []
    for (api_key, version_id), group in todo.renders.items():
        fresh = []
        for render in group:
            version = render.link.details.version if render.link.details else None
            cached = renders.get(api_key, version, render.node.node_id) if renders else None
            if cached is not None:
                judged.append((render, cached, api_key))
            else:
                fresh.append(render)
        if not fresh:
            continue
        urls = client.images(api_key, version_id, [r.node.node_id for r in fresh], scale=scale)
        if isinstance(urls, FigmaResult):
            problems.append(urls.message or "the Figma API could not render thumbnails")
            continue
        fetched = fetcher.fetch_many(u for u in urls.values() if u)
        for render in fresh:
            url = urls.get(render.node.node_id)
            if url is None:
                problems.append(f"Figma could not render node {render.node.node_id} of {api_key}")
                continue
            try:
                data = fetched[url]
                if isinstance(data, ImageError):
                    raise data
                after = make_thumbnail(data)
            except (ImageError, ThumbnailError) as exc:
                problems.append(f"node {render.node.node_id} of {api_key}: {exc}")
                continue
            if renders is not None and render.link.details is not None:
                renders.put(api_key, render.link.details.version, render.node.node_id, after)
            judged.append((render, after, api_key))
    for render, after, api_key in judged:
        verdict = _judge(render, after, api_key)
        if verdict is not None:
            findings.append(verdict[0])
            changes.append(verdict[1])
    return Comparison(tuple(findings), tuple(changes), tuple(problems))
