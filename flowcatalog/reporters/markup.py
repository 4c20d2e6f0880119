"""Escaping for the XML-family formats (JUnit XML, HTML, SVG), shared so that none forgets a case.

XML 1.0 forbids most C0 control characters even as character references, so they are
replaced by U+FFFD rather than escaped; a message with a stray ``\\x00`` or ``\\x1b`` must not
make the whole document unparseable.
"""

from __future__ import annotations

import re

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udfff]")


def clean(text: str) -> str:
    """``text`` with the characters XML cannot carry replaced by U+FFFD."""
    return _INVALID_XML.sub("\ufffd", text)


def text(value: str) -> str:
    """Escape character data: ``&``, ``<`` and ``>``."""
    return clean(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def attr(value: str) -> str:
    """Escape a double-quoted attribute value; line breaks and tabs survive as references."""
    return (
        text(value)
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


def one_line(value: str) -> str:
    """Collapse every run of whitespace (line breaks included) to one space."""
    return " ".join(value.split())
