"""Coverage rules on the stage x deployment matrix.

FAIL: stage ``trial`` has a SaaS flow and nothing for ``self-managed`` (``missing-cell``)
FAIL: the only flow of a cell has ``placeholder: coming soon`` (``placeholder-cell``)
INFO: one flow lists ``deployments: [saas, self-managed]`` (``shared-flow``)
PASS: every cell has a linked flow or a ``not_applicable`` reason
"""

from __future__ import annotations

from collections.abc import Iterator

from flowcatalog.findings import Finding, Severity
from flowcatalog.model import Catalog
from flowcatalog.report import CellState, Coverage


def check(catalog: Catalog, coverage: Coverage) -> Iterator[Finding]:
    """The matrix rules over ``coverage``, the catalog's coverage (``coverage.compute``)."""
    names = {d.id: d.name for d in catalog.deployments}
    stages = {s.id: s for s in catalog.stages}
    for cell in coverage.cells:
        stage = stages[cell.stage]
        label = f"{stage.name} / {names[cell.deployment]}"
        subject = f"{cell.stage}/{cell.deployment}"
        if cell.state is CellState.MISSING and not cell.flows:
            yield Finding(
                "missing-cell",
                Severity.ERROR,
                f"no flow documents {label}; add a flow with deployments: [{cell.deployment}] "
                "or a not_applicable reason",
                stage.location,
                subject=subject,
            )
        elif cell.state is CellState.PLACEHOLDER:
            yield Finding(
                "placeholder-cell",
                Severity.WARNING,
                f"{label} is only a placeholder ({', '.join(repr(f) for f in cell.flows)})",
                cell.location or stage.location,
                subject=subject,
            )
        if cell.state is CellState.DOCUMENTED:
            for na in stage.not_applicable:
                if na.deployment == cell.deployment:
                    yield Finding(
                        "not-applicable-overlap",
                        Severity.WARNING,
                        f"{label} is marked not applicable but a flow documents it",
                        na.location,
                        subject=subject,
                    )
    for flow in catalog.flows():
        if len(flow.deployments) > 1:
            deps = ", ".join(names.get(d, d) for d in flow.deployments)
            yield Finding(
                "shared-flow",
                Severity.INFO,
                f"one flow {flow.name!r} covers {deps} of {stages[flow.stage].name}",
                flow.location,
                subject=f"{flow.stage}/{flow.name}",
            )
