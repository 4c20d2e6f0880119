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
import math
import re
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
    ShardStamp,
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

#: no report nests deeper than 6 levels; JSON nested deeper is not a report
MAX_JSON_DEPTH = 32


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


class _NotFinite(ValueError):
    """A NaN or infinity in a report: no report ever holds one."""


def _refuse_constant(name: str) -> Any:
    raise _NotFinite(f"{name} is not a number a report holds")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(f"{text[:20]} is out of range")
    return value


def _parse_json(text: str, source: str) -> Any:
    """JSON text, refused with one line when it is not JSON, nests deeper than any report
    does, or holds a NaN, an infinity or an integer of thousands of digits."""
    depth = _max_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise InputError(
            f"JSON nested {depth} levels deep; a report nests at most {MAX_JSON_DEPTH}",
            location=source,
        )
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not JSON: {exc.msg}", location=f"{source}:{exc.lineno}:{exc.colno}"
        ) from None
    except _NotFinite as exc:
        raise InputError(f"not a report: {exc}", location=source) from None
    except ValueError as exc:  # an integer over Python's digit limit
        raise InputError(f"not a report: {str(exc).split(';')[0]}", location=source) from None
    except RecursionError:  # pragma: no cover  (the depth check comes first)
        raise InputError("JSON nested too deeply", location=source) from None


_BRACKETS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def _max_depth(text: str) -> int:
    """The deepest nesting of arrays and objects (strings skipped); linear in the text."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


def _shard(data: Any) -> ShardStamp | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise TypeError("'shard' is not an object")
    index, total = data.get("index"), data.get("total")
    catalog, version = data.get("catalog_sha256"), data.get("tool_version")
    if type(index) is not int or type(total) is not int or not 1 <= index <= total:
        raise ValueError(f"'shard' index {index!r} of {total!r} is not I of N")
    if not (catalog is None or isinstance(catalog, str)) or not isinstance(version, str):
        raise TypeError("'shard' catalog_sha256 or tool_version is not a string")
    return ShardStamp(index, total, catalog, version)


def load_report(text: str, source: str) -> Report:
    """A ``Report`` from the JSON report text of file ``source`` (``InputError`` if unusable)."""
    raw: Any = _parse_json(text, source)
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
            shard=_shard(data.get("shard")),
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


def check_shards(reports: Sequence[Report], names: Sequence[str] = ()) -> None:
    """Refuse anything but one complete run: shards 1..N of one N, each once, of one catalog
    and one tool version (a single report without a shard stamp is a whole run)."""

    def name(i: int) -> str:
        return names[i] if i < len(names) else f"report {i + 1}"

    if len(reports) == 1 and reports[0].shard is None:
        return
    stamps: list[ShardStamp] = []
    for i, report in enumerate(reports):
        if report.shard is None:
            raise InputError(
                "not a shard report (no 'shard' key); merge the JSON reports of "
                "'check --shard I/N' runs",
                location=name(i),
            )
        stamps.append(report.shard)
    first = stamps[0]
    for i, stamp in enumerate(stamps):
        if stamp.total != first.total:
            raise InputError(
                f"shard {stamp.index}/{stamp.total} is not of the same run as "
                f"{name(0)} ({first.index}/{first.total})",
                location=name(i),
            )
        if stamp.catalog != first.catalog:
            raise InputError(
                f"shard of another catalog than {name(0)} (catalog digests differ)",
                location=name(i),
            )
        if stamp.tool_version != first.tool_version:
            raise InputError(
                f"shard written by flowcatalog {stamp.tool_version}, {name(0)} by "
                f"{first.tool_version}",
                location=name(i),
            )
    seen: dict[int, int] = {}
    for i, stamp in enumerate(stamps):
        if stamp.index in seen:
            raise InputError(
                f"shard {stamp.index}/{stamp.total} given twice (also {name(seen[stamp.index])})",
                location=name(i),
            )
        seen[stamp.index] = i
    missing = [f"{n}/{first.total}" for n in range(1, first.total + 1) if n not in seen]
    if missing:
        raise InputError(
            f"incomplete set of shards: missing {', '.join(missing[:10])}"
            + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        )


def merge(reports: Sequence[Report], names: Sequence[str] = ()) -> Report:
    """One report from shard reports of the same catalog and pages."""
    if not reports:
        raise InputError("nothing to merge: give one or more JSON reports")
    check_shards(reports, names)
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
