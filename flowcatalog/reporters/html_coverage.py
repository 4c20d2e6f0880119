"""The HTML coverage report: one self-contained page per catalog (and an index page when there
are several), opening from disk and loading nothing from the network.

It names the catalog, its title and the handbook pages it documents; the stage x deployment
matrix is a real table (row and column headers, a caption), each cell coloured by state with
the state written out, showing its flows' Figma thumbnails (inline ``data:`` URIs), node names
and last-modified dates, from the snapshot offline or the API online. Filters by state, stage
and deployment are plain checkboxes that CSS (``:has``) acts on, so they work without
JavaScript; a small script only announces how many cells are shown. Then: design changes
with the documented and the current thumbnail side by side, coverage over time (an inline
SVG), the findings with their locations linked to the source (GitLab, GitHub or ``file://``,
as ``ReportContext.sources`` says), and the links. Only ``http(s)`` and those source URLs
become clickable.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from flowcatalog.findings import Severity
from flowcatalog.report import Cell, CellState, LinkGroup, Report
from flowcatalog.reporters import svg_chart
from flowcatalog.reporters.html_assets import SCRIPT, STYLE
from flowcatalog.reporters.html_tables import (
    anchor,
    context_of,
    findings_table,
    links_table,
    web_href,
)
from flowcatalog.reporters.markup import attr, text
from flowcatalog.reporters.subjects import display_names, link_by_url
from flowcatalog.views import NodeView, Thumbnail

LABELS = {
    CellState.DOCUMENTED: ("\u2713", "Documented"),
    CellState.PLACEHOLDER: ("\u25d0", "Placeholder"),
    CellState.MISSING: ("\u2717", "Missing"),
    CellState.NOT_APPLICABLE: ("\u2013", "Not applicable"),
}


def _view(report: Report, link: LinkGroup | None) -> NodeView | None:
    return context_of(report).view(link.figma) if link is not None else None


def _link_text(url: str, link: LinkGroup | None, view: NodeView | None = None) -> str:
    if view is not None and view.node_name:
        return view.node_name
    if link is not None and link.details is not None and link.details.node_name:
        return link.details.node_name
    if link is not None and link.figma is not None and link.figma.node_id:
        return f"Figma node {link.figma.node_id}"
    return url


def _status(link: LinkGroup | None) -> str:
    if link is None or link.status is None or link.status == "ok":
        return ""
    return f' <span class="note">link {text(link.status)}</span>'


def _img(thumbnail: Thumbnail, alt: str, css: str = "thumb") -> str:
    size = ""
    if thumbnail.width and thumbnail.height:
        size = f' width="{thumbnail.width}" height="{thumbnail.height}"'
    return f'<img class="{css}" src="{attr(thumbnail.data_uri())}"{size} alt="{attr(alt)}">'


def _changed(report: Report, link: LinkGroup | None) -> str | None:
    """How the node of ``link`` differs from the snapshot (changed, renamed, deleted), if so."""
    if link is None or link.figma is None:
        return None
    for change in context_of(report).changes:
        if (change.api_key, change.node_id) == (link.figma.api_key, link.figma.node_id):
            return change.kind
    return None


def _node_item(report: Report, url: str, link: LinkGroup | None) -> str:
    view = _view(report, link)
    label = _link_text(url, link, view)
    parts = [anchor(url, label), _status(link)]
    if view is not None and view.thumbnail is not None:
        parts.append(_img(view.thumbnail, f"Thumbnail of {label}"))
    elif link is not None and link.figma is not None and link.figma.node_id:
        context = context_of(report)
        if context.snapshot == "missing":
            parts.append(
                '<span class="nothumb">thumbnail after <code>flowcatalog snapshot</code></span>'
            )
        elif context.snapshot == "present":
            parts.append('<span class="nothumb">not in the snapshot</span>')
    changed = _changed(report, link)
    if changed is not None:
        parts.append(
            f'<span class="note changed">\u26a0 {text(changed)} in Figma since documented</span>'
        )
    if view is not None and view.last_modified:
        day = view.last_modified[:10]
        parts.append(
            f'<span class="note">modified <time datetime="{attr(view.last_modified)}">'
            f"{text(day)}</time></span>"
        )
    return "<li>" + "".join(parts) + "</li>"


def _cell_html(
    report: Report,
    cell: Cell | None,
    links: dict[str, LinkGroup],
    deployments: dict[str, str],
    column: str,
) -> str:
    if cell is None:
        return (
            f'<td class="missing" data-deployment="{column}">'
            '<span class="state">\u2717 Not in catalog</span></td>'
        )
    icon, label = LABELS[cell.state]
    parts = [
        f'<td class="{cell.state.value}" data-state="{cell.state.value}" '
        f'data-deployment="{column}"><span class="state">{icon} {label}</span>'
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
        items = [_node_item(report, url, links.get(url)) for url in cell.links]
        parts.append('<ul class="nodes">' + "".join(items) + "</ul>")
    parts.append("</td>")
    return "".join(parts)


def _ids(names: dict[str, str], prefix: str) -> dict[str, str]:
    """Safe attribute values for catalog ids (used in CSS selectors): s0, s1, ..."""
    return {key: f"{prefix}{index}" for index, key in enumerate(names)}


def _filters(report: Report) -> tuple[list[str], str]:
    """The filter form and the CSS rules that make it work without JavaScript."""
    coverage = report.coverage
    assert coverage is not None
    stages, deployments = display_names(coverage)
    stage_ids, dep_ids = _ids(stages, "s"), _ids(deployments, "d")
    rules = []
    out = ['<form class="filters" aria-label="Filters">']
    out.append("<fieldset><legend>State</legend>")
    for state, (_, label) in LABELS.items():
        box = f"f-state-{state.value}"
        out.append(f'<label><input type="checkbox" id="{box}" checked> {label}</label>')
        rules.append(f'main:has(#{box}:not(:checked)) #cells tr[data-state="{state.value}"]')
    out.append("</fieldset><fieldset><legend>Stage</legend>")
    for stage_id, name in stages.items():
        box = f"f-stage-{stage_ids[stage_id]}"
        out.append(f'<label><input type="checkbox" id="{box}" checked> {text(name)}</label>')
        rules.append(f'main:has(#{box}:not(:checked)) [data-stage="{stage_ids[stage_id]}"]')
    out.append("</fieldset><fieldset><legend>Deployment</legend>")
    for dep_id, name in deployments.items():
        box = f"f-dep-{dep_ids[dep_id]}"
        out.append(f'<label><input type="checkbox" id="{box}" checked> {text(name)}</label>')
        rules.append(f'main:has(#{box}:not(:checked)) [data-deployment="{dep_ids[dep_id]}"]')
    out.append("</fieldset>")
    count = len(coverage.cells)
    out.append(
        f'<p id="filter-count" aria-live="polite">{count} cell{"s" if count != 1 else ""}.</p>'
    )
    out.append("</form>")
    return out, ",\n".join(rules) + " { display: none; }\n"


def _matrix_links(report: Report) -> dict[str, LinkGroup]:
    """The links the matrix and the cells table name, by the URLs they name them by."""
    coverage = report.coverage
    if coverage is None:
        return {}
    wanted = {url for cell in coverage.cells for url in cell.links}
    wanted.update(url for flow in coverage.extra_flows for url in flow.links)
    return link_by_url(report, wanted) if wanted else {}


def _matrix(report: Report, links: dict[str, LinkGroup]) -> list[str]:
    coverage = report.coverage
    if coverage is None:
        return ["<p>No catalog was read, so there is no coverage matrix.</p>"]
    stages, deployments = display_names(coverage)
    stage_ids, dep_ids = _ids(stages, "s"), _ids(deployments, "d")
    grid = {(c.stage, c.deployment): c for c in reversed(coverage.cells)}
    out = [
        '<div class="scroll" role="region" aria-labelledby="matrix-title" tabindex="0">',
        '<table class="matrix" id="matrix">',
        "<caption>Each cell is a stage and a deployment type: its state, "
        "its flows and their Figma frames.</caption>",
        '<thead><tr><th scope="col">Stage</th>'
        + "".join(
            f'<th scope="col" data-deployment="{dep_ids[dep]}">{text(name)}</th>'
            for dep, name in deployments.items()
        )
        + "</tr></thead>",
        "<tbody>",
    ]
    for stage_id, stage_name in stages.items():
        row = [f'<tr data-stage="{stage_ids[stage_id]}"><th scope="row">{text(stage_name)}</th>']
        for dep_id in deployments:
            cell = grid.get((stage_id, dep_id))
            row.append(_cell_html(report, cell, links, deployments, dep_ids[dep_id]))
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
                    anchor(url, _link_text(url, links.get(url), _view(report, links.get(url))))
                    + _status(links.get(url))
                    for url in flow.links
                )
            elif flow.placeholder:
                what = f'<span class="note">placeholder: {text(flow.placeholder)}</span>'
            else:
                what = '<span class="note">no link</span>'
            out.append(f"<li><strong>{text(stage)}</strong>: {text(flow.name)}: {what}</li>")
        out.append("</ul>")
    return out


def _cells(report: Report, links: dict[str, LinkGroup]) -> list[str]:
    """One row per cell, for the filters: stage, deployment, state, flows, Figma frames."""
    coverage = report.coverage
    assert coverage is not None
    stages, deployments = display_names(coverage)
    stage_ids, dep_ids = _ids(stages, "s"), _ids(deployments, "d")
    out = [
        '<div class="scroll" role="region" aria-labelledby="cells-title" tabindex="0">',
        '<table id="cells">',
        '<thead><tr><th scope="col">Stage</th><th scope="col">Deployment</th>'
        '<th scope="col">State</th><th scope="col">Flows</th>'
        '<th scope="col">Figma frames</th></tr></thead>',
        "<tbody>",
    ]
    for cell in coverage.cells:
        _, label = LABELS[cell.state]
        names = []
        for url in cell.links:
            link = links.get(url)
            names.append(anchor(url, _link_text(url, link, _view(report, link))))
        out.append(
            f'<tr data-state="{cell.state.value}" data-stage="{stage_ids.get(cell.stage, "")}" '
            f'data-deployment="{dep_ids.get(cell.deployment, "")}">'
            f"<td>{text(stages.get(cell.stage, cell.stage))}</td>"
            f"<td>{text(deployments.get(cell.deployment, cell.deployment))}</td>"
            f'<td class="{cell.state.value}">{label}</td>'
            f"<td>{text(', '.join(cell.flows))}</td>"
            f"<td>{', '.join(names)}</td></tr>"
        )
    out.extend(["</tbody>", "</table>", "</div>"])
    return out


def _source(report: Report, path: str, line: int | None, label: str) -> str:
    sources = context_of(report).sources
    href = sources.blob(path, line) if sources is not None else None
    if href is None:
        return f"<code>{text(label)}</code>"
    return f'<a href="{attr(href)}"><code>{text(label)}</code></a>'


def _changes(report: Report) -> list[str]:
    changes = context_of(report).changes
    if not changes:
        return []
    out = [
        '<section aria-labelledby="changes-title">',
        f'<h2 id="changes-title">Design changed since documented ({len(changes)})</h2>',
        '<div class="changes">',
    ]
    for change in changes:
        name = change.name or f"node {change.node_id}"
        what = {
            "changed": "changed in Figma",
            "renamed": f"was renamed to \u2018{change.new_name or ''}\u2019",
            "deleted": "was deleted in Figma",
        }.get(change.kind, change.kind)
        title = (
            f"Frame \u2018{name}\u2019 {what} since it was documented "
            f"(version {change.version_before or '?'} \u2192 {change.version_after or '?'})"
        )
        link = anchor(change.url, title) if change.url else text(title)
        out.append(f'<figure class="change"><figcaption>{link}</figcaption><div class="pair">')
        if change.before is not None:
            out.append(
                '<figure class="change-before">'
                + _img(change.before, f"{name} as documented")
                + f"<figcaption>Documented (version {text(change.version_before or '?')})"
                "</figcaption></figure>"
            )
        if change.after is not None:
            out.append(
                '<figure class="change-after">'
                + _img(change.after, f"{name} now")
                + f"<figcaption>Now (version {text(change.version_after or '?')})"
                "</figcaption></figure>"
            )
        out.append("</div></figure>")
    out.extend(["</div>", "</section>"])
    return out


def _history(report: Report) -> list[str]:
    points = context_of(report).history
    chart = svg_chart.render(points)
    if not chart:
        return []
    return [
        '<section aria-labelledby="history-title">',
        '<h2 id="history-title">Coverage over time</h2>',
        chart,
        "</section>",
    ]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _header(report: Report, index: str | None) -> list[str]:
    coverage = report.coverage
    context = context_of(report)
    heading = f"Flow coverage {coverage.percent:.1f}%" if coverage is not None else "Flow check"
    if context.title:
        heading = f"{context.title}: {heading[0].lower()}{heading[1:]}"
    counts = Counter(finding.severity for finding in report.findings)
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
            f"<li>{_plural(counts[Severity.ERROR], 'error')}</li>",
            f"<li>{_plural(counts[Severity.WARNING], 'warning')}</li>",
            f"<li>{_plural(counts[Severity.INFO], 'info')}</li>",
            f"<li>{_plural(len(report.links), 'link')} ({report.figma_link_count} Figma)</li>",
        ]
    )
    sources = ", ".join(_source(report, s, None, s) for s in report.sources) or "no files"
    when = (
        f' at <time datetime="{attr(report.generated_at)}">{text(report.generated_at)}</time>'
        if report.generated_at
        else ""
    )
    out = ["<header>"]
    if index is not None:
        out.append(f'<p><a href="{attr(index)}">\u2190 All catalogs</a></p>')
    out.extend([f"<h1>{text(heading)}</h1>", f'<p class="meta">Checked {sources}{when}.</p>'])
    pages = [(path, url) for path, url in context.pages if path or url]
    if pages:
        items = []
        for path, url in pages:
            if url and web_href(url):
                items.append(anchor(url, url))
            elif path:
                items.append(_source(report, path, None, path))
        plural = "s" if len(items) > 1 else ""
        out.append(f'<p class="meta">Handbook page{plural}: ' + ", ".join(items) + ".</p>")
    out.extend(['<ul class="totals" aria-label="Totals">', *totals, "</ul>"])
    figma_nodes = 0
    if context.snapshot == "missing":
        figma_nodes = sum(1 for link in report.links if link.figma and link.figma.node_id)
    if figma_nodes:
        out.append(
            '<p class="notice" role="note">No Figma snapshot yet: '
            f"{_plural(figma_nodes, 'Figma node')} shown by id. Run "
            "<code>flowcatalog snapshot</code> with <code>FIGMA_TOKEN</code> and commit "
            "<code>.flowcatalog/</code> to show each frame's name, last-modified date and "
            "thumbnail here.</p>"
        )
    out.append("</header>")
    return out


def _page(report: Report, *, index: str | None = None) -> str:
    coverage = report.coverage
    context = context_of(report)
    title = f"Flow coverage {coverage.percent:.1f}%" if coverage is not None else "Flow check"
    if context.title:
        title = f"{context.title} \u00b7 {title}"
    style = STYLE
    filters: list[str] = []
    cells: list[str] = []
    links = _matrix_links(report)
    if coverage is not None:
        filters, rules = _filters(report)
        style += rules
        cells = [
            '<section aria-labelledby="cells-title">',
            f'<h2 id="cells-title">Cells ({len(coverage.cells)})</h2>',
            *_cells(report, links),
            "</section>",
        ]
    body = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="flowcatalog">',
        f"<title>{text(title)} \u00b7 flowcatalog</title>",
        f"<style>\n{style}</style>",
        "</head>",
        "<body>",
        *_header(report, index),
        "<main>",
        '<section aria-labelledby="matrix-title">',
        '<h2 id="matrix-title">Coverage matrix</h2>',
        *filters,
        *_matrix(report, links),
        "</section>",
        *_changes(report),
        *_history(report),
        *cells,
        '<section aria-labelledby="findings-title">',
        f'<h2 id="findings-title">Findings ({len(report.findings)})</h2>',
        *findings_table(report),
        "</section>",
        '<section aria-labelledby="links-title">',
        f'<h2 id="links-title">Links ({len(report.links)})</h2>',
        *links_table(report),
        "</section>",
        "</main>",
        f"<footer>Generated by flowcatalog{_when(report)}.</footer>",
    ]
    if coverage is not None:
        body.append(f"<script>\n{SCRIPT}</script>")
    body.extend(["</body>", "</html>", ""])  # the last line's newline, without a copy
    return "\n".join(body)


def _when(report: Report) -> str:
    if not report.generated_at:
        return ""
    return f' at <time datetime="{attr(report.generated_at)}">{text(report.generated_at)}</time>'


def render(report: Report, *, color: bool = False) -> str:
    """The report page of one catalog."""
    return _page(report)


def page_name(report: Report, index: int) -> str:
    """The file name of a catalog's page in a multi-catalog site."""
    context = context_of(report)
    base = context.catalog_path or context.title or f"catalog-{index + 1}"
    slug = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-") or f"catalog-{index + 1}"
    return f"{index + 1:02d}-{slug}.html"


def render_site(reports: Sequence[Report]) -> dict[str, str]:
    """Several catalogs: one page each plus ``index.html`` listing them, by file name."""
    pages = {page_name(r, i): _page(r, index="index.html") for i, r in enumerate(reports)}
    rows = []
    for (name, _), report in zip(pages.items(), reports, strict=True):
        context = context_of(report)
        label = context.title or context.catalog_path or name
        coverage = report.coverage
        percent = f"{coverage.percent:.1f}%" if coverage is not None else "n/a"
        rows.append(
            f'<tr><th scope="row"><a href="{attr(name)}">{text(label)}</a></th>'
            f"<td>{text(context.catalog_path or '')}</td><td>{percent}</td>"
            f"<td>{report.count(Severity.ERROR)}</td><td>{report.count(Severity.WARNING)}</td></tr>"
        )
    generated = reports[0].generated_at if reports else None
    when = f' at <time datetime="{attr(generated)}">{text(generated)}</time>' if generated else ""
    index = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="flowcatalog">',
        "<title>Flow catalogs \u00b7 flowcatalog</title>",
        f"<style>\n{STYLE}</style>",
        "</head>",
        "<body>",
        "<header><h1>Flow catalogs</h1></header>",
        "<main>",
        '<table id="catalogs"><caption>Each catalog with its coverage and findings.</caption>',
        '<thead><tr><th scope="col">Catalog</th><th scope="col">File</th>'
        '<th scope="col">Coverage</th><th scope="col">Errors</th>'
        '<th scope="col">Warnings</th></tr></thead>',
        "<tbody>",
        *rows,
        "</tbody></table>",
        "</main>",
        f"<footer>Generated by flowcatalog{when}.</footer>",
        "</body>",
        "</html>",
    ]
    return {"index.html": "\n".join(index) + "\n", **pages}
