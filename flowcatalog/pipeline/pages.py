"""Linting pages for a check run: read, parse and check each page (many at once in worker
processes), then compare them all with the catalog (drift)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flowcatalog.errors import InputError
from flowcatalog.findings import Finding
from flowcatalog.model import Catalog, FigmaRef, Link, LinkKind, Location
from flowcatalog.pages.doc import PageLinks, catalog_page_paths
from flowcatalog.pages.load import expand_pages, read_page
from flowcatalog.rules.page_content import PAGE_NOT_FOUND


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
) -> PageLint:
    """Read and check pages: the ``paths`` given (files, directories, globs) or, with none,
    the pages the catalog lists (a listed page that does not exist is a finding).

    Paths in ``skip`` (the catalog file itself, which pre-commit passes along with the
    changed pages) are not pages; when only they were given, the catalog's pages are linted.
    Many pages are read, parsed and checked in worker processes (``jobs``: the number of
    processes, default one per CPU); the drift rules then compare all of them at once.
    With ``hidden``, the links hidden in HTML comments are among the links returned.
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
        files, resolve_placeholders(catalog, placeholders), jobs, hidden=hidden
    )
    findings.extend(page_findings)
    if catalog is not None:
        findings.extend(drift(pages, catalog))
    links = [link for page in pages for link in (*page.links, *page.hidden)]
    return PageLint(tuple(findings), tuple(links), tuple(page.path for page in pages))


def lint_files(
    files: Sequence[str],
    placeholders: Sequence[str],
    jobs: int | None = None,
    *,
    hidden: bool = False,
) -> tuple[list[PageLinks], list[Finding]]:
    """Read, parse and check (all but drift) each file, in order, maybe in parallel.

    With many files, ``jobs`` forked worker processes lint them, a page at a time; each
    page's result comes back compact (tuples of plain values) and is made into objects
    here. With ``hidden`` the pages come back with the links hidden in their comments too.
    """
    from flowcatalog.pages import markdown  # noqa: F401  (imported once, before forking)
    from flowcatalog.rules import page_content  # noqa: F401

    if jobs is None:
        jobs = min(8, os.cpu_count() or 1)
    work = [(path, tuple(placeholders), hidden) for path in files]
    results: Iterable[_Linted]
    if jobs > 1 and len(files) >= PARALLEL_MIN_PAGES and _can_fork():
        results = _lint_forked(work, min(jobs, len(work)))
    else:
        results = map(_lint_one, work)
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


_Work = tuple[str, tuple[str, ...], bool]
#: a link as plain values, its path and identity aside: url, line, column, text, context,
#: kind, element, definition, has_image
_Row = tuple[
    str, int | None, int | None, str, tuple[str, ...], LinkKind, str, Location | None, bool
]
#: a ``_Linted`` as plain values: findings, path, rows of the visible and of the hidden
#: links, (url, normalised, Figma fields) per distinct URL, and the error
_Compact = tuple[
    tuple[Finding, ...],
    str | None,
    tuple[_Row, ...],
    tuple[_Row, ...],
    tuple[tuple[str, str, tuple[str, str, str | None, str | None, str | None] | None], ...],
    tuple[str, str | None] | None,
]


def _lint_one(work: _Work) -> _Linted:
    from flowcatalog.rules.page_content import page_findings, run_keys

    path, placeholders, hidden = work
    try:
        doc, problems = read_page(path, run_keys=run_keys(placeholders))
    except InputError as exc:  # crosses a process boundary: sent back as a value
        return _Linted((), None, (exc.message, exc.location))
    if doc is None:
        return _Linted(problems, None)
    found = (*problems, *page_findings(doc, placeholders))
    return _Linted(found, PageLinks(doc.path, doc.links, doc.hidden_links if hidden else ()))


def _compact(result: _Linted) -> _Compact:
    """A result as plain values: much cheaper to pickle than a tree of dataclasses. Each
    distinct URL's identity (normalised form, Figma fields) is sent once."""
    page = result.page
    if page is None:
        return (result.findings, None, (), (), (), result.error)
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
    return (result.findings, page.path, visible, hidden, urls, result.error)


def _expand(compact: _Compact) -> _Linted:
    """The result ``_compact`` was made from (equal to it)."""
    findings, path, visible, hidden, urls, error = compact
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

    return _Linted(findings, PageLinks(path, links(visible, False), links(hidden, True)), error)


def _by_size(work: Sequence[_Work]) -> list[int]:
    """The work's indexes, largest file first (so no big page is left for the end)."""
    sizes = []
    for i, (path, _, _) in enumerate(work):
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
