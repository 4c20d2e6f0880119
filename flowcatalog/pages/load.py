"""Reading pages: one file (bytes through ``fsio``, decoded, parsed by its type) or many
(files, directories and globs expanded to pages)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flowcatalog.findings import Finding
from flowcatalog.fsio import expand_paths, read_head
from flowcatalog.pages.doc import MAX_PAGE_BYTES, PageDoc, decode_page, page_type
from flowcatalog.pages.slugs import DEFAULT_SLUG_STYLE


def parse_page(
    path: str,
    text: str,
    *,
    run_keys: Sequence[str] | None = None,
    slug_style: str = DEFAULT_SLUG_STYLE,
) -> PageDoc:
    """Parse decoded page text by its file type (Markdown unless the name says HTML).

    ``run_keys`` asks for a lean document, enough for the page rules (see
    ``page_markdown.parse_markdown``); HTML pages are always parsed in full. The parsers are
    imported here, when a page is parsed: a run whose pages all come from the page cache
    never loads them.
    """
    if page_type(path) == "html":
        from flowcatalog.pages.html import parse_html

        return parse_html(path, text)
    from flowcatalog.pages.markdown import parse_markdown

    return parse_markdown(path, text, run_keys=run_keys, slug_style=slug_style)


def read_page(
    path: str, *, run_keys: Sequence[str] | None = None, slug_style: str = DEFAULT_SLUG_STYLE
) -> tuple[PageDoc | None, tuple[Finding, ...]]:
    """Read and parse one page; unreadable bytes are findings, a missing file an InputError."""
    data = read_head(path, MAX_PAGE_BYTES + 1, what="page")
    text, problems = decode_page(path, data)
    if text is None:
        return None, problems
    return parse_page(path, text, run_keys=run_keys, slug_style=slug_style), problems


def load_pages(paths: Iterable[str]) -> tuple[list[PageDoc], list[Finding]]:
    """Read and parse every page ``paths`` names (see ``expand_paths``)."""
    docs: list[PageDoc] = []
    findings: list[Finding] = []
    for path in expand_pages(paths):
        doc, problems = read_page(path)
        findings.extend(problems)
        if doc is not None:
            docs.append(doc)
    return docs, findings


def expand_pages(paths: Iterable[str]) -> list[str]:
    """Files as given, directories searched for pages, globs expanded (``fsio.expand_paths``
    with this module's idea of what a page is)."""
    return expand_paths(
        paths,
        is_page=lambda name: page_type(name) is not None,
        expected=".md, .markdown, .md.erb, .mdx or .html",
    )
