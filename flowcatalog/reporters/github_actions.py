"""GitHub Actions workflow commands: one annotation per finding.

``::error file=catalog.yaml,line=12,col=5,title=missing-cell::message``; warnings become
``::warning`` and infos ``::notice``. The message is escaped as workflow command data
(``%``, CR, LF) and property values additionally escape ``:`` and ``,``, so a message or a
path with those characters cannot end the command early or forge another one.
"""

from __future__ import annotations

from flowcatalog.findings import Finding, Severity
from flowcatalog.report import Report

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(value: str) -> str:
    if "%" in value:
        value = value.replace("%", "%25")
    if "\r" in value:
        value = value.replace("\r", "%0D")
    if "\n" in value:
        value = value.replace("\n", "%0A")
    return value


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def format_finding(finding: Finding) -> str:
    loc = finding.location
    props = [f"file={escape_property(loc.path)}"]
    if loc.line is not None:
        props.append(f"line={loc.line}")
        if loc.column is not None:
            props.append(f"col={loc.column}")
    props.append(f"title={escape_property('flowcatalog ' + finding.rule)}")
    return f"::{COMMANDS[finding.severity]} {','.join(props)}::{escape_data(finding.message)}"


def render(report: Report, *, color: bool = False) -> str:
    """One ``format_finding`` line per finding; the escaped path and title are worked out
    once per file and rule (a report has many findings per file)."""
    files: dict[str, str] = {}
    titles: dict[str, str] = {}
    lines = []
    for finding in report.findings:
        where = finding.location
        path, line, column, rule = where.path, where.line, where.column, finding.rule
        file = files.get(path)
        if file is None:
            file = files[path] = f"file={escape_property(path)},"
        title = titles.get(rule)
        if title is None:
            title = titles[rule] = f"title={escape_property('flowcatalog ' + rule)}::"
        if line is None:
            position = ""
        elif column is None:
            position = f"line={line},"
        else:
            position = f"line={line},col={column},"
        lines.append(
            f"::{COMMANDS[finding.severity]} {file}{position}{title}"
            f"{escape_data(finding.message)}\n"
        )
    return "".join(lines)
