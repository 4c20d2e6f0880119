"""Handbook pages: the common types, byte decoding, file-type dispatch and path expansion.

A page is read once (``read_page``), decoded (BOM and CRLF kept as they are, bad bytes turned
into a finding with their offset) and handed to the parser for its type: Markdown
(``page_markdown``) or HTML (``page_html``). Both give a ``PageDoc``: every link with its
1-based line and column and the heading path it sits under, the headings, the list items and
the rendered text runs that the page rules look at.

Only this module (reading pages) touches the filesystem among the page modules' helpers; the
parsers and the rules are pure.
"""

from __future__ import annotations

import glob
import os
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from itertools import accumulate
from typing import BinaryIO

from flowcatalog.errors import InputError
from flowcatalog.figma_url import UrlAnalysis, UrlKind, analyse
from flowcatalog.findings import Finding, Severity
from flowcatalog.model import Catalog, FigmaRef, Link, Location

#: Pages larger than this are refused with a finding instead of being parsed.
MAX_PAGE_BYTES = 20 * 1024 * 1024
MARKDOWN_SUFFIXES = (".md.erb", ".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
PAGE_SUFFIXES = MARKDOWN_SUFFIXES + HTML_SUFFIXES
_GLOB_CHARS = re.compile(r"[*?\[]")

#: what the report needs of a URL, by URL: its normalised form and its Figma identity
Analysed = dict[str, tuple[str, FigmaRef | None]]


#: a plain web link whose analysis is known without parsing it: http(s), a lower-case host
#: of valid labels (none over 63 characters), no user, no port, not figma.com, nothing
#: that is white space or a control character (``figma_url.analyse`` says WEB, no problem)
_PLAIN_WEB = re.compile(
    r"https?://(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:[/?#][^\s\x00-\x1f\x7f]*)?"
)
_PLAIN_WEB_MAX = 8192  # figma_url.MAX_URL_LENGTH


@lru_cache(maxsize=65536)
def analyse_url(url: str) -> UrlAnalysis:
    """``figma_url.analyse``, remembered (pages cite the same URL many times), with a short
    cut for the most common kind of link, a plain web link (``_PLAIN_WEB``)."""
    if len(url) <= _PLAIN_WEB_MAX and _PLAIN_WEB.fullmatch(url):
        host = url[url.index("//") + 2 :]
        for stop in "/?#":
            host = host.partition(stop)[0]
        if host != "figma.com" and not host.endswith(".figma.com"):
            return UrlAnalysis(url, UrlKind.WEB)
    return analyse(url)


#: HTML elements whose attribute is a link of the page (raw HTML in Markdown, .html pages)
LINK_ATTRIBUTES = {
    "a": "href",
    "area": "href",
    "iframe": "src",
    "img": "src",
    "embed": "src",
    "source": "src",
    "video": "src",
    "audio": "src",
}
#: one attribute of a start tag: name, then an optional quoted or bare value
HTML_ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")


class LinkKind(StrEnum):
    """How a link is written in the page."""

    INLINE = "inline"
    REFERENCE = "reference"
    AUTOLINK = "autolink"
    BARE = "bare"
    IMAGE = "image"
    HTML = "html"
    TEMPLATE = "template"  # quoted in a shortcode, ERB or Liquid tag: {{< figma "https://..." >}}


class LineIndex:
    """Turns byte offsets of one text into 1-based line and character column.

    The table of line starts is built once; each look-up is a bisection. Lines end at
    ``\\n``, ``\\r\\n`` or a lone ``\\r``; columns count characters, not bytes.
    """

    __slots__ = ("_ascii", "_data", "_starts", "path")

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self._data = text.encode("utf-8", "surrogatepass")
        self._ascii = text.isascii()
        # bytes.splitlines ends lines at \n, \r\n and \r, as CommonMark does
        self._starts = [0, *accumulate(map(len, self._data.splitlines(keepends=True)))]
        if self._data and not self._data.endswith((b"\n", b"\r")):
            self._starts.pop()  # the end of a last line without a line break starts nothing

    @property
    def data(self) -> bytes:
        return self._data

    def line_col(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, len(self._data)))
        line = bisect_right(self._starts, offset)
        start = self._starts[line - 1]
        if self._ascii:
            return line, offset - start + 1
        return line, len(self._data[start:offset].decode("utf-8", "replace")) + 1

    def location(self, offset: int) -> Location:
        """``line_col`` as a ``Location`` (the same steps, inlined: links need one each)."""
        data = self._data
        offset = max(0, min(offset, len(data)))
        line = bisect_right(self._starts, offset)
        start = self._starts[line - 1]
        if self._ascii:
            return Location(self.path, line, offset - start + 1)
        return Location(self.path, line, len(data[start:offset].decode("utf-8", "replace")) + 1)

    def text(self, start: int, end: int) -> str:
        """The characters between two byte offsets."""
        return self._data[start:end].decode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class PageLink:
    """One link of a page where it really stands.

    ``location`` is where the link is written (the ``[`` of an inline or reference link, the
    ``<`` of an autolink, the first character of a bare URL, the attribute name of an HTML
    ``href``/``src``); ``definition`` is where a reference link's target is defined.
    ``hidden`` marks a link inside an HTML comment: not a link of the rendered page.
    """

    url: str
    location: Location
    text: str
    context: tuple[str, ...]
    kind: LinkKind
    definition: Location | None = None
    hidden: bool = False
    has_image: bool = False
    element: str = ""

    def to_link(self) -> Link:
        """The link as the report knows it, with its Figma identity when it has one."""
        return Link(self.url, self.location, self.text, self.context, analyse_url(self.url).figma)


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading; ``has_content`` says whether anything rendered follows it before the next
    heading of any level (its own text does not count)."""

    level: int
    text: str
    location: Location
    path: tuple[str, ...]
    has_content: bool


@dataclass(frozen=True, slots=True)
class ListItem:
    """A list item; ``empty`` when it renders nothing at all (``1. `` and nothing after it)."""

    location: Location
    text: str
    context: tuple[str, ...]
    empty: bool
    ordered: bool


@dataclass(frozen=True, slots=True)
class TextRun:
    """Rendered text of one block, joined from its pieces, with where each piece stands.

    ``pieces`` holds ``(offset in text, byte start, byte end, outside links)`` per piece; a
    byte end of -1 marks a piece that stands for something else (a line break, inline code).
    A piece whose bytes are its text character for character (no entity, no escape) gives
    exact positions inside it. Code, template tags, kramdown attribute lists and comments
    are never part of a run.
    """

    text: str
    pieces: tuple[tuple[int, int, int, bool], ...]
    context: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PageDoc:
    """Everything the page rules need to know about one page."""

    path: str
    kind: str
    links: tuple[PageLink, ...]
    hidden_links: tuple[PageLink, ...]
    headings: tuple[Heading, ...]
    items: tuple[ListItem, ...]
    texts: tuple[TextRun, ...]
    problems: tuple[Finding, ...]
    index: LineIndex

    def locate(self, run: TextRun, offset: int) -> Location:
        """Location of character ``offset`` of ``run``."""
        if not run.pieces:
            return Location(self.path)
        starts = [piece[0] for piece in run.pieces]
        i = max(0, bisect_right(starts, offset) - 1)
        piece_offset, byte_start, byte_end, _ = run.pieces[i]
        stop = run.pieces[i + 1][0] if i + 1 < len(run.pieces) else len(run.text)
        value = run.text[piece_offset:stop].encode("utf-8", "surrogatepass")
        if byte_end >= 0 and self.index.data[byte_start:byte_end] == value:
            byte_start += len(run.text[piece_offset:offset].encode("utf-8", "surrogatepass"))
        return self.index.location(byte_start)

    def model_links(self) -> tuple[Link, ...]:
        """The page's links (not those hidden in comments) as report links."""
        return tuple(link.to_link() for link in self.links)


# --- reading and decoding -------------------------------------------------------------------


def page_type(path: str) -> str | None:
    """``markdown``, ``html`` or None for a file that is not a page, by its name."""
    name = path.lower()
    if name.endswith(MARKDOWN_SUFFIXES):
        return "markdown"
    if name.endswith(HTML_SUFFIXES):
        return "html"
    return None


def _fatal(path: str, rule: str, message: str, location: Location | None = None) -> Finding:
    return Finding(rule, Severity.ERROR, message, location or Location(path), subject=path)


def decode_page(path: str, data: bytes) -> tuple[str | None, tuple[Finding, ...]]:
    """Decode a page's bytes as UTF-8 (a BOM is dropped, line endings are kept).

    Returns the text, or None and the finding that says why the page cannot be read: too
    large, binary (a NUL byte) or not UTF-8 (with the byte offset of the first bad byte).
    """
    if len(data) > MAX_PAGE_BYTES:
        return None, (
            _fatal(
                path,
                "page-too-large",
                f"page is {len(data)} bytes; pages over {MAX_PAGE_BYTES} bytes are not read",
            ),
        )
    nul = data.find(b"\0")
    if nul >= 0:
        return None, (
            _fatal(path, "page-binary", f"binary file (NUL byte at byte offset {nul}); not a page"),
        )
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        return body.decode("utf-8"), ()
    except UnicodeDecodeError as exc:
        bad = exc.start + (len(data) - len(body))
        good = data[:bad].decode("utf-8-sig", "replace")
        line = good.count("\n") + 1
        column = len(good) - (good.rfind("\n") + 1) + 1
        return None, (
            _fatal(
                path,
                "page-encoding",
                f"not valid UTF-8: byte 0x{data[bad]:02x} at byte offset {bad}",
                Location(path, line, column),
            ),
        )


def parse_page(path: str, text: str, *, run_keys: Sequence[str] | None = None) -> PageDoc:
    """Parse decoded page text by its file type (Markdown unless the name says HTML).

    ``run_keys`` asks for a lean document, enough for the page rules (see
    ``page_markdown.parse_markdown``); HTML pages are always parsed in full.
    """
    if page_type(path) == "html":
        from flowcatalog.page_html import parse_html

        return parse_html(path, text)
    from flowcatalog.page_markdown import parse_markdown

    return parse_markdown(path, text, run_keys=run_keys)


def read_page(
    path: str, *, run_keys: Sequence[str] | None = None
) -> tuple[PageDoc | None, tuple[Finding, ...]]:
    """Read and parse one page; unreadable bytes are findings, a missing file an InputError."""
    try:
        with open(path, "rb") as handle:
            data = _read_head(handle, MAX_PAGE_BYTES + 1)
    except FileNotFoundError:
        raise InputError("no such page", location=path) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a page", location=path) from None
    except OSError as exc:
        raise InputError(f"cannot read page: {exc.strerror or exc}", location=path) from None
    text, problems = decode_page(path, data)
    if text is None:
        return None, problems
    return parse_page(path, text, run_keys=run_keys), problems


def _read_head(handle: BinaryIO, limit: int) -> bytes:
    """The first ``limit`` bytes of a file (all of it when shorter).

    ``read(limit)`` alone would allocate ``limit`` bytes for every page, however small; the
    file's size (when it has one) says how much to ask for, plus one byte to notice growth.
    """
    size = os.fstat(handle.fileno()).st_size
    if not 0 < size < limit:
        return handle.read(limit)
    data = handle.read(size + 1)
    if len(data) > size:  # it grew since: read on, up to the limit
        data += handle.read(limit - len(data))
    return data


def load_pages(paths: Iterable[str]) -> tuple[list[PageDoc], list[Finding]]:
    """Read and parse every page ``paths`` names (see ``expand_paths``)."""
    docs: list[PageDoc] = []
    findings: list[Finding] = []
    for path in expand_paths(paths):
        doc, problems = read_page(path)
        findings.extend(problems)
        if doc is not None:
            docs.append(doc)
    return docs, findings


def expand_paths(paths: Iterable[str]) -> list[str]:
    """Files as given, directories searched recursively for pages, globs expanded.

    A missing path, a glob matching no page or a file of another type named explicitly is an
    ``InputError``. Dot-directories (``.git``) and ``node_modules`` are skipped. Each page is
    listed once, in the order first met; directory contents are sorted.
    """
    found: dict[str, None] = {}
    for raw in paths:
        if os.path.isdir(raw):
            found.update(dict.fromkeys(_walk(raw)))
        elif os.path.exists(raw):
            if page_type(raw) is None:
                raise InputError(
                    "not a page; expected .md, .markdown, .md.erb or .html", location=raw
                )
            found[raw] = None
        elif _GLOB_CHARS.search(raw):
            matches = sorted(glob.glob(raw, recursive=True))
            pages: list[str] = []
            for match in matches:
                if os.path.isdir(match):
                    pages.extend(_walk(match))
                elif page_type(match) is not None:
                    pages.append(match)
            if not pages:
                raise InputError("no page matches this pattern", location=raw)
            found.update(dict.fromkeys(pages))
        else:
            raise InputError("no such file or directory", location=raw)
    return list(found)


def _walk(top: str) -> list[str]:
    pages: list[str] = []
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "node_modules")
        pages.extend(os.path.join(root, name) for name in sorted(files) if page_type(name))
    return pages


def page_links(docs: Sequence[PageDoc]) -> list[Link]:
    """Every visible link of ``docs`` as report links, page by page in reading order."""
    return [link for doc in docs for link in doc.model_links()]


@dataclass(frozen=True, slots=True)
class PageLinks:
    """A page reduced to what the drift rules and the report need: its path and links."""

    path: str
    links: tuple[PageLink, ...]
    model: tuple[Link, ...] = ()  # the links as the report knows them, made where parsed

    def model_links(self) -> tuple[Link, ...]:
        return self.model or tuple(link.to_link() for link in self.links)


@dataclass(frozen=True, slots=True)
class PageLint:
    """What linting pages adds to a check run: findings, the pages' links, the files read."""

    findings: tuple[Finding, ...]
    links: tuple[Link, ...]
    sources: tuple[str, ...]
    #: normalised form and Figma identity of each link URL, for ``pipeline.collect_links``
    analysed: Analysed = field(default_factory=dict, compare=False)


def catalog_page_paths(catalog: Catalog) -> list[tuple[str, Location]]:
    """The files of the pages a catalog lists, relative to the catalog's directory."""
    base = os.path.dirname(catalog.path)
    return [
        (os.path.normpath(os.path.join(base, page.path)), page.location)
        for page in catalog.pages
        if page.path
    ]


#: below this many pages, or with one CPU, pages are linted in this process
PARALLEL_MIN_PAGES = 32


def lint_pages(
    paths: Sequence[str],
    catalog: Catalog | None,
    placeholders: Sequence[str] | None = None,
    *,
    skip: Sequence[str] = (),
    jobs: int | None = None,
) -> PageLint:
    """Read and check pages: the ``paths`` given (files, directories, globs) or, with none,
    the pages the catalog lists (a listed page that does not exist is a finding).

    Paths in ``skip`` (the catalog file itself, which pre-commit passes along with the
    changed pages) are not pages; when only they were given, the catalog's pages are linted.
    Many pages are read, parsed and checked in worker processes (``jobs``: the number of
    processes, default one per CPU); the drift rules then compare all of them at once.
    """
    from flowcatalog.page_rules import drift, resolve_placeholders

    if skip:
        skipped = {os.path.abspath(p) for p in skip}
        paths = [p for p in paths if os.path.abspath(p) not in skipped]
    findings: list[Finding] = []
    if paths:
        files = expand_paths(paths)
    else:
        files = []
        for path, where in catalog_page_paths(catalog) if catalog is not None else []:
            if os.path.isfile(path):
                files.append(path)
                continue
            findings.append(
                Finding(
                    "page-not-found",
                    Severity.ERROR,
                    f"page {path!r} listed in the catalog does not exist",
                    where,
                    subject=path,
                )
            )
    analysed: Analysed = {}
    pages, page_findings = lint_files(
        files,
        resolve_placeholders(catalog, placeholders),
        jobs,
        keep_links=catalog is not None,
        analysed=analysed,
    )
    findings.extend(page_findings)
    if catalog is not None:
        findings.extend(drift(pages, catalog))
    links = [link for page in pages for link in page.model_links()]
    return PageLint(tuple(findings), tuple(links), tuple(page.path for page in pages), analysed)


def lint_files(
    files: Sequence[str],
    placeholders: Sequence[str],
    jobs: int | None = None,
    *,
    keep_links: bool = True,
    analysed: Analysed | None = None,
) -> tuple[list[PageLinks], list[Finding]]:
    """Read, parse and check (all but drift) each file, in order, maybe in parallel.

    With many files, ``jobs - 1`` forked processes each take a share of them (balanced by
    size) while this process does its own share; a share's results come back compact
    (tuples of plain values) and are made into objects here. Without ``keep_links`` the
    pages come back with their report links only (what drift needs is left out).
    ``analysed`` receives each link URL's normalised form and Figma identity, so that the
    report does not have to work them out again.
    """
    from flowcatalog import page_markdown, page_rules  # noqa: F401  (imported once, pre-fork)

    if jobs is None:
        jobs = min(8, os.cpu_count() or 1)
    if analysed is None:
        analysed = {}
    work = [(path, tuple(placeholders), keep_links) for path in files]
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
            analysed.update(result.analysed)
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
    analysed: Analysed = field(default_factory=dict)


_Work = tuple[str, tuple[str, ...], bool]
#: a ``_Linted`` as plain values: findings, path, page links (kept for drift only),
#: (url, line, column, text, context) per report link, (url, normalised, Figma fields)
#: per distinct URL, and the error
_Compact = tuple[
    tuple[Finding, ...],
    str | None,
    tuple[PageLink, ...],
    tuple[tuple[str, int | None, int | None, str, tuple[str, ...]], ...],
    tuple[tuple[str, str, tuple[str, str, str | None, str | None, str | None] | None], ...],
    tuple[str, str | None] | None,
]


def _lint_one(work: _Work) -> _Linted:
    from flowcatalog.page_rules import page_findings, run_keys

    path, placeholders, keep_links = work
    try:
        doc, problems = read_page(path, run_keys=run_keys(placeholders))
    except InputError as exc:  # crosses a process boundary: sent back as a value
        return _Linted((), None, (exc.message, exc.location))
    if doc is None:
        return _Linted(problems, None)
    found = (*problems, *page_findings(doc, placeholders))
    analysed: Analysed = {}
    model = []
    for link in doc.links:
        known = analysed.get(link.url)
        if known is None:
            analysis = analyse_url(link.url)
            known = analysed[link.url] = (analysis.normalised, analysis.figma)
        model.append(Link(link.url, link.location, link.text, link.context, known[1]))
    kept = doc.links if keep_links else ()
    return _Linted(found, PageLinks(doc.path, kept, tuple(model)), None, analysed)


def _compact(result: _Linted) -> _Compact:
    """A result as plain values: much cheaper to pickle than a tree of dataclasses."""
    page = result.page
    if page is None:
        return (result.findings, None, (), (), (), result.error)
    rows = tuple(
        (link.url, link.location.line, link.location.column, link.text, link.context)
        for link in page.model
    )
    urls = tuple(
        (
            url,
            normalised,
            None
            if figma is None
            else (figma.kind, figma.file_key, figma.node_id, figma.branch_key, figma.version_id),
        )
        for url, (normalised, figma) in result.analysed.items()
    )
    return (result.findings, page.path, page.links, rows, urls, result.error)


def _expand(compact: _Compact) -> _Linted:
    """The result ``_compact`` was made from (equal to it)."""
    findings, path, links, rows, urls, error = compact
    if path is None:
        return _Linted(findings, None, error)
    analysed: Analysed = {
        url: (normalised, None if figma is None else FigmaRef(*figma))
        for url, normalised, figma in urls
    }
    model = tuple(
        Link(url, Location(path, line, column), text, context, analysed[url][1])
        for url, line, column, text, context in rows
    )
    return _Linted(findings, PageLinks(path, links, model), error, analysed)


def _shares(work: Sequence[_Work], count: int) -> list[list[int]]:
    """Split the work into ``count`` shares of about the same number of bytes."""
    sizes = []
    for i, (path, _, _) in enumerate(work):
        try:
            sizes.append((os.path.getsize(path), i))
        except OSError:
            sizes.append((0, i))
    shares: list[list[int]] = [[] for _ in range(count)]
    loads = [0] * count
    for size, i in sorted(sizes, reverse=True):
        least = loads.index(min(loads))
        shares[least].append(i)
        loads[least] += size + 4096  # a page costs something whatever its size
    return [sorted(share) for share in shares]


def _lint_forked(work: Sequence[_Work], jobs: int) -> list[_Linted]:
    """Lint ``work`` in this process and ``jobs - 1`` forked children, results in order.

    A child sends its share's results back pickled through a pipe and exits; a child that
    fails or dies leaves its share to be linted here.
    """
    import pickle
    from contextlib import suppress

    shares = _shares(work, jobs)
    results: list[_Linted | None] = [None] * len(work)
    children: list[tuple[int, int, list[int]]] = []
    try:
        for share in shares[1:]:
            if not share:
                continue
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover  (the child; coverage does not follow a fork)
                code = 1
                try:
                    os.close(read_end)
                    data = pickle.dumps(
                        [_compact(_lint_one(work[i])) for i in share], pickle.HIGHEST_PROTOCOL
                    )
                    with os.fdopen(write_end, "wb") as out:
                        out.write(data)
                    code = 0
                finally:
                    os._exit(code)
            os.close(write_end)
            children.append((pid, read_end, share))
        for i in shares[0]:
            results[i] = _lint_one(work[i])
        while children:
            pid, read_end, share = children[0]
            with os.fdopen(read_end, "rb", closefd=False) as pipe:
                data = pipe.read()
            children.pop(0)
            os.close(read_end)
            _, status = os.waitpid(pid, 0)
            compact: list[_Compact] | None = None
            if status == 0:
                try:
                    compact = pickle.loads(data)
                except Exception:
                    compact = None
            if compact is None or len(compact) != len(share):
                for i in share:  # the child failed: its share is linted here
                    results[i] = _lint_one(work[i])
                continue
            for i, item in zip(share, compact, strict=True):
                results[i] = _expand(item)
    finally:
        for pid, read_end, _ in children:  # only after an exception here
            with suppress(OSError):
                os.close(read_end)
            with suppress(OSError):
                os.kill(pid, 9)
            with suppress(OSError):
                os.waitpid(pid, 0)
    return [result for result in results if result is not None]
