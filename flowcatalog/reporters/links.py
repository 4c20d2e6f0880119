"""The ``links`` command's outputs, each a pure rendering of the report's link groups: the
distinct links (text: one normalised URL a line; json: each with every occurrence) and every
page link occurrence (``--occurrences``, text or json)."""

from __future__ import annotations

import json

from flowcatalog.model import Link, LinkKind
from flowcatalog.report import Report
from flowcatalog.reporters.json_report import link_dict


def render_text(report: Report, *, color: bool = False) -> str:
    return "".join(f"{link.normalised}\n" for link in report.links)


def render_json(report: Report, *, color: bool = False) -> str:
    items = [link_dict(link) for link in report.links]
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def page_occurrences(report: Report) -> list[Link]:
    """Every occurrence of a link on a page (not in the catalog), by path and position."""
    found = [
        occurrence
        for link in report.links
        for occurrence in link.occurrences
        if occurrence.kind is not LinkKind.CATALOG
    ]
    return sorted(
        found,
        key=lambda o: (o.location.path, o.location.line or 0, o.location.column or 0),
    )


def render_occurrences_text(report: Report, *, color: bool = False) -> str:
    """``path:line:col: url "text" (heading > path)``, and `` [in a comment]`` when hidden."""
    return "".join(
        f"{o.location.path}:{o.location.line}:{o.location.column}: {o.url} "
        f"{json.dumps(o.text, ensure_ascii=False)} ({' > '.join(o.context)})"
        f"{' [in a comment]' if o.hidden else ''}\n"
        for o in page_occurrences(report)
    )


def render_occurrences_json(report: Report, *, color: bool = False) -> str:
    rows = [
        {
            "url": o.url,
            "normalised": o.normalised,
            "path": o.location.path,
            "line": o.location.line,
            "column": o.location.column,
            "text": o.text,
            "context": list(o.context),
            "kind": o.kind.value,
            "hidden": o.hidden,
        }
        for o in page_occurrences(report)
    ]
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
