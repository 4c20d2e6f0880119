"""The HTML report's two long tables, findings and links, and the small pieces the rest of
the page shares with them (which URLs become links, the report's context).

A big report has tens of thousands of rows in each of these tables, against a few dozen
cells in the matrix, so each row is one f-string, and what repeats from row to row (a path
escaped, a source URL, a rule, a status) is worked out once per page (``_Places``).
"""

from __future__ import annotations

from flowcatalog.findings import Severity
from flowcatalog.model import Location
from flowcatalog.report import Report, ReportContext
from flowcatalog.reporters.markup import attr, text

SEVERITY_LABELS = {Severity.ERROR: "Error", Severity.WARNING: "Warning", Severity.INFO: "Info"}


def web_href(url: str) -> str | None:
    """``url`` stripped when it is ``http(s)``: the only URLs the report makes clickable."""
    lowered = url.strip().lower()
    return url.strip() if lowered.startswith(("https://", "http://")) else None


_NO_CONTEXT = ReportContext()


def context_of(report: Report) -> ReportContext:
    """The report's context, or an empty one (built once, not per call)."""
    return report.context or _NO_CONTEXT


def anchor(url: str, label: str) -> str:
    """``label`` linked to ``url`` when it is ``http(s)``, else ``url`` as code."""
    href = web_href(url)
    if href is None:
        return f"<code>{text(url)}</code>"
    return f'<a href="{attr(href)}">{text(label)}</a>'


class _Places:
    """Locations as the findings and links tables show them (``path:line:col`` as code,
    linked to the source where ``ReportContext.sources`` says how), for one page.

    A page shows one path at many lines, and one place often twice (a finding about a link
    and the link itself), so each path's escaped text and escaped source URL are worked
    out once; a line adds only ``SourceLinks.at_line``.
    """

    def __init__(self, report: Report) -> None:
        self._sources = context_of(report).sources
        self._paths: dict[str, str] = {}
        self._hrefs: dict[str, str | None] = {}  # each file's URL, escaped, without a line

    def html(self, where: Location) -> str:
        path, line, column = where.path, where.line, where.column
        label = self._paths.get(path)
        if label is None:
            label = self._paths[path] = text(path)
        if line is not None:
            label = f"{label}:{line}" if column is None else f"{label}:{line}:{column}"
        if self._sources is None:
            return f"<code>{label}</code>"
        if path in self._hrefs:
            href = self._hrefs[path]
        else:
            url = self._sources.file_url(path)
            href = self._hrefs[path] = attr(url) if url is not None else None
        if href is None:
            return f"<code>{label}</code>"
        return f'<a href="{href}{self._sources.at_line(line)}"><code>{label}</code></a>'


def findings_table(report: Report) -> list[str]:
    """The findings, one row each: severity, location, rule, message."""
    if not report.findings:
        return ['<p id="findings">No findings.</p>']
    out = [
        '<div class="scroll" role="region" aria-labelledby="findings-title" tabindex="0">',
        '<table id="findings">',
        '<thead><tr><th scope="col">Severity</th><th scope="col">Location</th>'
        '<th scope="col">Rule</th><th scope="col">Message</th></tr></thead>',
        "<tbody>",
    ]
    places = _Places(report)
    severities = {
        severity: f'<tr><td class="sev {severity.value}">{label}</td><td>'
        for severity, label in SEVERITY_LABELS.items()
    }
    rules: dict[str, str] = {}
    for f in report.findings:
        rule = rules.get(f.rule)
        if rule is None:
            rule = rules[f.rule] = f"</td><td><code>{text(f.rule)}</code></td><td>"
        out.append(
            f"{severities[f.severity]}{places.html(f.location)}{rule}{text(f.message)}</td></tr>"
        )
    out.extend(["</tbody>", "</table>", "</div>"])
    return out


def links_table(report: Report) -> list[str]:
    """The links, one row each: the link (named after its node when known), its status and
    every place it occurs."""
    if not report.links:
        return ["<p>No links.</p>"]
    out = [
        '<div class="scroll" role="region" aria-labelledby="links-title" tabindex="0">',
        '<table id="links">',
        '<thead><tr><th scope="col">Link</th><th scope="col">Status</th>'
        '<th scope="col">Found at</th></tr></thead>',
        "<tbody>",
    ]
    context = context_of(report)
    places = _Places(report)
    statuses: dict[str, str] = {}
    for link in report.links:
        status = link.status or "shape checked"
        if link.http_status is not None:
            status += f" (HTTP {link.http_status})"
        if link.cached:
            status += ", cached"
        status_html = statuses.get(status)
        if status_html is None:
            status_html = statuses[status] = text(status)
        label = link.normalised
        occurrences = link.occurrences
        # (most pages show links no snapshot knows: then there is nothing to look up)
        view = context.view(occurrences[0].figma) if occurrences and context.nodes else None
        name = view.node_name if view is not None else None
        file_name = view.file_name if view is not None else None
        if link.details is not None and link.details.node_name:
            name, file_name = link.details.node_name, link.details.file_name
        if name:
            label = f"{name} in {file_name or 'Figma'}"
        if len(occurrences) == 1:
            found = places.html(occurrences[0].location)
        else:
            found = "<br>".join([places.html(o.location) for o in occurrences])
        out.append(
            f"<tr><td>{anchor(link.url, label)}</td><td>{status_html}</td><td>{found}</td></tr>"
        )
    out.extend(["</tbody>", "</table>", "</div>"])
    return out
