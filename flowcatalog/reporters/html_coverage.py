"""A single self-contained HTML coverage page: opens from disk, loads nothing from the network.

The stage x deployment matrix is a real table (row and column headers, a caption), each
cell coloured by state with the state also written out, and linking to its Figma node(s),
named by the Figma API's node name when the run was online. Below: the findings with their
locations, the links and their status, and the run's time and totals. No scripts; the only
URLs are the flow links themselves, and only ``http(s)`` ones become clickable.
"""

from __future__ import annotations

from flowcatalog.findings import Severity
from flowcatalog.report import Cell, CellState, LinkGroup, Report
from flowcatalog.reporters.markup import attr, text
from flowcatalog.reporters.subjects import display_names, link_by_url

LABELS = {
    CellState.DOCUMENTED: ("\u2713", "Documented"),
    CellState.PLACEHOLDER: ("\u25d0", "Placeholder"),
    CellState.MISSING: ("\u2717", "Missing"),
    CellState.NOT_APPLICABLE: ("\u2013", "Not applicable"),
}
SEVERITY_LABELS = {Severity.ERROR: "Error", Severity.WARNING: "Warning", Severity.INFO: "Info"}

STYLE = """\
:root { color-scheme: light; color: #1f2328; background: #fff;
  font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
body { margin: 0 auto; max-width: 75rem; padding: 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .4rem; }
h2 { font-size: 1.25rem; margin: 1.6rem 0 .5rem; }
.meta { color: #454c54; margin: 0 0 .6rem; }
.totals { display: flex; flex-wrap: wrap; gap: .4rem; list-style: none; margin: 0; padding: 0; }
.totals li { border: 1px solid #c8d1da; border-radius: .4rem; padding: .25rem .6rem; }
.scroll { overflow-x: auto; }
.scroll:focus { outline: 2px solid #0969da; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; padding: 0 0 .4rem; color: #454c54; }
th, td { border: 1px solid #c8d1da; padding: .45rem .6rem; text-align: left; vertical-align: top; }
thead th { background: #f3f5f7; }
.matrix tbody th, .matrix thead th:first-child { position: sticky; left: 0; z-index: 1;
  background: #f3f5f7; }
.matrix td { min-width: 9rem; }
.state { font-weight: 600; white-space: nowrap; }
.documented { background: #dcf5e3; }
.placeholder { background: #fff3c4; }
.missing { background: #ffe3e0; }
.not-applicable { background: #eceef1; }
.matrix ul { margin: .3rem 0 0; padding-left: 1.1rem; }
.note { display: block; font-size: .9rem; color: #3d444d; }
.legend { display: flex; flex-wrap: wrap; gap: .4rem .9rem; list-style: none; padding: 0; }
.legend li span { display: inline-block; padding: 0 .4rem; border: 1px solid #c8d1da; }
.error { color: #a40e26; font-weight: 600; }
.warning { color: #7a4a00; font-weight: 600; }
.info { color: #0a4a8f; }
a { color: #0550ae; }
td { overflow-wrap: break-word; }
a, code { overflow-wrap: anywhere; }
.sev { white-space: nowrap; }
footer { margin-top: 2rem; color: #454c54; font-size: .9rem; }
@media (max-width: 40rem) {
  body { padding: .6rem; }
  h1 { font-size: 1.3rem; }
  th, td { padding: .35rem .4rem; font-size: .92rem; }
  .matrix td { min-width: 7rem; }
}
"""


def _href(url: str) -> str | None:
    lowered = url.strip().lower()
    return url.strip() if lowered.startswith(("https://", "http://")) else None


def _link_text(url: str, link: LinkGroup | None) -> str:
    if link is not None and link.details is not None and link.details.node_name:
        return link.details.node_name
    if link is not None and link.figma is not None and link.figma.node_id:
        return f"Figma node {link.figma.node_id}"
    return url


def _anchor(url: str, label: str) -> str:
    href = _href(url)
    if href is None:
        return f"<code>{text(url)}</code>"
    return f'<a href="{attr(href)}">{text(label)}</a>'


def _status(link: LinkGroup | None) -> str:
    if link is None or link.status is None or link.status == "ok":
        return ""
    return f' <span class="note">link {text(link.status)}</span>'


def _cell_html(cell: Cell | None, links: dict[str, LinkGroup], deployments: dict[str, str]) -> str:
    if cell is None:
        return '<td class="missing"><span class="state">\u2717 Not in catalog</span></td>'
    icon, label = LABELS[cell.state]
    parts = [
        f'<td class="{cell.state.value}" data-state="{cell.state.value}">'
        f'<span class="state">{icon} {label}</span>'
    ]
    if cell.flows:
        flows = ", ".join(cell.flows)
        parts.append(
            f'<span class="note">Flow{"s" if len(cell.flows) > 1 else ""}: {text(flows)}</span>'
        )
    if cell.shared_with:
        shared = ", ".join(deployments.get(d, d) for d in cell.shared_with)
        parts.append(f'<span class="note">Shared with {text(shared)}</span>')
    if cell.reason:
        parts.append(f'<span class="note">Reason: {text(cell.reason)}</span>')
    if cell.links:
        items = []
        for url in cell.links:
            link = links.get(url)
            items.append(f"<li>{_anchor(url, _link_text(url, link))}{_status(link)}</li>")
        parts.append("<ul>" + "".join(items) + "</ul>")
    parts.append("</td>")
    return "".join(parts)


def _matrix(report: Report) -> list[str]:
    coverage = report.coverage
    if coverage is None:
        return ["<p>No catalog was read, so there is no coverage matrix.</p>"]
    stages, deployments = display_names(coverage)
    links = link_by_url(report)
    grid = {(c.stage, c.deployment): c for c in reversed(coverage.cells)}
    out = [
        '<div class="scroll" role="region" aria-labelledby="matrix-title" tabindex="0">',
        '<table class="matrix" id="matrix">',
        "<caption>Each cell is a stage and a deployment type: its state, "
        "its flows and their Figma links.</caption>",
        '<thead><tr><th scope="col">Stage</th>'
        + "".join(f'<th scope="col">{text(name)}</th>' for name in deployments.values())
        + "</tr></thead>",
        "<tbody>",
    ]
    for stage_id, stage_name in stages.items():
        row = [f'<tr><th scope="row">{text(stage_name)}</th>']
        for dep_id in deployments:
            row.append(_cell_html(grid.get((stage_id, dep_id)), links, deployments))
        row.append("</tr>")
        out.append("".join(row))
    out.extend(["</tbody>", "</table>", "</div>"])
    out.append('<ul class="legend" aria-label="Legend">')
    for state, (icon, label) in LABELS.items():
        out.append(f'<li><span class="{state.value}">{icon} {label}</span></li>')
    out.append("</ul>")
    if coverage.extra_flows:
        out.append('<h3 id="extra-flows">Extra flows (outside the matrix)</h3>')
        out.append('<ul class="extra-flows">')
        for flow in coverage.extra_flows:
            stage = stages.get(flow.stage, flow.stage)
            if flow.links:
                what = ", ".join(
                    _anchor(url, _link_text(url, links.get(url))) + _status(links.get(url))
                    for url in flow.links
                )
            elif flow.placeholder:
                what = f'<span class="note">placeholder: {text(flow.placeholder)}</span>'
            else:
                what = '<span class="note">no link</span>'
            out.append(f"<li><strong>{text(stage)}</strong>: {text(flow.name)}: {what}</li>")
        out.append("</ul>")
    return out


def _findings(report: Report) -> list[str]:
    if not report.findings:
        return ['<p id="findings">No findings.</p>']
    out = [
        '<div class="scroll" role="region" aria-labelledby="findings-title" tabindex="0">',
        '<table id="findings">',
        '<thead><tr><th scope="col">Severity</th><th scope="col">Location</th>'
        '<th scope="col">Rule</th><th scope="col">Message</th></tr></thead>',
        "<tbody>",
    ]
    for f in report.findings:
        out.append(
            f'<tr><td class="sev {f.severity.value}">{SEVERITY_LABELS[f.severity]}</td>'
            f"<td><code>{text(str(f.location))}</code></td>"
            f"<td><code>{text(f.rule)}</code></td>"
            f"<td>{text(f.message)}</td></tr>"
        )
    out.extend(["</tbody>", "</table>", "</div>"])
    return out


def _links(report: Report) -> list[str]:
    if not report.links:
        return ["<p>No links.</p>"]
    out = [
        '<div class="scroll" role="region" aria-labelledby="links-title" tabindex="0">',
        '<table id="links">',
        '<thead><tr><th scope="col">Link</th><th scope="col">Status</th>'
        '<th scope="col">Found at</th></tr></thead>',
        "<tbody>",
    ]
    for link in report.links:
        status = link.status or "shape checked"
        if link.http_status is not None:
            status += f" (HTTP {link.http_status})"
        if link.cached:
            status += ", cached"
        label = link.normalised
        if link.details is not None and link.details.node_name:
            file_name = link.details.file_name or "Figma"
            label = f"{link.details.node_name} in {file_name}"
        found = "<br>".join(f"<code>{text(str(loc))}</code>" for loc in link.locations)
        out.append(
            f"<tr><td>{_anchor(link.url, label)}</td><td>{text(status)}</td><td>{found}</td></tr>"
        )
    out.extend(["</tbody>", "</table>", "</div>"])
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def render(report: Report, *, color: bool = False) -> str:
    coverage = report.coverage
    title = f"Flow coverage {coverage.percent:.1f}%" if coverage is not None else "Flow check"
    totals = []
    if coverage is not None:
        totals.append(
            f"<li><strong>{coverage.documented}</strong> of {coverage.total} cells documented"
            f" ({coverage.percent:.1f}%)</li>"
        )
        if coverage.not_applicable:
            totals.append(f"<li>{coverage.not_applicable} not applicable</li>")
    totals.extend(
        [
            f"<li>{_plural(report.count(Severity.ERROR), 'error')}</li>",
            f"<li>{_plural(report.count(Severity.WARNING), 'warning')}</li>",
            f"<li>{_plural(report.count(Severity.INFO), 'info')}</li>",
            f"<li>{_plural(len(report.links), 'link')} ({report.figma_link_count} Figma)</li>",
        ]
    )
    sources = ", ".join(f"<code>{text(s)}</code>" for s in report.sources) or "no files"
    when = (
        f' at <time datetime="{attr(report.generated_at)}">{text(report.generated_at)}</time>'
        if report.generated_at
        else ""
    )
    body = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="flowcatalog">',
        f"<title>{text(title)} \u00b7 flowcatalog</title>",
        f"<style>\n{STYLE}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{text(title)}</h1>",
        f'<p class="meta">Checked {sources}{when}.</p>',
        '<ul class="totals" aria-label="Totals">',
        *totals,
        "</ul>",
        "</header>",
        "<main>",
        '<section aria-labelledby="matrix-title">',
        '<h2 id="matrix-title">Coverage matrix</h2>',
        *_matrix(report),
        "</section>",
        '<section aria-labelledby="findings-title">',
        f'<h2 id="findings-title">Findings ({len(report.findings)})</h2>',
        *_findings(report),
        "</section>",
        '<section aria-labelledby="links-title">',
        f'<h2 id="links-title">Links ({len(report.links)})</h2>',
        *_links(report),
        "</section>",
        "</main>",
        f"<footer>Generated by flowcatalog{when}.</footer>",
        "</body>",
        "</html>",
    ]
    return "\n".join(body) + "\n"
