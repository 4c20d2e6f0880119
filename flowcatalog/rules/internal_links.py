"""Internal links of pages, offline: relative file links, site-absolute links under a root,
index pages, source files of rendered paths, and ``#anchors`` against the target's ids.

Pure: a ``Site`` says which files exist and what ids a page has (the pipeline builds it with
``fsio``); ``internal_link_findings`` turns each page's links into findings.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote

from flowcatalog.findings import Finding, Rule, Severity
from flowcatalog.model import Link
from flowcatalog.pages.slugs import OPEN_ANCHORS
from flowcatalog.rules.link_targets import target_problem

PAGE_LINK_BROKEN = Rule(
    "page-link-broken",
    Severity.ERROR,
    "a relative or site-absolute link to a file or page that does not exist",
    "pages",
)
PAGE_ANCHOR_MISSING = Rule(
    "page-anchor-missing",
    Severity.ERROR,
    "a `#anchor` that names no heading or id of the page it links to",
    "pages",
)
RULES = (PAGE_LINK_BROKEN, PAGE_ANCHOR_MISSING)

#: files a directory link opens, in the order renderers try them
INDEX_NAMES = (
    "index.md",
    "_index.md",
    "index.mdx",
    "index.html.md",
    "index.html.md.erb",
    "index.markdown",
    "index.html",
    "index.html.erb",
    "index.html.haml",
    "index.html.slim",
    "README.md",
    "readme.md",
)
#: source files of a rendered path ``x`` (``/x/``, ``/x.html``)
SOURCE_SUFFIXES = (
    ".md",
    ".mdx",
    ".html.md",
    ".html.md.erb",
    ".md.erb",
    ".markdown",
    ".html",
    ".html.erb",
    ".html.haml",
    ".html.slim",
)
PAGE_NAME = re.compile(r"\.(?:md|mdx|markdown|html?|erb)$", re.IGNORECASE)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


#: the closest of ``candidates`` to a word (``difflib``'s measure, at least ``cutoff``), or None
Closest = Callable[[str, Sequence[str], float], str | None]


def closest(word: str, candidates: Sequence[str], cutoff: float) -> str | None:
    """The "did you mean" of every finding here: ``difflib``'s closest match, the same on
    every run for the same word and candidates (so a run may remember it: ``Site.closest``)."""
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=cutoff)
    return close[0] if close else None


@dataclass(frozen=True, slots=True)
class Site:
    """What exists: every file and directory under ``top`` (absolute, normalised paths),
    the site ``root`` for ``/``-links (None: those are not checked), and page ids."""

    top: str
    files: frozenset[str]
    dirs: frozenset[str]
    root: str | None = None
    anchors: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: ids of a page that was not linted (read on demand), None when it cannot be read
    more_anchors: Callable[[str], tuple[str, ...] | None] = lambda path: None
    #: the tree holds files that are not pages (a checkout; in an extract of pages alone,
    #: links to images and other files cannot be judged)
    has_assets: bool = True
    #: ``closest`` itself, or one that remembers its answers from run to run
    closest: Closest = closest

    def inside(self, path: str) -> bool:
        return path == self.top or path.startswith(self.top.rstrip(os.sep) + os.sep)

    def ids(self, path: str) -> tuple[str, ...] | None:
        found = self.anchors.get(path)
        return found if found is not None else self.more_anchors(path)

    def lowered_ids(self, path: str) -> frozenset[str]:
        """A page's ids in lower case (anchors are matched case-insensitively)."""
        return _lowered(self.ids(path) or ())


def resolve(site: Site, base: str, trailing_slash: bool) -> str | None:
    """The file a link path opens: itself, a directory's index, or the source of a rendered
    path (a folder without an index is itself); None when nothing exists."""
    if not trailing_slash and base in site.files:
        return base
    if base in site.dirs:
        for name in INDEX_NAMES:
            candidate = os.path.join(base, name)
            if candidate in site.files:
                return candidate
    stem = base
    lowered = base.lower()
    if lowered.endswith((".html", ".htm")):
        stem = base[: base.rfind(".")]
        for suffix in (".md", ".md.erb"):
            if base + suffix in site.files:  # x.html -> x.html.md
                return base + suffix
    for suffix in SOURCE_SUFFIXES:
        if stem + suffix in site.files:
            return stem + suffix
    if stem != base and stem in site.dirs:
        return resolve(site, stem, True)
    if base in site.dirs:
        return base  # a folder without an index: code hosts list it
    return None


def _suggest_path(site: Site, base: str) -> str | None:
    """The closest existing sibling of a missing path (by name), or None."""
    parent, name = os.path.split(base.rstrip(os.sep))
    if parent not in site.dirs:
        return None
    siblings = _children(site.files, site.dirs).get(parent, frozenset())
    if not PAGE_NAME.search(name) and "." in name:  # a file: compare whole names
        return site.closest(name, sorted(siblings), 0.75)
    stems = {
        PAGE_NAME.sub("", s).removesuffix(".html"): s
        for s in sorted(siblings)
        if PAGE_NAME.search(s) or "." not in s
    }
    wanted = PAGE_NAME.sub("", name).removesuffix(".html")
    found = site.closest(wanted, list(stems), 0.75)
    return stems[found] if found is not None else None


@functools.lru_cache(maxsize=2)
def _children(files: frozenset[str], dirs: frozenset[str]) -> dict[str, frozenset[str]]:
    """The names directly under each directory of a tree (its files' and directories'
    first segments below it): built once per site, where scanning the whole tree for each
    broken link's siblings was most of a warm run on a large handbook."""
    children: dict[str, set[str]] = {}
    for path in (*files, *dirs):
        head = path
        while True:
            parent, name = os.path.split(head)
            if not name or parent == head:
                break
            known = children.get(parent)
            if known is not None:  # its own ancestors were filed when it was first met
                known.add(name)
                break
            children[parent] = {name}
            head = parent
    return {parent: frozenset(names) for parent, names in children.items()}


def _written_like(url_path: str, name: str) -> str:
    """``url_path`` with its last segment replaced by ``name`` (keeping the author's form:
    no extension when they wrote none)."""
    head, _, last = url_path.rstrip("/").rpartition("/")
    if not PAGE_NAME.search(last):
        name = PAGE_NAME.sub("", name).removesuffix(".html")
    replaced = f"{head}/{name}" if head or url_path.startswith("/") else name
    return replaced + ("/" if url_path.endswith("/") else "")


def internal_link_findings(
    pages: Iterable[tuple[str, Iterable[Link]]], site: Site
) -> Iterator[Finding]:
    """page-link-broken and page-anchor-missing for every relative and site-absolute link.

    PASS (``values.md`` has a heading "Transparency")::

        [values](values.md#transparency) [handbook](/handbook/) [top](#overview)

    FAIL::

        [values](valeus.md) [values](values.md#transparancy)
    """
    for path, links in pages:
        page = os.path.normpath(os.path.abspath(path))
        for link in links:
            finding = _check(site, page, link)
            if finding is not None:
                yield finding


def _check(site: Site, page: str, link: Link) -> Finding | None:
    url = link.url.strip()
    if not url or url == "#" or url.startswith("//") or _SCHEME.match(url):
        return None
    if url.startswith("{") or "{{" in url or "<%" in url or target_problem(url) is not None:
        return None  # a template expression, or a target reported as malformed
    raw_path, _, fragment = url.partition("#")
    raw_path = raw_path.partition("?")[0]
    url_path = unquote(raw_path)
    if not url_path:
        target = page
    else:
        if url_path.startswith("/"):
            if site.root is None:
                return None
            base = os.path.normpath(os.path.join(site.root, url_path.lstrip("/")))
            top = url_path.lstrip("/").split("/")[0]
            if (
                top
                and not _exists_near(site, os.path.join(site.root, top))
                and not _misspelt_section(site, top)
            ):
                return None  # a section the root does not hold: routed or served elsewhere
        else:
            base = os.path.normpath(os.path.join(os.path.dirname(page), url_path))
        if not site.inside(base):
            return None  # outside the files we know of
        found = resolve(site, base, url_path.endswith("/"))
        if found is None and not url_path.startswith("/"):
            found = _from_rendered_url(site, page, url_path)
        if found is None and not site.has_assets and not _page_like(url_path):
            return None  # an image or file where only pages were given: cannot tell
        if found is None:
            close = _suggest_path(site, base) or _respelt_section(site, raw_path)
            shown = (
                (close if close.startswith("/") else _written_like(raw_path, close))
                if close
                else ""
            )
            hint = (
                f"; did you mean {shown!r}?" if close else "; correct the path or remove the link"
            )
            return PAGE_LINK_BROKEN.finding(
                f"link target {raw_path!r} does not exist{hint}",
                link.location,
                url=link.url,
                subject=link.url,
                link=link.normalised,
            )
        target = found
    if not fragment or not PAGE_NAME.search(target):
        return None
    return _check_anchor(site, target, page, raw_path, unquote(fragment), link)


def _exists_near(site: Site, path: str) -> bool:
    """Whether ``path`` exists as a folder, or as a file with or without a source suffix."""
    path = os.path.normpath(path)
    if path in site.dirs or path in site.files:
        return True
    stem = path[: path.rfind(".")] if "." in os.path.basename(path) else path
    return any(stem + suffix in site.files for suffix in SOURCE_SUFFIXES) or stem in site.dirs


def _close_section(site: Site, top: str) -> str | None:
    """The section (first folder under the root) that ``top`` is a slip for, if any
    (``handbok`` for ``handbook``)."""
    if site.root is None:
        return None
    prefix = site.root.rstrip(os.sep) + os.sep
    sections = {p[len(prefix) :].split(os.sep)[0] for p in site.dirs if p.startswith(prefix)}
    return site.closest(top, sorted(sections), 0.8)


def _misspelt_section(site: Site, top: str) -> bool:
    return _close_section(site, top) is not None


def _respelt_section(site: Site, raw_path: str) -> str | None:
    """A site-absolute path with its misspelt section corrected, when that path exists;
    returned as the last segment ``_written_like`` keeps, so the whole path is suggested."""
    if not raw_path.startswith("/") or site.root is None:
        return None
    top, _, rest = raw_path.lstrip("/").partition("/")
    section = _close_section(site, top)
    if section is None or section == top:
        return None
    fixed = os.path.join(site.root, section, unquote(rest))
    if resolve(site, os.path.normpath(fixed), raw_path.endswith("/")) is None:
        return None
    return "/" + section + ("/" + rest if rest else "")


def _from_rendered_url(site: Site, page: str, url_path: str) -> str | None:
    """A relative link as a browser resolves it from the page's pretty URL (``x.md`` is
    served as ``x/``, so ``../y/`` from it means ``y`` beside ``x``), for pages that are not
    index pages."""
    name = os.path.basename(page)
    stem = PAGE_NAME.sub("", PAGE_NAME.sub("", PAGE_NAME.sub("", name)))
    if stem.lower() in ("index", "_index", "readme"):
        return None
    base = os.path.normpath(os.path.join(os.path.dirname(page), stem, url_path))
    return resolve(site, base, url_path.endswith("/")) if site.inside(base) else None


@functools.lru_cache(maxsize=4096)
def _lowered(ids: tuple[str, ...]) -> frozenset[str]:
    return frozenset(i.lower() for i in ids)


def _page_like(url_path: str) -> bool:
    last = url_path.rstrip("/").rpartition("/")[2]
    return url_path.endswith("/") or bool(PAGE_NAME.search(last)) or "." not in last


def _check_anchor(
    site: Site, target: str, page: str, raw_path: str, fragment: str, link: Link
) -> Finding | None:
    if fragment.lower() in ("top", "_top") or fragment.startswith(":~:"):
        return None
    ids = site.ids(target)
    if ids is None or OPEN_ANCHORS in ids:
        return None  # unreadable, or template output may render the id
    if fragment in ids or fragment.lower() in site.lowered_ids(target):
        return None
    close = site.closest(fragment.lower(), [i.lower() for i in ids], 0.75)
    by_lower = {i.lower(): i for i in ids}
    hint = (
        f"; did you mean {raw_path + '#' + by_lower[close]!r}?"
        if close is not None
        else "; link to one of its headings or give the target that id"
    )
    where = "this page" if target == page else repr(raw_path)
    return PAGE_ANCHOR_MISSING.finding(
        f"{where} has no heading or id {'#' + fragment!r}{hint}",
        link.location,
        url=link.url,
        subject=link.url,
        link=link.normalised,
    )
