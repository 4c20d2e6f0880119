"""A run in which a few pages changed and nothing else did: the last run's report, patched.

When the run memo misses (``run_memo``) only because some pages' bytes changed, the catalog,
the settings, the list of pages and the site's files all as they were, the report differs
from the last one in what those pages contribute, and nothing else:

- their own findings (their rules), made again by linting them (only them);
- the internal-link findings of those pages, and of the pages whose links named an anchor
  of theirs (``layout.Layout.consulted``), checked again against the site's files and the
  ids of the pages, the unchanged ones' taken from the page cache;
- the distinct links and Figma links, counted again: the last run's counts, less the
  changed pages' old links, plus their new ones.

Everything else comes from the last run: the other pages' findings, drift (which is why a
change to a page the catalog lists is a full run: drift compares those pages) and the
catalog's findings. The findings are then put in the order a full run makes them and sorted
as it sorts them, so the report is byte for byte the one of a run without any cache (the
tests hold the two together). The link groups are made from the page results only when an
output reads them, as on a memo hit.

A patch gives up, and the run is the usual full one, whenever something it needs is
missing: a result the page cache no longer holds, a changed page that stopped or started
being a page, a link counted as Figma on one page and not on another, or more than
``MAX_SHARE`` of the pages changed (then a full run costs about as much).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from flowcatalog.findings import Finding, sort_findings
from flowcatalog.pipeline.layout import Layout
from flowcatalog.pipeline.pages import lint_items
from flowcatalog.pipeline.run_memo import LinkCounts

if TYPE_CHECKING:
    from flowcatalog.model import Catalog
    from flowcatalog.pages.doc import PageLinks
    from flowcatalog.pipeline.page_cache import PageCache
    from flowcatalog.pipeline.pages import PagePlan
    from flowcatalog.pipeline.run_memo import RunMemo

#: a patch is made when at most this share of the pages changed (and always for one page)
MAX_SHARE = 0.1


class Patched:
    """A patched report's parts: its sorted findings, link counts and sources, and what the
    memo keeps for the next run (the layout and the catalog rules' findings)."""

    __slots__ = ("findings", "layout", "links", "sources", "tail")

    def __init__(
        self,
        findings: tuple[Finding, ...],
        links: LinkCounts,
        sources: tuple[str, ...],
        layout: Layout,
        tail: tuple[Finding, ...],
    ) -> None:
        self.findings = findings
        self.links = links
        self.sources = sources
        self.layout = layout
        self.tail = tail


class _Missing(Exception):
    """A page result the patch needs is no longer in the page cache."""


def patch(
    memo: RunMemo,
    plan: PagePlan,
    catalog: Catalog | None,
    cache: PageCache,
    root_dir: str | None,
    head: Sequence[Finding],
) -> Patched | None:
    """The report of this run made from the last one's, or None when it cannot be (see the
    module's text). ``head``: the findings a full run puts before the pages' (the catalog's
    load findings and the plan's)."""
    previous = memo.previous()
    if previous is None:
        return None
    keys = [key for key in memo.keys if key is not None]
    if len(keys) != len(previous.keys):
        return None
    old_keys = previous.keys
    changed = [i for i, key in enumerate(keys) if key != old_keys[i]]
    if not changed or len(changed) > max(1, int(len(keys) * MAX_SHARE)):
        return None
    if catalog is not None and any(plan.work[i][3] for i in changed):
        return None  # drift compares the pages the catalog lists
    layout = previous.layout
    before = cache.get_many([previous.keys[i] for i in changed])
    if any(previous.keys[i] not in before for i in changed):
        return None
    work = [plan.work[i] for i in changed]
    results = lint_items(work, 1, cache, [keys[i] for i in changed], keys)
    now = {i: result.page for i, result in zip(changed, results, strict=True)}
    if any((now[i] is not None) != layout.paged[i] for i in changed):
        return None
    counts = dict(previous.links)
    for i in changed:
        if not _count(counts, before[previous.keys[i]].page, -1) or not _count(counts, now[i], 1):
            return None
    own = {i: tuple(result.findings) for i, result in zip(changed, results, strict=True)}
    internal: dict[int, tuple[tuple[Finding, ...], tuple[int, ...]]] = {}
    if memo.site is not None:
        try:
            internal = _internal(memo, plan, cache, root_dir, layout, keys, now)
        except _Missing:
            return None
    layout = layout.with_pages(own, internal)
    memo.reads = {**previous.reads, **memo.reads}
    findings = sort_findings([*head, *layout.findings(), *previous.tail])
    return Patched(findings, counts, previous.sources, layout, previous.tail)


def _count(counts: LinkCounts, page: PageLinks | None, step: int) -> bool:
    """Add (``step`` 1) or take away (-1) a page's links to or from ``counts``; False when
    they do not agree with it (a Figma link counted as none, a link it never counted)."""
    if page is None:
        return True
    for link in (*page.links, *page.hidden):
        if not link.url.strip():
            continue  # no link of the report
        figma = link.figma is not None
        times, counted_figma = counts.get(link.normalised, (0, figma))
        times += step
        if counted_figma != figma or times < 0:
            return False
        if times:
            counts[link.normalised] = (times, figma)
        else:
            del counts[link.normalised]
    return True


def _internal(
    memo: RunMemo,
    plan: PagePlan,
    cache: PageCache,
    root_dir: str | None,
    layout: Layout,
    keys: Sequence[str],
    now: Mapping[int, PageLinks | None],
) -> dict[int, tuple[tuple[Finding, ...], tuple[int, ...]]]:
    """The internal-link findings, and the pages each consulted, of the changed pages and
    of the pages whose links consulted the ids of a changed one."""
    from flowcatalog.pipeline.site import internal_by_page

    ids = _Ids(memo.located, layout, cache, keys, now)
    affected = sorted(i for i in {*now, *layout.dependents(now)} if layout.paged[i])
    pages = [ids.page(i) for i in affected]
    checked = [(i, page) for i, page in zip(affected, pages, strict=True) if page is not None]
    suggest = cache.closest() if cache.enabled else None
    by_page = internal_by_page(
        [page for _, page in checked],
        root_dir,
        plan.slug_style,
        suggest,
        memo.site,
        memo.on_read,
        ids=ids,
    )
    if suggest is not None:
        suggest.save()
    return {
        i: (tuple(found), tuple(sorted(ids.index[path] for path in seen)))
        for (i, _), (found, seen) in zip(checked, by_page, strict=True)
    }


class _Ids(Mapping[str, tuple[str, ...]]):
    """The ids of every page of the plan by absolute path (``located``, in plan order), as a
    full run's internal-link check has them: the changed pages' from this run, the others'
    from the page cache when first asked for (``_Missing`` when it no longer holds one)."""

    def __init__(
        self,
        located: Sequence[str],
        layout: Layout,
        cache: PageCache,
        keys: Sequence[str],
        now: Mapping[int, PageLinks | None],
    ) -> None:
        self.index = {path: i for i, path in enumerate(located) if layout.paged[i]}
        self._cache = cache
        self._keys = keys
        self._pages: dict[int, PageLinks | None] = dict(now)

    def page(self, i: int) -> PageLinks | None:
        if i not in self._pages:
            found = self._cache.get_many([self._keys[i]]).get(self._keys[i])
            if found is None:
                raise _Missing(self._keys[i])
            self._pages[i] = found.page
        return self._pages[i]

    def __getitem__(self, path: str) -> tuple[str, ...]:
        page = self.page(self.index[path])
        if page is None:
            raise KeyError(path)
        return page.anchors

    def get(self, path: str, default: Any = None) -> Any:
        i = self.index.get(path)
        if i is None:
            return default
        page = self.page(i)
        return default if page is None else page.anchors

    def __iter__(self) -> Iterator[str]:
        return iter(self.index)

    def __len__(self) -> int:
        return len(self.index)
