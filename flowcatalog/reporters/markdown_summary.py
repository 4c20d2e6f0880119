"""A Markdown summary fit for a merge-request or pull-request comment.

Counts first, then, when the report has the target branch's figures, the
change in coverage and the changed cells only, each with its Figma frames as thumbnails
linking to the nodes (thumbnails are the snapshot's committed PNGs, linked through the
forge's raw-file URL: notes render no ``data:`` images and no inline SVG, so coverage over
time is a Unicode sparkline here), then design changes, the coverage matrix (the same table
as ``flowcatalog coverage --format markdown``), and the findings as a table, capped so the
comment stays within the size limits of GitLab notes and GitHub comments.
"""

from __future__ import annotations

import re

from flowcatalog.findings import Severity
from flowcatalog.report import Report, ReportContext
from flowcatalog.reporters.coverage_table import markdown_extra_flows, markdown_table
from flowcatalog.reporters.subjects import display_names, link_by_url
from flowcatalog.reporters.text import summary_line
from flowcatalog.views import HistoryPoint, TargetFigures

MAX_FINDINGS = 200
_ICONS = {Severity.ERROR: "🔴", Severity.WARNING: "🟠", Severity.INFO: "🔵"}
_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")


def escape(text: str) -> str:
    """Inline Markdown text that renders as itself, also inside a table cell."""
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


_SPARKS = "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"


def _url(url: str) -> str:
    """A URL fit for a Markdown link target (spaces and parentheses encoded)."""
    return url.strip().replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def sparkline(points: tuple[HistoryPoint, ...]) -> str:
    known = [p.percent for p in points if p.percent is not None]
    return "".join(_SPARKS[round(max(0.0, min(100.0, value)) / 100 * 7)] for value in known)


def _frames(report: Report, context: ReportContext, urls: tuple[str, ...]) -> str:
    links = link_by_url(report)
    out = []
    for url in urls:
        link = links.get(url)
        view = context.view(link.figma) if link is not None else None
        name = (view.node_name if view is not None else None) or (
            f"Figma node {link.figma.node_id}"
            if link is not None and link.figma is not None and link.figma.node_id
            else url
        )
        thumbnail = view.thumbnail if view is not None else None
        raw = None
        if thumbnail is not None and thumbnail.path and context.sources is not None:
            raw = context.sources.raw(thumbnail.path)
        if not url.lower().startswith(("https://", "http://")):
            out.append(escape(name))
        elif raw is not None:
            out.append(f"[![{escape(name)}]({_url(raw)})]({_url(url)})")
        else:
            out.append(f"[{escape(name)}]({_url(url)})")
    return " ".join(out)


def _changed_cells(report: Report, context: ReportContext, target: TargetFigures) -> list[str]:
    coverage = report.coverage
    assert coverage is not None
    stages, deployments = display_names(coverage)
    before = {(c.stage, c.deployment): c for c in target.cells}
    now = {(c.stage, c.deployment): c for c in coverage.cells}
    changed_nodes = {(c.api_key, c.node_id) for c in context.changes}
    rows = []
    for key in [*now, *(k for k in before if k not in now)]:
        old, new = before.get(key), now.get(key)
        new_links = tuple(new.links) if new is not None else ()
        redrawn = any(
            link.figma is not None and (link.figma.api_key, link.figma.node_id) in changed_nodes
            for url, link in link_by_url(report).items()
            if url in new_links
        )
        same = (
            old is not None
            and new is not None
            and old.state == new.state.value
            and old.links == new_links
        )
        if same and not redrawn:
            continue
        cell = f"{stages.get(key[0], key[0])} / {deployments.get(key[1], key[1])}"
        was = old.state if old is not None else "not in the catalog"
        state = new.state.value if new is not None else "removed"
        if redrawn:
            state += " (design changed)"
        frames = _frames(report, context, new_links) if new_links else ""
        rows.append(f"| {escape(cell)} | {escape(was)} | {escape(state)} | {frames} |")
    if not rows:
        return [f"No cell changed against {escape(target.label)}."]
    return ["| Cell | Before | Now | Figma frames |", "|---|---|---|---|", *rows]


def _node_names(report: Report) -> dict[str, str]:
    """URL -> node name, for every link whose node the report can name."""
    if report.context is None:
        return {}
    names = {}
    for link in report.links:
        view = report.context.view(link.figma)
        if view is not None and view.node_name:
            for occurrence in link.occurrences:
                names[occurrence.url] = view.node_name
    return names


def _context_lines(report: Report) -> list[str]:
    context = report.context
    coverage = report.coverage
    if context is None or coverage is None:
        return []
    out: list[str] = []
    nodes = sum(1 for link in report.links if link.figma is not None and link.figma.node_id)
    if context.snapshot == "missing" and nodes:
        out.extend(
            [
                "",
                f"No Figma snapshot yet: {nodes} Figma node{'s' if nodes != 1 else ''} shown by "
                "id. Run `flowcatalog snapshot` with `FIGMA_TOKEN` and commit `.flowcatalog/` "
                "to show their names and thumbnails here.",
            ]
        )
    target = context.target
    if target is not None:
        delta = coverage.percent - target.percent
        sign = "+" if delta > 0 else ("\u2212" if delta < 0 else "\u00b1")
        out.extend(
            [
                "",
                f"Coverage **{coverage.percent:.1f}%** ({coverage.documented}/{coverage.total}), "
                f"**{sign}{abs(delta):.1f}** points against {escape(target.label)} "
                f"({target.percent:.1f}%, {target.documented}/{target.total}).",
                "",
                "### Changed cells",
                "",
                *_changed_cells(report, context, target),
            ]
        )
    if context.changes:
        out.extend(["", "### Design changed since documented", ""])
        for change in context.changes:
            name = change.name or f"node {change.node_id}"
            verb = change.kind
            if change.kind == "renamed":
                verb = f"renamed to \u2018{change.new_name}\u2019"
            named = f"[{escape(name)}]({_url(change.url)})" if change.url else escape(name)
            out.append(
                f"- {named} {escape(verb)} (version {escape(change.version_before or '?')} "
                f"\u2192 {escape(change.version_after or '?')})"
            )
    if context.history:
        known = [p for p in context.history if p.percent is not None]
        if known:
            out.extend(
                [
                    "",
                    f"Coverage over the last {len(context.history)} commits: "
                    f"{sparkline(context.history)} ({known[0].percent:.1f}% \u2192 "
                    f"{known[-1].percent:.1f}%)",
                ]
            )
    return out


def render(report: Report, *, color: bool = False) -> str:
    errors = report.count(Severity.ERROR)
    verdict = "failed" if errors else "passed"
    out = [f"## flowcatalog check {verdict}", "", f"**{escape(summary_line(report))}**"]
    if report.generated_at:
        out.append("")
        out.append(f"Generated {escape(report.generated_at)}.")
    out.extend(_context_lines(report))
    if report.coverage is not None:
        table = markdown_table(report.coverage, _node_names(report))
        out.extend(["", "### Coverage", "", table.rstrip("\n")])
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
