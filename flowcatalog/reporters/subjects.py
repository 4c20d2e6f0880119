"""What a finding is about, for the formats that group findings (JUnit, HTML, Code Quality).

A finding belongs to a link when it names the link's URL (raw or normalised) or sits at one
of the link's locations; to a matrix cell when its subject is ``stage/deployment``. Everything
else is a catalog-level finding.
"""

from __future__ import annotations

from collections import Counter

from flowcatalog.findings import Finding
from flowcatalog.report import Cell, Coverage, LinkResult, Report


def cell_key(cell: Cell) -> str:
    return f"{cell.stage}/{cell.deployment}"


def belongs_to_link(finding: Finding, link: LinkResult) -> bool:
    names = {link.url, link.normalised}
    if finding.url is not None:
        return finding.url in names or finding.location in link.locations
    return finding.subject in names


def link_findings(report: Report, link: LinkResult) -> tuple[Finding, ...]:
    return tuple(f for f in report.findings if belongs_to_link(f, link))


def cell_findings(report: Report, cell: Cell) -> tuple[Finding, ...]:
    key = cell_key(cell)
    return tuple(f for f in report.findings if f.subject == key and f.url is None)


def unattached_findings(report: Report) -> tuple[Finding, ...]:
    """Findings about neither a checked link nor a matrix cell (catalog structure, items)."""
    cells = {cell_key(c) for c in report.coverage.cells} if report.coverage else set()
    return tuple(
        f
        for f in report.findings
        if not (f.subject in cells and f.url is None)
        and not any(belongs_to_link(f, link) for link in report.links)
    )


def fingerprints(findings: tuple[Finding, ...]) -> tuple[str, ...]:
    """One fingerprint per finding, in order: unique, and independent of line numbers.

    Findings with the same rule, path and subject are told apart by their occurrence index
    in reading order, so two identical links on one page keep two identities.
    """
    seen: Counter[tuple[str, str, str]] = Counter()
    result = []
    for finding in findings:
        subject = finding.subject or finding.url or finding.message
        key = (finding.rule, finding.location.path, subject)
        result.append(finding.fingerprint(seen[key]))
        seen[key] += 1
    return tuple(result)


def display_names(coverage: Coverage) -> tuple[dict[str, str], dict[str, str]]:
    """Stage and deployment ids to display names, in catalog order (ids where none given)."""
    stages = dict(coverage.stage_names) or {c.stage: c.stage for c in coverage.cells}
    deployments = dict(coverage.deployment_names) or {
        c.deployment: c.deployment for c in coverage.cells
    }
    for c in coverage.cells:
        stages.setdefault(c.stage, c.stage)
        deployments.setdefault(c.deployment, c.deployment)
    return stages, deployments


def link_by_url(report: Report) -> dict[str, LinkResult]:
    """Every link under its raw and its normalised URL."""
    table: dict[str, LinkResult] = {}
    for link in report.links:
        table.setdefault(link.url, link)
        table.setdefault(link.normalised, link)
    return table
