"""The figures a merge-request summary compares with: the target branch's coverage, from its
JSON report (``--target-report REPORT.json``) or computed from git (``--target-ref REF``,
through ``runs.history.report_at``: ``git show``, nothing checked out)."""

from __future__ import annotations

import json
from typing import Any

from flowcatalog.errors import InputError
from flowcatalog.report import Report
from flowcatalog.views import TargetCell, TargetFigures


def from_report(report: Report, label: str) -> TargetFigures | None:
    coverage = report.coverage
    if coverage is None:
        return None
    cells = tuple(
        TargetCell(c.stage, c.deployment, c.state.value, tuple(c.links)) for c in coverage.cells
    )
    return TargetFigures(label, coverage.percent, coverage.documented, coverage.total, cells)


def _number(value: Any, what: str, path: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise InputError(f"coverage.{what} is not a number", location=path)


def from_json(text: str, path: str, label: str) -> TargetFigures | None:
    """The coverage of a JSON report (``flowcatalog check --format json``); None without one."""
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise InputError(f"not a JSON report: {exc}", location=path) from None
    if not isinstance(body, dict) or body.get("version") != 1:
        raise InputError("not a flowcatalog JSON report of version 1", location=path)
    coverage = body.get("coverage")
    if coverage is None:
        return None
    if not isinstance(coverage, dict):
        raise InputError("'coverage' is not an object", location=path)
    cells = []
    for cell in coverage.get("cells") or []:
        if not isinstance(cell, dict):
            continue
        links = cell.get("links") or []
        cells.append(
            TargetCell(
                str(cell.get("stage", "")),
                str(cell.get("deployment", "")),
                str(cell.get("state", "")),
                tuple(str(link) for link in links if isinstance(link, str)),
            )
        )
    return TargetFigures(
        label,
        _number(coverage.get("percent"), "percent", path),
        int(_number(coverage.get("documented"), "documented", path)),
        int(_number(coverage.get("total"), "total", path)),
        tuple(cells),
    )


def from_git(ref: str, catalog_path: str) -> TargetFigures | None:
    from flowcatalog.runs.history import report_at

    if ref.startswith("-"):
        raise InputError(f"--target-ref {ref!r}: not a git revision")
    report = report_at(ref, catalog_path)
    return from_report(report, ref) if report is not None else None
