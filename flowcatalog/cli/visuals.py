"""The command-line edge of what reports show: ``flowcatalog snapshot``, and the step of
``check`` that reads the snapshot (offline), compares Figma with it (online), and reads the
environment for source links (GitLab, GitHub or ``file://``).

Light on purpose: the HTTP, Pillow and snapshot modules are imported inside the functions.
"""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING, Any

import click

from flowcatalog.cli.online import online_options
from flowcatalog.cli.reports import warn
from flowcatalog.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from flowcatalog.findings import Finding
    from flowcatalog.model import FigmaRef
    from flowcatalog.online.figma_images import ImageFetcher
    from flowcatalog.online.settings import OnlineSettings
    from flowcatalog.report import Report
    from flowcatalog.snapshot import Snapshot
    from flowcatalog.views import NodeKey, NodeView, Thumbnail


def _token() -> str | None:
    return (os.environ.get("FIGMA_TOKEN") or "").strip() or None


def _fetcher(settings: OnlineSettings) -> ImageFetcher:
    from flowcatalog.online.figma_images import ImageFetcher, ImageSettings

    return ImageFetcher(
        ImageSettings(
            connect_timeout=settings.http.connect_timeout,
            read_timeout=settings.http.read_timeout,
            deadline=settings.http.deadline,
            include_private=settings.http.include_private,
        )
    )


def _catalog_refs(catalog_path: str, exclude: tuple[str, ...]) -> list[FigmaRef]:
    import re

    from flowcatalog.pipeline.run import load_catalog
    from flowcatalog.urls import FILE_KEY, UrlKind, analyse

    catalog, _ = load_catalog(catalog_path)
    if catalog is None:
        raise UsageError(
            "the catalog is not valid; run 'flowcatalog check' for details", location=catalog_path
        )
    patterns = [re.compile(p) for p in (*exclude, *catalog.exclude)]
    refs = []
    for link in catalog.links():
        found = analyse(link.url)
        ref = found.figma
        if (
            found.kind is UrlKind.FIGMA_FILE
            and ref is not None
            and ref.node_id
            and FILE_KEY.fullmatch(ref.api_key)
            and not any(p.search(link.url) for p in patterns)
        ):
            refs.append(ref)
    return refs


@click.command(name="snapshot")
@click.option("--catalog", "catalog", type=click.Path(), help="Catalog file [./catalog.yaml].")
@online_options
def snapshot_command(catalog: str | None, online: dict[str, Any]) -> ExitCode:
    """Record every linked Figma node (names, version, thumbnail) in .flowcatalog/ (needs
    FIGMA_TOKEN); offline checks show it, online checks compare Figma with it."""
    from flowcatalog.cli.online import online_settings
    from flowcatalog.cli.paths import display_path, resolve_catalog
    from flowcatalog.cli.reports import stamp
    from flowcatalog.online.cache import Cache, default_path
    from flowcatalog.online.figma_api import FigmaSettings, FigmaToken
    from flowcatalog.online.figma_images import FigmaRenderClient
    from flowcatalog.report import Report
    from flowcatalog.runs import snapshot as snapshots

    token = _token()
    if token is None:
        raise UsageError("snapshot needs a Figma token in FIGMA_TOKEN (scope file_content:read)")
    settings = online_settings(online)
    catalog_path = resolve_catalog(catalog, have_pages=False)
    assert catalog_path is not None
    refs = _catalog_refs(catalog_path, settings.http.exclude)
    directory = snapshots.snapshot_dir(catalog_path)
    previous = snapshots.load(directory)
    cache = None
    if settings.use_cache:
        cache = Cache(
            settings.cache_path or default_path(),
            max_age=settings.max_cache_age,
            warn=warn,
        )
    client = FigmaRenderClient(
        FigmaToken(token),
        FigmaSettings(api_base=settings.figma_api, max_retry_wait=settings.http.max_retry_wait),
        cache=cache if cache is not None and cache.enabled else None,
    )
    fetcher = _fetcher(settings)
    try:
        taken_at = stamp(Report(findings=())).generated_at
        run = snapshots.take(
            refs,
            client,
            fetcher,
            previous,
            directory,
            scale=fetcher.settings.scale,
            taken_at=taken_at,
        )
        snapshots.write(directory, run.snapshot)
    finally:
        client.close()
        fetcher.close()
        if cache is not None:
            cache.close()
    for problem in run.problems:
        warn(FigmaToken(token).scrub(problem))
    if not online.get("quiet"):
        where = display_path(str(directory / "figma.json"))
        nodes = len(run.snapshot.nodes)
        click.echo(
            f"flowcatalog: snapshot: {nodes} node{'s' if nodes != 1 else ''} in {where} "
            f"({run.rendered} rendered, {run.reused} unchanged); Figma API calls: "
            f"{run.nodes_calls} /nodes or /meta, {run.images_calls} /images; "
            f"{run.downloads} image download{'s' if run.downloads != 1 else ''}",
            err=True,
        )
    return ExitCode.FINDINGS if run.problems else ExitCode.OK


#: the formats that show node views (names, thumbnails); the others never read the snapshot
VISUAL_FORMATS = frozenset({"html", "markdown", "json"})
#: the formats that link to the sources (``ReportContext.sources``)
SOURCE_FORMATS = frozenset({"html", "markdown"})


def enrich(
    report: Report,
    catalog_path: str | None,
    online: dict[str, Any] | None,
    formats: frozenset[str] = VISUAL_FORMATS,
) -> Report:
    """``report`` with its context: snapshot views, design changes (online), source links.

    The snapshot is read only when one of ``formats`` shows it or an online run compares
    with it, so a pre-commit run with text output reads no thumbnail; when none of them
    shows a context at all, none is made (nor its module imported), and so it is when
    there is no catalog to show the snapshot of and no format links to the sources.
    """
    comparing = bool(online and online.get("online") and _token())
    if not comparing and not formats & VISUAL_FORMATS:
        return report
    if (catalog_path is None or report.coverage is None) and not formats & SOURCE_FORMATS:
        return report
    from flowcatalog.findings import sort_findings
    from flowcatalog.report import ReportContext
    from flowcatalog.views import source_links

    context = report.context or ReportContext()
    context = dataclasses.replace(context, sources=source_links(os.environ, os.getcwd()))
    if catalog_path is None or report.coverage is None:
        return dataclasses.replace(report, context=context)
    from flowcatalog.runs import snapshot as snapshots

    directory = snapshots.snapshot_dir(catalog_path)
    snapshot = snapshots.load(directory)
    views = snapshots.node_views(snapshot, directory) if snapshot is not None else {}
    findings = list(report.findings)
    views = _with_online_details(report, views)
    changes: tuple[Any, ...] = ()
    token = _token()
    if online and comparing and token and snapshot is not None:
        thumbnails = {key: view.thumbnail for key, view in views.items() if view.thumbnail}
        compared = _compare(report, snapshot, thumbnails, online, token)
        findings.extend(compared[0])
        changes = compared[1]
    context = dataclasses.replace(
        context,
        nodes=views,
        snapshot="present" if snapshot is not None else "missing",
        snapshot_path=snapshots.display_dir(directory / "figma.json"),
        changes=changes,
    )
    return dataclasses.replace(report, findings=sort_findings(findings), context=context)


def _with_online_details(report: Report, views: dict[NodeKey, NodeView]) -> dict[NodeKey, NodeView]:
    """Views with what this (online) run's Figma answers say, over the documented state."""
    from flowcatalog.views import NodeView, node_key

    merged = dict(views)
    for link in report.links:
        details = link.details
        key = node_key(link.figma) if link.figma is not None else None
        if key is None or details is None or details.node_name is None:
            continue
        old = merged.get(key)
        merged[key] = NodeView(
            api_key=key[0],
            node_id=key[1],
            version_id=key[2],
            node_name=details.node_name,
            node_type=details.node_type,
            file_name=details.file_name,
            file_version=details.version,
            last_modified=details.last_modified,
            thumbnail=old.thumbnail if old is not None else None,
        )
    return merged


def _compare(
    report: Report,
    snapshot: Snapshot,
    thumbnails: dict[NodeKey, Thumbnail],
    online: dict[str, Any],
    token: str,
) -> tuple[list[Finding], tuple[Any, ...]]:
    from flowcatalog.cli.online import online_settings
    from flowcatalog.online.design_changes import compare
    from flowcatalog.online.figma_api import FigmaSettings, FigmaToken
    from flowcatalog.online.figma_images import FigmaRenderClient

    settings = online_settings(online)
    secret = FigmaToken(token)
    client = FigmaRenderClient(
        secret,
        FigmaSettings(api_base=settings.figma_api, max_retry_wait=settings.http.max_retry_wait),
    )
    fetcher = _fetcher(settings)
    renders = None
    if settings.use_cache:
        from flowcatalog.online.cache import default_path
        from flowcatalog.online.figma_images import RenderCache

        path = settings.cache_path or default_path()
        renders = RenderCache(path.with_name(path.name + ".renders"))
    try:
        result = compare(
            tuple(report.links),
            snapshot.by_key(),
            thumbnails,
            client,
            fetcher,
            scale=fetcher.settings.scale,
            renders=renders,
        )
    finally:
        client.close()
        fetcher.close()
    if not online.get("quiet"):
        images = sum(1 for call in client.calls if call.endpoint == "images")
        click.echo(
            f"flowcatalog: design check: {images} Figma /images call"
            f"{'s' if images != 1 else ''}, {fetcher.downloads} image download"
            f"{'s' if fetcher.downloads != 1 else ''}",
            err=True,
        )
    for problem in result.problems:
        warn(secret.scrub(problem))
    return list(result.findings), result.changes


@click.command(name="history")
@click.option("--catalog", "catalog", type=click.Path(), help="Catalog file [./catalog.yaml].")
@click.option(
    "--max-count", type=click.IntRange(1, 100_000), metavar="N", help="Only the last N commits."
)
@click.option("--since", metavar="DATE", help="Only commits after DATE (anything git log takes).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "csv", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--output", "-o", type=click.Path(), help="Write to FILE (atomically).")
def history_command(
    catalog: str | None, max_count: int | None, since: str | None, fmt: str, output: str | None
) -> ExitCode:
    """Coverage, errors and warnings at each commit that changed the catalog or its pages
    (read with git show, checked offline; oldest first)."""
    from flowcatalog.cli.paths import resolve_catalog
    from flowcatalog.runs import history

    path = resolve_catalog(catalog, have_pages=False)
    assert path is not None
    points = history.series(path, max_count=max_count, since=since)
    render = {"text": history.to_text, "csv": history.to_csv, "json": history.to_json}[fmt]
    rendered = render(points)
    if output is None:
        click.echo(rendered, nl=False)
    else:
        from flowcatalog.fsio import atomic_write

        atomic_write(output, rendered)
    return ExitCode.OK


def with_history(report: Report, count: int | None) -> Report:
    """``report`` with the coverage of the last ``count`` commits in its context."""
    if not count or report.context is None or report.context.catalog_path is None:
        return report
    from flowcatalog.runs import history

    points = history.series(report.context.catalog_path, max_count=count)
    return dataclasses.replace(report, context=dataclasses.replace(report.context, history=points))


def with_target(report: Report, path: str | None, ref: str | None) -> Report:
    """``report`` with the target branch's figures (``--target-report`` or ``--target-ref``)."""
    if path is not None and ref is not None:
        raise UsageError("give --target-report or --target-ref, not both")
    if report.context is None or report.context.catalog_path is None:
        return report
    from flowcatalog import fsio
    from flowcatalog.runs import target as targets

    if path is not None:
        found = targets.from_json(fsio.read_text(path), path, path)
    else:
        assert ref is not None
        found = targets.from_git(ref, report.context.catalog_path)
    return dataclasses.replace(report, context=dataclasses.replace(report.context, target=found))
