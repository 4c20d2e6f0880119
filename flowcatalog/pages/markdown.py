"""Markdown pages to ``PageDoc``: links, headings, list items and rendered text, with positions.

The parser is pulldown-cmark through pyromark: its events carry byte ranges, which a
``LineIndex`` turns into 1-based line and character column. Handbook pages are not tidy
CommonMark, so a few things are handled around the parser:

- YAML (``---``) and TOML (``+++``) front matter are metadata blocks: nothing in them counts.
  A metadata block below the top of the page is a finding, and its links are still links.
- kramdown attribute lists (``{:toc}``, ``{:.no_toc}``, ``{:target="_blank"}``), ERB tags
  (``<%= ... %>``), Hugo shortcodes (``{{< ... >}}``, ``{{% ... %}}``) and Liquid tags
  (``{% ... %}``, ``{{ ... }}``) are template syntax: their byte ranges are masked, so they
  are never rendered text, link text, bare URLs or placeholders; what an output tag renders
  is content of its section (ERB only in an ``.erb`` page: elsewhere it is a finding). A
  kramdown ``{::comment}...{:/comment}`` block is masked whole, like an HTML comment.
- MDX pages (``pages.mdx``) have their ESM lines blanked and JSX props as links.
- Link syntax the parser did not read as a link, and an unclosed code fence, are findings
  (``pages.syntax``); heading ids per renderer are the page's ``anchors`` (``pages.slugs``).
- HTML blocks and inline HTML are parsed with ``html.parser``: ``href`` and ``src`` of ``a``,
  ``area``, ``iframe``, ``img``, ``embed``, ``source``, ``video`` and ``audio`` are links, at
  their attribute's own line and column.
- HTML comments hide what is in them: their Markdown is parsed separately and its links come
  back as ``hidden_links`` (not links of the page); their headings and text count for nothing.
- Code (fenced, indented, inline) holds nothing that counts.
- Bare URLs (GFM autolink literals: ``https://...``, ``http://...``, ``www....``) are found in
  rendered text only, outside links.

Size: one event loop over the parser's events and its handler tables; every handler shares
the loop's state (open blocks, the link stack, the text runs), which one class keeps.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache
from itertools import accumulate
from typing import Any

from flowcatalog.findings import Finding
from flowcatalog.model import Link, LinkKind, Location
from flowcatalog.pages import chunks
from flowcatalog.pages.chunks import chunk_bounds
from flowcatalog.pages.doc import (
    PAGE_COMMENT_UNTERMINATED,
    PAGE_FRONT_MATTER_UNTERMINATED,
    PAGE_UNPARSABLE,
    Heading,
    LineIndex,
    ListItem,
    PageDoc,
    TextRun,
    page_link,
    template_unrendered,
)
from flowcatalog.pages.html_tags import TagScanner, line_starts
from flowcatalog.pages.mdx import is_mdx, jsx_links, mdx_source
from flowcatalog.pages.slugs import DEFAULT_SLUG_STYLE, page_anchors
from flowcatalog.pages.syntax import (
    SYNTAX_NEEDLES,
    broken_link_syntax,
    fence_finding,
    fence_unclosed,
    metadata_finding,
    swapped_link,
)

_MASK = re.compile(
    rb"\{::comment\}.{0,100000}?\{:/(?:comment)?\}"  # kramdown comment: hides its content
    rb"|<%.{0,2000}?%>"  # ERB
    rb"|\{\{.{0,2000}?\}\}"  # Hugo shortcodes {{< >}} {{% %}}, Liquid/Go {{ }} output
    rb"|\{%.{0,2000}?%\}"  # Liquid tags
    rb"|\{:[^{}\r\n]{0,2000}\}",  # kramdown attribute and extension lists
    re.DOTALL,
)
_MASK_HINTS = (b"<%", b"{{", b"{:", b"{%")
_TEMPLATE_TAGS = (b"<%", b"{{", b"{%")
#: an absolute URL quoted inside a template tag: what a shortcode or helper renders as a link
_TEMPLATE_URL = re.compile(rb"""["'](https?://[^"'\s<>]+)["']""")
_TEMPLATE = re.compile(r"<%|%>|\{\{|\}\}")
_TEMPLATE_COMMENT = re.compile(rb"\{\{-?\s*/\*")
_LIQUID_OUTPUT = re.compile(rb"\{%-?\s*(?:include|render|include_relative)\b")
_BARE_URL = re.compile(r"(?<![\w/@.:+-])(?:https?://|www\.)[^\s<]+", re.IGNORECASE)
_TRAILING = "?!.,:*_~'\""
_ENTITY_TAIL = re.compile(r"&[A-Za-z0-9]+;$")
_BLOCK_TAGS = frozenset(
    {
        "Paragraph",
        "Heading",
        "BlockQuote",
        "CodeBlock",
        "HtmlBlock",
        "List",
        "Item",
        "FootnoteDefinition",
        "Table",
        "TableHead",
        "TableRow",
        "TableCell",
        "MetadataBlock",
        "DefinitionList",
        "DefinitionListTitle",
        "DefinitionListDefinition",
    }
)
_LONE_CR = re.compile(r"\r(?!\n)")
#: pending text runs are settled whenever they hold this many pieces: a table of millions of
#: cells keeps only the runs the rules need, never every cell at once
_SETTLE_EVERY = 8192
_FRONT_MATTER_KEY = re.compile(rb"\A---[ \t]*\r?\n[A-Za-z_][\w-]*[ \t]*:")


@cache
def _options() -> Any:
    """pyromark's options (made once: combining enum flags is slow)."""
    import pyromark

    o = pyromark.Options
    return (
        o.ENABLE_TABLES
        | o.ENABLE_FOOTNOTES
        | o.ENABLE_STRIKETHROUGH
        | o.ENABLE_TASKLISTS
        | o.ENABLE_GFM
        | o.ENABLE_HEADING_ATTRIBUTES
        | o.ENABLE_YAML_STYLE_METADATA_BLOCKS
        | o.ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS
    )


def _clean(text: str) -> tuple[str, bytes]:
    """``text`` with lone surrogates (never in decoded files, possible in str input) replaced
    by U+FFFD, and its UTF-8 bytes (made by the test, so the page is encoded once)."""
    try:
        return text, text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        return text, text.encode("utf-8")


def parse_markdown(
    path: str,
    text: str,
    *,
    run_keys: Sequence[str] | None = None,
    slug_style: str = DEFAULT_SLUG_STYLE,
) -> PageDoc:
    """Parse Markdown page text into a ``PageDoc``. Never raises on any text.

    With ``run_keys`` (the lower-cased placeholder keys, see ``page_rules.placeholder_keys``)
    the document is lean, made for ``page_rules.page_findings`` alone: it keeps only the
    text runs that hold one of the keys and only the empty list items, the only ones the
    rules look at, so the findings are the same and far fewer objects are made.
    """
    text, data = _clean(text)
    if "\r" in text:  # the parser ends lines at \n only: a lone \r becomes one (same bytes)
        text = _LONE_CR.sub("\n", text)
        data = text.encode("utf-8")
    if is_mdx(path):
        text = mdx_source(text)
        data = text.encode("utf-8")
    index = LineIndex(path, text, data)
    keys = None if run_keys is None else (*run_keys, *SYNTAX_NEEDLES)
    extractor = _Extractor(
        index, text, base=0, hidden=False, context=(), run_keys=keys, data=index.data
    )
    extractor.run()
    problems = list(extractor.problems)
    if not extractor.front_matter and _FRONT_MATTER_KEY.match(index.data):
        problems.append(
            PAGE_FRONT_MATTER_UNTERMINATED.finding(
                "front matter is not closed; expected a line '---' after its last key",
                Location(path, 1, 1),
                subject="front-matter",
            )
        )
    doc = PageDoc(
        path=path,
        kind="markdown",
        links=tuple(sorted(extractor.links, key=_position)),
        hidden_links=tuple(sorted(extractor.hidden, key=_position)),
        headings=tuple(h.freeze() for h in extractor.headings),
        items=tuple(extractor.items),
        texts=tuple(extractor.runs),
        problems=tuple(problems),
        index=index,
        anchors=page_anchors(extractor.heading_ids, text, slug_style, open_=extractor.rendered),
    )
    return _with_syntax(doc)


def _with_syntax(doc: PageDoc) -> PageDoc:
    """The page with its broken link syntax as problems and the links it meant added."""
    problems: list[Finding] = []
    meant: list[Link] = []
    cut: set[tuple[int | None, str]] = set()
    for run in doc.texts:
        if not any(needle in run.text for needle in SYNTAX_NEEDLES):
            continue

        def locate(offset: int, run: TextRun = run) -> tuple[Location, int | None]:
            return doc.locate(run, offset), doc.byte_at(run, offset)

        for finding, intended in broken_link_syntax(run.text, locate):
            problems.append(finding)
            if finding.subject.startswith("space:"):  # the bare URL is only half the target
                cut.add((finding.location.line, finding.subject[6:].split()[0]))
            if intended is not None and not intended[0].lower().startswith(("http", "www.")):
                target, byte, text = intended  # absolute ones are bare URLs already
                where = doc.index.location(byte)
                meant.append(page_link(target, where, text, run.context, LinkKind.INLINE))
    for link in doc.links:
        if link.kind in (LinkKind.INLINE, LinkKind.REFERENCE):
            swapped = swapped_link(link.text, link.url, link.location)
            if swapped is not None:
                problems.append(swapped)
                meant.append(
                    page_link(link.text, link.location, link.text, link.context, link.kind)
                )
    if not problems:
        return doc
    kept = [
        link
        for link in doc.links
        if link.kind is not LinkKind.BARE or (link.location.line, link.text) not in cut
    ]
    return replace(
        doc,
        links=tuple(sorted((*kept, *meant), key=_position)),
        problems=(*doc.problems, *problems),
    )


def _position(link: Link) -> tuple[int, int]:
    return (link.location.line or 0, link.location.column or 0)


class _OpenHeading:
    __slots__ = ("entry", "has_content", "level", "location", "path", "text")

    def __init__(self, level: int, text: str, location: Location, path: tuple[str, ...]) -> None:
        self.level = level
        self.text = text
        self.location = location
        self.path = path
        self.has_content = False
        self.entry = False

    def freeze(self) -> Heading:
        return Heading(
            self.level, self.text, self.location, self.path, self.has_content, self.entry
        )


@dataclass(slots=True)
class _OpenLink:
    url: str
    kind: LinkKind
    start: int
    text: list[str]
    definition: Location | None = None
    has_image: bool = False
    image: bool = False


@dataclass(slots=True)
class _OpenItem:
    start: int
    ordered: bool
    text: list[str]
    has_content: bool = False


class _Extractor:
    """One pass over pyromark's events of ``text``; byte offsets are shifted by ``base``."""

    def __init__(
        self,
        index: LineIndex,
        text: str,
        *,
        base: int,
        hidden: bool,
        context: tuple[str, ...],
        run_keys: tuple[str, ...] | None = None,
        data: bytes | None = None,
    ) -> None:
        self.index = index
        self.text = text
        self.data = text.encode("utf-8") if data is None else data  # ``data``: text, encoded
        self.base = base
        self.hidden_mode = hidden
        self.links: list[Link] = []
        self.hidden: list[Link] = []
        self.headings: list[_OpenHeading] = []
        self.items: list[ListItem] = []
        self.runs: list[TextRun] = []
        self.problems: list[Finding] = []
        self.front_matter = False
        self.heading_ids: list[tuple[str, str | None]] = []  # (text, explicit id) per heading
        self.rendered = False  # template output renders part of the page (ids unknown)
        self._explicit_id: str | None = None
        self._outer_context = context
        self._stack: list[tuple[int, str]] = []
        self._context: tuple[str, ...] = context
        self._masks: list[tuple[int, int]] = []
        self._mask_starts: list[int] = []
        self._template_masks_done: set[int] = set()
        self._definitions: dict[str, Location] | None = None
        self._links: list[_OpenLink] = []
        self._items: list[_OpenItem] = []
        self._lists: list[bool] = []
        self._heading: tuple[int, int, list[str]] | None = None
        self._heading_linked = False
        self._erb_page = index.path.lower().endswith(".erb")
        self._mdx = is_mdx(index.path)
        self._run_text: list[str] = []
        self._run_pieces: list[tuple[int, int, bool]] = []  # (byte start, byte end, bare)
        self._run_keys = run_keys  # lean: keep only runs holding one of these, empty items
        self._shortest = 0 if run_keys is None else min(len(k) for k in (*run_keys, "http", "www."))
        #: runs ended but not settled yet: text, its pieces' texts and places, context
        self._pending: list[
            tuple[str, tuple[str, ...], tuple[tuple[int, int, bool], ...], tuple[str, ...]]
        ] = []
        self._pending_pieces = 0  # pieces held by ``_pending``
        self._marked = False  # content already marked since the last heading or item opened
        self._skip = 0  # inside code blocks and metadata blocks
        self._html_anchor: _OpenLink | None = None

    # --- helpers -------------------------------------------------------------------------

    def context(self) -> tuple[str, ...]:
        return self._context

    def loc(self, offset: int) -> Location:
        return self.index.location(self.base + offset)

    def _mark_content(self) -> None:
        if self._heading is not None or self._marked:
            return  # a heading's own text is not content of the section above it
        if self.headings:
            self.headings[-1].has_content = True
        for item in self._items:
            item.has_content = True
        self._marked = True

    def _compute_masks(self) -> None:
        self._masks = mask_spans(self.data)
        self._mask_starts = [start for start, _ in self._masks]

    def _masked(self, offset: int) -> bool:
        if not self._masks:
            return False
        i = bisect_right(self._mask_starts, offset) - 1
        return i >= 0 and self._masks[i][0] <= offset < self._masks[i][1]

    def _overlaps_mask(self, start: int, end: int) -> bool:
        i = bisect_left(self._mask_starts, end) - 1
        return i >= 0 and self._masks[i][1] > start

    def _unmasked(self, start: int, end: int, value: str) -> Iterator[tuple[int, int, str]]:
        """Pieces of a text event outside template masks: (byte start, byte end, text)."""
        i = max(0, bisect_right(self._mask_starts, start) - 1)
        overlapping = []
        while i < len(self._masks) and self._masks[i][0] < end:
            if self._masks[i][1] > start:
                overlapping.append(self._masks[i])
            i += 1
        if not overlapping:
            yield start, end, value
            return
        if self.data[start:end] != value.encode("utf-8"):
            return  # an entity or escape inside template syntax: drop it
        cursor = start
        for m_start, m_end in overlapping:
            if m_start > cursor:
                yield cursor, m_start, self.data[cursor:m_start].decode("utf-8", "replace")
            cursor = max(cursor, m_end)
        if cursor < end:
            yield cursor, end, self.data[cursor:end].decode("utf-8", "replace")

    def _definition(self, label: str) -> Location | None:
        if self._definitions is None:
            import pyromark

            self._definitions = {}
            try:
                found = pyromark.reference_definitions(self.text, options=_options())
            except (KeyboardInterrupt, SystemExit, MemoryError):
                raise
            except BaseException:  # a parser panic: links keep no definition location
                found = {}
            for name, value in found.items():
                key = " ".join(name.split()).casefold()
                self._definitions.setdefault(key, self.loc(int(value["span"]["start"])))
        return self._definitions.get(" ".join(label.split()).casefold())

    # --- text runs -----------------------------------------------------------------------

    def _add_text(self, start: int, end: int, value: str, bare: bool) -> None:
        """Add a piece to the current run; ``end`` is -1 for a piece that stands for
        something else (a line break, inline code); ``bare`` when bare URLs may be in it."""
        if not value:
            return
        base = self.base
        self._run_pieces.append((base + start, base + end if end >= 0 else -1, bare))
        self._run_text.append(value)

    def _flush_run(self) -> None:
        """End the current run; what it holds is settled with the page's other runs."""
        run_text = self._run_text
        if not run_text:
            return
        text = "".join(run_text)
        raw = self._run_pieces
        # lean: a run shorter than every key (and than "http") can hold none: a table of
        # millions of one-letter cells makes no pending run at all
        if len(text) >= self._shortest and not text.isspace():  # not empty: ``text.strip()``
            self._pending.append((text, tuple(run_text), tuple(raw), self._context))
            self._pending_pieces += len(raw)
            if self._pending_pieces >= _SETTLE_EVERY:  # memory stays bounded (a huge table)
                self._settle_runs()
        run_text.clear()
        raw.clear()

    def _settle_runs(self) -> None:
        """Keep the runs (all, or the lean ones) and find the bare URLs in them.

        Done once per page: the lower-cased runs are joined with line breaks and searched
        for the keys and for ``http``/``www.`` (none of which holds white space, so no match
        spans two runs); only the runs with a match need a closer look.
        """
        pending = self._pending
        if not pending:
            return
        self._pending = []
        self._pending_pieces = 0
        keys = self._run_keys
        lowered = [run[0].lower() for run in pending]
        joined = "\n".join(lowered)
        starts = list(accumulate([len(text) + 1 for text in lowered], initial=0))
        kept = set(range(len(pending))) if keys is None else _runs_with(joined, starts, keys)
        bare = _runs_with(joined, starts, ("http", "www."))
        for i in sorted(kept | bare):
            text, parts, raw, context = pending[i]
            offsets = accumulate(map(len, parts), initial=0)
            pieces = tuple(
                (offset, start, end, is_bare)
                for offset, (start, end, is_bare) in zip(offsets, raw, strict=False)
            )
            if i in kept:
                self.runs.append(TextRun(text, pieces, context))
            if i in bare:
                self._bare_urls(text, pieces, context)

    def _bare_urls(
        self, text: str, pieces: tuple[tuple[int, int, int, bool], ...], context: tuple[str, ...]
    ) -> None:
        """GFM autolink literals in runs of source-exact text outside links."""
        data = self.index.data
        group: list[str] = []
        group_start = group_end = -1
        bounds = [p[0] for p in pieces[1:]] + [len(text)]
        for (offset, start, end, bare), stop in zip(pieces, bounds, strict=True):
            value = text[offset:stop]
            encoded = value.encode("utf-8")
            exact = bare and end >= 0 and data[start:end] == encoded
            if exact and group and start == group_end:
                group.append(value)
                group_end = end
                continue
            self._scan_group(group, group_start, context)
            group = [value] if exact else []
            group_start, group_end = (start, end) if exact else (-1, -1)
        self._scan_group(group, group_start, context)

    def _scan_group(self, group: list[str], start: int, context: tuple[str, ...]) -> None:
        if not group:
            return
        text = "".join(group)
        for match in _BARE_URL.finditer(text):
            url = _trim_url(match.group())
            if not url or url.lower() in {"www.", "http://", "https://"}:
                continue
            offset = start + len(text[: match.start()].encode("utf-8"))
            target = url if "://" in url else "http://" + url
            location = self.index.location(offset)
            self._emit(page_link(target, location, url, context, LinkKind.BARE))

    # --- emitting ------------------------------------------------------------------------

    def _emit(self, link: Link) -> None:
        url = link.url
        if ("{" in url or "}" in url or "%" in url) and _TEMPLATE.search(url):
            return  # a template expression, not a link
        if self.hidden_mode:
            self.hidden.append(replace(link, hidden=True))
        else:
            self.links.append(link)

    # --- the pass ------------------------------------------------------------------------

    def run(self) -> None:
        import pyromark

        pieces = None
        if self.base == 0 and not self.hidden_mode and len(self.data) > chunks.CHUNK_BYTES:
            pieces = chunk_bounds(self.data)
        try:
            if pieces is None or len(pieces) < 2:
                self._compute_masks()
                self._loop(pyromark.events_with_range(self.text, options=_options()))
            else:
                self._run_chunks(pieces)
        except (KeyboardInterrupt, SystemExit, MemoryError):
            raise
        except BaseException as exc:  # pyo3 reports a Rust panic as a BaseException
            self.problems.append(
                PAGE_UNPARSABLE.finding(
                    f"the Markdown parser failed on this page: {type(exc).__name__}",
                    self.loc(0),
                    subject="page",
                )
            )
            self._settle_runs()
            return
        self._flush_run()
        self._settle_runs()

    def _run_chunks(self, pieces: list[tuple[int, int, int, int]]) -> None:
        """Parse a large page piece by piece (``chunk_bounds``), so the parser's tree is never
        built for the whole page at once: its memory is that of one piece. Reference
        definitions are gathered from every piece first, so a reference link resolves
        whichever piece defines its target. A piece that starts inside a table is parsed
        with a head in front of it: a header row of empty cells and the table's delimiter
        row (nothing in it is text, a link or a heading)."""
        import pyromark

        whole_text, whole_data = self.text, self.data
        targets: dict[str, tuple[str, str]] = {}
        places: dict[str, Location] = {}
        for start, end, _, _ in pieces:
            found = pyromark.reference_definitions(
                whole_data[start:end].decode("utf-8"), options=_options()
            )
            for name, value in found.items():
                key = " ".join(name.split()).casefold()
                if key not in targets:
                    targets[key] = (str(value["dest"]), str(value.get("title") or ""))
                    places[key] = self.index.location(start + int(value["span"]["start"]))
        self._definitions = places

        def resolve(broken: Any) -> tuple[str, str] | None:
            return targets.get(" ".join(str(broken["reference"]).split()).casefold())

        try:
            for start, end, head_start, head_end in pieces:
                head = b""
                if head_end > head_start:  # an empty header row (no text, no events that
                    delimiter = whole_data[head_start:head_end]  # count) and the delimiter
                    head = re.sub(rb"[^|\r\n]", b" ", delimiter) + delimiter
                self.data = head + whole_data[start:end]
                self.text = self.data.decode("utf-8")
                self.base = start - len(head)
                self._compute_masks()
                self._loop(
                    pyromark.events_with_range(
                        self.text, options=_options(), broken_link_callback=resolve
                    )
                )
                self._flush_run()
        finally:
            self.text, self.data, self.base = whole_text, whole_data, 0
            self._compute_masks()

    def _loop(self, events: Any) -> None:
        """Hand each event to its handler; text events, by far the most frequent, and the
        block boundaries that end a text run are handled here, with the loop's state in
        locals (this loop is most of a page's cost)."""
        starts = self._start_handlers()
        ends = self._end_handlers()
        blocks = _BLOCK_TAGS
        flush = self._flush_run
        run_text = self._run_text
        run_pieces = self._run_pieces
        links = self._links
        items = self._items
        # lean: an item's text is read only when the item is empty, and then it is blank
        items_text = self._run_keys is None
        base = self.base
        masks = self._masks
        mask_starts = self._mask_starts
        for event, span in events:
            if type(event) is not dict:
                self._event(event, span["start"], span["end"])
                continue
            value = event.get("Text")
            if value is not None:
                if self._skip:
                    continue
                start = span["start"]
                end = span["end"]
                if masks:  # ``_overlaps_mask``, inlined
                    i = bisect_left(mask_starts, end) - 1
                    if i >= 0 and masks[i][1] > start:
                        self._template_links(start, end)
                        for piece_start, piece_end, piece in self._unmasked(start, end, value):
                            self._piece(piece_start, piece_end, piece)
                        continue
                # ``_piece``, inlined
                heading = self._heading
                if not self._marked and heading is None and value and not value.isspace():
                    self._mark_content()
                if links:
                    last = links[-1]
                    if last.image:  # alt text: the image's text, not rendered text
                        last.text.append(value)
                        continue
                    for link in links:
                        link.text.append(value)
                anchor = self._html_anchor
                if anchor is not None:
                    anchor.text.append(value)
                if heading is not None:
                    heading[2].append(value)
                if items_text:
                    for item in items:
                        item.text.append(value)
                if value:
                    run_pieces.append((base + start, base + end, not links and anchor is None))
                    run_text.append(value)
                continue
            value = event.get("Start")
            if value is not None:
                handlers = starts
            else:
                value = event.get("End")
                if value is None:
                    if "Html" not in event:  # the lines of an HtmlBlock: read at its start
                        self._event(event, span["start"], span["end"])
                    continue
                handlers = ends
            tag = value if type(value) is str else next(iter(value))
            if run_text and tag in blocks:
                flush()
            handler = handlers.get(tag)
            if handler is not None:
                handler(tag, value, span["start"], span["end"])

    def _start_handlers(self) -> dict[str, Callable[[str, Any, int, int], None]]:
        """What a Start event does, by tag (a tag not listed does nothing)."""
        return {
            "CodeBlock": self._start_code,
            "MetadataBlock": self._start_metadata,
            "Heading": self._start_heading,
            "List": self._start_list,
            "Item": self._start_item,
            "Link": self._start_link,
            "Image": self._start_link,
            "HtmlBlock": self._start_html,
        }

    def _end_handlers(self) -> dict[str, Callable[[str, Any, int, int], None]]:
        """What an End event does, by tag (a tag not listed does nothing)."""
        return {
            "CodeBlock": self._end_code,
            "MetadataBlock": self._end_metadata,
            "HtmlBlock": self._end_skipped,
            "Heading": self._end_heading,
            "List": self._end_list,
            "Item": self._end_item,
            "Link": self._end_link,
            "Image": self._end_link,
        }

    def _event(self, event: Any, start: int, end: int) -> None:
        if type(event) is dict:
            ((name, value),) = event.items()
        else:
            name, value = event, None
        if name == "Text":
            if self._skip:
                return
            self._text(start, end, value)
            return
        if name == "Start":
            self._start(value if type(value) is str else next(iter(value)), value, start, end)
            return
        if name == "End":
            self._end(value if type(value) is str else next(iter(value)), value, start, end)
            return
        if self._skip:
            return
        if name == "Code":
            self._add_text(start, -1, " ", False)
            if not self._masked(start):
                self._mark_content()
                for link in self._links:
                    link.text.append(value)
                if self._heading is not None:
                    self._heading[2].append(value)
        elif name in ("SoftBreak", "HardBreak"):
            self._add_text(start, -1, " ", False)
            for link in self._links:
                link.text.append(" ")
            if self._heading is not None:
                self._heading[2].append(" ")
        elif name == "InlineHtml":
            self._add_text(start, -1, " ", False)
            self._html(start, end, inline=True)
        elif name == "Html":
            pass  # handled as a whole at the start of its HtmlBlock
        elif name == "TaskListMarker":
            pass
        elif name == "FootnoteReference":
            self._mark_content()

    def _template_links(self, start: int, end: int) -> None:
        """Absolute URLs quoted inside the template tags that rendered text at ``start:end``
        (a Hugo shortcode's ``src="https://..."``, an ERB ``link_to``): the page shows them as
        links or embeds, so they are links of the page. Each tag is read once."""
        masks = self._masks
        i = max(0, bisect_right(self._mask_starts, start) - 1)
        while i < len(masks) and masks[i][0] < end:
            tag_start, tag_end = masks[i]
            if (
                tag_end > start
                and i not in self._template_masks_done
                and self.data[tag_start : tag_start + 2] in _TEMPLATE_TAGS
            ):
                self._template_masks_done.add(i)
                self._template_tag(tag_start, tag_end)
                for match in _TEMPLATE_URL.finditer(self.data, tag_start, tag_end):
                    url = match.group(1).decode("utf-8", "replace")
                    where = self.loc(match.start(1))
                    self._emit(page_link(url, where, url, self._context, LinkKind.TEMPLATE))
            i += 1

    def _template_tag(self, tag_start: int, tag_end: int) -> None:
        """A template tag in rendered text: what it outputs is content of its section (when
        the page's engine renders it); ERB in a page that is not ``.erb`` is shown as is."""
        head = self.data[tag_start : tag_start + 12]
        if head.startswith(b"<%"):
            if not self._erb_page:
                if not self.hidden_mode:
                    self.problems.append(template_unrendered(self.loc(tag_start), head))
                return
            if head.startswith((b"<%=", b"<%-")):
                self._mark_content()
                self.rendered = True
        elif head.startswith(b"{{"):
            if not _TEMPLATE_COMMENT.match(head):
                self._mark_content()
                self.rendered = True
        elif _LIQUID_OUTPUT.match(head):
            self._mark_content()
            self.rendered = True

    def _text(self, start: int, end: int, value: str) -> None:
        if self._masks and self._overlaps_mask(start, end):
            self._template_links(start, end)
            for piece_start, piece_end, piece in self._unmasked(start, end, value):
                self._piece(piece_start, piece_end, piece)
            return
        self._piece(start, end, value)

    def _piece(self, start: int, end: int, piece: str) -> None:
        if not self._marked and self._heading is None and piece and not piece.isspace():
            self._mark_content()
        links = self._links
        if links:
            if links[-1].image:  # alt text: the image's text, not rendered text
                links[-1].text.append(piece)
                return
            for link in links:
                link.text.append(piece)
        anchor = self._html_anchor
        if anchor is not None:
            anchor.text.append(piece)
        if self._heading is not None:
            self._heading[2].append(piece)
        for item in self._items:
            item.text.append(piece)
        self._add_text(start, end, piece, not links and anchor is None)

    def _start(self, tag: str, value: Any, start: int, end: int) -> None:
        if self._run_text and tag in _BLOCK_TAGS:
            self._flush_run()
        handler = self._start_handlers().get(tag)
        if handler is not None:
            handler(tag, value, start, end)

    def _end(self, tag: str, value: Any, start: int, end: int) -> None:
        if self._run_text and tag in _BLOCK_TAGS:
            self._flush_run()
        handler = self._end_handlers().get(tag)
        if handler is not None:
            handler(tag, value, start, end)

    def _start_code(self, tag: str, value: Any, start: int, end: int) -> None:
        self._skip += 1
        self._mark_content()

    def _end_code(self, tag: str, value: Any, start: int, end: int) -> None:
        self._skip = max(0, self._skip - 1)
        if self._skip or self.hidden_mode:
            return
        block = self.data[start:end]
        if block.lstrip(b" \t>")[:3] in (b"```", b"~~~") and fence_unclosed(block):
            self.problems.append(fence_finding(self.loc(start), block))

    def _start_metadata(self, tag: str, value: Any, start: int, end: int) -> None:
        self._skip += 1
        if self.base == 0 and not self.data[:start].strip():
            self.front_matter = True

    def _end_metadata(self, tag: str, value: Any, start: int, end: int) -> None:
        """A metadata block below the top of the page: its content is dropped by the
        renderer; it is a finding, and its links are still links of the page."""
        self._skip = max(0, self._skip - 1)
        if self._skip or self.hidden_mode or (self.base == 0 and not self.data[:start].strip()):
            return
        block = self.data[start:end]
        first_break = block.find(b"\n")
        last_break = block.rstrip().rfind(b"\n")
        if first_break < 0 or last_break <= first_break:
            return
        body = block[first_break + 1 : last_break + 1]
        first = body.strip().split(b"\n")[0].decode("utf-8", "replace")
        self.problems.append(metadata_finding(self.loc(start), first))
        sub = _Extractor(
            self.index,
            body.decode("utf-8", "replace"),
            base=self.base + start + first_break + 1,
            hidden=False,
            context=self._context,
            run_keys=(),
        )
        sub.run()
        self.links.extend(sub.links)

    def _start_heading(self, tag: str, value: Any, start: int, end: int) -> None:
        if not self._skip:
            for item in self._items:  # a heading inside a list item is its content
                item.has_content = True
            self._heading = (int(value["Heading"]["level"][1:]), start, [])
            explicit = value["Heading"].get("id")
            self._explicit_id = str(explicit) if explicit else None
            self._heading_linked = bool(self._items)  # in an item: emphasis, not a section

    def _start_list(self, tag: str, value: Any, start: int, end: int) -> None:
        if not self._skip:
            self._lists.append(value["List"] is not None)
            self._mark_content()

    def _start_item(self, tag: str, value: Any, start: int, end: int) -> None:
        if not self._skip:
            self._mark_content()
            ordered = self._lists[-1] if self._lists else False
            self._items.append(_OpenItem(start, ordered, []))
            self._marked = False

    def _start_link(self, tag: str, value: Any, start: int, end: int) -> None:
        if self._skip:
            return
        self._mark_content()
        if self._heading is not None:
            self._heading_linked = True
        attrs = value[tag]
        link_type = str(attrs.get("link_type", "Inline"))
        url = str(attrs.get("dest_url", ""))
        definition = None
        image = tag == "Image"
        if image:
            kind = LinkKind.IMAGE
            for parent in self._links:
                parent.has_image = True
        elif link_type == "Inline":
            kind = LinkKind.INLINE
        elif link_type == "Autolink":
            kind = LinkKind.AUTOLINK
        elif link_type == "Email":
            kind = LinkKind.AUTOLINK
            url = "mailto:" + url
        elif link_type.startswith(("Reference", "Collapsed", "Shortcut")):
            kind = LinkKind.REFERENCE
            definition = self._definition(str(attrs.get("id", "")))
        else:
            kind = LinkKind.INLINE
        self._links.append(_OpenLink(url, kind, start, [], definition, False, image))

    def _start_html(self, tag: str, value: Any, start: int, end: int) -> None:
        if not self._skip:
            self._html(start, end, inline=False)
            self._skip += 1

    def _end_skipped(self, tag: str, value: Any, start: int, end: int) -> None:
        self._skip = max(0, self._skip - 1)

    def _end_heading(self, tag: str, value: Any, start: int, end: int) -> None:
        if self._skip or self._heading is None:
            return
        level, h_start, parts = self._heading
        self._heading = None
        text = " ".join("".join(parts).split())
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, text))
        self._context = self._outer_context + tuple(t for _, t in self._stack)
        self._marked = False
        if not self.hidden_mode:
            self.heading_ids.append((text, self._explicit_id))
            heading = _OpenHeading(level, text, self.loc(h_start), self._context)
            heading.entry = self._heading_linked
            self.headings.append(heading)

    def _end_list(self, tag: str, value: Any, start: int, end: int) -> None:
        if not self._skip and self._lists:
            self._lists.pop()

    def _end_item(self, tag: str, value: Any, start: int, end: int) -> None:
        if self._skip or not self._items:
            return
        item = self._items.pop()
        if self.hidden_mode or (item.has_content and self._run_keys is not None):
            return  # lean: only the empty items matter
        self.items.append(
            ListItem(
                self.loc(item.start),
                " ".join("".join(item.text).split()),
                self._context,
                not item.has_content,
                item.ordered,
            )
        )

    def _end_link(self, tag: str, value: Any, start: int, end: int) -> None:
        if not self._skip and self._links:
            self._close_link(self._links.pop())

    def _close_link(self, link: _OpenLink) -> None:
        if self._masks and self._masked(link.start):
            return
        parts = link.text
        text = " ".join((parts[0] if len(parts) == 1 else "".join(parts)).split())
        if link.image:
            for parent in self._links:  # a linked image: its alt text is the link's text
                parent.text.append(text)
        location = self.index.location(self.base + link.start)
        self._emit(
            page_link(
                link.url,
                location,
                text,
                self._context,
                link.kind,
                link.definition,
                False,
                link.has_image,
            )
        )

    # --- raw HTML ------------------------------------------------------------------------

    def _jsx_tags(self, fragment: str, offset: int) -> None:
        """MDX: the ``href``/``src``/``url`` props of JSX components are links."""
        if "<" not in fragment:
            return
        for char, name, url in _jsx_fragment_links(fragment):
            byte = offset + len(fragment[:char].encode("utf-8"))
            if self._masked(byte):
                continue
            where = self.loc(byte)
            self._emit(page_link(url, where, "", self.context(), LinkKind.HTML, element=name))

    def _html(self, start: int, end: int, *, inline: bool) -> None:
        fragment = self.data[start:end].decode("utf-8", "replace")
        cursor = 0
        while True:
            opened = fragment.find("<!--", cursor)
            self._html_tags(
                fragment[cursor : len(fragment) if opened < 0 else opened],
                start + len(fragment[:cursor].encode("utf-8")),
                inline=inline,
            )
            if opened < 0:
                return
            body_from = opened + 4
            closed = fragment.find("-->", body_from)
            at_end = end >= len(self.data) - 1
            if closed < 0 and not inline and not self.hidden_mode and at_end:
                self.problems.append(
                    PAGE_COMMENT_UNTERMINATED.finding(
                        "HTML comment is never closed; everything after it is hidden",
                        self.loc(start + len(fragment[:opened].encode("utf-8"))),
                        subject="comment",
                    )
                )
            body_to = len(fragment) if closed < 0 else closed
            body = fragment[body_from:body_to]
            if not self.hidden_mode and body.strip():
                body_start = start + len(fragment[:body_from].encode("utf-8"))
                self._comment(body, body_start)
            if closed < 0:
                return
            cursor = closed + 3

    def _comment(self, body: str, offset: int) -> None:
        """Links of Markdown hidden in a comment: reported as hidden, nothing else counts."""
        if "](" not in body and "<" not in body and "http" not in body and "www." not in body:
            return
        sub = _Extractor(
            self.index,
            body,
            base=self.base + offset,
            hidden=True,
            context=self._context,
            run_keys=(),  # its runs count for nothing; only its links are kept
        )
        sub.run()
        self.hidden.extend(sub.hidden)

    def _html_tags(self, fragment: str, offset: int, *, inline: bool) -> None:
        if not fragment.strip():
            return
        parser = TagScanner()
        try:
            parser.feed(fragment)
            parser.close()
        except Exception:
            return
        starts = line_starts(fragment)
        ascii_only = fragment.isascii()  # then a character index is a byte offset
        if parser.has_content:
            self._mark_content()
        for data_line, data_col, data in parser.data:
            if data.strip() and not inline:
                char = starts[data_line - 1] + data_col
                byte = offset + (char if ascii_only else len(fragment[:char].encode("utf-8")))
                for piece_start, piece_end, piece in self._unmasked(
                    byte, byte + len(data.encode("utf-8")), data
                ):
                    self._add_text(piece_start, piece_end, piece, False)
        for tag in parser.tags:
            char = starts[tag.line - 1] + tag.column + tag.attr_offset
            byte = offset + (char if ascii_only else len(fragment[:char].encode("utf-8")))
            if self._masked(byte):
                continue
            if tag.name == "a" and self._heading is not None:
                self._heading_linked = True
            if tag.name == "img" and self._html_anchor is not None:
                self._html_anchor.text.append(" " + tag.text)  # an image's alt text
                self._html_anchor.has_image = True
            link = page_link(
                tag.url,
                self.loc(byte),
                tag.text,
                self.context(),
                LinkKind.HTML,
                has_image=tag.has_image,
                element=tag.name,
            )
            if inline and tag.name == "a" and not tag.closed:
                label = [tag.text] if tag.text else []  # its aria-label or title
                self._html_anchor = _OpenLink(tag.url, LinkKind.HTML, byte, label)
                continue
            self._emit(link)
        if self._mdx:
            self._jsx_tags(fragment, offset)
        if inline and self._html_anchor is not None and _ICON.search(fragment):
            self._html_anchor.has_image = True  # an icon shown as the link
        if inline and parser.closed_a and self._html_anchor is not None:
            anchor = self._html_anchor
            self._html_anchor = None
            text = " ".join("".join(anchor.text).split())
            self._emit(
                page_link(
                    anchor.url,
                    self.loc(anchor.start),
                    text,
                    self.context(),
                    LinkKind.HTML,
                    has_image=anchor.has_image,
                    element="a",
                )
            )


_ICON = re.compile(r"<(?:i|svg|img|picture)\b", re.IGNORECASE)
_JSX_TAG = re.compile(r"<([A-Z][\w.]*)\b[^>]*>")


def _jsx_fragment_links(fragment: str) -> list[tuple[int, str, str]]:
    """(character offset, component name, URL) of each link prop of the JSX components
    (capitalised tags) of a fragment."""
    found = []
    for tag in _JSX_TAG.finditer(fragment):
        for at, _, url in jsx_links(tag.group()):
            found.append((tag.start() + at, tag.group(1), url))
    return found


def _runs_with(joined: str, starts: list[int], needles: Sequence[str]) -> set[int]:
    """Indexes of the runs (``joined`` with line breaks; ``starts``: where each begins) that
    hold one of ``needles`` (which hold no white space).

    A needle with a character the text lacks is not looked for: a missing character is
    found absent at memory-scan speed, many times faster than a search for a needle of
    several characters (``](``, ``][``: most pages have no ``]`` outside their links)."""
    found: set[int] = set()
    for needle in needles:
        if not needle:
            return set(range(len(starts) - 1))
        if not all(char in joined for char in needle):
            continue
        at = joined.find(needle)
        while at >= 0:
            i = bisect_right(starts, at) - 1
            found.add(i)
            at = joined.find(needle, starts[i + 1])
    return found


def mask_spans(data: bytes) -> list[tuple[int, int]]:
    """The spans of ``_MASK.finditer(data)``, found faster: every mask starts with one of
    ``_MASK_HINTS`` (``<%``, ``{{``, ``{:``, ``{%``), so the pattern is tried only where one
    stands, and those are found with single-byte ``bytes.find`` (memchr) instead of a regex
    scan of the whole page."""
    spans: list[tuple[int, int]] = []
    brace = data.find(b"{")
    angle = data.find(b"<")
    while brace >= 0 or angle >= 0:
        at = brace if angle < 0 or 0 <= brace < angle else angle
        match = _MASK.match(data, at) if data[at : at + 2] in _MASK_HINTS else None
        if match is not None:
            spans.append(match.span())
            pos = match.end()
        else:
            pos = at + 1
        if 0 <= brace < pos:
            brace = data.find(b"{", pos)
        if 0 <= angle < pos:
            angle = data.find(b"<", pos)
    return spans


def _trim_url(url: str) -> str:
    """GFM's end of an autolink literal: no trailing punctuation, balanced parentheses."""
    while url:
        entity = _ENTITY_TAIL.search(url)
        if entity:
            url = url[: entity.start()]
            continue
        last = url[-1]
        if (
            last in _TRAILING
            or (last == ")" and url.count(")") > url.count("("))
            or (last == "]" and url.count("]") > url.count("["))
        ):
            url = url[:-1]
        else:
            break
    return url
