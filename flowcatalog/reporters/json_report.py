"""The JSON report: a stable, documented contract (``"version": 1``), built as the types of
``reporters.contract``.

Keys are only ever added, never renamed or removed, within one version.
"""

from __future__ import annotations

import json
from collections import Counter

from flowcatalog.findings import Finding, Severity
from flowcatalog.model import FigmaRef, Link, Location
from flowcatalog.report import (
    REPORT_VERSION,
    Coverage,
    FigmaDetails,
    LinkGroup,
    Report,
    ReportContext,
    ShardStamp,
)
from flowcatalog.reporters import json_writer
from flowcatalog.reporters.contract import (
    CoverageDict,
    FigmaDetailsDict,
    FigmaDict,
    FindingDict,
    LinkDict,
    LocationDict,
    OccurrenceDict,
    ReportDict,
    ShardDict,
    SummaryDict,
)


def _location(location: Location | None) -> LocationDict | None:
    if location is None:
        return None
    return {"path": location.path, "line": location.line, "column": location.column}


def coverage_dict(coverage: Coverage) -> CoverageDict:
    return {
        "documented": coverage.documented,
        "total": coverage.total,
        "not_applicable": coverage.not_applicable,
        "percent": coverage.percent,
        "stages": [{"id": ident, "name": name} for ident, name in coverage.stage_names],
        "deployments": [{"id": ident, "name": name} for ident, name in coverage.deployment_names],
        "cells": [
            {
                "stage": cell.stage,
                "deployment": cell.deployment,
                "state": cell.state.value,
                "links": list(cell.links),
                "flows": list(cell.flows),
                "shared_with": list(cell.shared_with),
                "reason": cell.reason,
                "location": _location(cell.location),
            }
            for cell in coverage.cells
        ],
        "extra_flows": [
            {
                "stage": flow.stage,
                "name": flow.name,
                "links": list(flow.links),
                "placeholder": flow.placeholder,
                "location": _location(flow.location),
            }
            for flow in coverage.extra_flows
        ],
    }


def finding_dict(finding: Finding) -> FindingDict:
    return {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "message": finding.message,
        "path": finding.location.path,
        "line": finding.location.line,
        "column": finding.location.column,
        "url": finding.url,
        "subject": finding.subject,
        "link": finding.link,
    }


def occurrence_dict(link: Link) -> OccurrenceDict:
    where = link.location
    return {
        "path": where.path,
        "line": where.line,
        "column": where.column,
        "text": link.text,
        "context": list(link.context),
    }


def figma_dict(ref: FigmaRef) -> FigmaDict:
    return {
        "kind": ref.kind,
        "file_key": ref.file_key,
        "branch_key": ref.branch_key,
        "node_id": ref.node_id,
        "version_id": ref.version_id,
    }


def details_dict(details: FigmaDetails) -> FigmaDetailsDict:
    return {
        "file_name": details.file_name,
        "last_modified": details.last_modified,
        "version": details.version,
        "node_name": details.node_name,
        "node_type": details.node_type,
    }


def link_dict(link: LinkGroup, context: ReportContext | None = None) -> LinkDict:
    figma = link.figma
    item: LinkDict = {
        "url": link.url,
        "normalised": link.normalised,
        "locations": [occurrence_dict(occurrence) for occurrence in link.occurrences],
        "figma": figma_dict(figma) if figma is not None else None,
        "status": link.status,
    }
    if link.status is not None:
        item["http_status"] = link.http_status
        item["final_url"] = link.final_url
        item["cached"] = link.cached
    if link.details is not None:
        item["figma_details"] = details_dict(link.details)
    view = context.view(figma) if context is not None else None
    if view is not None:
        item["figma_node"] = {
            "node_name": view.node_name,
            "node_type": view.node_type,
            "file_name": view.file_name,
            "file_version": view.file_version,
            "last_modified": view.last_modified,
            "thumbnail": view.thumbnail.path if view.thumbnail is not None else None,
        }
    return item


def _summary(report: Report) -> SummaryDict:
    counts = Counter(finding.severity for finding in report.findings)
    return {
        "errors": counts[Severity.ERROR],
        "warnings": counts[Severity.WARNING],
        "infos": counts[Severity.INFO],
        "links": len(report.links),
        "figma_links": report.figma_link_count,
    }


def _shard(stamp: ShardStamp) -> ShardDict:
    return {
        "index": stamp.index,
        "total": stamp.total,
        "catalog_sha256": stamp.catalog,
        "tool_version": stamp.tool_version,
    }


def report_dict(report: Report) -> ReportDict:
    """The whole report as the contract's types (what ``--pretty`` indents)."""
    data: ReportDict = {
        "version": REPORT_VERSION,
        "summary": _summary(report),
        "coverage": coverage_dict(report.coverage) if report.coverage is not None else None,
        "findings": [finding_dict(f) for f in report.findings],
        "links": [link_dict(link, report.context) for link in report.links],
        "sources": list(report.sources),
    }
    if report.shard is not None:
        data["shard"] = _shard(report.shard)
    return data


def render(report: Report, *, color: bool = False) -> str:
    """The report as compact JSON on one line: ``dumps(report_dict(report))``, with the two
    long lists written directly (``json_writer``) and the rest by the C encoder."""
    texts = json_writer.Texts()
    head = {
        "version": REPORT_VERSION,
        "summary": _summary(report),
        "coverage": coverage_dict(report.coverage) if report.coverage is not None else None,
    }
    # the keys before the findings, without the closing brace and newline
    parts = [dumps(head)[:-2], ',"findings":']
    json_writer.findings(report.findings, texts, parts)
    parts.append(',"links":')
    json_writer.links(report.links, report.context, texts, parts)
    parts += [',"sources":', json_writer.string_list(report.sources)]
    if report.shard is not None:
        parts += [',"shard":', dumps(_shard(report.shard))[:-1]]
    parts.append("}\n")
    return "".join(parts)


def render_pretty(report: Report, *, color: bool = False) -> str:
    """The report as JSON indented by two spaces, for people (``--pretty``)."""
    return dumps(report_dict(report), pretty=True)


def dumps(value: object, *, pretty: bool = False) -> str:
    """JSON text and a newline, UTF-8 kept as is: compact through the C encoder, or indented
    (``pretty``: pure Python, several times slower on a big report)."""
    if pretty:
        return json.dumps(value, indent=2, ensure_ascii=False) + "\n"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n"


def render_coverage(report: Report, *, color: bool = False) -> str:
    body = coverage_dict(report.coverage) if report.coverage is not None else None
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
