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
    """A rule: its kebab-case id, default severity, one-line summary and the area it checks
    (catalog, pages or online). Every finding names one; ``rules.registry`` lists them all."""

    id: str
    severity: Severity
    summary: str
    area: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem (or note) at one place.

    ``subject`` names what the finding is about, independent of its line: the URL, the
    catalog cell (``stage/deployment``) or the item. Fingerprints are built from it.
    """

    rule: str
    severity: Severity
    message: str
    location: Location
    url: str | None = None
    subject: str = ""

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
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def sort_findings(findings: list[Finding] | tuple[Finding, ...]) -> tuple[Finding, ...]:
    """Findings in reading order (path, line, column), errors first at one place; no duplicates."""
    unique = dict.fromkeys(findings)
    return tuple(sorted(unique, key=lambda f: f.sort_key))
