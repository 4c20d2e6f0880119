"""The findings of a run tuned to the repository: inline suppression comments first, then the
configuration's per-rule severities (so ``unused-suppression`` can itself be tuned)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection

from flowcatalog import fsio
from flowcatalog.config.load import Config
from flowcatalog.errors import FlowcatalogError
from flowcatalog.findings import sort_findings
from flowcatalog.report import Report

#: suppression comments are looked for in this much of each source
MAX_SCAN_BYTES = 20 * 1024 * 1024
#: what every suppression comment contains (``<!-- flowcatalog-disable``, ``# flowcatalog:
#: ignore``): a source without it has none. The bare name is not enough to tell: a catalog's
#: schema comment, ``render``'s ``<!-- flowcatalog:begin -->`` or a page about the tool hold it
MARKER = re.compile(rb"flowcatalog(?:-|:\s*ignore)")


def marked(data: bytes) -> bool:
    """Whether ``data`` may hold a suppression comment (``MARKER``)."""
    return MARKER.search(data) is not None


def _texts(sources: tuple[str, ...], unmarked: Collection[str] = ()) -> dict[str, str]:
    texts = {}
    for path in sources:
        if path in unmarked:
            continue
        try:
            data, _ = fsio.read_source(path, limit=MAX_SCAN_BYTES, what="page")
        except (FlowcatalogError, OSError):
            continue
        if marked(data):
            texts[path] = data.decode("utf-8", "replace")
    return texts


def tune(
    report: Report, config: Config | None, *, suppress: bool = True, unmarked: Collection[str] = ()
) -> Report:
    """``report`` with suppressed findings left out, unused suppressions added, and the
    configured severities applied. The sources in ``unmarked`` are known to hold no
    ``MARKER`` (the page cache read them): they are not read again."""
    findings = list(report.findings)
    texts = _texts(report.sources, unmarked) if suppress else {}
    if texts:  # only then are the rules' ids wanted (importing them all is not free)
        from flowcatalog import suppress as inline
        from flowcatalog.rules.registry import all_rules

        kept, unused = inline.apply(findings, texts, {rule.id for rule in all_rules()})
        findings = [*kept, *unused]
    if config is not None:
        from flowcatalog.config import severity

        findings = severity.apply(findings, config)
    if not texts and config is None:
        return report
    if findings == list(report.findings):
        return report
    return dataclasses.replace(report, findings=sort_findings(findings))
