"""Read JSON reports (the version 1 contract) and merge shard reports into one.

``flowcatalog merge a.json b.json ...`` is how sharded CI jobs come back together: findings
are unioned (a catalog-level finding that every shard reports counts once), links unioned by
normalised URL and put back in the order the unsharded run lists them (by source, then
position), coverage taken from the shards, which must agree on it. The result renders in any
format.

Pure: the CLI reads the files and hands the text here.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, cast

from flowcatalog.errors import InputError
from flowcatalog.findings import Finding, Severity
from flowcatalog.model import FigmaRef, Link, Location
from flowcatalog.report import (
    REPORT_VERSION,
    Cell,
    CellState,
    Coverage,
    ExtraFlow,
    FigmaDetails,
    LinkGroup,
    Report,
)
from flowcatalog.reporters.contract import (
    CoverageDict,
    FindingDict,
    LinkDict,
    LocationDict,
    NameDict,
    OccurrenceDict,
    ReportDict,
)


def _location(item: LocationDict | FindingDict) -> Location:
    return Location(str(item["path"]), item.get("line"), item.get("column"))


def _finding(item: FindingDict) -> Finding:
    return Finding(
        rule=str(item["rule"]),
        severity=Severity(item["severity"]),
        message=str(item["message"]),
        location=_location(item),
        url=item.get("url"),
        subject=str(item.get("subject") or ""),
        link=item.get("link"),
    )


def _names(items: list[NameDict] | None) -> tuple[tuple[str, str], ...]:
    if not isinstance(items, list):
        return ()
    return tuple((str(i["id"]), str(i.get("name") or i["id"])) for i in items)


def _coverage(data: CoverageDict) -> Coverage:
    cells = []
    for item in data["cells"]:
        location = item.get("location")
        cells.append(
            Cell(
                stage=str(item["stage"]),
                deployment=str(item["deployment"]),
                state=CellState(item["state"]),
                links=tuple(item.get("links") or ()),
                flows=tuple(item.get("flows") or ()),
                shared_with=tuple(item.get("shared_with") or ()),
                reason=item.get("reason"),
                location=_location(location) if isinstance(location, dict) else None,
            )
        )
    extras = []
    for extra in data.get("extra_flows") or ():
        location = extra.get("location")
        extras.append(
            ExtraFlow(
                stage=str(extra["stage"]),
                name=str(extra["name"]),
                links=tuple(extra.get("links") or ()),
                placeholder=extra.get("placeholder"),
                location=_location(location) if isinstance(location, dict) else None,
            )
        )
    return Coverage(
        tuple(cells),
        _names(data.get("stages")),
        _names(data.get("deployments")),
        tuple(extras),
    )


def _occurrence(item: OccurrenceDict, url: str, normalised: str, figma: FigmaRef | None) -> Link:
    """An occurrence as the JSON keeps it: its place, text and context. How a page link was
    written (``kind``, ``element``) and its spelling there, when the group's spellings differ,
    are not part of the contract and are left at their defaults; no format renders them."""
    return Link(
        url,
        _location(item),
        normalised,
        figma,
        str(item.get("text") or ""),
        tuple(str(c) for c in item.get("context") or ()),
    )


def _link(item: LinkDict) -> LinkGroup:
    ref = item.get("figma")
    details = item.get("figma_details")
    url, normalised = str(item["url"]), str(item["normalised"])
    figma = (
        FigmaRef(
            kind=ref["kind"],
            file_key=ref["file_key"],
            node_id=ref.get("node_id"),
            branch_key=ref.get("branch_key"),
            version_id=ref.get("version_id"),
        )
        if isinstance(ref, dict)
        else None
    )
    return LinkGroup(
        normalised=normalised,
        occurrences=tuple(
            _occurrence(where, url, normalised, figma) for where in item.get("locations") or ()
        ),
        status=item.get("status"),
        http_status=item.get("http_status"),
        final_url=item.get("final_url"),
        cached=bool(item.get("cached", False)),
        details=FigmaDetails(
            file_name=details.get("file_name"),
            last_modified=details.get("last_modified"),
            version=details.get("version"),
            node_name=details.get("node_name"),
            node_type=details.get("node_type"),
        )
        if isinstance(details, dict)
        else None,
    )


def load_report(text: str, source: str) -> Report:
    """A ``Report`` from the JSON report text of file ``source`` (``InputError`` if unusable)."""
    try:
        raw: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not JSON: {exc.msg}", location=f"{source}:{exc.lineno}:{exc.colno}"
        ) from None
    if not isinstance(raw, dict) or raw.get("version") != REPORT_VERSION:
        version = raw.get("version") if isinstance(raw, dict) else None
        raise InputError(
            f"not a flowcatalog JSON report of version {REPORT_VERSION} (version: {version!r})",
            location=source,
        )
    data = cast(ReportDict, raw)  # checked key by key below: a bad value is an InputError
    try:
        coverage = data.get("coverage")
        return Report(
            findings=tuple(_finding(f) for f in data.get("findings") or ()),
            coverage=_coverage(coverage) if isinstance(coverage, dict) else None,
            links=tuple(_link(link) for link in data.get("links") or ()),
            sources=tuple(str(s) for s in data.get("sources") or ()),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(
            f"malformed report: {type(exc).__name__}: {exc}", location=source
        ) from None


def _merge_link(a: LinkGroup, b: LinkGroup) -> LinkGroup:
    """One link seen by two shards: keep every occurrence; prefer the one with online facts."""
    occurrences = tuple(dict.fromkeys((*a.occurrences, *b.occurrences)))
    richer = a if a.status is not None or b.status is None else b
    return replace(richer, occurrences=occurrences)


def _union(reports: Sequence[Report]) -> tuple[Finding, ...]:
    """Every finding as often as the report that has it most often has it.

    Catalog-level findings repeat identically in every shard and count once; a link's findings
    come from the one shard that checked it; and findings that the JSON form makes identical
    (it does not carry a finding's subject) keep their number.
    """
    most: Counter[Finding] = Counter()
    for report in reports:
        for finding, count in Counter(report.findings).items():
            most[finding] = max(most[finding], count)
    return tuple(sorted(most.elements(), key=lambda f: f.sort_key))


def merge(reports: Sequence[Report], names: Sequence[str] = ()) -> Report:
    """One report from shard reports of the same catalog and pages."""
    if not reports:
        raise InputError("nothing to merge: give one or more JSON reports")
    coverage = None
    for i, report in enumerate(reports):
        if report.coverage is None:
            continue
        if coverage is None:
            coverage = report.coverage
        elif report.coverage != coverage:
            where = names[i] if i < len(names) else f"report {i + 1}"
            raise InputError(
                "its coverage differs from the first report's: shards of different catalogs?",
                location=where,
            )
    sources = tuple(dict.fromkeys(s for r in reports for s in r.sources))
    links: dict[str, LinkGroup] = {}
    for report in reports:
        for link in report.links:
            seen = links.get(link.normalised)
            links[link.normalised] = link if seen is None else _merge_link(seen, link)
    rank = {path: i for i, path in enumerate(sources)}

    def order(link: LinkGroup) -> tuple[int, str, int, int]:
        if not link.locations:
            return (len(rank) + 1, "", 0, 0)
        first = link.locations[0]
        return (rank.get(first.path, len(rank)), first.path, first.line or 0, first.column or 0)

    return Report(
        findings=_union(reports),
        coverage=coverage,
        links=tuple(sorted(links.values(), key=order)),
        sources=sources,
    )
