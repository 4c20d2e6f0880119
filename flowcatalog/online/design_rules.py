"""The rules of "design changed since documented": declared apart from the comparison, so
the rule registry can list them without importing the HTTP and image code behind it."""

from __future__ import annotations

from flowcatalog.findings import Rule, Severity

DESIGN_CHANGED = Rule(
    "design-changed",
    Severity.WARNING,
    "a linked Figma frame looks different from its snapshot: the design moved on since it "
    "was documented",
    "figma",
)
DESIGN_RENAMED = Rule(
    "design-renamed",
    Severity.WARNING,
    "a linked Figma node was renamed since it was documented",
    "figma",
)
DESIGN_DELETED = Rule(
    "design-deleted",
    Severity.WARNING,
    "a linked Figma node was deleted since it was documented",
    "figma",
)
