"""Linter-style text: ``path:line:col: severity: message [rule-id]``, then one summary line."""

from __future__ import annotations

from dataclasses import replace

from flowcatalog.errors import printable
from flowcatalog.findings import Finding, Severity
from flowcatalog.report import Report

_COLOURS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def format_finding(finding: Finding, *, color: bool = False) -> str:
    """One line, whatever the page's file name holds (``errors.printable``)."""
    severity = _paint(finding.severity.value, _COLOURS[finding.severity], color)
    where = finding.location
    if not where.path.isprintable():
        where = replace(where, path=printable(where.path))
    return f"{_paint(str(where), '1', color)}: {severity}: {finding.message} [{finding.rule}]"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def summary_line(report: Report) -> str:
    parts = [
        _plural(report.count(Severity.ERROR), "error"),
        _plural(report.count(Severity.WARNING), "warning"),
        _plural(report.count(Severity.INFO), "info"),
    ]
    text = ", ".join(parts)
    links = len(report.links)
    text += f"; {_plural(links, 'link')} ({report.figma_link_count} Figma)"
    if report.coverage is not None:
        cov = report.coverage
        text += f"; coverage {cov.percent:.1f}% ({cov.documented}/{cov.total} cells documented"
        if cov.not_applicable:
            text += f", {cov.not_applicable} not applicable"
        text += ")"
    return text


def render(report: Report, *, color: bool = False) -> str:
    lines = [format_finding(f, color=color) for f in report.findings]
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"
