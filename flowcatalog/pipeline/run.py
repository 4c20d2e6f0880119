"""The ordered stages of a check run: read -> parse -> validate -> model -> collect -> rules
-> [online] -> coverage -> report -> tuning (inline suppression, configured severities).

The CLI fills a ``CheckRequest``; ``run_check`` returns a ``Report``. Reading goes through
``fsio``; everything else here is pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from flowcatalog import fsio
from flowcatalog import urls as figma_url
from flowcatalog.config.load import Config
from flowcatalog.findings import Finding, sort_findings
from flowcatalog.model import Catalog, FigmaRef, Link
from flowcatalog.report import Coverage, LinkResult, Report

#: the online stage (``cli_online.online_stage``): the offline report and the catalog's
#: ``exclude:`` patterns in, the report with link statuses and online findings out
OnlineStage = Callable[[Report, tuple[str, ...]], Report]


@dataclass(frozen=True, slots=True)
class CheckRequest:
    catalog_path: str | None = "catalog.yaml"
    catalog_required: bool = True
    pages: tuple[str, ...] = ()
    online: OnlineStage | None = None
    #: the configuration file's settings (placeholders, per-rule severities); inline
    #: suppression comments are honoured with or without one
    config: Config | None = None


def load_catalog(path: str) -> tuple[Catalog | None, list[Finding]]:
    """Read and parse a catalog file (``InputError`` when it cannot be used at all)."""
    from flowcatalog.catalog.build import parse_catalog

    return parse_catalog(fsio.read_text(path), path)


def collect_links(
    links: Iterable[Link], analysed: Mapping[str, tuple[str, FigmaRef | None]] | None = None
) -> tuple[LinkResult, ...]:
    """Distinct links by normalised URL, each with every place it occurs, in first-seen order.

    ``analysed`` gives, by URL, what ``figma_url.analyse`` says of it (normalised form,
    Figma identity) when that is known already (pages are analysed where they are parsed).
    """
    known = analysed or {}
    grouped: dict[str, list[Link]] = {}
    for link in links:
        if not link.url.strip():
            continue
        found = known.get(link.url)
        key = found[0] if found is not None else figma_url.analyse(link.url).normalised
        grouped.setdefault(key, []).append(link)
    results = []
    for key, occurrences in grouped.items():
        first = occurrences[0]
        figma = first.figma
        if figma is None:
            found = known.get(first.url)
            figma = found[1] if found is not None else figma_url.analyse(first.url).figma
        results.append(
            LinkResult(
                url=first.url,
                normalised=key,
                locations=tuple(link.location for link in occurrences),
                figma=figma,
            )
        )
    return tuple(results)


def catalog_findings(catalog: Catalog, coverage: Coverage | None = None) -> list[Finding]:
    from flowcatalog.rules.registry import check_catalog

    return check_catalog(catalog, coverage)


def build_report(
    catalog: Catalog | None,
    findings: Iterable[Finding],
    links: Iterable[Link] = (),
    sources: Iterable[str] = (),
    analysed: Mapping[str, tuple[str, FigmaRef | None]] | None = None,
) -> Report:
    """Assemble the report: rule findings, coverage and the distinct links (``analysed``:
    see ``collect_links``)."""
    from flowcatalog.catalog.coverage import compute

    all_findings = list(findings)
    all_links = list(links)
    coverage = compute(catalog) if catalog is not None else None
    if catalog is not None:
        all_findings.extend(catalog_findings(catalog, coverage))
        all_links = [*catalog.links(), *all_links]
    return Report(
        findings=sort_findings(all_findings),
        coverage=coverage,
        links=collect_links(all_links, analysed),
        sources=tuple(dict.fromkeys(sources)),
    )


def run_check(request: CheckRequest) -> Report:
    """The offline check: the catalog (when there is one) and the requested pages."""
    catalog: Catalog | None = None
    findings: list[Finding] = []
    sources: list[str] = []
    if request.catalog_path is not None:
        catalog, findings = load_catalog(request.catalog_path)
        sources.append(request.catalog_path)
    page_links: list[Link] = []
    analysed: Mapping[str, tuple[str, FigmaRef | None]] = {}
    if request.pages or (catalog is not None and catalog.pages):
        from flowcatalog.pipeline.pages import lint_pages

        skip = (request.catalog_path,) if request.catalog_path is not None else ()
        placeholders = request.config.placeholders if request.config is not None else None
        linted = lint_pages(request.pages, catalog, placeholders, skip=skip)
        findings = [*findings, *linted.findings]
        page_links = list(linted.links)
        sources.extend(linted.sources)
        analysed = linted.analysed
    report = build_report(catalog, findings, page_links, sources, analysed)
    if request.online is not None:
        report = request.online(report, catalog.exclude if catalog is not None else ())
    from flowcatalog.pipeline.tuning import tune

    return tune(report, request.config)
