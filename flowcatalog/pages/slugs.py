"""Heading ids as each renderer makes them (GitLab, GitHub, kramdown, Hugo/goldmark), with
duplicates numbered the renderer's way, and the explicit ids a page declares.

Pure. ``page_anchors(headings, text, style)`` gives every id a link's ``#fragment`` may name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: the renderers whose heading ids are known; GitLab's is the default
SLUG_STYLES = ("gitlab", "github", "kramdown", "hugo")
DEFAULT_SLUG_STYLE = "gitlab"

_NOT_WORD_SPACE_HYPHEN = re.compile(r"[^\w\- ]")
_HYPHENS = re.compile(r"-{2,}")
_LEADING_NON_LETTERS = re.compile(r"^[^a-zA-Z]+")
_NOT_KRAMDOWN = re.compile(r"[^a-zA-Z0-9 \-]")
#: explicit ids: {#id} and {: #id} (kramdown IAL); id="..." and name="..." attributes are
#: found from their "=" (a literal first character keeps the scan fast)
_BRACED_ID = re.compile(r"\{:?[ \t]*#([A-Za-z0-9_][\w:.\-]*)[^}\n]*\}")
_QUOTED_VALUE = re.compile(r"""=[ \t]*["']([^"'\s]+)["']""")
_ATTRIBUTE_NAME = re.compile(r"(?:^|[\s\"'])(id|name)[ \t]*$", re.IGNORECASE)


def slugify(text: str, style: str = DEFAULT_SLUG_STYLE) -> str:
    """The id ``style``'s renderer gives a heading with this text (before de-duplication).

    - ``github`` (github-slugger; also Next.js sites with rehype-slug): lower case, every
      character but letters, digits, ``_``, ``-`` and spaces dropped, each space a ``-``;
    - ``gitlab``: the same, then runs of ``-`` squeezed to one;
    - ``kramdown``: ASCII only: leading non-letters dropped, then all but ``a-z0-9``, space
      and ``-``; spaces to ``-``, lower case; ``section`` when nothing is left;
    - ``hugo``: goldmark's default ``github`` ids, the same rules as GitHub's.
    """
    if style == "kramdown":
        slug = _NOT_KRAMDOWN.sub("", _LEADING_NON_LETTERS.sub("", text))
        return slug.replace(" ", "-").lower() or "section"
    slug = _NOT_WORD_SPACE_HYPHEN.sub("", text.strip().lower()).replace(" ", "-")
    if style == "gitlab":
        slug = _HYPHENS.sub("-", slug)
    return slug


def numbered(slugs: Iterable[str]) -> list[str]:
    """Ids as the renderers number duplicates: the first ``x``, then ``x-1``, ``x-2``..."""
    seen: set[str] = set()
    counts: dict[str, int] = {}
    out = []
    for slug in slugs:
        candidate = slug
        while candidate in seen:
            counts[slug] = counts.get(slug, 0) + 1
            candidate = f"{slug}-{counts[slug]}"
        seen.add(candidate)
        out.append(candidate)
    return out


def explicit_ids(text: str) -> list[str]:
    """Ids a page declares itself: ``{#id}``, ``{: #id}``, ``<a name="id">``, ``id="id"``."""
    found = _BRACED_ID.findall(text) if "{" in text else []
    for match in _QUOTED_VALUE.finditer(text):
        start = match.start()
        if _ATTRIBUTE_NAME.search(text, max(0, start - 12), start):
            found.append(match.group(1))
    return found


#: in a page's anchors: template output renders part of the page, so any id may exist
OPEN_ANCHORS = "*"


def page_anchors(
    headings: Iterable[tuple[str, str | None]],
    text: str,
    style: str = DEFAULT_SLUG_STYLE,
    *,
    open_: bool = False,
) -> tuple[str, ...]:
    """Every id of a page: its headings' ids (an explicit ``{#id}`` wins over the slug;
    duplicates numbered) and the ids it declares; sorted, no duplicates. ``open_`` (the page
    renders template output, whose ids are unknown) adds ``OPEN_ANCHORS``."""
    slugs = numbered(explicit or slugify(heading, style) for heading, explicit in headings)
    found = {*slugs, *explicit_ids(text)}
    if open_:
        found.add(OPEN_ANCHORS)
    return tuple(sorted(found))
