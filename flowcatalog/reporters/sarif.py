"""SARIF 2.1.0 for GitHub code scanning (``github/codeql-action/upload-sarif``).

One run, one result per finding. Rule metadata (summary, default level, area) comes from the
rule registry, ``flowcatalog.rules``; a rule the registry does not know (a newer report merged
by an older flowcatalog, say) still gets an entry, described by its id. Levels: error ->
``error``, warning -> ``warning``, info -> ``note``. Results carry a partial fingerprint
built like the Code Quality one (rule, path, subject, occurrence; never the line), and a
region starting at line 1 when the line is unknown, since code scanning wants one.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flowcatalog.findings import Severity
from flowcatalog.report import Report
from flowcatalog.reporters.gitlab_codequality import repo_path
from flowcatalog.reporters.json_report import dumps
from flowcatalog.reporters.subjects import fingerprints

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def describe_rule(rule_id: str) -> tuple[str, Severity | None, str | None]:
    """(summary, default severity, area) of a rule, from the registry when it knows it."""
    from flowcatalog.rules.registry import rule

    info = rule(rule_id)
    if info is None:
        return (rule_id, None, None)
    return (info.summary, info.severity, info.area)


def _rule(rule_id: str) -> dict[str, Any]:
    summary, severity, area = describe_rule(rule_id)
    entry: dict[str, Any] = {"id": rule_id, "shortDescription": {"text": summary}}
    if severity is not None:
        entry["defaultConfiguration"] = {"level": LEVELS[severity]}
    if area:
        entry["properties"] = {"tags": [area]}
    return entry


def sarif_dict(report: Report) -> dict[str, Any]:
    rule_ids = sorted({f.rule for f in report.findings})
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    results = []
    for finding, fingerprint in zip(report.findings, fingerprints(report.findings), strict=True):
        loc = finding.location
        region: dict[str, int] = {"startLine": loc.line or 1}
        if loc.line is not None and loc.column is not None:
            region["startColumn"] = loc.column
        results.append(
            {
                "ruleId": finding.rule,
                "ruleIndex": index[finding.rule],
                "level": LEVELS[finding.severity],
                "message": {"text": finding.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": quote(repo_path(loc.path), safe="/")},
                            "region": region,
                        }
                    }
                ],
                "partialFingerprints": {"flowcatalog/v1": fingerprint},
            }
        )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "flowcatalog",
                "rules": [_rule(rule_id) for rule_id in rule_ids],
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if report.generated_at:
        run["invocations"] = [{"executionSuccessful": True, "endTimeUtc": report.generated_at}]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report, *, color: bool = False) -> str:
    """The SARIF log, compact."""
    return dumps(sarif_dict(report))


def render_pretty(report: Report, *, color: bool = False) -> str:
    """The SARIF log indented (``--pretty``)."""
    return dumps(sarif_dict(report), pretty=True)
