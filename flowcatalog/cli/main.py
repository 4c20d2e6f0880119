"""The command line: options in, a report out, a documented exit code back.

Every command returns an ``ExitCode``; ``main`` maps failures once: ``FlowcatalogError`` to
one line on stderr (exit 2), anything unexpected to exit 3 (traceback only with
``--debug``), Ctrl-C to 130.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from flowcatalog import __version__
from flowcatalog.cli.adopt import adopt_options, config_options
from flowcatalog.cli.online import online_options, online_stage, prefetch
from flowcatalog.cli.paths import display_path, resolve_catalog
from flowcatalog.cli.reports import (
    CHANGED_OPTION,
    REPORT_OPTION,
    SHARD_OPTION,
    warn,
    write_report,
)
from flowcatalog.errors import ExitCode, FlowcatalogError, InputError, UsageError, printable
from flowcatalog.reporters import COVERAGE_REPORTERS, REPORTERS

if TYPE_CHECKING:
    from flowcatalog.cli.reports import ReportTarget
    from flowcatalog.findings import Finding
    from flowcatalog.pipeline.run import OnlineStage
    from flowcatalog.report import Report


def _percent(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """``--fail-under``: a percentage from 0 to 100; ``nan`` and infinities are refused (a NaN
    compares false with everything, so ``--fail-under nan`` would switch the gate off)."""
    import math

    if value is not None and (not math.isfinite(value) or not 0 <= value <= 100):
        raise click.BadParameter(f"{value!r} is not a percentage from 0 to 100")
    return value


class State:
    """Options of the group that every command sees."""

    def __init__(self, debug: bool, color: str) -> None:
        self.debug = debug
        self.color = color

    def use_color(self, stream: Any, output: str | None = None) -> bool:
        if (output is not None and output != "-") or self.color == "never":
            return False
        if self.color == "always":
            return True
        if os.environ.get("NO_COLOR"):
            return False
        isatty = getattr(stream, "isatty", None)
        return bool(isatty and isatty())


def _exit_code(report: Report, *, strict: bool, fail_under: float | None) -> ExitCode:
    """The run's exit code; coverage under ``--fail-under`` is said on stderr too."""
    coverage = report.coverage
    if fail_under is not None and coverage is not None and coverage.percent < fail_under:
        click.echo(
            f"flowcatalog: coverage {coverage.percent:.1f}% is under --fail-under {fail_under:g}",
            err=True,
        )
    return report.exit_code(strict=strict, fail_under=fail_under)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flowcatalog")
@click.option("--debug", is_flag=True, help="Show a traceback on internal errors.")
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour in text output (auto: only on a terminal, never under NO_COLOR).",
)
@click.pass_context
def cli(ctx: click.Context, debug: bool, color: str) -> None:
    """Keep UX flow documentation honest: check a flow catalog and its Figma links."""
    ctx.obj = State(debug, color)


def _check_report(
    catalog: str | None,
    paths: Sequence[str],
    online: OnlineStage | None = None,
    *,
    every_occurrence: bool = False,
    page_cache: tuple[bool, Path | None] = (False, None),
    root_dir: str | None = None,
    slug_style: str = "gitlab",
) -> Report:
    from flowcatalog.pipeline.run import CheckRequest, run_check

    catalog_path = resolve_catalog(catalog, have_pages=bool(paths))
    pages = tuple(display_path(p) for p in paths)
    request = CheckRequest(
        catalog_path,
        pages,
        online,
        every_occurrence=every_occurrence,
        page_cache=page_cache[0],
        cache_path=page_cache[1],
        warn=warn,
        root_dir=root_dir,
        slug_style=slug_style,
    )
    return run_check(request)


def _catalog_bytes(path: str | None) -> bytes | None:
    from flowcatalog.fsio import read_bytes

    return None if path is None else read_bytes(path)


def _page_cache(values: dict[str, Any]) -> tuple[bool, Path | None]:
    """Whether to use the page-result cache (not with ``--no-cache``), and the ``--cache``
    file it goes beside (None: the default one). A ``--cache`` that names no regular file
    (``/dev/null``) is refused, as the online cache refuses it: the page cache would be
    made beside it (``/dev/null-pages``)."""
    given = values.get("cache")
    use = not values.get("no_cache")
    if use and given and os.path.exists(given) and not os.path.isfile(given):
        raise InputError("not a regular file; the cache must be a file", location=given)
    return use, Path(given) if given else None


def _report_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The output options of every command that produces a report (check, merge)."""
    options = [
        click.option(
            "--format",
            "fmt",
            type=click.Choice(sorted(REPORTERS)),
            default="text",
            show_default=True,
            help="Output format.",
        ),
        click.option(
            "--output", "-o", type=click.Path(), help="Write the report to FILE (atomically)."
        ),
        click.option("--strict", is_flag=True, help="Warnings fail the run too (exit 1)."),
        click.option(
            "--pretty",
            is_flag=True,
            help="Indent JSON output (json, sarif, codequality; compact by default).",
        ),
        click.option(
            "--fail-under",
            type=float,
            callback=_percent,
            metavar="PCT",
            help="Fail (exit 1) when matrix coverage is under PCT percent.",
        ),
        REPORT_OPTION,
    ]
    for option in reversed(options):
        command = option(command)
    return command


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--catalog", "catalog", type=click.Path(), help="Catalog file [./catalog.yaml].")
@click.option(
    "--root-dir",
    type=click.Path(file_okay=False),
    help="Site root: where links starting with '/' are looked up (unchecked without it).",
)
@click.option(
    "--slug-style",
    type=click.Choice(["gitlab", "github", "kramdown", "hugo"]),
    default="gitlab",
    show_default=True,
    help="Whose heading ids '#anchors' name.",
)
@_report_options
@SHARD_OPTION
@CHANGED_OPTION
@click.option(
    "--history",
    "history_count",
    type=click.IntRange(0, 10_000),
    default=0,
    metavar="N",
    help="Show coverage over the last N commits (git) in the html and markdown reports.",
)
@click.option(
    "--target-report",
    "target_report",
    type=click.Path(dir_okay=False),
    metavar="REPORT.json",
    help="The target branch's JSON report: the markdown summary shows changed cells and the "
    "change in coverage against it.",
)
@click.option(
    "--target-ref",
    metavar="REF",
    help="As --target-report, computed from the catalog at git REF (git show, no checkout).",
)
@online_options
@adopt_options
@click.pass_obj
def check(
    state: State,
    paths: tuple[str, ...],
    catalog: str | None,
    fmt: str,
    output: str | None,
    strict: bool,
    pretty: bool,
    fail_under: float | None,
    reports: tuple[str, ...] = (),
    shard: str | None = None,
    changed_since: str | None = None,
    history_count: int = 0,
    target_report: str | None = None,
    target_ref: str | None = None,
    online: dict[str, Any] | None = None,
    root_dir: str | None = None,
    slug_style: str = "gitlab",
    adopt: dict[str, Any] | None = None,
) -> ExitCode:
    """Check the catalog (and pages): link shapes, coverage, missing entries."""
    from flowcatalog.cli.adopt import write_failure
    from flowcatalog.cli.reports import parse_targets

    targets = parse_targets(reports, output=output)
    formats = frozenset({fmt, *(t.fmt for t in targets)})

    def visuals(report: Report, online_values: dict[str, Any]) -> Report:
        """Snapshot details, design changes, history and the target branch's figures."""
        from flowcatalog.cli.visuals import enrich, with_history, with_target

        report = enrich(report, _catalog_of(report), online_values, formats)
        report = with_history(report, history_count)
        if target_report is not None or target_ref is not None:
            report = with_target(report, target_report, target_ref)
        return report

    try:
        outputs = [t.path for t in targets] + ([output] if output else [])
        site = {"root_dir": root_dir, "slug_style": slug_style}
        report = _configured_check(
            catalog, paths, shard, changed_since, online, adopt, outputs, site, visuals
        )
    except FlowcatalogError as exc:
        fallback = display_path(catalog) if catalog else "catalog.yaml"
        write_failure(exc, fmt=fmt, output=output, targets=targets, fallback=fallback)
        raise
    _emit(state, report, fmt, output, targets, pretty=pretty)
    return _exit_code(report, strict=strict, fail_under=fail_under)


def _configured_check(
    catalog: str | None,
    paths: tuple[str, ...],
    shard: str | None,
    changed_since: str | None,
    online: dict[str, Any] | None,
    adopt: dict[str, Any] | None,
    outputs: Sequence[str] = (),
    site: dict[str, Any] | None = None,
    visuals: Callable[[Report, dict[str, Any]], Report] | None = None,
) -> Report:
    """The report of ``check``: configuration, catalogs, pages, online stage, shard, the
    report's views (``visuals``, before the baseline so their findings are baselined too),
    baseline."""
    from flowcatalog.cli.adopt import (
        apply_baseline,
        baseline_file,
        configured_report,
        load_config,
        merged_online,
        merged_site,
    )
    from flowcatalog.cli.reports import sharded_stage, stamp

    config = load_config(adopt or {})
    online_values, _ = merged_online(online or {}, config)
    root_dir, slug_style = merged_site(site or {}, config)
    slice_ = None
    if shard is not None:
        from flowcatalog.runs.shard import parse_shard

        slice_ = parse_shard(shard)
    stage = online_stage(online_values)
    page_cache = _page_cache(online_values)
    if slice_ is not None and stage is not None:
        stage = sharded_stage(stage, slice_)  # probe only this shard's links
    report, each = configured_report(
        catalog,
        paths,
        config,
        online=stage,
        changed_since=changed_since,
        outputs=outputs,
        fields={
            "root_dir": root_dir,
            "slug_style": slug_style,
            "page_cache": page_cache[0],
            "cache_path": page_cache[1],
            "warn": warn,
            "meanwhile": prefetch if stage is not None else None,
        },
    )
    if len(each) > 1:
        for part in each:
            click.echo(f"flowcatalog: {part.line()}", err=True)
    if slice_ is not None:
        from flowcatalog.runs.shard import catalog_digest, restrict

        used = resolve_catalog(catalog, have_pages=True)
        digest = catalog_digest(_catalog_bytes(used) if used in report.sources else None)
        report = restrict(report, slice_, catalog=digest)
    if visuals is not None:
        report = visuals(report, online_values)
    report = apply_baseline(report, baseline_file(adopt or {}, config))
    return stamp(report)


def _emit(
    state: State,
    report: Report,
    fmt: str,
    output: str | None,
    targets: Sequence[ReportTarget],
    *,
    pretty: bool = False,
) -> None:
    from flowcatalog.cli.reports import write_reports
    from flowcatalog.reporters import get_reporter

    color = fmt == "text" and state.use_color(sys.stdout, output)
    report_text = get_reporter(fmt, pretty=pretty)(report, color=color)
    write_report(report_text, output, color=color, for_people=fmt == "text")
    write_reports(report, targets, pretty=pretty)


def _catalog_of(report: Report) -> str | None:
    """The catalog the report was made from (its context says, when one was read)."""
    return report.context.catalog_path if report.context is not None else None


@cli.command()
@click.option("--catalog", "catalog", type=click.Path(), help="Catalog file [./catalog.yaml].")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(COVERAGE_REPORTERS)),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--output", "-o", type=click.Path(), help="Write the report to FILE (atomically).")
@click.option(
    "--fail-under",
    type=float,
    callback=_percent,
    metavar="PCT",
    help="Exit 1 when matrix coverage is under PCT percent.",
)
@config_options
@click.pass_obj
def coverage(
    state: State,
    catalog: str | None,
    fmt: str,
    output: str | None,
    fail_under: float | None,
    adopt: dict[str, Any] | None = None,
) -> ExitCode:
    """Show the stage x deployment coverage matrix (of every catalog the configuration
    lists: each one's on stderr, the total as the report)."""
    from flowcatalog.cli.adopt import catalog_paths, load_config
    from flowcatalog.pipeline.run import load_catalog
    from flowcatalog.reporters import get_coverage_reporter
    from flowcatalog.runs.catalogs import combine

    runs = []
    for path in catalog_paths(catalog, load_config(adopt or {}), have_pages=False):
        assert path is not None
        loaded, findings = load_catalog(path)
        if loaded is None:
            from flowcatalog.reporters.text import format_finding

            for finding in findings:
                click.echo(format_finding(finding), err=True)
            raise UsageError(
                "the catalog is not valid; run 'flowcatalog check' for details", location=path
            )
        from flowcatalog.catalog.coverage import compute
        from flowcatalog.cli.visuals import enrich
        from flowcatalog.report import Report, ReportContext

        context = ReportContext(
            title=loaded.title,
            catalog_path=loaded.path,
            pages=tuple((page.path, page.url) for page in loaded.pages),
        )
        part = Report(findings=(), coverage=compute(loaded), sources=(path,), context=context)
        runs.append((path, enrich(part, path, None)))
    report, each = combine(runs)
    if len(each) > 1:
        for part_coverage in each:
            click.echo(f"flowcatalog: {part_coverage.line()}", err=True)
    color = fmt == "text" and state.use_color(sys.stdout, output)
    coverage_text = get_coverage_reporter(fmt)(report, color=color)
    write_report(coverage_text, output, color=color, for_people=fmt == "text")
    return _exit_code(report, strict=False, fail_under=fail_under)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--catalog", "catalog", type=click.Path(), help="Catalog file [./catalog.yaml].")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@click.option(
    "--occurrences",
    is_flag=True,
    help="Pages only: every link where it stands, with its text and heading path.",
)
def links(paths: tuple[str, ...], catalog: str | None, fmt: str, occurrences: bool) -> ExitCode:
    """List every distinct link, normalised, one a line."""
    from flowcatalog.reporters import get_links_reporter

    report = _check_report(catalog, paths, every_occurrence=occurrences)
    click.echo(get_links_reporter(fmt, occurrences=occurrences)(report), nl=False)
    return _unread_sources(report)


def _unread_sources(report: Report) -> ExitCode:
    """For listing commands: say on stderr which sources could not be read, and exit 1."""
    from flowcatalog.findings import Severity
    from flowcatalog.reporters.text import format_finding
    from flowcatalog.rules.registry import rule

    def unread_source(finding: Finding) -> bool:
        info = rule(finding.rule)
        return info is not None and info.unread and finding.severity is Severity.ERROR

    unread = [f for f in report.findings if unread_source(f)]
    for finding in unread:
        click.echo(format_finding(finding), err=True)
    return ExitCode.FINDINGS if unread else ExitCode.OK


@cli.command()
@click.option("--config", "config", is_flag=True, help="The configuration file's schema instead.")
def schema(config: bool) -> ExitCode:
    """Print the catalog's JSON Schema (--config: the configuration file's)."""
    if config:
        from flowcatalog.config.load import schema_text as config_schema

        click.echo(config_schema(), nl=False)
        return ExitCode.OK
    from flowcatalog.catalog.schema import schema_text

    click.echo(schema_text(), nl=False)
    return ExitCode.OK


@cli.command(name="merge")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(), metavar="REPORT.json...")
@_report_options
@click.pass_obj
def merge_command(
    state: State,
    inputs: tuple[str, ...],
    fmt: str,
    output: str | None,
    strict: bool,
    pretty: bool,
    fail_under: float | None,
    reports: tuple[str, ...],
) -> ExitCode:
    """Merge JSON reports of shards (--shard I/N) into one report, in any format."""
    from flowcatalog.cli.reports import parse_targets, read_reports, write_reports
    from flowcatalog.reporters import get_reporter

    targets = parse_targets(reports, output=output)
    report = read_reports(inputs)
    color = fmt == "text" and state.use_color(sys.stdout, output)
    merged = get_reporter(fmt, pretty=pretty)(report, color=color)
    write_report(merged, output, color=color, for_people=fmt == "text")
    write_reports(report, targets, pretty=pretty)
    return _exit_code(report, strict=strict, fail_under=fail_under)


from flowcatalog.cli.adopt_commands import baseline_command, config_command  # noqa: E402
from flowcatalog.cli.page_commands import import_command, render_command  # noqa: E402
from flowcatalog.cli.visuals import history_command, snapshot_command  # noqa: E402

cli.add_command(render_command)
cli.add_command(import_command)
cli.add_command(snapshot_command)
cli.add_command(history_command)
cli.add_command(baseline_command)
cli.add_command(config_command)


def _ignore_further_interrupts() -> None:
    """After a Ctrl-C the run is over: a late one must not cut the clean exit short."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``flowcatalog`` command; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    for stream in (sys.stdout, sys.stderr):  # what the stream's encoding cannot hold: escaped
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="backslashreplace")
    try:
        os.getcwd()
    except OSError:  # removed under a shell still in it: every relative path is lost
        click.echo(
            "flowcatalog: error: the working directory no longer exists; run from one that does",
            err=True,
        )
        return int(ExitCode.USAGE)
    try:
        result = cli.main(args=args, prog_name="flowcatalog", standalone_mode=False)
    except FlowcatalogError as exc:
        click.echo(f"flowcatalog: error: {printable(str(exc))}", err=True)
        return int(exc.exit_code)
    except click.exceptions.Abort:  # click's form of a Ctrl-C (KeyboardInterrupt)
        _ignore_further_interrupts()
        click.echo("flowcatalog: interrupted", err=True)
        return int(ExitCode.INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        return int(exc.exit_code)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except KeyboardInterrupt:
        _ignore_further_interrupts()
        click.echo("flowcatalog: interrupted", err=True)
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        return int(ExitCode.OK)
    except Exception as exc:
        if debug:
            import traceback

            traceback.print_exc()
        click.echo(
            f"flowcatalog: internal error: {type(exc).__name__}: {exc}"
            + ("" if debug else " (run with --debug for a traceback)"),
            err=True,
        )
        return int(ExitCode.INTERNAL)
    if isinstance(result, int):
        return int(result)
    return int(ExitCode.OK)
