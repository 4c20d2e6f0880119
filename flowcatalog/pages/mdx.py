"""MDX pages (``.mdx``, the pages of most design-system docs sites): Markdown with ESM
``import``/``export`` lines, JSX components and ``{/* comments */}``.

Pure: ``mdx_source(text)`` blanks what is not Markdown (ESM lines, JSX comments) to spaces,
keeping every byte offset, so the Markdown parser reads the rest at its true positions;
``jsx_links(tag_text)`` gives the ``href``, ``src`` and ``url`` props of a JSX tag.
"""

from __future__ import annotations

import re

MDX_SUFFIXES = (".mdx",)
#: JSX props that hold a link: <Link href="...">, <Image src="...">, <Figma url="...">
JSX_LINK_PROPS = ("href", "src", "url")

_ESM = re.compile(r"^(?:import|export)\b[^\n]*(?:\n(?![ \t]*\n)[^\n]*)*", re.MULTILINE)
_JSX_COMMENT = re.compile(r"\{/\*.*?\*/\}", re.DOTALL)
_FENCE = re.compile(r"^[ \t]*(```|~~~)", re.MULTILINE)
_PROP = re.compile(
    r"""\b(href|src|url)\s*=\s*(?:"([^"]*)"|'([^']*)'|\{\s*(?:"([^"]*)"|'([^']*)'|`([^`$]*)`)\s*\})"""
)


def is_mdx(path: str) -> bool:
    return path.lower().endswith(MDX_SUFFIXES)


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group())


def mdx_source(text: str) -> str:
    """``text`` with its ESM statements and JSX comments turned into spaces (line breaks
    kept), outside fenced code; same length, same line and column of everything else."""
    if "import" not in text and "export" not in text and "{/*" not in text:
        return text
    pieces = []
    cursor = 0
    inside = False
    for fence in _FENCE.finditer(text):
        if not inside:
            pieces.append(_clean(text[cursor : fence.start()]))
            cursor = fence.start()
        else:
            pieces.append(text[cursor : fence.start()])
            cursor = fence.start()
        inside = not inside
    tail = text[cursor:]
    pieces.append(tail if inside else _clean(tail))
    return "".join(pieces)


def _clean(chunk: str) -> str:
    return _JSX_COMMENT.sub(_blank, _ESM.sub(_blank, chunk))


def jsx_links(tag: str) -> list[tuple[int, str, str]]:
    """The link props of one JSX tag's source: (character offset of the prop name, prop,
    value); values built at run time (`` `${x}` ``) are not links."""
    found = []
    for match in _PROP.finditer(tag):
        value = next((g for g in match.groups()[1:] if g is not None), None)
        if value is not None and value.strip():
            found.append((match.start(1), match.group(1), value.strip()))
    return found
