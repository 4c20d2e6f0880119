"""Runs over several catalogs (``catalogs:`` in the configuration): one report out of one per
catalog, with the coverage of each and in total.

Each catalog is checked with its own pages; the reports are combined: findings unioned (a
page linted for two catalogs reports its content findings once), links unioned by normalised
URL with every place they occur, and the matrices stacked into one, each stage id and name
prefixed with its catalog's label (``teams/growth: Trial``) so two teams' stages stay apart.
Pure.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass

from flowcatalog.findings import sort_findings
from flowcatalog.report import Cell, Coverage, ExtraFlow, LinkGroup, Report


@dataclass(frozen=True, slots=True)
class CatalogCoverage:
    """The coverage of one catalog of a combined run."""

    catalog: str
    coverage: Coverage

    def line(self) -> str:
        cov = self.coverage
        return (
            f"coverage of {self.catalog}: {cov.percent:.1f}% "
            f"({cov.documented}/{cov.total} cells documented)"
        )


def label(catalog_path: str) -> str:
    """A short name for a catalog: its directory, or its file name without extension when it
    sits at the top (``teams/growth/catalog.yaml`` -> ``teams/growth``)."""
    head, tail = os.path.split(os.path.normpath(catalog_path))
    if head and tail.startswith("catalog."):
        return head.replace(os.sep, "/")
    return os.path.splitext(catalog_path)[0].replace(os.sep, "/")


def _prefixed(name: str, coverage: Coverage) -> Coverage:
    cells = tuple(dataclasses.replace(c, stage=f"{name}:{c.stage}") for c in coverage.cells)
    stages = tuple((f"{name}:{sid}", f"{name}: {sname}") for sid, sname in coverage.stage_names)
    extra = tuple(dataclasses.replace(e, stage=f"{name}:{e.stage}") for e in coverage.extra_flows)
    return Coverage(cells, stages, coverage.deployment_names, extra)


def _links(reports: Sequence[Report]) -> tuple[LinkGroup, ...]:
    merged: dict[str, LinkGroup] = {}
    for report in reports:
        for link in report.links:
            known = merged.get(link.normalised)
            if known is None:
                merged[link.normalised] = link
                continue
            seen = {(o.location, o.url) for o in known.occurrences}
            more = tuple(o for o in link.occurrences if (o.location, o.url) not in seen)
            merged[link.normalised] = dataclasses.replace(
                known, occurrences=(*known.occurrences, *more)
            )
    return tuple(merged.values())


def combine(runs: Sequence[tuple[str, Report]]) -> tuple[Report, tuple[CatalogCoverage, ...]]:
    """One report of the ``(catalog path, report)`` runs, and each catalog's coverage."""
    each: tuple[CatalogCoverage, ...]
    if len(runs) == 1:
        path, report = runs[0]
        each = (CatalogCoverage(path, report.coverage),) if report.coverage else ()
        return report, each
    each = tuple(CatalogCoverage(p, r.coverage) for p, r in runs if r.coverage is not None)
    coverage = None
    if each:
        cells: list[Cell] = []
        stages: list[tuple[str, str]] = []
        deployments: dict[str, str] = {}
        extra: list[ExtraFlow] = []
        for part in each:
            shown = _prefixed(label(part.catalog), part.coverage)
            cells.extend(shown.cells)
            stages.extend(shown.stage_names)
            deployments.update(dict(shown.deployment_names))
            extra.extend(shown.extra_flows)
        coverage = Coverage(tuple(cells), tuple(stages), tuple(deployments.items()), tuple(extra))
    reports = [report for _, report in runs]
    combined = Report(
        findings=sort_findings([f for r in reports for f in r.findings]),
        coverage=coverage,
        links=_links(reports),
        sources=tuple(dict.fromkeys(s for r in reports for s in r.sources)),
    )
    return combined, each
