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
from flowcatalog.reporters.json_writer import string
from flowcatalog.reporters.subjects import fingerprints

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
VERSION = "2.1.0"
COLUMN_KIND = "unicodeCodePoints"
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


def _tool(rule_ids: list[str]) -> dict[str, Any]:
    return {"driver": {"name": "flowcatalog", "rules": [_rule(rule_id) for rule_id in rule_ids]}}


def _invocations(report: Report) -> list[dict[str, Any]]:
    return [{"executionSuccessful": True, "endTimeUtc": report.generated_at}]


def sarif_dict(report: Report) -> dict[str, Any]:
    """The SARIF log as dicts (what ``--pretty`` indents)."""
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
                            "artifactLocation": {"uri": _uri(loc.path)},
                            "region": region,
                        }
                    }
                ],
                "partialFingerprints": {"flowcatalog/v1": fingerprint},
            }
        )
    run: dict[str, Any] = {
        "tool": _tool(rule_ids),
        "columnKind": COLUMN_KIND,
        "results": results,
    }
    if report.generated_at:
        run["invocations"] = _invocations(report)
    return {"$schema": SCHEMA_URI, "version": VERSION, "runs": [run]}


def _uri(path: str) -> str:
    return quote(repo_path(path), safe="/")


def render(report: Report, *, color: bool = False) -> str:
    """The SARIF log, compact: the text of ``dumps(sarif_dict(report))``, its results written
    directly (see ``json_writer``), with what depends only on the rule, level or path
    encoded once each."""
    findings = report.findings
    rule_ids = sorted({f.rule for f in findings})
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    openings: dict[tuple[str, Severity], str] = {}
    places: dict[str, str] = {}
    results = []
    comma = ""
    for finding, fingerprint in zip(findings, fingerprints(findings), strict=True):
        where = finding.location
        rule, severity, path = finding.rule, finding.severity, where.path
        opening = openings.get((rule, severity))
        if opening is None:
            opening = openings[rule, severity] = (
                f'{{"ruleId":{string(rule)},"ruleIndex":{index[rule]},'
                f'"level":{string(LEVELS[severity])},"message":{{"text":'
            )
        place = places.get(path)
        if place is None:
            place = places[path] = (
                ',"locations":[{"physicalLocation":{"artifactLocation":'
                f'{{"uri":{string(_uri(path))}}},"region":{{"startLine":'
            )
        line, column = where.line, where.column
        if line is None:
            region = "1"
        elif column is None:
            region = str(line)
        else:
            region = f'{line},"startColumn":{column}'
        results.append(
            f"{comma}{opening}{string(finding.message)}}}{place}{region}}}}}}}],"
            f'"partialFingerprints":{{"flowcatalog/v1":"{fingerprint}"}}}}'
        )
        comma = ","
    run_opening = dumps({"tool": _tool(rule_ids), "columnKind": COLUMN_KIND})[:-2]
    text = [
        dumps({"$schema": SCHEMA_URI, "version": VERSION})[:-2],
        ',"runs":[',
        run_opening,
        ',"results":[',
        *results,
        "]",
    ]
    if report.generated_at:
        text += [',"invocations":', dumps(_invocations(report))[:-1]]
    text.append("}]}\n")
    return "".join(text)  # one join: each copy of a text of megabytes costs


def render_pretty(report: Report, *, color: bool = False) -> str:
    """The SARIF log indented (``--pretty``)."""
    return dumps(sarif_dict(report), pretty=True)
