"""What a finding is about, for the formats that group findings (JUnit, HTML, Code Quality).

A finding belongs to a link when it names the link's URL (raw or normalised) or, naming
another spelling of it, sits at one of the link's locations; to a matrix cell when its
subject is ``stage/deployment``. Everything else is a catalog-level finding. ``owners`` files
them all in one pass, so a report of 10,000 links and as many findings renders in linear time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flowcatalog.findings import Finding
from flowcatalog.model import Location
from flowcatalog.report import Cell, Coverage, LinkResult, Report


def cell_key(cell: Cell) -> str:
    return f"{cell.stage}/{cell.deployment}"


@dataclass(frozen=True, slots=True)
class Owners:
    """Each finding of a report filed under what it is about, built in one pass.

    ``link_of`` runs parallel to ``report.findings``: the normalised URL of the link a finding
    is about, or None.
    """

    links: dict[str, tuple[Finding, ...]]
    cells: dict[str, tuple[Finding, ...]]
    rest: tuple[Finding, ...]
    link_of: tuple[str | None, ...]


def owners(report: Report) -> Owners:
    """File every finding under its link (by URL, else by location), its cell, or the rest."""
    by_name: dict[str, str] = {}
    by_place: dict[Location, str] = {}
    for link in report.links:
        by_name.setdefault(link.url, link.normalised)
        by_name.setdefault(link.normalised, link.normalised)
        for place in link.locations:
            by_place.setdefault(place, link.normalised)
    cells = {cell_key(c) for c in report.coverage.cells} if report.coverage else set()
    links: dict[str, list[Finding]] = {}
    by_cell: dict[str, list[Finding]] = {}
    rest: list[Finding] = []
    link_of: list[str | None] = []
    for finding in report.findings:
        if finding.url is not None:
            owner = by_name.get(finding.url) or by_place.get(finding.location)
        else:
            owner = by_name.get(finding.subject)
        link_of.append(owner)
        if owner is not None:
            links.setdefault(owner, []).append(finding)
        elif finding.url is None and finding.subject in cells:
            by_cell.setdefault(finding.subject, []).append(finding)
        else:
            rest.append(finding)
    return Owners(
        {k: tuple(v) for k, v in links.items()},
        {k: tuple(v) for k, v in by_cell.items()},
        tuple(rest),
        tuple(link_of),
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
