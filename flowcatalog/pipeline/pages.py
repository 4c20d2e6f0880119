"""Linting pages for a check run: read, parse and check each page (many at once in worker
processes), then compare them all with the catalog (drift)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from flowcatalog import fsio
from flowcatalog.errors import InputError
from flowcatalog.findings import Finding
from flowcatalog.fsio import list_tree, repository_root
from flowcatalog.model import Catalog, FigmaRef, Link, LinkKind, Location
from flowcatalog.pages.doc import (
    PAGE_OUTSIDE_REPOSITORY,
    PageLinks,
    catalog_page_paths,
    outside_catalog_pages,
)
from flowcatalog.pages.load import expand_pages, read_page
from flowcatalog.pages.slugs import DEFAULT_SLUG_STYLE
from flowcatalog.pipeline import collector
from flowcatalog.pipeline.layout import Layout
from flowcatalog.pipeline.site import SiteTree, internal_by_page, site_top
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
    #: where the internal-link check listed the site's files (None: no page to check)
    site_top: str | None = None
    #: the findings by page and rule family (what a run that patches this one needs)
    layout: Layout | None = None


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
    plan = plan_pages(paths, catalog, placeholders, skip=skip, hidden=hidden, slug_style=slug_style)
    return lint_planned(plan, catalog, jobs=jobs, root_dir=root_dir, cache=cache)


@dataclass(frozen=True, slots=True)
class PagePlan:
    """The pages a run lints, found before any is read: the files, what finding them found
    (a listed page missing, a symlink out of the tree), and each file's work item (its path
    and every setting its result depends on)."""

    files: tuple[str, ...]
    findings: tuple[Finding, ...]
    work: tuple[_Work, ...]
    slug_style: str = DEFAULT_SLUG_STYLE


def plan_pages(
    paths: Sequence[str],
    catalog: Catalog | None,
    placeholders: Sequence[str] | None = None,
    *,
    skip: Sequence[str] = (),
    hidden: bool = False,
    slug_style: str = DEFAULT_SLUG_STYLE,
) -> PagePlan:
    """The pages ``lint_pages`` lints (see there), and their work items."""
    from flowcatalog.rules.page_content import resolve_placeholders

    if skip:
        skipped = {os.path.abspath(p) for p in skip}
        paths = [p for p in paths if os.path.abspath(p) not in skipped]
    findings: list[Finding] = []
    outside: list[str] = []
    if paths:
        root = os.path.dirname(catalog.path) if catalog is not None else "."
        files = expand_pages(paths, root=repository_root(root or "."), outside=outside)
        for path in outside:
            findings.append(
                PAGE_OUTSIDE_REPOSITORY.finding(
                    "symlink resolves outside the directory tree searched; not read",
                    Location(path),
                    subject=path,
                )
            )
    else:
        files = []
        for path, where in outside_catalog_pages(catalog) if catalog is not None else []:
            findings.append(
                PAGE_OUTSIDE_REPOSITORY.finding(
                    f"page {path!r} resolves outside the repository; not read "
                    "(name it on the command line to lint it)",
                    where,
                    subject=path,
                )
            )
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
    kept = tuple(resolve_placeholders(catalog, placeholders))
    flow_pages = _flow_pages(files, catalog)
    work = tuple((path, kept, hidden, path in flow_pages, slug_style) for path in files)
    return PagePlan(tuple(files), tuple(findings), work, slug_style)


def lint_planned(
    plan: PagePlan,
    catalog: Catalog | None,
    *,
    jobs: int | None = None,
    root_dir: str | None = None,
    cache: PageCache | None = None,
    keys: Sequence[str | None] | None = None,
    site: SiteTree | None = None,
    on_read: Callable[[str], None] | None = None,
    meanwhile: Callable[[], None] | None = None,
    warn: Callable[[str], None] | None = None,
) -> PageLint:
    """``lint_pages`` of a plan. ``keys`` are the work items' page-cache keys when already
    made (``PageCache.page_keys``), ``site`` the site tree when already listed (used when
    its top is the one the linted pages call for, else listed here, once); ``on_read`` is
    told of every other page the internal-link check consults for its ids; ``meanwhile``
    is called while worker processes lint (``_lint_forked``), if any do; ``warn`` is told
    when the site has too many files to list (its internal links are then not judged)."""
    from flowcatalog.rules.page_content import drift

    findings = list(plan.findings)
    results = lint_items(plan.work, jobs, cache, keys, meanwhile=meanwhile)
    pages = [result.page for result in results if result.page is not None]
    own = tuple(tuple(result.findings) for result in results)
    findings.extend(finding for found in own for finding in found)
    drifted = tuple(drift(pages, catalog)) if catalog is not None else ()
    findings.extend(drifted)
    slug_style = plan.slug_style
    located = [os.path.abspath(page.path) for page in pages]
    top = site_top(located, root_dir) if pages else None
    if top is not None and (site is None or site[0] != top):
        tree = list_tree(top)
        site = None if tree is None else (top, *tree)
        if tree is None and warn is not None:
            warn(
                f"internal links not checked: more than {fsio.MAX_TREE_ENTRIES:,} files under "
                f"{top}; name the site's root with --root-dir"
            )
    internal: list[tuple[Finding, ...]] = [() for _ in results]
    consulted: list[tuple[int, ...]] = [() for _ in results]
    if site is not None:  # (none: no page, or too many files to list; nothing is judged)
        remembered = cache.closest() if cache is not None and cache.enabled else None
        by_page = internal_by_page(pages, root_dir, slug_style, remembered, site, on_read)
        if remembered is not None:
            remembered.save()
        paged = [i for i, result in enumerate(results) if result.page is not None]
        index = dict(zip(located, paged, strict=True))
        for i, (found, seen) in zip(paged, by_page, strict=True):
            internal[i] = tuple(found)
            consulted[i] = tuple(sorted(index[path] for path in seen))
            findings.extend(found)
    links = [link for page in pages for link in (*page.links, *page.hidden)]
    sources = tuple(page.path for page in pages)
    layout = Layout(
        own,
        drifted,
        tuple(internal),
        tuple(consulted),
        tuple(result.page is not None for result in results),
    )
    return PageLint(tuple(findings), tuple(links), sources, top, layout)


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

    With many files, ``jobs`` forked worker processes lint them, a batch of pages at a
    time (``_lint_forked``); each page's result comes back compact (tuples of plain values)
    and is made into objects here, keeping only its links, heading ids and findings (never
    the parsed document). With ``hidden`` the pages come back with the links hidden in
    their comments too. With a ``cache``, only the pages it has no result for are linted
    (``page_cache.cached_lint``).
    """
    work = [(path, tuple(placeholders), hidden, path in flow_pages, slug_style) for path in files]
    return lint_work(work, jobs, cache)


def lint_work(
    work: Sequence[_Work],
    jobs: int | None,
    cache: PageCache | None,
    keys: Sequence[str | None] | None = None,
) -> tuple[list[PageLinks], list[Finding]]:
    """The pages and findings of work items, through the ``cache`` when there is one
    (``keys``: the items' keys, when made already); a page that cannot be read at all is
    an ``InputError``."""
    pages: list[PageLinks] = []
    findings: list[Finding] = []
    for result in lint_items(work, jobs, cache, keys):
        findings.extend(result.findings)
        if result.page is not None:
            pages.append(result.page)
    return pages, findings


def lint_items(
    work: Sequence[_Work],
    jobs: int | None,
    cache: PageCache | None,
    keys: Sequence[str | None] | None = None,
    keep: Sequence[str] | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> list[LintResult]:
    """``lint_work`` item by item: each work item's result, in order (``keep``: the keys
    the cache must not drop to make room, when more than these items' own; ``meanwhile``:
    see ``lint_planned``)."""
    results: Iterable[LintResult]
    if cache is not None and cache.enabled:
        from flowcatalog.pipeline.page_cache import cached_lint

        def lint(todo: list[_Work]) -> Iterable[LintResult]:
            return _lint_results(todo, jobs, meanwhile)

        results = cached_lint(cache, work, lint, keys, keep)
    else:
        results = _lint_results(work, jobs, meanwhile)
    out: list[LintResult] = []
    for result in results:
        if result.error is not None:
            message, location = result.error
            raise InputError(message, location=location)
        out.append(result)
    return out


def _lint_results(
    work: Sequence[_Work], jobs: int | None, meanwhile: Callable[[], None] | None = None
) -> Iterable[_Linted]:
    """Each work item's result, in order, maybe from worker processes (``meanwhile`` is
    called while they work)."""
    if not work:
        return []
    from flowcatalog.pages import markdown  # noqa: F401  (imported once, before forking)
    from flowcatalog.rules import page_content  # noqa: F401

    if jobs is None:
        jobs = default_jobs()
    if jobs > 1 and len(work) >= PARALLEL_MIN_PAGES and _can_fork():
        return _lint_forked(work, min(jobs, len(work)), meanwhile)
    return map(_lint_one, work)


def default_jobs() -> int:
    """The processes that lint pages when nobody says: one per CPU, up to 8."""
    return min(8, os.cpu_count() or 1)


def _can_fork() -> bool:
    """Fork is cheap and safe here only on Linux, from a process with a single thread.

    ``threading`` does not count threads started with ``_thread`` (the web checker's
    workers are, and the last of a run may still be ending when a library caller lints
    again); the interpreter's own list of running threads does."""
    import sys
    import threading

    if sys.platform != "linux" or threading.active_count() != 1:
        return False
    return len(sys._current_frames()) == 1


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


class _Shared:
    """One run's strings, heading paths and URL identities, each kept once.

    Every page's result arrives unpickled with its own copy of each URL, link text and
    heading; the same ones recur across a corpus (a handbook cites its designs and its
    neighbours on many pages), so the results keep one of each."""

    __slots__ = ("contexts", "identities", "strings")

    def __init__(self) -> None:
        self.strings: dict[str, str] = {}
        self.contexts: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.identities: dict[str, tuple[str, FigmaRef | None]] = {}

    def string(self, value: str) -> str:
        return self.strings.setdefault(value, value)

    def context(self, value: tuple[str, ...]) -> tuple[str, ...]:
        known = self.contexts.get(value)
        if known is None:
            known = self.contexts[value] = tuple(map(self.string, value))
        return known


def _expand(compact: _Compact, shared: _Shared | None = None) -> _Linted:
    """The result ``_compact`` was made from (equal to it), its strings, heading paths and
    URL identities taken from ``shared`` where it has them already."""
    findings, path, visible, hidden, urls, error, anchors = compact
    if path is None:
        return _Linted(findings, None, error)
    if shared is None:
        shared = _Shared()
    string, context, identities = shared.string, shared.context, shared.identities
    for url, normalised, figma in urls:
        if url not in identities:
            identities[string(url)] = (
                string(normalised),
                None if figma is None else _figma(figma, string),
            )
    path = string(path)

    def links(rows: tuple[_Row, ...], hidden: bool) -> tuple[Link, ...]:
        return tuple(
            [
                Link(
                    string(url),
                    Location(path, line, column),
                    *identities[url],
                    string(text),
                    context(where),
                    kind,
                    element,
                    definition,
                    hidden,
                    has_image,
                )
                for url, line, column, text, where, kind, element, definition, has_image in rows
            ]
        )

    page = PageLinks(path, links(visible, False), links(hidden, True), tuple(map(string, anchors)))
    return _Linted(findings, page, error)


def _figma(
    fields: tuple[str, str, str | None, str | None, str | None], string: Callable[[str], str]
) -> FigmaRef:
    kind, file_key, node_id, branch_key, version_id = fields
    return FigmaRef(
        string(kind),
        string(file_key),
        node_id and string(node_id),
        branch_key and string(branch_key),
        version_id,
    )


def _by_size(work: Sequence[_Work]) -> list[int]:
    """The work's indexes, largest file first (so no big page is left for the end)."""
    return _largest_first(_sizes(work))


def _largest_first(sizes: Sequence[int]) -> list[int]:
    return sorted(range(len(sizes)), key=lambda i: -sizes[i])  # stable: equal ones in order


def _sizes(work: Sequence[_Work]) -> list[int]:
    """Each work item's file size; 0 for a file gone (its result says why)."""
    sizes = []
    for path, *_ in work:
        try:
            sizes.append(os.path.getsize(path))
        except OSError:
            sizes.append(0)
    return sizes


#: a batch of pages weighs at most this much (on disk): handing one out and sending its
#: results back costs little next to linting it, and the last ones are over soon
BATCH_BYTES = 256 * 1024
#: what a page costs beyond its bytes (opening, setting up, its result), in bytes
PAGE_OVERHEAD = 4 * 1024
#: each process gets at least this many batches, so that none waits long for the others
BATCHES_PER_JOB = 8


def _batches(work: Sequence[_Work], jobs: int) -> list[list[int]]:
    """The work's indexes in batches: biggest pages first, each batch about the same weight
    (a page's size plus ``PAGE_OVERHEAD``), at most ``BATCH_BYTES`` and small enough that
    every process gets ``BATCHES_PER_JOB`` of them. A page bigger than that is a batch."""
    sizes = _sizes(work)
    weight = [size + PAGE_OVERHEAD for size in sizes]
    budget = max(1, min(BATCH_BYTES, sum(weight) // (jobs * BATCHES_PER_JOB)))
    batches: list[list[int]] = []
    current: list[int] = []
    load = 0
    for i in _largest_first(sizes):
        if current and load + weight[i] > budget:
            batches.append(current)
            current, load = [], 0
        current.append(i)
        load += weight[i]
    if current:
        batches.append(current)
    return batches


def _lint_batch(batch: list[_Work]) -> list[_Compact]:
    """A worker's task: a batch of pages, their results as plain values."""
    return [_compact(_lint_one(work)) for work in batch]


def _lint_forked(
    work: Sequence[_Work], jobs: int, meanwhile: Callable[[], None] | None = None
) -> list[_Linted]:
    """Lint ``work`` in ``jobs`` forked worker processes, results in order; ``meanwhile``
    is called once they are started, before the first result is read.

    The workers (``forked.Workers``) are forked before any result is here, so that none
    starts with a copy of them, and with the page modules imported already, so that each
    starts at once. The pages go out in batches (``_batches``), biggest first; each
    batch's results come back as soon as it is done and are made into objects here while
    the workers go on (``_Shared``: each string once). The pages of a batch that failed
    (its worker died, or linting raised there) are linted here afterwards, where an error
    is reported as usual.

    Meanwhile this process only makes objects that hold no cycles: its garbage collector
    is paused (``collector.paused``), and the workers run theirs. (Parsing a page can make
    cycles: an HTML page's element tree. No page is parsed here while it is paused.)
    """
    from flowcatalog.pipeline.forked import FAILED, Workers

    results: list[_Linted | None] = [None] * len(work)
    failed: list[int] = []
    shared = _Shared()
    indexes = _batches(work, jobs)
    batches = [[work[i] for i in batch] for batch in indexes]
    with (
        collector.paused(),
        Workers(_lint_batch, batches, jobs, in_worker=collector.resumed_in_worker) as pool,
    ):
        if meanwhile is not None:
            meanwhile()
        for b, compacts in pool.results():
            batch = indexes[b]
            if compacts is FAILED:
                failed.extend(batch)
                continue
            for i, compact in zip(batch, cast("list[_Compact]", compacts), strict=True):
                results[i] = _expand(compact, shared)
    for i in failed:
        results[i] = _lint_one(work[i])
    return [result for result in results if result is not None]
