"""Large pages in pieces: where a Markdown page can be cut so that each piece parses as it
does within the whole page.

pulldown-cmark builds its tree for the whole text before the first event, about 25 bytes a
node; a 20 MB table of empty cells is 40 million nodes (1 GB). Parsing a large page piece by
piece (``markdown._Extractor``) bounds that memory by the piece's size, and this module says
where the pieces go. Pure: bytes in, byte offsets out.
"""

from __future__ import annotations

import re

#: pages larger than this are parsed in pieces of about this size (``chunk_bounds``)
CHUNK_BYTES = 2 * 1024 * 1024
_BLOCK_OPEN = re.compile(
    rb" {0,3}(?:(`{3,}|~{3,})|(<!--)|(<\?)|(<!\[CDATA\[)|(<![A-Za-z])"
    rb"|<(script|pre|style|textarea)(?=[\s>]|$))",
    re.IGNORECASE,
)
#: a line that may start a block of its own, ending a table: no cut inside the table after it
_BLOCK_START = re.compile(rb" {0,3}(?:#|>|[-+*][ \t]|\d{1,9}[.)][ \t]|`{3}|~{3}|<|\[)")
_HTML_ENDS = {2: b"-->", 3: b"?>", 4: b"]]>", 5: b">"}
_DELIMITER_ROW = re.compile(rb" {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")


def chunk_bounds(data: bytes, size: int | None = None) -> list[tuple[int, int, int, int]]:
    """Pieces of about ``size`` bytes that parse as the whole page parses:
    ``(start, end, head start, head end)``, the head being the delimiter row of a table the
    piece starts in (empty when it starts in none).

    A piece ends before a line that starts in its first column after a blank line: there
    every block of CommonMark has ended (a paragraph, a list, a quote, a table, indented
    code), except a fenced code block, an HTML block of kinds 1 to 5 (a comment, ``<pre>``,
    ``<script>``...), a kramdown comment and front matter, which are followed to their end
    and never split. A table may be split between two rows (lines with a ``|`` that start
    no other block, before any line that might end the table): the piece after the split is
    parsed with a head in front of it, an empty header row and the table's delimiter row.
    What changes: a list split at a blank line restarts (its items are the same).
    """
    size = CHUNK_BYTES if size is None else size
    pieces: list[tuple[int, int, int, int]] = []
    first, head = 0, (0, 0)
    pos = _front_matter_end(data)
    target = size
    fence: bytes | None = None
    closing: bytes | None = None
    blank_before = True
    table: tuple[int, int] | None = None
    previous: tuple[int, bytes, bool] | None = None  # last line: start, text, blank before it
    n = len(data)
    while pos < n:
        eol = data.find(b"\n", pos)
        stop = n if eol < 0 else eol
        line = data[pos:stop].rstrip(b"\r")
        start, pos = pos, stop + 1
        if fence is not None:
            stripped = line.lstrip(b" ")
            indent = len(line) - len(stripped)
            if (
                indent <= 3
                and stripped.startswith(fence)
                and not stripped.rstrip().strip(fence[:1])
            ):
                fence = None
            continue
        if closing is not None:
            if closing in line.lower():
                closing = None
            continue
        if not line.strip():
            blank_before, table, previous = True, None, None
            continue
        if table is not None and (b"|" not in line or _BLOCK_START.match(line)):
            table = None  # the table may have ended here: no more cuts until a blank line
        if start >= target and (table is not None or (blank_before and line[:1] not in b" \t")):
            pieces.append((first, start, *head))
            first, head = start, (table if table is not None else (0, 0))
            target = start + size
        header = previous is not None and previous[2] and b"|" in previous[1]
        if table is None and header and b"|" in line and _DELIMITER_ROW.fullmatch(line):
            table = (start, pos if pos <= n else n)  # the delimiter row
            previous = None
            blank_before = False
            continue
        previous = (start, line, blank_before)
        blank_before = False
        if b"{::comment}" in line and b"{:/" not in line[line.index(b"{::comment}") :]:
            closing, table = b"{:/", None
            continue
        match = _BLOCK_OPEN.match(line)
        if match is None:
            continue
        table = None
        if match.group(1):
            fence = match.group(1)
            continue
        kind = next((i for i in (2, 3, 4, 5) if match.group(i)), 6)
        end = _HTML_ENDS[kind] if kind in _HTML_ENDS else b"</" + match.group(6).lower()
        if end not in line[match.end() :].lower():
            closing = end
    pieces.append((first, n, *head))
    return [piece for piece in pieces if piece[1] > piece[0]]


def _front_matter_end(data: bytes) -> int:
    """Where scanning for pieces may start: after front matter, which may hold blank lines."""
    for mark in (b"---", b"+++"):
        if data.startswith(mark):
            found = re.search(rb"\r?\n" + re.escape(mark) + rb"[ \t]*(?:\r?\n|$)", data[3:])
            return 3 + found.end() if found else len(data)
    return 0
