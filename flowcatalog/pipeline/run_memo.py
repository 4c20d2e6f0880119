"""The run memo: the report of a check whose inputs are all as they were on the last run.

A warm run of an unchanged handbook still turned every cached page back into objects,
grouped thousands of links and checked every internal link again: most of its time, for a
report equal to the last one. The memo keeps that report in the page cache (its findings
and sources, and how many links and Figma links it has) and gives it back when everything
it was made from is the same:

- the tool's code and the directory run in;
- the catalog (as parsed, with its findings) and what finding the pages found;
- every page's key (``PageCache.page_keys``: its path and bytes, and every setting its
  result depends on), unchanged pages known by their ``stat`` signature as usual;
- the site tree the internal-link check lists (every file and directory name under its
  top), the repository that top is in, the site root and the slug style;
- the bytes of every other page that check read for its heading ids (read and hashed
  again on every hit: they are few), and of those it left unread, that they still resolve
  outside the repository.

Any difference is a miss, and the run is the usual one (which stores a new memo). A memo is
not stored when a page changed while it was linted, when another page read for its ids
changed during the run, or for ``links --occurrences`` (hidden links). What follows the
memo (the online stage, inline suppression, the configured severities, the baseline) runs
on every run as before.

Beside it, the memo keeps what a run in which only a few pages changed needs to make its
report without the others (``run_patch``): every input but the page keys as above, the page
keys one by one, the findings by page and rule family (``layout.Layout``), and how many
times each distinct link occurs. It is read only when the report itself is a miss.

Only runs of ``MIN_PAGES`` pages or more keep one (below that, a run is quick anyway), one
per run identity (directory, pages asked for, catalog, site settings), overwritten by the
next run of that identity, so the cache holds one per way the tool is run, not one per
change. The link groups are not stored again: they are made from the page results the
memo's page keys name, and only when an output reads them (``report.LinkGroups``); the text,
github and badge outputs and the exit code need only the findings and counts.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from flowcatalog.fsio import contained, list_tree, repository_root
from flowcatalog.pipeline import page_codec
from flowcatalog.pipeline.layout import Layout
from flowcatalog.report import LinkGroup, LinkGroups, collect_links

if TYPE_CHECKING:
    from pathlib import Path

    from flowcatalog.findings import Finding
    from flowcatalog.model import Catalog
    from flowcatalog.pipeline.page_cache import PageCache
    from flowcatalog.pipeline.pages import PagePlan
    from flowcatalog.pipeline.site import SiteTree

#: the layout's tag, the first value of every memo
FORMAT = "fc-run-2"
#: runs of fewer pages keep no memo
MIN_PAGES = 32
#: the state of a page the internal-link check left unread: it resolves outside the repository
OUTSIDE = "outside the repository"
#: a page read for its ids is hashed on every hit; above this size it is a miss instead
_MAX_READ_BYTES = 10_000_000


class Remembered:
    """What a memo gives back: the report's sorted findings, its sources and its links."""

    __slots__ = ("findings", "links", "sources")

    def __init__(
        self, findings: tuple[Finding, ...], links: LinkGroups, sources: tuple[str, ...]
    ) -> None:
        self.findings = findings
        self.links = links
        self.sources = sources


#: a distinct link of a report, by its normalised URL: how many times it occurs, and
#: whether it is a Figma link
LinkCounts = dict[str, tuple[int, bool]]


class Previous:
    """What the last run of the same inputs but for some pages kept for a run that patches
    its report (``run_patch``): its page keys, findings by page, the catalog rules'
    findings (``tail``) and its links, counted."""

    __slots__ = ("keys", "layout", "links", "reads", "sources", "tail")

    def __init__(
        self,
        keys: tuple[str, ...],
        layout: Layout,
        tail: tuple[Finding, ...],
        links: LinkCounts,
        sources: tuple[str, ...],
        reads: dict[str, str | None],
    ) -> None:
        self.keys = keys
        self.layout = layout
        self.tail = tail
        self.links = links
        self.sources = sources
        self.reads = reads


class RunMemo:
    """The memo of one run: its page keys and site tree (made once, for the run to use
    too), the key of its inputs, and ``get``/``put``."""

    def __init__(
        self,
        cache: PageCache,
        plan: PagePlan,
        identity: tuple[Any, ...],
        catalog: Catalog | None,
        catalog_findings: Sequence[Finding],
        root_dir: str | None,
    ) -> None:
        from flowcatalog.pipeline.page_cache import framed
        from flowcatalog.pipeline.site import site_top

        self._cache = cache
        self._plan = plan
        self._catalog = catalog
        #: each page's key, for the run to use (``lint_planned``)
        self.keys = cache.page_keys(plan.work)
        #: where the internal-link check lists the site's files (None: no pages), and that
        #: listing (None: too many files to list), for the run to use
        #: each page's absolute path, in plan order (``plan.work`` is in the same order)
        self.located = [os.path.abspath(f) for f in plan.files]
        self.top = site_top(self.located, root_dir) if plan.files else None
        tree = list_tree(self.top) if self.top is not None else None
        self.site: SiteTree | None = None if tree is None or self.top is None else (self.top, *tree)
        #: every other page the internal-link check read, with the digest of its bytes
        self.reads: dict[str, str | None] = {}
        here = os.getcwd()
        self._slot = _hex(repr(("run-memo", cache.code, here, identity)))
        self._patch_slot = _hex(repr(("run-patch", cache.code, here, identity)))
        hasher = hashlib.blake2b(digest_size=20)
        parts: list[str] = [
            FORMAT,
            cache.code,
            here,
            repr(identity),
            repr(catalog),
            repr(tuple(catalog_findings)),
            repr(plan.findings),
            repr(plan.files),
        ]
        #: the repository the site's top is in (what the check reads inside of)
        self._repository = repository_root(self.top) if self.top is not None else None
        if self.top is not None and self._repository is not None:
            parts += [self.top, self._repository]
        if self.site is None:
            parts.append("no site tree")
        else:
            _, files, dirs = self.site
            parts += ["\0".join(sorted(files)), "\0".join(sorted(dirs))]
        for part in parts:
            hasher.update(framed(part))
        #: every input but the page keys
        self._base = hasher.hexdigest()
        hasher.update(framed("\n".join("" if key is None else key for key in self.keys)))
        self._state = hasher.hexdigest()
        self.usable = None not in self.keys

    def on_read(self, path: str) -> None:
        """Note a page the internal-link check is about to read for its ids, or to leave
        unread as it resolves outside the repository (``lint_planned``)."""
        if path not in self.reads:
            self.reads[path] = self._state_of(path)

    def _state_of(self, path: str) -> str | None:
        """What the check would find of a page it consults: ``OUTSIDE`` the repository (a
        symlink out of it: never read, so never hashed either), else the digest of its
        bytes (None: unreadable)."""
        if self._repository is None or not contained(path, self._repository):
            return OUTSIDE
        return _file_digest(path)

    def get(self) -> Remembered | None:
        """The remembered report when every input is as it was, else None."""
        if not self.usable:
            return None
        blob = self._cache.get_blob(self._slot)
        if blob is None:
            return None
        try:
            tag, state, reads, findings_blob, sources, count, figma = marshal.loads(blob)
            if tag != FORMAT or state != self._state:
                return None
            if any(self._state_of(path) != state for path, state in reads):
                return None
            decoded = page_codec.decode(findings_blob)
            if decoded is None or not isinstance(sources, tuple):
                return None
            findings = decoded[0]
            if not isinstance(count, int) or not isinstance(figma, int):
                return None
        except (ValueError, TypeError, EOFError):
            return None
        self._cache.memo_hits += 1
        return self._remembered(findings, count, figma, sources)

    def previous(self) -> Previous | None:
        """What the last run of these inputs but for its page keys kept for a patch (None:
        nothing usable, or an input other than the pages' bytes changed)."""
        if not self.usable:
            return None
        blob = self._cache.get_blob(self._patch_slot)
        if blob is None:
            return None
        try:
            tag, base, keys, reads, findings_blob, sizes, consulted, paged, links, sources = (
                marshal.loads(blob)
            )
            if tag != FORMAT or base != self._base or len(keys) != len(self.keys):
                return None
            if any(self._state_of(path) != state for path, state in reads):
                return None
            decoded = page_codec.decode(findings_blob)
            if decoded is None:
                return None
            flat = iter(decoded[0])
            count = len(keys)
            if len(sizes) != 2 * count + 2 or len(consulted) != count or len(paged) != count:
                return None
            parts = [tuple(next(flat) for _ in range(size)) for size in sizes]
            layout = Layout(
                tuple(parts[:count]),
                parts[count],
                tuple(parts[count + 1 : 2 * count + 1]),
                tuple(consulted),
                tuple(paged),
            )
            if not isinstance(links, dict) or not isinstance(sources, tuple):
                return None
            return Previous(tuple(keys), layout, parts[-1], links, sources, dict(reads))
        except (ValueError, TypeError, EOFError, StopIteration):
            return None

    def put(
        self,
        findings: Sequence[Finding],
        links: Sequence[LinkGroup] | LinkCounts,
        sources: Sequence[str],
        layout: Layout | None = None,
        tail: Sequence[Finding] = (),
    ) -> None:
        """Remember a report made from these inputs (unless one of them changed meanwhile),
        and, given its ``layout`` and the catalog rules' findings (``tail``), what a later
        run needs to patch it. ``links``: the report's link groups, or their counts."""
        if not self.usable or self._cache.unsteady:
            return
        if any(self._state_of(path) != state for path, state in self.reads.items()):
            return  # a page read for its ids changed during the run
        counts = links if isinstance(links, dict) else link_counts(links)
        reads = tuple(self.reads.items())
        blob = marshal.dumps(
            (
                FORMAT,
                self._state,
                reads,
                page_codec.encode(tuple(findings), None),
                tuple(sources),
                len(counts),
                _figma_count(counts),
            )
        )
        self._cache.put_blob(self._slot, blob)
        if layout is None:
            return
        flat = [*layout.findings(), *tail]
        sizes = (
            *map(len, layout.own),
            len(layout.drift),
            *map(len, layout.internal),
            len(tail),
        )
        patch = marshal.dumps(
            (
                FORMAT,
                self._base,
                tuple("" if key is None else key for key in self.keys),
                reads,
                page_codec.encode(tuple(flat), None),
                sizes,
                layout.consulted,
                layout.paged,
                counts,
                tuple(sources),
            )
        )
        self._cache.put_blob(self._patch_slot, patch)

    def patched(self) -> None:
        """Count a report made by patching the last run's (``run_patch``)."""
        self._cache.memo_patches += 1

    def remembered(
        self, findings: tuple[Finding, ...], counts: LinkCounts, sources: tuple[str, ...]
    ) -> Remembered:
        """A report of these inputs whose link groups are made only when read."""
        return self._remembered(findings, len(counts), _figma_count(counts), sources)

    def _remembered(
        self, findings: tuple[Finding, ...], count: int, figma: int, sources: tuple[str, ...]
    ) -> Remembered:
        """A report of ``count`` links (``figma`` of them Figma links), made from the page
        results the memo's page keys name when something reads them."""
        load = _loader(self._cache.path, self._plan, self.keys, self._catalog)
        return Remembered(findings, LinkGroups(count, figma, load), sources)


def link_counts(groups: Sequence[LinkGroup]) -> LinkCounts:
    """How many times each distinct link occurs, and whether it is a Figma link."""
    return {group.normalised: (len(group.occurrences), group.figma is not None) for group in groups}


def _figma_count(counts: LinkCounts) -> int:
    return sum(1 for _, is_figma in counts.values() if is_figma)


def _loader(
    path: Path, plan: PagePlan, keys: Sequence[str | None], catalog: Catalog | None
) -> Callable[[], tuple[LinkGroup, ...]]:
    """Makes the link groups of a remembered report as the run that stored it did: the
    catalog's links, then each page's, from the page results the memo's page keys name (a
    page the cache lost meanwhile is linted again), grouped by ``collect_links``. The page
    cache is opened again for it: the run's own is closed by the time an output asks."""

    def load() -> tuple[LinkGroup, ...]:
        from flowcatalog.pipeline.page_cache import PageCache
        from flowcatalog.pipeline.pages import lint_work

        cache = PageCache(path)
        try:
            pages, _ = lint_work(plan.work, None, cache, keys)
        finally:
            cache.close()
        links = [*catalog.links()] if catalog is not None else []
        links.extend(link for page in pages for link in page.links)
        return collect_links(links)

    return load


def _hex(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()


def _file_digest(path: str) -> str | None:
    """The digest of a file's bytes; None when it cannot be read (or is too big to)."""
    from flowcatalog.errors import InputError
    from flowcatalog.fsio import read_source

    try:
        data, size = read_source(path, limit=_MAX_READ_BYTES, what="page")
    except InputError:
        return None
    if size > _MAX_READ_BYTES:
        return "too big"
    return hashlib.blake2b(data, digest_size=20).hexdigest()
