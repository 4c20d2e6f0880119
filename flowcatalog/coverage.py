"""Catalog -> coverage of the stage x deployment matrix (pure)."""

from __future__ import annotations

from flowcatalog.model import Catalog, Flow, Stage
from flowcatalog.report import Cell, CellState, Coverage, ExtraFlow


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
