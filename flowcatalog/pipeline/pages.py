"""Linting pages for a check run: read, parse and check each page (many at once in worker
processes), then compare them all with the catalog (drift)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flowcatalog.errors import InputError
from flowcatalog.findings import Finding
from flowcatalog.fsio import list_tree
from flowcatalog.model import Catalog, FigmaRef, Link, LinkKind, Location
from flowcatalog.pages.doc import PageLinks, catalog_page_paths, page_type
from flowcatalog.pages.load import expand_pages, read_page
from flowcatalog.pages.slugs import DEFAULT_SLUG_STYLE
from flowcatalog.rules.page_content import PAGE_NOT_FOUND

if TYPE_CHECKING:
    from flowcatalog.pipeline.page_cache import LintResult, PageCache


@dataclass(frozen=True, slots=True)
class PageLint:
    """What linting pages adds to a check run: findings, the pages' links (those hidden in
    comments too, when asked for), the files read."""

    findings: tuple[Finding, ...]
    links: tuple[Link, ...]
    sources: tuple[str, ...]


PARALLEL_MIN_PAGES = 32


def lint_pages(
    paths: Sequence[str],
    catalog: Catalog | None,
    placeholders: Sequence[str] | None = None,
    *,
    skip: Sequence[str] = (),
    jobs: int | None = None,
    hidden: bool = False,
    root_dir: str | None = None,
    slug_style: str = DEFAULT_SLUG_STYLE,
    cache: PageCache | None = None,
) -> PageLint:
    """Read and check pages: the ``paths`` given (files, directories, globs) or, with none,
    the pages the catalog lists (a listed page that does not exist is a finding).

    Paths in ``skip`` (the catalog file itself, which pre-commit passes along with the
    changed pages) are not pages; when only they were given, the catalog's pages are linted.
    Many pages are read, parsed and checked in worker processes (``jobs``: the number of
    processes, default one per CPU); the drift rules then compare all of them at once.
    With ``hidden``, the links hidden in HTML comments are among the links returned. The
    pages' internal links are checked against the files around them (``root_dir``: where
    ``/``-links start; ``slug_style``: whose heading ids ``#anchors`` name) With a
    ``cache``, unchanged pages are not read again (see ``page_cache``); drift and the
    internal links are checked on every run, from the cached links and ids.
    """
    from flowcatalog.rules.page_content import drift, resolve_placeholders

    if skip:
        skipped = {os.path.abspath(p) for p in skip}
        paths = [p for p in paths if os.path.abspath(p) not in skipped]
    findings: list[Finding] = []
    if paths:
        files = expand_pages(paths)
    else:
        files = []
        for path, where in catalog_page_paths(catalog) if catalog is not None else []:
            if os.path.isfile(path):
                files.append(path)
                continue
            findings.append(
                PAGE_NOT_FOUND.finding(
                    f"page {path!r} listed in the catalog does not exist",
                    where,
                    subject=path,
                )
            )
    pages, page_findings = lint_files(
        files,
        resolve_placeholders(catalog, placeholders),
        jobs,
        hidden=hidden,
        flow_pages=_flow_pages(files, catalog),
        slug_style=slug_style,
        cache=cache,
    )
    findings.extend(page_findings)
    if catalog is not None:
        findings.extend(drift(pages, catalog))
    findings.extend(check_internal_links(pages, root_dir, slug_style))
    links = [link for page in pages for link in (*page.links, *page.hidden)]
    return PageLint(tuple(findings), tuple(links), tuple(page.path for page in pages))


def _flow_pages(files: Sequence[str], catalog: Catalog | None) -> frozenset[str]:
    """The files that document the catalog's flows: the pages it lists, or every page given
    when it lists none (as the drift rules read it); none without a catalog."""
    if catalog is None:
        return frozenset()
    listed = {os.path.normcase(os.path.abspath(path)) for path, _ in catalog_page_paths(catalog)}
    if not listed:
        return frozenset(files)
    return frozenset(f for f in files if os.path.normcase(os.path.abspath(f)) in listed)


def lint_files(
    files: Sequence[str],
    placeholders: Sequence[str],
    jobs: int | None = None,
    *,
    hidden: bool = False,
    flow_pages: frozenset[str] = frozenset(),
    slug_style: str = DEFAULT_SLUG_STYLE,
    cache: PageCache | None = None,
) -> tuple[list[PageLinks], list[Finding]]:
    """Read, parse and check (all but drift) each file, in order, maybe in parallel.

    With many files, ``jobs`` forked worker processes lint them, a page at a time; each
    page's result comes back compact (tuples of plain values) and is made into objects
    here. With ``hidden`` the pages come back with the links hidden in their comments too.
    With a ``cache``, only the pages it has no result for are linted
    (``page_cache.cached_lint``).
    """
    work = [(path, tuple(placeholders), hidden, path in flow_pages, slug_style) for path in files]
    results: Iterable[LintResult]
    if cache is not None and cache.enabled:
        from flowcatalog.pipeline.page_cache import cached_lint

        results = cached_lint(cache, work, lambda todo: _lint_results(todo, jobs))
    else:
        results = _lint_results(work, jobs)
    pages: list[PageLinks] = []
    findings: list[Finding] = []
    for result in results:
        if result.error is not None:
            message, location = result.error
            raise InputError(message, location=location)
        findings.extend(result.findings)
        if result.page is not None:
            pages.append(result.page)
    return pages, findings


def _lint_results(work: Sequence[_Work], jobs: int | None) -> Iterable[_Linted]:
    """Each work item's result, in order, maybe from worker processes."""
    if not work:
        return []
    from flowcatalog.pages import markdown  # noqa: F401  (imported once, before forking)
    from flowcatalog.rules import page_content  # noqa: F401

    if jobs is None:
        jobs = min(8, os.cpu_count() or 1)
    if jobs > 1 and len(work) >= PARALLEL_MIN_PAGES and _can_fork():
        return _lint_forked(work, min(jobs, len(work)))
    return map(_lint_one, work)


def _can_fork() -> bool:
    """Fork is cheap and safe here only on Linux, from a process with a single thread."""
    import sys
    import threading

    return sys.platform == "linux" and threading.active_count() == 1


@dataclass(frozen=True, slots=True)
class _Linted:
    findings: tuple[Finding, ...]
    page: PageLinks | None
    error: tuple[str, str | None] | None = None


#: path, placeholders, keep hidden links, the page documents the catalog's flows, the slug
#: style of its heading ids
_Work = tuple[str, tuple[str, ...], bool, bool, str]
#: a link as plain values, its path and identity aside: url, line, column, text, context,
#: kind, element, definition, has_image
_Row = tuple[
    str, int | None, int | None, str, tuple[str, ...], LinkKind, str, Location | None, bool
]
#: a ``_Linted`` as plain values: findings, path, rows of the visible and of the hidden
#: links, (url, normalised, Figma fields) per distinct URL, the error, the page's ids
_Compact = tuple[
    tuple[Finding, ...],
    str | None,
    tuple[_Row, ...],
    tuple[_Row, ...],
    tuple[tuple[str, str, tuple[str, str, str | None, str | None, str | None] | None], ...],
    tuple[str, str | None] | None,
    tuple[str, ...],
]


def _lint_one(work: _Work) -> _Linted:
    from flowcatalog.rules.page_content import page_findings, run_keys

    path, placeholders, hidden, flow_page, slug_style = work
    try:
        doc, problems = read_page(path, run_keys=run_keys(placeholders), slug_style=slug_style)
    except InputError as exc:  # crosses a process boundary: sent back as a value
        return _Linted((), None, (exc.message, exc.location))
    if doc is None:
        return _Linted(problems, None)
    found = (*problems, *page_findings(doc, placeholders, flow_page=flow_page))
    page = PageLinks(doc.path, doc.links, doc.hidden_links if hidden else (), doc.anchors)
    return _Linted(found, page)


def _compact(result: _Linted) -> _Compact:
    """A result as plain values: much cheaper to pickle than a tree of dataclasses. Each
    distinct URL's identity (normalised form, Figma fields) is sent once."""
    page = result.page
    if page is None:
        return (result.findings, None, (), (), (), result.error, ())
    identities: dict[str, Link] = {}

    def rows(links: tuple[Link, ...]) -> tuple[_Row, ...]:
        out = []
        for link in links:
            identities.setdefault(link.url, link)
            where = link.location
            out.append(
                (
                    link.url,
                    where.line,
                    where.column,
                    link.text,
                    link.context,
                    link.kind,
                    link.element,
                    link.definition,
                    link.has_image,
                )
            )
        return tuple(out)

    visible, hidden = rows(page.links), rows(page.hidden)
    urls = tuple(
        (
            url,
            link.normalised,
            None
            if (figma := link.figma) is None
            else (figma.kind, figma.file_key, figma.node_id, figma.branch_key, figma.version_id),
        )
        for url, link in identities.items()
    )
    return (result.findings, page.path, visible, hidden, urls, result.error, page.anchors)


def _expand(compact: _Compact) -> _Linted:
    """The result ``_compact`` was made from (equal to it)."""
    findings, path, visible, hidden, urls, error, anchors = compact
    if path is None:
        return _Linted(findings, None, error)
    identity = {
        url: (normalised, None if figma is None else FigmaRef(*figma))
        for url, normalised, figma in urls
    }

    def links(rows: tuple[_Row, ...], hidden: bool) -> tuple[Link, ...]:
        return tuple(
            [
                Link(
                    url,
                    Location(path, line, column),
                    *identity[url],
                    text,
                    context,
                    kind,
                    element,
                    definition,
                    hidden,
                    has_image,
                )
                for url, line, column, text, context, kind, element, definition, has_image in rows
            ]
        )

    page = PageLinks(path, links(visible, False), links(hidden, True), anchors)
    return _Linted(findings, page, error)


def check_internal_links(
    pages: Sequence[PageLinks], root_dir: str | None, slug_style: str = DEFAULT_SLUG_STYLE
) -> list[Finding]:
    """Internal-link findings of linted pages: the files under the site root (or the pages'
    common directory) are listed once; a linked page that was not linted is read for its
    ids only when a link names one of its anchors."""
    from flowcatalog.rules.internal_links import Site, internal_link_findings

    if not pages:
        return []
    dirs = [os.path.dirname(os.path.abspath(page.path)) for page in pages]
    here = os.getcwd()
    if root_dir is not None:
        top = os.path.abspath(root_dir)
    elif all(os.path.commonpath([here, d]) == here for d in dirs):
        top = here  # pages of the project run in (pre-commit passes a few): list all of it
    else:
        top = os.path.commonpath(dirs)
    if not all(os.path.commonpath([top, d]) == top for d in dirs):
        top = os.path.commonpath([top, *dirs])
    tree = list_tree(top)
    if tree is None:
        return []
    anchors = {os.path.normpath(os.path.abspath(page.path)): page.anchors for page in pages}
    cache: dict[str, tuple[str, ...] | None] = {}

    def more_anchors(path: str) -> tuple[str, ...] | None:
        if path not in cache:
            try:
                doc, _ = read_page(path, run_keys=(), slug_style=slug_style)
            except InputError:
                doc = None
            cache[path] = doc.anchors if doc is not None else None
        return cache[path]

    site = Site(
        os.path.normpath(top),
        tree[0],
        tree[1],
        os.path.normpath(os.path.abspath(root_dir)) if root_dir is not None else None,
        anchors,
        more_anchors,
        has_assets=any(page_type(f) is None for f in tree[0]),
    )
    return list(internal_link_findings(((p.path, p.links) for p in pages), site))


def _by_size(work: Sequence[_Work]) -> list[int]:
    """The work's indexes, largest file first (so no big page is left for the end)."""
    sizes = []
    for i, (path, *_) in enumerate(work):
        try:
            sizes.append((-os.path.getsize(path), i))
        except OSError:
            sizes.append((0, i))
    return [i for _, i in sorted(sizes)]


def _lint_compact(work: _Work) -> _Compact:
    """A worker's task: one page, its result as plain values."""
    return _compact(_lint_one(work))


def _lint_forked(work: Sequence[_Work], jobs: int) -> list[_Linted]:
    """Lint ``work`` in ``jobs`` forked worker processes, results in order.

    A standard ``ProcessPoolExecutor`` on the fork context (the page modules are imported
    already, so a worker starts at once): one task per page, biggest first, each page's
    result sent back as soon as it is done. Pages whose worker failed are linted here.
    """
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    results: list[_Linted | None] = [None] * len(work)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures: list[tuple[int, Future[_Compact]]] = [
            (i, pool.submit(_lint_compact, work[i])) for i in _by_size(work)
        ]
        for i, future in futures:
            try:
                results[i] = _expand(future.result())
            except (BrokenProcessPool, Exception):  # a failed worker: that page is done here
                results[i] = _lint_one(work[i])
    return [result for result in results if result is not None]
