"""Per-rule severities from the configuration file, applied to findings after the rules ran.

``rules: {RULE: warning}`` sets a rule's severity everywhere; ``{RULE: {severity: ...,
paths: {GLOB: ...}}}`` per path (the last matching glob wins); ``off`` drops its findings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from flowcatalog.config.load import Config, glob_match
from flowcatalog.findings import Finding, Severity

#: rules whose findings the configuration cannot change (they mean the run itself failed)
FIXED = frozenset({"input-error"})


def severity_for(config: Config, finding: Finding) -> str | None:
    """The configured severity of ``finding`` (``off`` included), or None for its own."""
    for setting in config.rules:
        if setting.rule != finding.rule:
            continue
        level = setting.severity
        if setting.paths:
            where = config.relative(finding.location.path)
            for pattern, severity in setting.paths:
                if glob_match(pattern, where):
                    level = severity
        return level
    return None


def apply(findings: Iterable[Finding], config: Config) -> list[Finding]:
    """The findings with the configured severities; those of rules set ``off`` dropped."""
    if not config.rules:
        return list(findings)
    result = []
    for finding in findings:
        level = None if finding.rule in FIXED else severity_for(config, finding)
        if level is None:
            result.append(finding)
        elif level != "off":
            result.append(dataclasses.replace(finding, severity=Severity(level)))
    return result
