"""What a finding is about, for the formats that group findings (JUnit, HTML, Code Quality),
and the shards: a link (``Finding.link``, set where the finding is made), a matrix cell (its
subject is ``stage/deployment``) or else the catalog as a whole. ``owners`` files them all in
one pass, so a report of 10,000 links and as many findings renders in linear time.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from hashlib import sha256

from flowcatalog.findings import Finding
from flowcatalog.report import Cell, Coverage, LinkGroup, Report


def cell_key(cell: Cell) -> str:
    return f"{cell.stage}/{cell.deployment}"


@dataclass(frozen=True, slots=True)
class Owners:
    """Each finding of a report filed under what it is about, built in one pass.

    ``link_of`` runs parallel to ``report.findings``: the normalised URL of the report link
    a finding is about, or None. The groups are the lists filled in that pass (read-only by
    contract: copying 10,000 of them into tuples only fed the garbage collector).
    """

    links: Mapping[str, Sequence[Finding]]
    cells: Mapping[str, Sequence[Finding]]
    rest: tuple[Finding, ...]
    link_of: tuple[str | None, ...]


def owners(report: Report) -> Owners:
    """File every finding under its link, its cell, or the rest."""
    groups = {link.normalised for link in report.links}
    cells = {cell_key(c) for c in report.coverage.cells} if report.coverage else set()
    links: dict[str, list[Finding]] = {}
    by_cell: dict[str, list[Finding]] = {}
    rest: list[Finding] = []
    link_of: list[str | None] = []
    for finding in report.findings:
        owner = finding.link if finding.link in groups else None
        link_of.append(owner)
        if owner is not None:
            links.setdefault(owner, []).append(finding)
        elif finding.url is None and finding.subject in cells:
            by_cell.setdefault(finding.subject, []).append(finding)
        else:
            rest.append(finding)
    return Owners(links, by_cell, tuple(rest), tuple(link_of))


def fingerprints(findings: tuple[Finding, ...]) -> tuple[str, ...]:
    """One fingerprint per finding, in order: unique, and independent of line numbers.

    Findings with the same rule, path and subject are told apart by their occurrence index
    in reading order, so two identical links on one page keep two identities. Each is
    ``finding.fingerprint(index)``; the text it hashes is built here inline (one f-string,
    counted by that same text), because the reports call this for every finding.
    """
    seen: dict[str, int] = {}
    result: list[str] = []
    append = result.append
    for finding in findings:
        # the text Finding.fingerprint hashes, up to the occurrence index
        stem = (
            f"flowcatalog\0{finding.rule}\0{finding.location.path}\0"
            f"{finding.subject or finding.url or finding.message}\0"
        )
        index = seen.get(stem, 0)
        seen[stem] = index + 1
        append(sha256(f"{stem}{index}".encode("utf-8", "surrogatepass")).hexdigest()[:32])
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


def link_by_url(report: Report, wanted: Container[str] | None = None) -> dict[str, LinkGroup]:
    """Every link under its raw and its normalised URL (matrix cells list raw URLs); only
    under the URLs in ``wanted`` when given (the first link of a URL wins either way)."""
    table: dict[str, LinkGroup] = {}
    for link in report.links:
        url = link.url
        if wanted is None or url in wanted:
            table.setdefault(url, link)
        if wanted is None or link.normalised in wanted:
            table.setdefault(link.normalised, link)
    return table
