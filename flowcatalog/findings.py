"""Findings and rules: what a check reports about user data, and the rule that says so."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from flowcatalog.model import Location


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule: its kebab-case id, default severity, one-line summary and the area it checks.

    The module that reports a rule declares it as a constant and makes its findings with
    ``RULE.finding(...)``, so a finding's severity is said once, here; ``rules.registry``
    lists every rule. ``unread`` marks rules meaning a source was not read, whole or in part
    (its links are then missing from any list of links).
    """

    id: str
    severity: Severity
    summary: str
    area: str
    unread: bool = False

    @property
    def anchor(self) -> str:
        """The rule's anchor in the README's checks table (``README.md#rule-<id>``)."""
        return f"rule-{self.id}"

    def finding(
        self,
        message: str,
        location: Location,
        *,
        subject: str = "",
        url: str | None = None,
        link: str | None = None,
    ) -> Finding:
        """A finding of this rule at its default severity; ``link``: see ``Finding``."""
        return Finding(self.id, self.severity, message, location, url, subject, link)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem (or note) at one place.

    ``subject`` names what the finding is about, independent of its line: the URL, the
    catalog cell (``stage/deployment``) or the item. Fingerprints are built from it.
    ``link`` is set on a finding made about a link of the report: that link's normalised
    URL, the key of its ``LinkGroup`` (``url`` is the URL as written, for messages).
    """

    rule: str
    severity: Severity
    message: str
    location: Location
    url: str | None = None
    subject: str = ""
    link: str | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, int, str, str]:
        loc = self.location
        return (
            loc.path,
            loc.line or 0,
            loc.column or 0,
            self.severity.rank,
            self.rule,
            self.message,
        )

    def fingerprint(self, occurrence: int = 0) -> str:
        """A stable id that survives unrelated edits: rule, path and subject, never the line."""
        subject = self.subject or self.url or self.message
        raw = "\0".join(("flowcatalog", self.rule, self.location.path, subject, str(occurrence)))
        # surrogatepass: the same bytes as before for any real text, and no crash on a lone
        # surrogate (a file name or text decoded with surrogateescape)
        return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def sort_findings(findings: list[Finding] | tuple[Finding, ...]) -> tuple[Finding, ...]:
    """Findings in reading order (path, line, column), errors first at one place; no duplicates."""
    unique = dict.fromkeys(findings)
    return tuple(sorted(unique, key=lambda f: f.sort_key))
