"""Markdown written wrong: link syntax that renders as literal brackets, and constructs that
swallow the rest of a page (an unclosed code fence, a ``---`` block read as metadata).

Pure: the Markdown parser calls these on its text runs and blocks; each gives findings at the
exact line and column and, where the intended target is clear, the link it meant.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from flowcatalog.findings import Finding, Rule, Severity
from flowcatalog.model import Location

PAGE_LINK_SYNTAX = Rule(
    "page-link-syntax",
    Severity.ERROR,
    "link syntax the renderer does not read as a link: it shows brackets, not a link",
    "pages",
)
PAGE_CODE_FENCE_UNCLOSED = Rule(
    "page-code-fence-unclosed",
    Severity.ERROR,
    "a code fence never closed: the rest of the page is shown as code",
    "pages",
)
PAGE_METADATA_MISPLACED = Rule(
    "page-metadata-misplaced",
    Severity.ERROR,
    "a `---` line followed by text in the middle of a page, read as a metadata block: "
    "its content is dropped",
    "pages",
)

#: what the parser's lean mode must keep runs for: literal link syntax
SYNTAX_NEEDLES = ("](", "] (", ")[", "][")

_TARGET = r"[^\s()\[\]]+"
_SPACED = re.compile(r"\[([^\[\]\n]{1,300})\][ \t]+\((" + _TARGET + r")\)")
_SPACE_INSIDE = re.compile(r"\[([^\[\]\n]{1,300})\]\((" + _TARGET + r")[ \t]+([^()\n]{1,300})\)")
_UNDEFINED_REFERENCE = re.compile(r"(?<![\w\]])\[([^\[\]\n]{1,300})\]\[([\w .:/#-]{1,100})\]")
_REVERSED = re.compile(r"\(([^()\n]{1,300})\)\[(" + _TARGET + r")\]")
_URLISH = re.compile(
    r"(?:https?://|www\.|mailto:|\.{0,2}/|#)\S|\S+\.(?:md|html?|mdx)(?:[#?]|$)", re.I
)

#: (what the parser found, the link it meant: (target, byte offset of the target, text) or None)
Broken = tuple[Finding, tuple[str, int, str] | None]


def looks_like_target(value: str) -> bool:
    """Whether ``value`` reads as a link target (a URL, a path, an anchor), not prose."""
    return _URLISH.match(value) is not None


def broken_link_syntax(
    text: str, locate: Callable[[int], tuple[Location, int | None]]
) -> Iterator[Broken]:
    """Literal link syntax in one run of rendered text (what the parser did not make a link).

    ``locate(offset)`` gives the location of a character of ``text`` and its byte offset
    when known. PASS: ``[docs](https://example.com/docs)`` (a link, not text). FAIL::

        [docs] (https://example.com/docs)
        [docs](https://example.com/my docs)
        (docs)[https://example.com/docs]
        [docs][undefined-label]
    """
    for match in _SPACED.finditer(text):
        target = match.group(2)
        if looks_like_target(target):
            where, _ = locate(match.start())
            _, byte = locate(match.start(2))
            yield (
                PAGE_LINK_SYNTAX.finding(
                    "space between ']' and '(' breaks the link; write "
                    f"[{match.group(1)}]({target})",
                    where,
                    subject=f"spaced:{target}",
                ),
                (target, byte, match.group(1)) if byte is not None else None,
            )
    for match in _SPACE_INSIDE.finditer(text):
        target, rest = match.group(2), match.group(3)
        if looks_like_target(target) and not rest.strip().startswith(('"', "'")):
            where, _ = locate(match.start())
            whole = f"{target} {rest.strip()}"
            yield (
                PAGE_LINK_SYNTAX.finding(
                    f"space in link target {whole!r} breaks the link; write it as %20 or put "
                    "the target in <...>",
                    where,
                    subject=f"space:{whole}",
                ),
                None,
            )
    for match in _UNDEFINED_REFERENCE.finditer(text):
        shown, label = match.group(1), match.group(2)
        if not shown.strip() or not label.strip() or len(label.split()) > 4:
            continue  # a long bracketed note is a fill-in of a template, not a label
        where, _ = locate(match.start())
        if looks_like_target(label):  # square brackets where parentheses belong
            _, byte = locate(match.start(2))
            yield (
                PAGE_LINK_SYNTAX.finding(
                    f"[{shown}][{label}] puts the target in square brackets, so it shows as "
                    f"text; write [{shown}]({label})",
                    where,
                    subject=f"bracketed:{label}",
                ),
                (label, byte, shown) if byte is not None else None,
            )
            continue
        yield (
            PAGE_LINK_SYNTAX.finding(
                f"reference link [{shown}][{label}] has no definition, so it shows as text; "
                f"add a line [{label}]: URL or write [{shown}](URL)",
                where,
                subject=f"reference:{label.casefold()}",
            ),
            None,
        )
    for match in _REVERSED.finditer(text):
        target = match.group(2)
        if looks_like_target(target):
            where, _ = locate(match.start())
            _, byte = locate(match.start(2))
            yield (
                PAGE_LINK_SYNTAX.finding(
                    f"text and target are reversed, so this is no link; write "
                    f"[{match.group(1)}]({target})",
                    where,
                    subject=f"reversed:{target}",
                ),
                (target, byte, match.group(1)) if byte is not None else None,
            )


_URL_TEXT = re.compile(r"https?://\S+")


def swapped_link(text: str, url: str, location: Location) -> Finding | None:
    """A link whose text is an absolute URL and whose target is an anchor or a bare word:
    ``[https://example.com/docs](#docs)`` has text and target swapped."""
    if not text.startswith("http") or not _URL_TEXT.fullmatch(text) or text == url:
        return None  # (most link texts are words: the prefix test spares the pattern)
    target = url.strip()
    if not target or "/" in target or "." in target or ":" in target:
        return None  # a path or URL target: the text may just show the address
    return PAGE_LINK_SYNTAX.finding(
        f"link text is a URL and the target {target!r} is not: text and target look "
        f"swapped; write [{target.lstrip('#') or 'text'}]({text})",
        location,
        subject=f"swapped:{text}",
    )


def fence_unclosed(block: bytes) -> bool:
    """Whether a fenced code block's source (from its opening fence to where the parser ended
    it) lacks its closing fence."""
    lines = block.splitlines()
    if not lines:
        return False
    opening = lines[0].lstrip(b" \t>")
    char = opening[:1]
    if char not in (b"`", b"~"):
        return False
    size = len(opening) - len(opening.lstrip(char))
    for line in reversed(lines[1:]):
        stripped = line.strip().lstrip(b">").strip()
        if not stripped:
            continue
        return not (stripped.startswith(char * size) and not stripped.strip(char))
    return True


def fence_finding(location: Location, block: bytes) -> Finding:
    opening = block.splitlines()[0].strip().lstrip(b">").strip()
    fence = opening[: len(opening) - len(opening.lstrip(opening[:1]))].decode()
    return PAGE_CODE_FENCE_UNCLOSED.finding(
        f"code fence {fence!r} is never closed: the rest of the page is shown as code; "
        f"close it with a line {fence!r}",
        location,
        subject=f"fence:{opening.decode('utf-8', 'replace')[:60]}",
    )


def metadata_finding(location: Location, first: str) -> Finding:
    return PAGE_METADATA_MISPLACED.finding(
        "'---' followed by text is read as a metadata block and its content is dropped; "
        "front matter goes only at the top: put a blank line after '---' or use '***' "
        "for a rule",
        location,
        subject=f"metadata:{first[:60]}",
    )


RULES = (PAGE_LINK_SYNTAX, PAGE_CODE_FENCE_UNCLOSED, PAGE_METADATA_MISPLACED)
