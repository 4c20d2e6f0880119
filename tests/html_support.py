"""A small HTML reader for tests: every start tag with its attributes, and the text."""

from __future__ import annotations

from html.parser import HTMLParser


class HtmlDoc(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(markup: str) -> HtmlDoc:
    doc = HtmlDoc()
    doc.feed(markup)
    doc.close()
    return doc
