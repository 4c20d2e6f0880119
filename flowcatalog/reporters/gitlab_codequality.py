"""GitLab Code Quality JSON: one array of issues for the merge-request widget.

Severity mapping (fixed, so the widget's ordering means something):

- error -> ``major``: a broken or missing flow link fails the check; ``critical`` and
  ``blocker`` are left to security problems and broken builds;
- warning -> ``minor``: worth fixing, fails only under ``--strict``;
- info -> ``info``: notes, such as one flow shared by several deployments.

The fingerprint hashes the tool, rule, path and subject (never the line) plus an occurrence
index, so it is unique per finding and survives unrelated edits that move lines.
"""

from __future__ import annotations

from typing import Any

from flowcatalog.findings import Severity
from flowcatalog.report import Report
from flowcatalog.reporters.json_report import dumps
from flowcatalog.reporters.json_writer import string, string_list
from flowcatalog.reporters.markup import one_line
from flowcatalog.reporters.subjects import fingerprints

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def repo_path(path: str) -> str:
    """A repo-relative path with forward slashes and no leading ``./``."""
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def _categories(severity: Severity) -> list[str]:
    return ["Style"] if severity is Severity.INFO else ["Bug Risk"]


def issues(report: Report) -> list[dict[str, Any]]:
    result = []
    for finding, fingerprint in zip(report.findings, fingerprints(report.findings), strict=True):
        result.append(
            {
                "type": "issue",
                "check_name": f"flowcatalog/{finding.rule}",
                "description": one_line(finding.message),
                "categories": _categories(finding.severity),
                "severity": SEVERITIES[finding.severity],
                "fingerprint": fingerprint,
                "location": {
                    "path": repo_path(finding.location.path),
                    "lines": {"begin": finding.location.line or 1},
                },
            }
        )
    return result


def render(report: Report, *, color: bool = False) -> str:
    """The Code Quality array (``[]`` when clean), compact; UTF-8 text without a BOM.

    The same text as ``dumps(issues(report))``, written directly (see ``json_writer``): the
    parts that depend only on the rule, the severity or the path are encoded once each.
    """
    checks: dict[str, str] = {}
    severities = {
        severity: (
            f',"categories":{string_list(_categories(severity))},'
            f'"severity":{string(SEVERITIES[severity])},"fingerprint":'
        )
        for severity in Severity
    }
    paths: dict[str, str] = {}
    parts = ["["]
    comma = ""
    for finding, fingerprint in zip(report.findings, fingerprints(report.findings), strict=True):
        where = finding.location
        path, rule = where.path, finding.rule
        located = paths.get(path)
        if located is None:
            located = paths[path] = f',"location":{{"path":{string(repo_path(path))},'
        check = checks.get(rule)
        if check is None:
            check = checks[rule] = f'{{"type":"issue","check_name":{string("flowcatalog/" + rule)},'
        parts.append(
            f"{comma}{check}"
            f'"description":{string(one_line(finding.message))}{severities[finding.severity]}'
            f'"{fingerprint}"{located}"lines":{{"begin":{where.line or 1}}}}}}}'
        )
        comma = ","
    parts.append("]\n")
    return "".join(parts)  # one join: each copy of a text of megabytes costs


def render_pretty(report: Report, *, color: bool = False) -> str:
    """The Code Quality array indented (``--pretty``)."""
    return dumps(issues(report), pretty=True)
