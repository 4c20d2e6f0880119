"""Placeholder text on pages: words standing in place of content (``TODO``, ``TBD``,
``coming soon``), told apart from the same words used in ordinary sentences."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from flowcatalog.findings import Finding, Rule, Severity
from flowcatalog.pages.doc import PageDoc, TextRun

PAGE_PLACEHOLDER = Rule(
    "page-placeholder",
    Severity.WARNING,
    "placeholder text in a page's rendered text (coming soon, TODO, TBD, FIXME, ...)",
    "pages",
)


def placeholder_pattern(placeholders: Sequence[str]) -> re.Pattern[str] | None:
    """One regex matching any placeholder as whole words, case-insensitively."""
    phrases = sorted({p.strip() for p in placeholders if p.strip()}, key=len, reverse=True)
    if not phrases:
        return None
    alternatives = [r"\s+".join(re.escape(word) for word in p.split()) for p in phrases]
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def placeholder_keys(placeholders: Sequence[str]) -> tuple[str, ...]:
    """The longest word of each placeholder, lower-cased: a run of text without any of them
    cannot hold a placeholder, and a substring test is much cheaper than the regex."""
    return tuple(max(p.split(), key=len).lower() for p in placeholders if p.strip())


def placeholders_in(
    doc: PageDoc, pattern: re.Pattern[str] | None, keys: Sequence[str] = ()
) -> Iterator[Finding]:
    """page-placeholder: text standing in place of content (not comments, not code).

    A placeholder is the whole content of a block (item, cell, paragraph, heading), of an
    emphasis or of a link's text, a bracketed note, or the value after a label's colon; an
    upper-case token (``TODO``, ``TBD``, ``FIXME``) counts anywhere outside link text. A
    lower-case phrase inside a sentence is ordinary prose ("need to be added within 30 days").

    PASS::

        The trial flow starts on the pricing page.
        Dependents need to be added within 30 days.
        <!-- TODO: add the trial emails -->

    FAIL::

        _coming soon_
        Renewal emails (TODO: fill in)
    """
    if pattern is None:
        return
    for run in doc.texts:
        if keys:
            lowered = run.text.lower()
            if not any(key in lowered for key in keys):
                continue
        for match in pattern.finditer(run.text):
            if not _stands_in(doc, run, match):
                continue
            words = " ".join(match.group().split())
            yield PAGE_PLACEHOLDER.finding(
                f"placeholder text {words!r}; write the content or remove it",
                doc.locate(run, match.start()),
                subject=f"placeholder:{words.casefold()}:{' > '.join(run.context)}",
            )


_NOT_WORDS = re.compile(r"[\W_]+")
_OPENERS = "([{"
_STATUS = re.compile(r"^(?:wip|draft|status|note)\b")


def _bare(text: str) -> str:
    return " ".join(_NOT_WORDS.sub(" ", text).split()).casefold()


def _stands_in(doc: PageDoc, run: TextRun, match: re.Match[str]) -> bool:
    """Whether a placeholder match stands in place of content (see ``placeholders_in``)."""
    start, end = match.span()
    found = _bare(match.group())
    piece = _piece_at(run, start)
    if piece is not None and not piece[3]:  # in link text: only the whole of it ("TODO Group")
        return _bare(run.text[piece[0] : _piece_end(run, piece)]) == found
    if _STATUS.sub("", _bare(run.text)).strip() == found:
        # the whole block (a status word may come with it: "WIP - coming soon!"), unless it
        # is the title of a section with content ("### Todo:" over a to-do list)
        return not _titles_content(doc, run)
    written = match.group()
    if written.isupper() and " " not in written.strip():
        return True  # TODO, TBD, FIXME
    head = run.text[:start].rstrip()
    if head and head[-1] in _OPENERS:
        return True  # a bracketed note: (coming soon), [TODO: ...]
    if head.endswith(":") and not _bare(run.text[end:]):
        return True  # the value of a label: "Status: to be added."
    first, last = doc.byte_at(run, start), doc.byte_at(run, end - 1)
    data = doc.index.data
    return (
        first is not None
        and last is not None
        and data[first - 1 : first] in (b"_", b"*")
        and data[last + 1 : last + 2] in (b"_", b"*")
    )  # the whole of an emphasis: _coming soon_


def _titles_content(doc: PageDoc, run: TextRun) -> bool:
    """Whether ``run`` is the text of a heading with content under it."""
    line = doc.locate(run, 0).line
    return any(
        h.location.line == line and h.has_content and _bare(h.text) == _bare(run.text)
        for h in doc.headings
    )


def _piece_at(run: TextRun, offset: int) -> tuple[int, int, int, bool] | None:
    found = None
    for piece in run.pieces:
        if piece[0] > offset:
            break
        found = piece
    return found


def _piece_end(run: TextRun, piece: tuple[int, int, int, bool]) -> int:
    i = run.pieces.index(piece)
    return run.pieces[i + 1][0] if i + 1 < len(run.pieces) else len(run.text)
