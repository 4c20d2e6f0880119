"""HTML link tags, shared by the Markdown (raw HTML) and HTML page parsers: which attribute
of which element is a link, and a tolerant scanner of start tags with their positions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

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
#: elements a link may show instead of text (an icon, an image)
_SHOWN_ELEMENTS = frozenset({"i", "svg", "img", "picture", "object", "canvas"})
#: one attribute of a start tag: name, then an optional quoted or bare value
HTML_ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")


@dataclass(slots=True)
class _Tag:
    name: str
    url: str
    line: int
    column: int
    attr_offset: int
    text: str = ""
    closed: bool = False
    has_image: bool = False


class TagScanner(HTMLParser):
    """Start tags with a link attribute, their positions, and the text between them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.tags: list[_Tag] = []
        self.data: list[tuple[int, int, str]] = []
        self.has_content = False
        self.closed_a = False
        self._open_a: _Tag | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        if tag not in ("br", "p", "div", "span", "hr", "script", "style"):
            self.has_content = True
        if self._open_a is not None and tag in _SHOWN_ELEMENTS:
            self._open_a.has_image = True  # an icon or image: the link shows something
        wanted = LINK_ATTRIBUTES.get(tag)
        if wanted is None:
            return
        values = dict(attrs)
        url = values.get(wanted)
        if url is None:
            return
        raw = self.get_starttag_text() or ""
        attr_offset = 0
        for match in HTML_ATTRIBUTE.finditer(raw, 1 + len(tag)):
            if match.group(1).lower() == wanted:
                attr_offset = match.start(1)
                break
        line, column = self.getpos()
        label = values.get("aria-label") or values.get("title") or values.get("alt") or ""
        if tag == "img" and self._open_a is not None:  # a linked image: its alt is link text
            self._open_a.text += " " + (values.get("alt") or "")
            self._open_a.has_image = True
        found = _Tag(tag, url.strip(), line, column, attr_offset, label or "")
        if tag == "a":
            found.text = label  # aria-label or title name the link, like text
            self._open_a = found
        self.tags.append(found)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        if tag == "a":
            if self._open_a is not None:
                self._open_a.closed = True
                self._open_a.text = " ".join(self._open_a.text.split())
                self._open_a = None
            else:
                self.closed_a = True

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if data.strip():
            self.has_content = True
        line, column = self.getpos()
        self.data.append((line, column, data))
        if self._open_a is not None:
            self._open_a.text += data

    def handle_entityref(self, name: str) -> None:
        self.has_content = True

    def handle_charref(self, name: str) -> None:
        self.has_content = True


def line_starts(text: str) -> list[int]:
    """The character index where each line of ``text`` starts (lines end at ``\\n``, as
    ``HTMLParser.getpos`` counts them): found with ``str.find``, not a loop over characters."""
    starts = [0]
    at = text.find("\n")
    while at >= 0:
        starts.append(at + 1)
        at = text.find("\n", at + 1)
    return starts


def scan_link_tags(fragment: str) -> list[tuple[int, str, str, str]]:
    """Link attributes of an HTML fragment: (character index of the attribute name, element,
    URL, text or alt/title). Never raises."""
    parser = TagScanner()
    try:
        parser.feed(fragment)
        parser.close()
    except Exception:
        return []
    starts = line_starts(fragment)
    return [
        (starts[tag.line - 1] + tag.column + tag.attr_offset, tag.name, tag.url, tag.text)
        for tag in parser.tags
    ]
