"""Handbook pages: the common types, byte decoding, file-type dispatch and path expansion.

A page is read once (``read_page``), decoded (BOM and CRLF kept as they are, bad bytes turned
into a finding with their offset) and handed to the parser for its type: Markdown
(``page_markdown``) or HTML (``page_html``). Both give a ``PageDoc``: every link with its
1-based line and column and the heading path it sits under, the headings, the list items and
the rendered text runs that the page rules look at.

Files are read through ``fsio`` (the one file reader); the parsers are pure. Linting many
pages, in worker processes, is the pipeline's job (``flowcatalog.pipeline.pages``).
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from flowcatalog.findings import Finding, Rule, Severity
from flowcatalog.model import Catalog, FigmaRef, Link, LinkKind, Location
from flowcatalog.urls import UrlAnalysis, UrlKind, analyse, redact

PAGE_ENCODING = Rule(
    "page-encoding",
    Severity.ERROR,
    "a page that is not valid UTF-8 (the byte offset is given)",
    "pages",
    unread=True,
)
PAGE_BINARY = Rule(
    "page-binary",
    Severity.ERROR,
    "a binary file given as a page",
    "pages",
    unread=True,
)
PAGE_TOO_LARGE = Rule(
    "page-too-large",
    Severity.ERROR,
    "a page over the size limit (20 MB)",
    "pages",
    unread=True,
)
PAGE_UNPARSABLE = Rule(
    "page-unparsable",
    Severity.ERROR,
    "a page the Markdown parser could not read",
    "pages",
    unread=True,
)
PAGE_OUTSIDE_REPOSITORY = Rule(
    "page-outside-repository",
    Severity.ERROR,
    "a page listed in the catalog, or met in a directory walk or glob, that resolves "
    "(symlinks included) outside the repository: not read",
    "pages",
    unread=True,
)

PAGE_FRONT_MATTER_UNTERMINATED = Rule(
    "page-front-matter-unterminated",
    Severity.WARNING,
    "front matter opened with `---` and never closed",
    "pages",
)
PAGE_COMMENT_UNTERMINATED = Rule(
    "page-comment-unterminated",
    Severity.WARNING,
    "an HTML comment never closed: it hides the rest",
    "pages",
)

PAGE_TEMPLATE_UNRENDERED = Rule(
    "page-template-unrendered",
    Severity.WARNING,
    "an ERB tag in a page that is not `.erb`: it is shown as written, not rendered",
    "pages",
)


def template_unrendered(location: Location, head: bytes) -> Finding:
    """page-template-unrendered at an ERB tag (``head``: its first bytes)."""
    shown = head.decode("utf-8", "replace").split()[0] if head.strip() else "<%"
    return PAGE_TEMPLATE_UNRENDERED.finding(
        f"ERB tag {shown!r} is shown as written: this page is not rendered by ERB; rename "
        "the page to .erb or replace the tag",
        location,
        subject=f"erb:{shown}",
    )


#: Pages larger than this are refused with a finding instead of being parsed.
MAX_PAGE_BYTES = 20 * 1024 * 1024
MARKDOWN_SUFFIXES = (".md.erb", ".md", ".markdown", ".mdx")
HTML_SUFFIXES = (".html", ".htm")
PAGE_SUFFIXES = MARKDOWN_SUFFIXES + HTML_SUFFIXES

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


def _identity(url: str) -> tuple[str, FigmaRef | None]:
    """A link's normalised URL and Figma identity.

    Only an http(s) URL can be a Figma file link, and any other URL's normalised form is
    the URL without surrounding white space, so a target that does not start with ``http``
    (a relative link, an anchor, ``mailto:``) needs no analysis at all."""
    stripped = url.strip()
    if stripped[:4].lower() != "http":
        return stripped, None
    analysis = analyse_url(url)
    return analysis.normalised, analysis.figma


class LineIndex:
    """Turns byte offsets of one text into 1-based line and character column.

    The table of line starts is built once; each look-up is a bisection. Lines end at
    ``\\n``, ``\\r\\n`` or a lone ``\\r``; columns count characters, not bytes.
    """

    __slots__ = ("_ascii", "_data", "_starts", "path")

    def __init__(self, path: str, text: str, data: bytes | None = None) -> None:
        """``data``: ``text`` already encoded, when the caller has it."""
        self.path = path
        self._data = text.encode("utf-8", "surrogatepass") if data is None else data
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


def page_link(
    url: str,
    location: Location,
    text: str,
    context: tuple[str, ...],
    kind: LinkKind,
    definition: Location | None = None,
    hidden: bool = False,
    has_image: bool = False,
    element: str = "",
) -> Link:
    """A link of a page where it really stands, with its normalised form and Figma identity
    (``analyse_url``, remembered per distinct URL). See ``model.Link`` for the fields.

    User information in the URL (and in a text that quotes it) is redacted here, where every
    page link is made: ``https://***@host``; no output, report or request carries it."""
    if "@" in url or "@" in text:
        url, text = redact(url), redact(text)
    normalised, figma = _identity(url)
    return Link(
        url,
        location,
        normalised,
        figma,
        text,
        context,
        kind,
        element,
        definition,
        hidden,
        has_image,
    )


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading; ``has_content`` says whether anything rendered follows it before the next
    heading of any level (its own text does not count)."""

    level: int
    text: str
    location: Location
    path: tuple[str, ...]
    has_content: bool
    entry: bool = False  # a heading that is a link, or inside a list item: no section


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
    links: tuple[Link, ...]
    hidden_links: tuple[Link, ...]
    headings: tuple[Heading, ...]
    items: tuple[ListItem, ...]
    texts: tuple[TextRun, ...]
    problems: tuple[Finding, ...]
    index: LineIndex
    #: every id a ``#fragment`` may name on this page (heading ids, declared ids), sorted
    anchors: tuple[str, ...] = ()

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

    def byte_at(self, run: TextRun, offset: int) -> int | None:
        """The byte offset of character ``offset`` of ``run``, when its piece is
        source-exact (no entity, no escape); None when it is not."""
        if not run.pieces:
            return None
        starts = [piece[0] for piece in run.pieces]
        i = max(0, bisect_right(starts, offset) - 1)
        piece_offset, byte_start, byte_end, _ = run.pieces[i]
        stop = run.pieces[i + 1][0] if i + 1 < len(run.pieces) else len(run.text)
        value = run.text[piece_offset:stop].encode("utf-8", "surrogatepass")
        if byte_end < 0 or self.index.data[byte_start:byte_end] != value:
            return None
        return byte_start + len(run.text[piece_offset:offset].encode("utf-8", "surrogatepass"))


# --- reading and decoding -------------------------------------------------------------------


def page_type(path: str) -> str | None:
    """``markdown``, ``html`` or None for a file that is not a page, by its name."""
    name = path.lower()
    if name.endswith(MARKDOWN_SUFFIXES):
        return "markdown"
    if name.endswith(HTML_SUFFIXES):
        return "html"
    return None


def _fatal(path: str, rule: Rule, message: str, location: Location | None = None) -> Finding:
    return rule.finding(message, location or Location(path), subject=path)


def decode_page(
    path: str, data: bytes, *, size: int | None = None
) -> tuple[str | None, tuple[Finding, ...]]:
    """Decode a page's bytes with ``fsio.decode_source`` (the one decoder: UTF-8, a BOM
    dropped, line endings kept); ``size`` is the file's true size when ``data`` is its head.

    Returns the text, or None and the finding that says why the page cannot be read: too
    large (its true size), binary (a NUL byte) or not UTF-8 (the offset, line and column of
    the first bad byte).
    """
    from flowcatalog.fsio import Unreadable, decode_source

    text = decode_source(data, size=size, limit=MAX_PAGE_BYTES, what="page")
    if not isinstance(text, Unreadable):
        return text, ()
    rule = {"too-large": PAGE_TOO_LARGE, "binary": PAGE_BINARY}.get(text.kind, PAGE_ENCODING)
    return None, (_fatal(path, rule, text.message, Location(path, text.line, text.column)),)


@dataclass(frozen=True, slots=True)
class PageLinks:
    """A page reduced to what the drift rules and the report need: its path and links (and,
    when asked for, the links hidden in its comments)."""

    path: str
    links: tuple[Link, ...]
    hidden: tuple[Link, ...] = ()
    anchors: tuple[str, ...] = ()  # the page's ids, for links into it


def catalog_page_paths(catalog: Catalog) -> list[tuple[str, Location]]:
    """The files of the pages a catalog lists, relative to the catalog's directory; only
    those inside the repository (see ``outside_catalog_pages``)."""
    pages, _ = _catalog_pages(catalog)
    return pages


def outside_catalog_pages(catalog: Catalog) -> list[tuple[str, Location]]:
    """The ``pages:`` entries that resolve (symlinks included) outside the repository: the
    git top level above the catalog, or the catalog's directory outside git. They are
    never read."""
    _, outside = _catalog_pages(catalog)
    return outside


def _catalog_pages(
    catalog: Catalog,
) -> tuple[list[tuple[str, Location]], list[tuple[str, Location]]]:
    from flowcatalog.fsio import contained, repository_root

    base = os.path.dirname(catalog.path)
    root = repository_root(base or ".")
    inside: list[tuple[str, Location]] = []
    outside: list[tuple[str, Location]] = []
    for page in catalog.pages:
        if not page.path:
            continue
        path = os.path.normpath(os.path.join(base, page.path))
        (inside if contained(path, root) else outside).append((path, page.location))
    return inside, outside


#: below this many pages, or with one CPU, pages are linted in this process
