"""The coverage of the stage x deployment matrix: its types, and ``compute`` (catalog ->
coverage, pure)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flowcatalog.model import Catalog, Flow, Location, Stage


class CellState(StrEnum):
    DOCUMENTED = "documented"
    NOT_APPLICABLE = "not-applicable"
    PLACEHOLDER = "placeholder"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class Cell:
    """One stage x deployment cell of the coverage matrix.

    ``flows`` names the flows that cover the cell; ``shared_with`` lists the other
    deployments one of those flows also covers (Cancelation's single flow, say).
    """

    stage: str
    deployment: str
    state: CellState
    links: tuple[str, ...] = ()
    flows: tuple[str, ...] = ()
    shared_with: tuple[str, ...] = ()
    reason: str | None = None
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class ExtraFlow:
    """A flow outside the matrix (renewal emails, say): documented, but no cell's."""

    stage: str
    name: str
    links: tuple[str, ...] = ()
    placeholder: str | None = None
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class Coverage:
    """The matrix, stage-major in catalog order, with stage and deployment display names,
    and the stages' extra flows."""

    cells: tuple[Cell, ...]
    stage_names: tuple[tuple[str, str], ...] = ()
    deployment_names: tuple[tuple[str, str], ...] = ()
    extra_flows: tuple[ExtraFlow, ...] = ()

    @property
    def total(self) -> int:
        """Cells that need a flow: every cell but the not-applicable ones."""
        return sum(1 for c in self.cells if c.state is not CellState.NOT_APPLICABLE)

    @property
    def documented(self) -> int:
        return sum(1 for c in self.cells if c.state is CellState.DOCUMENTED)

    @property
    def not_applicable(self) -> int:
        return sum(1 for c in self.cells if c.state is CellState.NOT_APPLICABLE)

    @property
    def percent(self) -> float:
        if self.total == 0:
            return 100.0
        return round(100.0 * self.documented / self.total, 1)

    def cell(self, stage: str, deployment: str) -> Cell | None:
        for c in self.cells:
            if c.stage == stage and c.deployment == deployment:
                return c
        return None


def _has_links(flow: Flow) -> bool:
    return any(link.url.strip() for link in flow.links)


def _cell(stage: Stage, deployment: str) -> Cell:
    covering = [f for f in stage.flows if not f.extra and deployment in f.deployments]
    linked = [f for f in covering if _has_links(f)]
    reason = next((na.reason for na in stage.not_applicable if na.deployment == deployment), None)
    if linked:
        links = tuple(
            dict.fromkeys(link.url for f in linked for link in f.links if link.url.strip())
        )
        shared = tuple(dict.fromkeys(d for f in linked for d in f.deployments if d != deployment))
        return Cell(
            stage.id,
            deployment,
            CellState.DOCUMENTED,
            links=links,
            flows=tuple(f.name for f in linked),
            shared_with=shared,
            location=linked[0].location,
        )
    if reason is not None:
        na = next(na for na in stage.not_applicable if na.deployment == deployment)
        return Cell(
            stage.id, deployment, CellState.NOT_APPLICABLE, reason=reason, location=na.location
        )
    placeholders = [f for f in covering if f.placeholder is not None]
    if placeholders:
        return Cell(
            stage.id,
            deployment,
            CellState.PLACEHOLDER,
            flows=tuple(f.name for f in placeholders),
            location=placeholders[0].location,
        )
    where = covering[0].location if covering else stage.location
    return Cell(
        stage.id,
        deployment,
        CellState.MISSING,
        flows=tuple(f.name for f in covering),
        location=where,
    )


def compute(catalog: Catalog) -> Coverage:
    cells = tuple(_cell(stage, dep.id) for stage in catalog.stages for dep in catalog.deployments)
    extras = tuple(
        ExtraFlow(
            flow.stage,
            flow.name,
            tuple(link.url for link in flow.links if link.url.strip()),
            flow.placeholder,
            flow.location,
        )
        for flow in catalog.flows()
        if flow.extra
    )
    return Coverage(
        cells=cells,
        stage_names=tuple((s.id, s.name) for s in catalog.stages),
        deployment_names=tuple((d.id, d.name) for d in catalog.deployments),
        extra_flows=extras,
    )
