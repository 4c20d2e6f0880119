"""Coverage rules on the stage x deployment matrix.

FAIL: stage ``trial`` has a SaaS flow and nothing for ``self-managed`` (``missing-cell``)
FAIL: the only flow of a cell has ``placeholder: coming soon`` (``placeholder-cell``)
INFO: one flow lists ``deployments: [saas, self-managed]`` (``shared-flow``)
PASS: every cell has a linked flow or a ``not_applicable`` reason
"""

from __future__ import annotations

from collections.abc import Iterator

from flowcatalog.findings import Finding, Rule, Severity
from flowcatalog.model import Catalog
from flowcatalog.report import CellState, Coverage

MISSING_CELL = Rule(
    "missing-cell",
    Severity.ERROR,
    "a stage x deployment cell with no flow and no not-applicable reason",
    "coverage",
)
PLACEHOLDER_CELL = Rule(
    "placeholder-cell",
    Severity.WARNING,
    "a cell covered only by a placeholder flow",
    "coverage",
)
NOT_APPLICABLE_OVERLAP = Rule(
    "not-applicable-overlap",
    Severity.WARNING,
    "a cell marked not applicable that a flow also covers",
    "coverage",
)
SHARED_FLOW = Rule(
    "shared-flow",
    Severity.INFO,
    "one flow covers several deployments of a stage",
    "coverage",
)


def check(catalog: Catalog, coverage: Coverage) -> Iterator[Finding]:
    """The matrix rules over ``coverage``, the catalog's coverage (``coverage.compute``)."""
    names = {d.id: d.name for d in catalog.deployments}
    stages = {s.id: s for s in catalog.stages}
    for cell in coverage.cells:
        stage = stages[cell.stage]
        label = f"{stage.name} / {names[cell.deployment]}"
        subject = f"{cell.stage}/{cell.deployment}"
        if cell.state is CellState.MISSING and not cell.flows:
            yield MISSING_CELL.finding(
                f"no flow documents {label}; add a flow with deployments: [{cell.deployment}] "
                "or a not_applicable reason",
                stage.location,
                subject=subject,
            )
        elif cell.state is CellState.PLACEHOLDER:
            yield PLACEHOLDER_CELL.finding(
                f"{label} is only a placeholder ({', '.join(repr(f) for f in cell.flows)})",
                cell.location or stage.location,
                subject=subject,
            )
        if cell.state is CellState.DOCUMENTED:
            for na in stage.not_applicable:
                if na.deployment == cell.deployment:
                    yield NOT_APPLICABLE_OVERLAP.finding(
                        f"{label} is marked not applicable but a flow documents it",
                        na.location,
                        subject=subject,
                    )
    for flow in catalog.flows():
        if len(flow.deployments) > 1:
            deps = ", ".join(names.get(d, d) for d in flow.deployments)
            yield SHARED_FLOW.finding(
                f"one flow {flow.name!r} covers {deps} of {stages[flow.stage].name}",
                flow.location,
                subject=f"{flow.stage}/{flow.name}",
            )
