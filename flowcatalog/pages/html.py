"""HTML pages to ``PageDoc`` with beautifulsoup4 (the ``html.parser`` builder keeps positions).

Tags carry their own line and column (``sourceline``/``sourcepos``); a link's location is its
``href``/``src`` attribute, found in the start tag's source. Text has no position of its own
in the tree, so a text run is placed where its characters first occur after its parent tag.
Comments hide their links (reported as ``hidden_links``); ``script``, ``style``,
``template``, ``pre`` and ``code`` text is never rendered text for the rules.
"""

from __future__ import annotations

import re
from typing import Any

from flowcatalog.model import Link, LinkKind
from flowcatalog.pages.doc import (
    Heading,
    LineIndex,
    ListItem,
    PageDoc,
    TextRun,
    page_link,
)
from flowcatalog.pages.html_tags import HTML_ATTRIBUTE, LINK_ATTRIBUTES, scan_link_tags
from flowcatalog.pages.slugs import page_anchors

_HEADING = re.compile(r"h([1-6])")
_NOT_TEXT = frozenset({"script", "style", "template", "pre", "code", "head", "title", "noscript"})
_CONTENT_TAGS = frozenset({"img", "iframe", "video", "audio", "embed", "object", "table", "li"})


class _Positions:
    """Character index <-> byte offset for the page text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.isascii()
        self.line_starts = [0]
        self.line_starts.extend(m.end() for m in re.finditer(r"\r\n?|\n", text))

    def char_index(self, line: int, column: int) -> int:
        if line - 1 >= len(self.line_starts):
            return len(self.text)
        return min(len(self.text), self.line_starts[line - 1] + column)

    def byte(self, char_index: int) -> int:
        if self.ascii:
            return char_index
        return len(self.text[:char_index].encode("utf-8", "replace"))


def parse_html(path: str, text: str) -> PageDoc:
    """Parse an HTML page into a ``PageDoc``. Never raises on any text."""
    from bs4 import BeautifulSoup
    from bs4.element import Comment, NavigableString, Tag

    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    index = LineIndex(path, text)
    pos = _Positions(text)
    try:
        soup = BeautifulSoup(text, "html.parser")
    except Exception:  # html.parser is lenient; a failure means nothing to extract
        soup = BeautifulSoup("", "html.parser")

    links: list[Link] = []
    hidden: list[Link] = []
    headings: list[list[Any]] = []  # [level, text, location, path, has_content]
    items: list[ListItem] = []
    runs: list[TextRun] = []
    stack: list[tuple[int, str]] = []

    def context() -> tuple[str, ...]:
        return tuple(t for _, t in stack)

    def tag_start(tag: Any) -> int:
        line = tag.sourceline or 1
        column = tag.sourcepos or 0
        return pos.char_index(line, column)

    def mark_content() -> None:
        if headings:
            headings[-1][4] = True

    hidden_text: dict[int, bool] = {}  # tag id -> inside script, style, code, ...

    def not_text(node: Any) -> bool:
        parent = node.parent
        return parent is not None and hidden_text.get(id(parent), False)

    cursor_by_parent: dict[int, int] = {}
    for node in soup.descendants:
        if isinstance(node, Comment):
            _comment_links(str(node), node, text, pos, index, context(), hidden, tag_start)
            continue
        if isinstance(node, NavigableString):
            value = str(node)
            if not value.strip() or type(node) is not NavigableString:
                continue
            if not_text(node):
                continue
            parent = node.parent
            if parent is not None and _HEADING.fullmatch(parent.name or ""):
                continue
            mark_content()
            start = tag_start(parent) if parent is not None and parent.name != "[document]" else 0
            start = max(start, cursor_by_parent.get(id(parent), start))
            found = text.find(value, start)
            exact = found >= 0
            where = found if exact else start
            cursor_by_parent[id(parent)] = where + (len(value) if exact else 0)
            byte = pos.byte(where)
            end = pos.byte(where + len(value)) if exact else -1
            runs.append(TextRun(value, ((0, byte, end, False),), context()))
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name
        hidden_text[id(node)] = name in _NOT_TEXT or not_text(node)
        heading = _HEADING.fullmatch(name)
        if heading:
            level = int(heading.group(1))
            title = " ".join(node.get_text(" ").split())
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, title))
            location = index.location(pos.byte(tag_start(node)))
            headings.append([level, title, location, context(), False])
            if title:
                runs.append(TextRun(title, ((0, pos.byte(tag_start(node)), -1, False),), context()))
            continue
        if name in _CONTENT_TAGS:
            mark_content()
        if name == "li":
            label = _item_text(node, Tag)
            has_content = bool(label) or any(
                isinstance(child, Tag) and child.name != "br" for child in node.children
            )
            parent_name = node.parent.name if node.parent is not None else ""
            items.append(
                ListItem(
                    index.location(pos.byte(tag_start(node))),
                    label,
                    context(),
                    not has_content,
                    parent_name == "ol",
                )
            )
        wanted = LINK_ATTRIBUTES.get(name)
        if wanted is None:
            continue
        raw = node.get(wanted)
        if raw is None:
            continue
        url = (" ".join(raw) if isinstance(raw, list) else str(raw)).strip()
        start = tag_start(node)
        at = _attribute_index(text, start, name, wanted)
        if name == "a":
            label = " ".join(node.get_text(" ").split())
        else:
            label = str(node.get("alt") or node.get("title") or "")
        links.append(
            page_link(
                url,
                index.location(pos.byte(at)),
                label,
                context(),
                LinkKind.HTML,
                has_image=name == "a" and node.find("img") is not None,
                element=name,
            )
        )

    return PageDoc(
        path=path,
        kind="html",
        links=tuple(links),
        hidden_links=tuple(hidden),
        headings=tuple(Heading(h[0], h[1], h[2], h[3], h[4]) for h in headings),
        items=tuple(items),
        texts=tuple(runs),
        problems=(),
        index=index,
        anchors=page_anchors([], text),
    )


def _item_text(item: Any, tag_type: Any) -> str:
    """A list item's own text: its strings and inline tags, not its nested lists (which
    would make deep nesting quadratic)."""
    parts: list[str] = []
    for child in item.children:
        if isinstance(child, tag_type):
            if child.name not in ("ul", "ol"):
                parts.append(child.get_text(" "))
        elif type(child).__name__ == "NavigableString":
            parts.append(str(child))
    return " ".join(" ".join(parts).split())


def _attribute_index(text: str, start: int, element: str, attribute: str) -> int:
    """Character index of ``attribute`` in the start tag at ``start`` (the tag start if not
    found)."""
    end = text.find(">", start)
    stop = len(text) if end < 0 else end
    for match in HTML_ATTRIBUTE.finditer(text, start + 1 + len(element), stop):
        if match.group(1).lower() == attribute:
            return match.start(1)
    return start


def _comment_links(
    body: str,
    node: Any,
    text: str,
    pos: _Positions,
    index: LineIndex,
    context: tuple[str, ...],
    hidden: list[Link],
    tag_start: Any,
) -> None:
    if "<" not in body:
        return
    parent = node.parent
    start = tag_start(parent) if parent is not None and parent.name != "[document]" else 0
    found = text.find("<!--" + body, start)
    base = found + 4 if found >= 0 else start
    for offset, element, url, label in scan_link_tags(body):
        where = base + offset if found >= 0 else base
        hidden.append(
            page_link(
                url,
                index.location(pos.byte(where)),
                label,
                context,
                LinkKind.HTML,
                hidden=True,
                element=element,
            )
        )
