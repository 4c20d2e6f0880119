"""Command-line glue for adopting flowcatalog on an existing handbook: the configuration file
(``--config``, found upward otherwise) and its precedence under the flags, the runs over its
catalogs and pages, the baseline (``--baseline``; the ``baseline`` command), the ``config``
command, and the reports of a run stopped by bad input (exit 2 still writes every report).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from flowcatalog.cli.paths import display_path, resolve_catalog
from flowcatalog.config.load import CONFIG_NAMES, LYCHEEIGNORE, Config
from flowcatalog.errors import FlowcatalogError

if TYPE_CHECKING:
    from flowcatalog.cli.reports import ReportTarget
    from flowcatalog.pipeline.run import CheckRequest, OnlineStage
    from flowcatalog.report import Report
    from flowcatalog.runs.catalogs import CatalogCoverage

F = TypeVar("F", bound=Callable[..., Any])

OPTION_NAMES = ("config_path", "no_config", "baseline_path", "no_baseline")


def adopt_options(func: F, *, baseline: bool = True) -> F:
    """``--config``/``--no-config`` and ``--baseline``/``--no-baseline`` (the latter only
    where findings are reported), gathered into ``adopt=dict``."""
    options = [
        click.option(
            "--config",
            "config_path",
            type=click.Path(dir_okay=False),
            metavar="PATH",
            help="Configuration file [the nearest .flowcatalog.yaml, here or above].",
        ),
        click.option("--no-config", is_flag=True, help="Read no configuration file."),
    ]
    if baseline:
        options += [
            click.option(
                "--baseline",
                "baseline_path",
                type=click.Path(dir_okay=False),
                metavar="PATH",
                help="Leave out the findings listed in this baseline "
                "[.flowcatalog-baseline.json beside the configuration, when it exists].",
            ),
            click.option("--no-baseline", is_flag=True, help="Report every finding."),
        ]

    @functools.wraps(func)
    def gather(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name in OPTION_NAMES if name in kwargs}
        return func(*args, adopt=values, **kwargs)

    command: Callable[..., Any] = gather
    for option in reversed(options):
        command = option(command)
    return cast(F, command)


def config_options(func: F) -> F:
    """``--config``/``--no-config`` alone, for commands that report no findings."""
    return adopt_options(func, baseline=False)


def load_config(values: dict[str, Any]) -> Config:
    from flowcatalog.config.load import find

    path = values.get("config_path")
    return find(display_path(path) if path else None, disabled=bool(values.get("no_config")))


# -- precedence ---------------------------------------------------------------------------


def _from_command_line(name: str) -> bool:
    from click.core import ParameterSource

    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return False
    source = ctx.get_parameter_source(name)
    return source not in (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)


def merged_online(values: dict[str, Any], config: Config) -> tuple[dict[str, Any], dict[str, str]]:
    """The online option values with the file's settings under the flags, and where each
    came from (``command line``, ``path:line:col``, ``default``). Excludes add up: the file's,
    its ``.lycheeignore``, then the flags'."""
    merged = dict(values)
    sources = {name: ("command line" if _from_command_line(name) else "default") for name in values}
    for name, value in config.online:
        if name == "exclude" or name not in merged or _from_command_line(name):
            continue
        merged[name] = value
        sources[name] = config.origin(f"online.{name}") or "configuration"
    excludes = [*dict(config.online).get("exclude", ()), *config.lycheeignore]
    if excludes and "exclude" in merged:
        places = [config.origin("online.exclude") or "", config.lycheeignore_path or ""]
        if _from_command_line("exclude"):
            places.append("command line")
        merged["exclude"] = (*excludes, *merged["exclude"])
        sources["exclude"] = ", ".join(p for p in places if p)
    return merged, sources


def merged_site(values: dict[str, Any], config: Config) -> tuple[str | None, str]:
    """``--root-dir`` and ``--slug-style``, else the file's ``site:`` keys, else the defaults."""
    site = dict(config.site)
    root_dir = values.get("root_dir")
    if not _from_command_line("root_dir") and "root_dir" in site:
        root_dir = site["root_dir"]
    slug_style = values.get("slug_style") or "gitlab"
    if not _from_command_line("slug_style") and "slug_style" in site:
        slug_style = site["slug_style"]
    return root_dir, str(slug_style)


def catalog_paths(catalog: str | None, config: Config, *, have_pages: bool) -> list[str | None]:
    """The catalogs of a run: ``--catalog``, else the file's ``catalogs:``, else the default."""
    if catalog is not None:
        return [display_path(catalog)]
    if config.catalogs:
        return list(config.catalogs)
    if config.path is not None:
        beside = os.path.join(os.path.relpath(config.root), "catalog.yaml")
        if os.path.isfile(beside):
            return [os.path.normpath(beside)]
    return [resolve_catalog(None, have_pages=have_pages)]


def page_paths(
    paths: Sequence[str],
    config: Config,
    catalogs: Sequence[str | None],
    outputs: Sequence[str] = (),
) -> list[str]:
    """The pages to lint: those given, less what is not a page (the catalogs, the
    configuration, the baseline and ``.lycheeignore``, which pre-commit passes along when
    they change; the run's own ``outputs``, such as a Markdown summary from an earlier run)
    and what ``pages: exclude:`` leaves out; with none given, ``pages: include:``
    (nothing: the pages the catalogs list)."""
    own = {c for c in catalogs if c is not None} | set(outputs)
    own |= {config.default_baseline(), os.path.join(config.root, LYCHEEIGNORE)}
    own |= {os.path.join(config.root, name) for name in CONFIG_NAMES}
    own_real = {os.path.realpath(p) for p in own}
    given = [display_path(p) for p in paths]
    kept = [p for p in given if os.path.realpath(p) not in own_real]
    if not paths and config.include:
        from flowcatalog.pages.load import expand_pages

        base = os.path.relpath(config.root)
        kept = expand_pages(os.path.normpath(os.path.join(base, g)) for g in config.include)
        kept = [p for p in kept if os.path.realpath(p) not in own_real]
    return [p for p in kept if not config.excluded(p)]


# -- runs ---------------------------------------------------------------------------------


def configured_report(
    catalog: str | None,
    paths: Sequence[str],
    config: Config,
    *,
    online: OnlineStage | None = None,
    changed_since: str | None = None,
    outputs: Sequence[str] = (),
    fields: dict[str, Any] | None = None,
) -> tuple[Report, tuple[CatalogCoverage, ...]]:
    """The report of a check run with the configuration's catalogs, pages and settings;
    the files the run writes (``outputs``) are never among its pages. ``fields`` are more
    ``CheckRequest`` fields (site root, slug style, page cache) for every catalog's run."""
    import dataclasses

    from flowcatalog.pipeline.run import CheckRequest, run_check
    from flowcatalog.runs.catalogs import combine

    have_pages = bool(paths) or bool(config.include)
    catalogs = catalog_paths(catalog, config, have_pages=have_pages or changed_since is not None)
    pages = tuple(page_paths(paths, config, catalogs, outputs))
    several = len(catalogs) > 1
    runs: list[tuple[str, Report]] = []
    for path in catalogs:
        request: CheckRequest
        if changed_since is not None:
            from flowcatalog.cli.reports import changed_request

            request = changed_request(changed_since, path, pages)
            if request.pages:  # the changed pages, less what is not a page
                kept = page_paths(request.pages, config, catalogs, outputs)
                request = dataclasses.replace(request, pages=tuple(kept))
        else:
            request = CheckRequest(catalog_path=path, pages=pages)
        request = dataclasses.replace(
            request,
            config=config,
            online=None if several else online,
            **(fields or {}),
        )
        runs.append((path or "", run_check(request)))
    report, each = combine(runs)
    if several and online is not None:
        report = online(report, _catalog_excludes(catalogs))
    return report, each


def _catalog_excludes(catalogs: Sequence[str | None]) -> tuple[str, ...]:
    from flowcatalog.pipeline.run import load_catalog

    found: list[str] = []
    for path in catalogs:
        if path is not None:
            loaded, _ = load_catalog(path)
            if loaded is not None:
                found.extend(loaded.exclude)
    return tuple(dict.fromkeys(found))


def baseline_file(values: dict[str, Any], config: Config) -> str | None:
    """The baseline a check run applies: ``--baseline``, else the default one if it exists."""
    if values.get("no_baseline"):
        return None
    if values.get("baseline_path"):
        return display_path(values["baseline_path"])
    default = config.default_baseline()
    return default if os.path.isfile(default) else None


def apply_baseline(report: Report, path: str | None) -> Report:
    """The report without the baseline's findings; the summary line goes to stderr."""
    if path is None:
        return report
    from flowcatalog import fsio
    from flowcatalog.runs import baseline

    known = baseline.loads(fsio.read_text(path), path)
    report, summary = baseline.apply(report, known)
    line = summary.line()
    if line:
        click.echo(f"flowcatalog: {line}", err=True)
    return report


def write_baseline(report: Report, path: str, *, prune: bool) -> int:
    """Write (or prune) the baseline at ``path``; returns the number of entries written."""
    from flowcatalog import fsio
    from flowcatalog.runs import baseline

    root = os.path.dirname(path) or "."
    if prune:
        known = baseline.loads(fsio.read_text(path), path)
        entries = baseline.prune(known, report).entries
    else:
        entries = baseline.entries_of(report, root)
    fsio.atomic_write(path, baseline.dumps(entries))
    return len(entries)


# -- exit 2 still writes every report ----------------------------------------------------


def write_failure(
    error: FlowcatalogError,
    *,
    fmt: str,
    output: str | None,
    targets: Sequence[ReportTarget],
    fallback: str,
) -> None:
    """Write the report of a run stopped by ``error`` to ``--output`` and every ``--report``
    target (best effort: a target that cannot be written is skipped), so CI widgets and
    upload steps find their files and show why the job failed."""
    from flowcatalog.cli.reports import stamp, write_report
    from flowcatalog.fsio import atomic_write
    from flowcatalog.report import failure_report
    from flowcatalog.reporters import get_reporter

    try:
        report = stamp(failure_report(error.message, error.location, fallback))
    except FlowcatalogError:  # a bad SOURCE_DATE_EPOCH: the first error is the one to tell
        return
    jobs = [(t.fmt, t.path) for t in targets]
    if output is not None:
        jobs.append((fmt, output))
    elif fmt != "text":
        write_report(get_reporter(fmt)(report, color=False), None, for_people=False)
    for name, path in jobs:
        try:
            atomic_write(path, get_reporter(name)(report, color=False))
        except FlowcatalogError:  # an unwritable target: the others are still written
            continue


# -- flowcatalog config -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Effective:
    key: str
    value: Any
    source: str


def effective(
    config: Config, catalog: str | None, online: dict[str, Any], online_sources: dict[str, str]
) -> list[Effective]:
    """Every setting of a run and where it came from."""

    def origin(key: str, default: str = "default") -> str:
        return config.origin(key) or default

    rows = [Effective("config", config.path, "discovered" if config.path else "none found")]
    catalogs = catalog_paths(catalog, config, have_pages=True)
    source = "command line" if catalog else origin("catalogs")
    rows.append(Effective("catalogs", [c for c in catalogs if c], source))
    rows.append(Effective("pages.include", list(config.include), origin("pages.include")))
    rows.append(Effective("pages.exclude", list(config.exclude), origin("pages.exclude")))
    for key, site_value in config.site:
        rows.append(Effective(f"site.{key}", site_value, origin(f"site.{key}")))
    placeholders = list(config.placeholders) if config.placeholders is not None else None
    rows.append(
        Effective(
            "placeholders",
            placeholders if placeholders is not None else "the catalog's, else the defaults",
            origin("placeholders"),
        )
    )
    for setting in config.rules:
        value: Any = setting.severity
        if setting.paths:
            value = {"severity": setting.severity, "paths": dict(setting.paths)}
        rows.append(Effective(f"rules.{setting.rule}", value, origin(f"rules.{setting.rule}")))
    rows.append(Effective("baseline", config.default_baseline(), origin("baseline", "default")))
    for name in sorted(online):
        shown = online[name]
        if isinstance(shown, tuple):
            shown = list(shown)
        rows.append(Effective(f"online.{name}", shown, online_sources.get(name, "default")))
    return rows


def render_effective(rows: Sequence[Effective], fmt: str) -> str:
    if fmt == "json":
        data = {row.key: {"value": row.value, "source": row.source} for row in rows}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    width = max(len(row.key) for row in rows)
    lines = [
        f"{row.key.ljust(width)}  {json.dumps(row.value, ensure_ascii=False)}  # {row.source}"
        for row in rows
    ]
    return "\n".join(lines) + "\n"
