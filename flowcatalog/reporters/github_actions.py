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
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


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
    return "".join(format_finding(f) + "\n" for f in report.findings)
