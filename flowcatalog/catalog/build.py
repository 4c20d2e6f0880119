"""Validated catalog data -> the ``Catalog`` model (pure: reads no files).

``parse_catalog(text, path)`` runs the whole load: YAML with positions, the published
schema, then references between stages, deployments and flows. Problems in the data are
findings; only unusable input raises ``InputError``.
"""

from __future__ import annotations

from typing import Any

from flowcatalog import urls as figma_url
from flowcatalog.catalog.yamlnodes import PathKey, YamlDoc
from flowcatalog.findings import Finding, Rule, Severity
from flowcatalog.model import (
    Catalog,
    Deployment,
    Flow,
    FutureIteration,
    Link,
    LinkKind,
    Location,
    NotApplicable,
    Page,
    Stage,
)

DUPLICATE_ID = Rule(
    "duplicate-id",
    Severity.ERROR,
    "a stage or deployment id declared twice",
    "catalog",
)
UNKNOWN_REFERENCE = Rule(
    "unknown-reference",
    Severity.ERROR,
    "a flow or not-applicable entry names an undeclared deployment",
    "catalog",
)

DEFAULT_PLACEHOLDERS = ("coming soon", "TODO", "TBD", "FIXME", "to be added")


def parse_catalog(
    text: str, path: str, *, schema_valid: bool = False
) -> tuple[Catalog | None, list[Finding]]:
    """Load a catalog. Returns None as the catalog when the data does not fit the schema.

    ``schema_valid``: this very text is known to fit the schema (the page cache remembers
    it), so the validator is neither built nor run.
    """
    from flowcatalog.catalog import yamlnodes

    doc = yamlnodes.load(text, path)
    findings = list(doc.findings)
    if not schema_valid:
        from flowcatalog.catalog import schema

        findings.extend(schema.validate(doc))
    if any(f.severity is Severity.ERROR for f in findings):
        return None, findings
    catalog, more = build(doc, path)
    findings.extend(more)
    return catalog, findings


def _name(raw: dict[str, Any]) -> str:
    return str(raw.get("name") or raw["id"])


def _suggest(value: str, known: list[str]) -> str:
    import difflib  # only for an unknown id: not at start-up

    close = difflib.get_close_matches(value, known, n=1, cutoff=0.5)
    if close:
        return f"did you mean {close[0]!r}?"
    return "declared: " + ", ".join(known) if known else "none declared"


def _links(
    doc: YamlDoc, raw: list[Any] | None, at: PathKey, context: tuple[str, ...]
) -> tuple[Link, ...]:
    links = []
    for i, item in enumerate(raw or []):
        where = doc.at((*at, i))
        if isinstance(item, dict):
            url, text = str(item.get("url") or ""), str(item.get("label") or "")
        else:
            url, text = ("" if item is None else str(item)), ""
        analysis = figma_url.analyse(url) if url.strip() else None
        links.append(
            Link(
                url=url,
                location=where,
                normalised=analysis.normalised if analysis is not None else "",
                figma=analysis.figma if analysis is not None else None,
                text=text,
                context=context,
                kind=LinkKind.CATALOG,
            )
        )
    return tuple(links)


def build(doc: YamlDoc, path: str) -> tuple[Catalog, list[Finding]]:
    """The model from schema-valid data, with reference findings."""
    data: dict[str, Any] = doc.data
    findings: list[Finding] = []

    def declared(kind: str, items: list[dict[str, Any]], key: str) -> dict[str, int]:
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            ident = item["id"]
            if ident in seen:
                findings.append(
                    DUPLICATE_ID.finding(
                        f"{kind} id {ident!r} declared twice; first at line "
                        f"{doc.at((key, seen[ident], 'id')).line}",
                        doc.at((key, i, "id")),
                        subject=f"{key}/{ident}",
                    )
                )
                continue
            seen[ident] = i
        return seen

    dep_index = declared("deployment", data["deployments"], "deployments")
    declared("stage", data["stages"], "stages")
    dep_ids = list(dep_index)
    deployments = tuple(
        Deployment(d["id"], _name(d), doc.at(("deployments", i)))
        for d, i in ((data["deployments"][i], i) for i in dep_index.values())
    )

    def check_ref(dep: str, at: PathKey) -> bool:
        if dep in dep_index:
            return True
        findings.append(
            UNKNOWN_REFERENCE.finding(
                f"deployment {dep!r} is not declared under 'deployments'; "
                + _suggest(dep, dep_ids),
                doc.at(at),
                subject="/".join(map(str, at)),
            )
        )
        return False

    stages = []
    seen_stages: set[str] = set()
    for si, raw_stage in enumerate(data["stages"]):
        stage_id = raw_stage["id"]
        if stage_id in seen_stages:
            continue
        seen_stages.add(stage_id)
        stage_name = _name(raw_stage)
        flows: list[Flow] = []
        for fi, raw_flow in enumerate(raw_stage.get("flows") or []):
            at: PathKey = ("stages", si, "flows", fi)
            deps = []
            for di, dep in enumerate(raw_flow["deployments"]):
                if check_ref(dep, (*at, "deployments", di)) and dep not in deps:
                    deps.append(dep)
            flows.append(
                Flow(
                    name=raw_flow["name"],
                    stage=stage_id,
                    deployments=tuple(deps),
                    links=_links(
                        doc, raw_flow.get("links"), (*at, "links"), (stage_name, raw_flow["name"])
                    ),
                    location=doc.at(at),
                    placeholder=raw_flow.get("placeholder"),
                    description=raw_flow.get("description", ""),
                    links_declared="links" in raw_flow,
                )
            )
        for fi, raw_flow in enumerate(raw_stage.get("extra_flows") or []):
            at = ("stages", si, "extra_flows", fi)
            flows.append(
                Flow(
                    name=raw_flow["name"],
                    stage=stage_id,
                    deployments=(),
                    links=_links(
                        doc, raw_flow.get("links"), (*at, "links"), (stage_name, raw_flow["name"])
                    ),
                    location=doc.at(at),
                    extra=True,
                    placeholder=raw_flow.get("placeholder"),
                    description=raw_flow.get("description", ""),
                    links_declared="links" in raw_flow,
                )
            )
        not_applicable = []
        for dep, reason in (raw_stage.get("not_applicable") or {}).items():
            at = ("stages", si, "not_applicable", dep)
            if check_ref(dep, at):
                not_applicable.append(NotApplicable(dep, reason.strip(), doc.at(at)))
        stages.append(
            Stage(
                id=stage_id,
                name=stage_name,
                location=doc.at(("stages", si)),
                flows=tuple(flows),
                not_applicable=tuple(not_applicable),
            )
        )

    items = []
    for ii, raw_item in enumerate(data.get("future_iterations") or []):
        at = ("future_iterations", ii)
        if isinstance(raw_item, dict):
            title = str(raw_item.get("title") or "")
            links = _links(doc, raw_item.get("links"), (*at, "links"), ("Future iterations",))
        else:
            title = "" if raw_item is None else str(raw_item)
            links = ()
        items.append(FutureIteration(title.strip(), doc.at(at), links))

    pages = tuple(
        Page(doc.at(("pages", i)), path=p.get("path"), url=p.get("url"))
        for i, p in enumerate(data.get("pages") or [])
    )
    catalog = Catalog(
        path=path,
        title=str(data.get("title") or ""),
        deployments=deployments,
        stages=tuple(stages),
        future_iterations=tuple(items),
        pages=pages,
        placeholders=tuple(data.get("placeholders") or DEFAULT_PLACEHOLDERS),
        exclude=tuple(data.get("exclude") or ()),
        location=doc.at(()) if doc.marks else Location(path, 1, 1),
    )
    return catalog, findings
