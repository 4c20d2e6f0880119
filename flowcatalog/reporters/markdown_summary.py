"""A Markdown summary fit for a merge-request or pull-request comment.

Counts first, then the coverage matrix (the same table as ``flowcatalog coverage --format
markdown``), then the findings as a table, capped so the comment stays within the size
limits of GitLab notes and GitHub comments.
"""

from __future__ import annotations

import re

from flowcatalog.findings import Severity
from flowcatalog.report import Report
from flowcatalog.reporters.coverage_table import markdown_extra_flows, markdown_table
from flowcatalog.reporters.text import summary_line

MAX_FINDINGS = 200
_ICONS = {Severity.ERROR: "🔴", Severity.WARNING: "🟠", Severity.INFO: "🔵"}
_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")


def escape(text: str) -> str:
    """Inline Markdown text that renders as itself, also inside a table cell."""
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


def render(report: Report, *, color: bool = False) -> str:
    errors = report.count(Severity.ERROR)
    verdict = "failed" if errors else "passed"
    out = [f"## flowcatalog check {verdict}", "", f"**{escape(summary_line(report))}**"]
    if report.generated_at:
        out.append("")
        out.append(f"Generated {escape(report.generated_at)}.")
    if report.coverage is not None:
        out.extend(["", "### Coverage", "", markdown_table(report.coverage).rstrip("\n")])
        extras = markdown_extra_flows(report.coverage)
        if extras:
            out.extend(["", extras.rstrip("\n")])
    out.extend(["", "### Findings", ""])
    if not report.findings:
        out.append("No findings.")
    else:
        out.append("| Severity | Location | Rule | Message |")
        out.append("|---|---|---|---|")
        for finding in report.findings[:MAX_FINDINGS]:
            icon = _ICONS[finding.severity]
            out.append(
                f"| {icon} {finding.severity.value} | {escape(str(finding.location))} "
                f"| {escape(finding.rule)} | {escape(finding.message)} |"
            )
        hidden = len(report.findings) - MAX_FINDINGS
        if hidden > 0:
            out.extend(["", f"…and {hidden} more; see the full report."])
    return "\n".join(out) + "\n"
