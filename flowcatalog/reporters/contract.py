"""The JSON report's contract (version 1) as types: what ``json_report`` writes and
``runs.merge`` reads back.

Within version 1 keys are only added, never renamed or removed; a key added after the first
release is ``NotRequired`` here, because reports written before it lack it.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict


class LocationDict(TypedDict):
    path: str
    line: int | None
    column: int | None


class OccurrenceDict(LocationDict):
    """One place a link occurs, with its link text and its context (heading path, or stage
    and flow)."""

    text: NotRequired[str]
    context: NotRequired[list[str]]


class FigmaDict(TypedDict):
    kind: str
    file_key: str
    branch_key: str | None
    node_id: str | None
    version_id: str | None


class FigmaDetailsDict(TypedDict):
    file_name: str | None
    last_modified: str | None
    version: str | None
    node_name: str | None
    node_type: str | None


class LinkDict(TypedDict):
    """One distinct link; the online keys are present only when ``status`` is not null."""

    url: str
    normalised: str
    locations: list[OccurrenceDict]
    figma: FigmaDict | None
    status: str | None
    http_status: NotRequired[int | None]
    final_url: NotRequired[str | None]
    cached: NotRequired[bool]
    figma_details: NotRequired[FigmaDetailsDict]


class FindingDict(TypedDict):
    rule: str
    severity: str
    message: str
    path: str
    line: int | None
    column: int | None
    url: str | None
    subject: str
    link: NotRequired[str | None]


class NameDict(TypedDict):
    id: str
    name: str


class CellDict(TypedDict):
    stage: str
    deployment: str
    state: str
    links: list[str]
    flows: list[str]
    shared_with: list[str]
    reason: str | None
    location: LocationDict | None


class ExtraFlowDict(TypedDict):
    stage: str
    name: str
    links: list[str]
    placeholder: str | None
    location: LocationDict | None


class CoverageDict(TypedDict):
    documented: int
    total: int
    not_applicable: int
    percent: float
    stages: list[NameDict]
    deployments: list[NameDict]
    cells: list[CellDict]
    extra_flows: list[ExtraFlowDict]


class SummaryDict(TypedDict):
    errors: int
    warnings: int
    infos: int
    links: int
    figma_links: int


class ReportDict(TypedDict):
    version: int
    summary: SummaryDict
    coverage: CoverageDict | None
    findings: list[FindingDict]
    links: list[LinkDict]
    sources: list[str]
