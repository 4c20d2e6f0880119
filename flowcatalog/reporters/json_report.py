"""The JSON report: a stable, documented contract (``"version": 1``).

Keys are only ever added, never renamed or removed, within one version.
"""

from __future__ import annotations

import json
from typing import Any

from flowcatalog.findings import Finding, Severity
from flowcatalog.model import Location
from flowcatalog.report import REPORT_VERSION, Coverage, LinkResult, Report


def _location(location: Location | None) -> dict[str, Any] | None:
    if location is None:
        return None
    return {"path": location.path, "line": location.line, "column": location.column}


def coverage_dict(coverage: Coverage) -> dict[str, Any]:
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


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "message": finding.message,
        "path": finding.location.path,
        "line": finding.location.line,
        "column": finding.location.column,
        "url": finding.url,
        "subject": finding.subject,
    }


def link_dict(link: LinkResult) -> dict[str, Any]:
    item: dict[str, Any] = {
        "url": link.url,
        "normalised": link.normalised,
        "locations": [_location(loc) for loc in link.locations],
        "figma": None,
        "status": link.status,
    }
    if link.figma is not None:
        ref = link.figma
        item["figma"] = {
            "kind": ref.kind,
            "file_key": ref.file_key,
            "branch_key": ref.branch_key,
            "node_id": ref.node_id,
            "version_id": ref.version_id,
        }
    if link.status is not None:
        item["http_status"] = link.http_status
        item["final_url"] = link.final_url
        item["cached"] = link.cached
    if link.details is not None:
        d = link.details
        item["figma_details"] = {
            "file_name": d.file_name,
            "last_modified": d.last_modified,
            "version": d.version,
            "node_name": d.node_name,
            "node_type": d.node_type,
        }
    return item


def report_dict(report: Report) -> dict[str, Any]:
    data = {
        "version": REPORT_VERSION,
        "summary": {
            "errors": report.count(Severity.ERROR),
            "warnings": report.count(Severity.WARNING),
            "infos": report.count(Severity.INFO),
            "links": len(report.links),
            "figma_links": report.figma_link_count,
        },
        "coverage": coverage_dict(report.coverage) if report.coverage is not None else None,
        "findings": [finding_dict(f) for f in report.findings],
        "links": [link_dict(link) for link in report.links],
        "sources": list(report.sources),
    }
    if report.shard is not None:
        stamp = report.shard
        data["shard"] = {
            "index": stamp.index,
            "total": stamp.total,
            "catalog_sha256": stamp.catalog,
            "tool_version": stamp.tool_version,
        }
    return data


def render(report: Report, *, color: bool = False) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"


def render_coverage(report: Report, *, color: bool = False) -> str:
    body = coverage_dict(report.coverage) if report.coverage is not None else None
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
