"""Escaping for the XML-family formats (JUnit XML, HTML, SVG), shared so that none forgets a case.

XML 1.0 forbids most C0 control characters even as character references, so they are
replaced by U+FFFD rather than escaped; a message with a stray ``\\x00`` or ``\\x1b`` must not
make the whole document unparseable.

These run once or more per finding in the XML and HTML reports, so each skips the work a
value does not need: almost every value is printable text without ``&``, ``<`` or ``>``, and
``str.isprintable`` (one C loop) proves it holds none of the characters ``clean`` replaces
(all of which are non-printable), so the regular expression only runs on the rare value that
needs it. Output is the same as always escaping.
"""

from __future__ import annotations

import re

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udfff]")


def clean(text: str) -> str:
    """``text`` with the characters XML cannot carry replaced by U+FFFD."""
    if text.isprintable():  # every character the pattern matches is non-printable
        return text
    return _INVALID_XML.sub("\ufffd", text)


def text(value: str) -> str:
    """Escape character data: ``&``, ``<`` and ``>``."""
    if not value.isprintable():
        value = _INVALID_XML.sub("\ufffd", value)
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    return value


def attr(value: str) -> str:
    """Escape a double-quoted attribute value; line breaks and tabs survive as references."""
    value = text(value)
    if '"' in value:
        value = value.replace('"', "&quot;")
    if not value.isprintable():  # after ``text``, only line breaks and tabs can be left
        value = value.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    return value


def one_line(value: str) -> str:
    """Collapse every run of whitespace (line breaks included) to one space."""
    return " ".join(value.split())
