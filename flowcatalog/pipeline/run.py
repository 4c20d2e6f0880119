"""The ordered stages of a check run: read -> parse -> validate -> model -> collect -> rules
-> [online] -> coverage -> report -> tuning (inline suppression, configured severities).

The CLI fills a ``CheckRequest``; ``run_check`` returns a ``Report``. Reading goes through
``fsio``; everything else here is pure.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from flowcatalog import fsio
from flowcatalog.config.load import Config
from flowcatalog.findings import Finding, sort_findings
from flowcatalog.model import Catalog, Link
from flowcatalog.report import Coverage, Report, collect_links

if TYPE_CHECKING:
    from flowcatalog.pipeline.layout import Layout
    from flowcatalog.pipeline.page_cache import PageCache
    from flowcatalog.pipeline.pages import PagePlan
    from flowcatalog.pipeline.run_memo import Remembered, RunMemo
    from flowcatalog.report import ReportContext

#: the online stage (``cli_online.online_stage``): the offline report and the catalog's
#: ``exclude:`` patterns in, the report with link statuses and online findings out
OnlineStage = Callable[[Report, tuple[str, ...]], Report]


@dataclass(frozen=True, slots=True)
class CheckRequest:
    """What to check. With ``every_occurrence`` the links hidden in HTML comments and the
    links with a blank target join the report's groups too: ``links --occurrences`` lists
    every link as written; no other output wants them. With ``page_cache`` pages are linted
    through the page-result cache (``pipeline.page_cache``) beside the online cache file
    ``cache_path`` (None: the default one); ``warn`` says its problems."""

    catalog_path: str | None = "catalog.yaml"
    pages: tuple[str, ...] = ()
    online: OnlineStage | None = None
    every_occurrence: bool = False
    root_dir: str | None = None  # where '/' links start; None: they are not checked
    slug_style: str = "gitlab"  # whose heading ids '#anchors' name
    page_cache: bool = False
    cache_path: Path | None = None
    warn: Callable[[str], None] | None = None
    #: the configuration file's settings (placeholders, per-rule severities); inline
    #: suppression comments are honoured with or without one
    config: Config | None = None
    #: work this process does while worker processes lint its pages, rather than after
    #: (the online stage's imports); not done when no worker lints
    meanwhile: Callable[[], None] | None = None


def load_catalog(path: str, cache: PageCache | None = None) -> tuple[Catalog | None, list[Finding]]:
    """Read and parse a catalog file (``InputError`` when it cannot be used at all). With a
    ``cache``, a text it knows to fit the schema is not validated again (building the
    validator is most of a small check's start-up), and a text it parsed before at this
    path is not parsed again: the parsed catalog and its findings come back from it."""
    from flowcatalog.catalog import MAX_BYTES
    from flowcatalog.catalog.model_codec import decode, encode

    text = fsio.read_text(path, limit=MAX_BYTES)
    if cache is None:
        from flowcatalog.catalog.build import parse_catalog

        return parse_catalog(text, path)
    data = text.encode("utf-8", "surrogatepass")
    parsed_key = cache.key(path, data, "catalog-model")
    blob = cache.get_blob(parsed_key)
    decoded = decode(blob) if blob is not None else None
    if decoded is not None:
        return decoded[0], list(decoded[1])
    from flowcatalog.catalog.build import parse_catalog

    key = cache.key("", data, "catalog-schema")
    known = cache.known(key)
    catalog, findings = parse_catalog(text, path, schema_valid=known)
    if catalog is not None:
        if not known:
            cache.remember(key)
        cache.put_blob(parsed_key, encode(catalog, tuple(findings)))
    return catalog, findings


def catalog_findings(catalog: Catalog, coverage: Coverage | None = None) -> list[Finding]:
    from flowcatalog.rules.catalog_checks import check_catalog

    return check_catalog(catalog, coverage)


def build_report(
    catalog: Catalog | None,
    findings: Iterable[Finding],
    links: Iterable[Link] = (),
    sources: Iterable[str] = (),
    *,
    blank: bool = False,
    tail: list[Finding] | None = None,
) -> Report:
    """Assemble the report: rule findings, coverage and the distinct links (``blank``: see
    ``collect_links``). The catalog rules' findings are added to ``tail`` too, when given."""
    all_findings = list(findings)
    all_links = list(links)
    coverage, context = _catalog_parts(catalog)
    if catalog is not None:
        found = catalog_findings(catalog, coverage)
        all_findings.extend(found)
        if tail is not None:
            tail.extend(found)
        all_links = [*catalog.links(), *all_links]
    return Report(
        findings=sort_findings(all_findings),
        coverage=coverage,
        links=collect_links(all_links, blank=blank),
        sources=tuple(dict.fromkeys(sources)),
        context=context,
    )


def _catalog_parts(catalog: Catalog | None) -> tuple[Coverage | None, ReportContext | None]:
    """The coverage of a report on ``catalog`` and its context (none without one)."""
    if catalog is None:
        return None, None
    from flowcatalog.catalog.coverage import compute
    from flowcatalog.report import ReportContext

    context = ReportContext(
        title=catalog.title,
        catalog_path=catalog.path,
        pages=tuple((page.path, page.url) for page in catalog.pages),
    )
    return compute(catalog), context


def run_check(request: CheckRequest) -> Report:
    """The offline check: the catalog (when there is one) and the requested pages."""
    cache: PageCache | None = None
    if request.page_cache:
        from flowcatalog.pipeline.page_cache import PageCache, cache_file

        cache = PageCache(cache_file(request.cache_path), warn=request.warn)
    try:
        return _run_check(request, cache)
    finally:
        if cache is not None:
            cache.close()


def _run_check(request: CheckRequest, cache: PageCache | None) -> Report:
    catalog: Catalog | None = None
    findings: list[Finding] = []
    sources: list[str] = []
    if request.catalog_path is not None:
        catalog, findings = load_catalog(request.catalog_path, cache)
        sources.append(request.catalog_path)
    page_links: list[Link] = []
    report: Report | None = None
    memo: RunMemo | None = None
    layout: Layout | None = None
    if request.pages or (catalog is not None and catalog.pages):
        from flowcatalog.pipeline.pages import lint_planned, plan_pages

        skip = (request.catalog_path,) if request.catalog_path is not None else ()
        placeholders = request.config.placeholders if request.config is not None else None
        plan = plan_pages(
            request.pages,
            catalog,
            placeholders,
            skip=skip,
            hidden=request.every_occurrence,
            slug_style=request.slug_style,
        )
        memo = _memo(request, cache, plan, catalog, findings)
        remembered = memo.get() if memo is not None else None
        if remembered is None and memo is not None and cache is not None:
            remembered = _patched(request, memo, plan, catalog, cache, findings)
        if remembered is not None:
            coverage, context = _catalog_parts(catalog)
            report = Report(
                remembered.findings,
                coverage,
                remembered.links,
                remembered.sources,
                context=context,
            )
            memo = None
        else:
            linted = lint_planned(
                plan,
                catalog,
                root_dir=request.root_dir,
                cache=cache,
                keys=memo.keys if memo is not None else None,
                site=memo.site if memo is not None else None,
                on_read=memo.on_read if memo is not None else None,
                meanwhile=request.meanwhile,
                warn=request.warn,
            )
            if memo is not None and linted.site_top not in (None, memo.top):
                memo = None  # the pages that parsed call for another site than it listed
            findings = [*findings, *linted.findings]
            page_links = list(linted.links)
            sources.extend(linted.sources)
            layout = linted.layout
    tail: list[Finding] = []
    if report is None:
        report = build_report(
            catalog, findings, page_links, sources, blank=request.every_occurrence, tail=tail
        )
    if memo is not None:
        memo.put(report.findings, report.links, report.sources, layout, tail)
    if request.online is not None:
        report = request.online(report, catalog.exclude if catalog is not None else ())
    from flowcatalog.pipeline.tuning import tune

    return tune(report, request.config, unmarked=cache.unmarked if cache is not None else ())


def _patched(
    request: CheckRequest,
    memo: RunMemo,
    plan: PagePlan,
    catalog: Catalog | None,
    cache: PageCache,
    catalog_load: list[Finding],
) -> Remembered | None:
    """The report of a run in which only some pages changed, from the last run's
    (``run_patch``), remembered for the next run; None when it cannot be made so."""
    from flowcatalog.pipeline.run_patch import patch

    patched = patch(memo, plan, catalog, cache, request.root_dir, [*catalog_load, *plan.findings])
    if patched is None:
        return None
    memo.put(patched.findings, patched.links, patched.sources, patched.layout, patched.tail)
    memo.patched()
    return memo.remembered(patched.findings, patched.links, patched.sources)


def _memo(
    request: CheckRequest,
    cache: PageCache | None,
    plan: PagePlan,
    catalog: Catalog | None,
    catalog_findings: list[Finding],
) -> RunMemo | None:
    """The run memo of a run that may keep one: through the page cache, of enough pages,
    hidden links not wanted (``run_memo``)."""
    if cache is None or not cache.enabled or request.every_occurrence:
        return None
    from flowcatalog.pipeline.run_memo import MIN_PAGES, RunMemo

    if len(plan.files) < MIN_PAGES:
        return None
    identity = (
        request.catalog_path,
        request.pages,
        request.root_dir and os.path.abspath(request.root_dir),
        request.slug_style,
    )
    return RunMemo(cache, plan, identity, catalog, catalog_findings, request.root_dir)
