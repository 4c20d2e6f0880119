"""Inline suppression: comments in pages and in the catalog that silence findings where they
stand, and the ``unused-suppression`` finding for those that silence nothing.

In pages (Markdown and HTML), the markdownlint way::

    <!-- flowcatalog-disable-next-line page-placeholder -->
    <!-- flowcatalog-disable page-empty-item page-placeholder -->  ...  <!-- flowcatalog-enable -->
    <!-- flowcatalog-disable-file page-link-missing -->

In the catalog (YAML), on the line of the finding, or alone on the line before it:
``# flowcatalog: ignore[empty-item]``.
A directive without rule ids applies to every rule. Pure: texts in, findings out.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from flowcatalog.findings import Finding, Rule, Severity
from flowcatalog.model import Location

UNUSED_SUPPRESSION = Rule(
    "unused-suppression",
    Severity.INFO,
    "an inline suppression comment that suppresses nothing (or names an unknown rule)",
    "suppression",
)

_PAGE = re.compile(
    r"<!--\s*flowcatalog-(disable-next-line|disable-file|disable|enable)\b([^>]*?)\s*-->"
)
_YAML = re.compile(r"#\s*flowcatalog:\s*ignore(?:\[([^\]]*)\])?")
_RULE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ALL = "*"


@dataclass(frozen=True, slots=True)
class Directive:
    """One suppression comment: its kind (``disable-next-line``, ``disable``, ``enable``,
    ``disable-file``, ``ignore``), the rules it names (``*`` for all) and where it stands."""

    kind: str
    rules: tuple[str, ...]
    location: Location

    @property
    def label(self) -> str:
        named = " ".join(r for r in self.rules if r != ALL)
        if self.kind.startswith("ignore"):
            return f"# flowcatalog: ignore[{named}]" if named else "# flowcatalog: ignore"
        return f"flowcatalog-{self.kind}" + (f" {named}" if named else "")


def is_yaml(path: str) -> bool:
    return path.lower().endswith((".yaml", ".yml"))


def directives(path: str, text: str) -> list[Directive]:
    """Every suppression comment in ``text`` (a page, or the catalog when ``path`` is YAML)."""
    if "flowcatalog" not in text:
        return []
    found: list[Directive] = []
    pattern = _YAML if is_yaml(path) else _PAGE
    for number, line in enumerate(text.splitlines(), start=1):
        if "flowcatalog" not in line:
            continue
        for match in pattern.finditer(line):
            where = Location(path, number, match.start() + 1)
            if is_yaml(path):
                # alone on its line, the comment is about the next line
                alone = not line[: match.start()].strip()
                kind = "ignore-next-line" if alone else "ignore"
                names = (match.group(1) or "").replace(",", " ")
            else:
                kind, names = match.group(1), match.group(2)
            rules = tuple(names.split()) or (ALL,)
            found.append(Directive(kind, rules, where))
    return found


@dataclass(slots=True)
class _Span:
    directive: Directive
    rule: str
    first: int
    last: float  # inclusive; inf for open ranges and whole files
    used: bool = False

    def covers(self, finding: Finding) -> bool:
        if self.rule not in (ALL, finding.rule):
            return False
        line = finding.location.line
        if self.directive.kind == "disable-file":
            return True
        return line is not None and self.first <= line <= self.last


def _spans(found: Iterable[Directive]) -> list[_Span]:
    spans: list[_Span] = []
    open_ranges: dict[str, _Span] = {}
    for directive in found:
        line = directive.location.line or 1
        if directive.kind == "enable":
            targets = list(open_ranges) if ALL in directive.rules else list(directive.rules)
            for rule in targets:
                span = open_ranges.pop(rule, None)
                if span is not None:
                    span.last = line
            continue
        for rule in directive.rules:
            if directive.kind in ("disable-next-line", "ignore-next-line"):
                spans.append(_Span(directive, rule, line + 1, line + 1))
            elif directive.kind == "ignore":
                spans.append(_Span(directive, rule, line, line))
            elif directive.kind == "disable-file":
                spans.append(_Span(directive, rule, 1, float("inf")))
            elif rule not in open_ranges:
                span = _Span(directive, rule, line, float("inf"))
                open_ranges[rule] = span
                spans.append(span)
    return spans


def apply(
    findings: Iterable[Finding], texts: Mapping[str, str], known_rules: Collection[str]
) -> tuple[list[Finding], list[Finding]]:
    """Findings no directive covers, and one ``unused-suppression`` finding per directive
    rule that covered nothing (or that names a rule there is not)."""
    by_path: dict[str, list[_Span]] = {}
    for path, text in texts.items():
        spans = _spans(directives(path, text))
        if spans:
            by_path[path] = spans
    if not by_path:
        return list(findings), []
    kept: list[Finding] = []
    for finding in findings:
        covering = [s for s in by_path.get(finding.location.path, ()) if s.covers(finding)]
        for span in covering:
            span.used = True
        if not covering or finding.rule == UNUSED_SUPPRESSION.id:
            kept.append(finding)
    unused: list[Finding] = []
    for spans in by_path.values():
        for span in spans:
            if span.used:
                continue
            directive = span.directive
            if span.rule != ALL and span.rule not in known_rules:
                message = f"'{directive.label}' names an unknown rule {span.rule!r}"
            elif span.rule == ALL:
                message = f"'{directive.label}' suppresses nothing here; remove it"
            else:
                message = f"'{directive.label}' suppresses no {span.rule} finding; remove it"
            unused.append(
                UNUSED_SUPPRESSION.finding(
                    message, directive.location, subject=f"{directive.kind}:{span.rule}"
                )
            )
    return kept, unused
