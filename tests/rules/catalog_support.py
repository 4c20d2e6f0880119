"""A small two-deployment catalog and the findings of a check of it, for the catalog rule
tests (one file per rule module)."""

from __future__ import annotations

from flowcatalog.catalog.build import parse_catalog
from flowcatalog.pipeline.run import build_report

F = "https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/X?node-id="

HEAD = """\
version: 1
deployments:
  - id: saas
  - id: sm
stages:
  - id: s
    name: Stage
    flows:
"""


def findings(flows: str, tail: str = "") -> list[tuple[int | None, int | None, str]]:
    """(line, column, rule) of every finding of a check of ``HEAD + flows + tail``."""
    catalog, load = parse_catalog(HEAD + flows + tail, "c.yaml")
    assert load == []
    assert catalog is not None
    report = build_report(catalog, [])
    return [(f.location.line, f.location.column, f.rule) for f in report.findings]
