"""The internal links of linted pages, checked against the site they are part of: the files
and directories under the site's top (listed once per run) and the heading ids of the pages
(those linted, and others read for their ids only when a link names one of their anchors).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from flowcatalog.errors import InputError
from flowcatalog.findings import Finding
from flowcatalog.fsio import contained, git_top, list_tree, repository_root
from flowcatalog.pages.doc import PageLinks, page_type
from flowcatalog.pages.load import read_page
from flowcatalog.pages.slugs import DEFAULT_SLUG_STYLE

if TYPE_CHECKING:
    from flowcatalog.rules.internal_links import Closest


#: the files and directories under a site's top (``fsio.list_tree``), with that top
SiteTree = tuple[str, frozenset[str], frozenset[str]]


def site_top(paths: Sequence[str], root_dir: str | None) -> str:
    """Where the internal-link check lists files for pages at ``paths`` (absolute): the
    site root when given, else the directory run in when every page is inside it, else the
    pages' common directory (widened to hold them all).

    The directory run in is narrowed to the git repository of the pages when it lies
    above it: ``check ~/project/docs`` from a home directory lists the project, not the
    whole home (seconds of listing, or none at all past ``fsio.MAX_TREE_ENTRIES``, and
    nothing out of the repository is read for its anchors anyway)."""
    dirs = list(dict.fromkeys(map(os.path.dirname, paths)))
    here = os.getcwd()
    if root_dir is not None:
        top = os.path.abspath(root_dir)
    elif all(_inside(d, here) for d in dirs):
        top = here  # pages of the project run in (pre-commit passes a few): list all of it
        repository = git_top(os.path.commonpath(dirs))
        if repository is not None and repository != here and _inside(repository, here):
            top = repository
    else:
        top = os.path.commonpath(dirs)
    if not all(_inside(d, top) for d in dirs):
        top = os.path.commonpath([top, *dirs])
    return top


def _inside(path: str, top: str) -> bool:
    """Whether ``path`` is ``top`` or below it (both absolute and normalised): what
    ``os.path.commonpath([top, path]) == top`` says, said with string methods."""
    return path == top or path.startswith(top if top.endswith(os.sep) else top + os.sep)


def check_internal_links(
    pages: Sequence[PageLinks],
    root_dir: str | None,
    slug_style: str = DEFAULT_SLUG_STYLE,
    suggest: Closest | None = None,
    site_listed: SiteTree | None = None,
    on_read: Callable[[str], None] | None = None,
) -> list[Finding]:
    """Internal-link findings of linted pages: the files under the site root (or the pages'
    common directory) are listed once (``site_listed``: listed already, for the top these
    pages call for, ``site_top``);
    a linked page that was not linted is read for its ids only when a link names one of its
    anchors (``on_read`` is told of each before it is read, or found to resolve outside the
    repository and left unread). ``suggest`` finds each "did you mean" (default:
    ``internal_links.closest``; the page cache offers one that remembers)."""
    by_page = internal_by_page(pages, root_dir, slug_style, suggest, site_listed, on_read)
    return [finding for found, _ in by_page for finding in found]


class Consulted(Mapping[str, tuple[str, ...]]):
    """The ids of the linted pages (by absolute path), noting which pages were asked for
    (``seen``): whose ids a page's internal links depended on."""

    def __init__(self, ids: Mapping[str, tuple[str, ...]]) -> None:
        self._ids = ids
        self.seen: set[str] = set()

    def __getitem__(self, path: str) -> tuple[str, ...]:
        found = self._ids[path]
        self.seen.add(path)
        return found

    def get(self, path: str, default: Any = None) -> Any:
        found = self._ids.get(path)
        if found is None:
            return default
        self.seen.add(path)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


def internal_by_page(
    pages: Sequence[PageLinks],
    root_dir: str | None,
    slug_style: str = DEFAULT_SLUG_STYLE,
    suggest: Closest | None = None,
    site_listed: SiteTree | None = None,
    on_read: Callable[[str], None] | None = None,
    ids: Mapping[str, tuple[str, ...]] | None = None,
) -> list[tuple[list[Finding], frozenset[str]]]:
    """``check_internal_links`` page by page: each page's findings, and the linted pages
    whose ids its links consulted (the pages its findings depend on, beside its own links
    and the site's files). ``ids``: the linted pages' ids by absolute path, when ``pages``
    are only some of them (a run that checks again only the pages a change affects);
    default: those of ``pages``."""
    from flowcatalog.rules.internal_links import Site, closest, internal_link_findings

    if not pages:
        return []
    located = [os.path.abspath(page.path) for page in pages]  # normalised too
    tree: tuple[frozenset[str], frozenset[str]] | None
    if site_listed is not None:
        top, tree = site_listed[0], site_listed[1:]
    else:
        top = site_top(located, root_dir)
        tree = list_tree(top)
    if tree is None:
        return [([], frozenset()) for _ in pages]
    if ids is None:
        ids = {path: page.anchors for path, page in zip(located, pages, strict=True)}
    anchors = Consulted(ids)
    cache: dict[str, tuple[str, ...] | None] = {}

    repository = repository_root(top)

    def more_anchors(path: str) -> tuple[str, ...] | None:
        if path not in cache and on_read is not None:
            on_read(path)
        if path not in cache and not contained(path, repository):
            cache[path] = None  # a symlink out of the repository: never read
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
        closest=closest if suggest is None else suggest,
    )
    out: list[tuple[list[Finding], frozenset[str]]] = []
    for path, page in zip(located, pages, strict=True):
        anchors.seen = set()
        found = list(internal_link_findings([(path, page.links)], site))
        out.append((found, frozenset(anchors.seen)))
    return out
