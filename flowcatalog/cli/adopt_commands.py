"""Click commands for adopting flowcatalog: ``config`` (the effective settings and where each
came from) and ``baseline`` (record today's findings; ``--prune`` drops the fixed ones).
Registered by ``flowcatalog.cli.main``."""

from __future__ import annotations

from typing import Any

import click

from flowcatalog.cli.adopt import adopt_options
from flowcatalog.cli.online import online_options
from flowcatalog.errors import ExitCode


@click.command(name="config")
@click.option("--catalog", "catalog", type=click.Path(), help="Catalog file, as for check.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@online_options
@adopt_options
def config_command(
    catalog: str | None,
    fmt: str,
    online: dict[str, Any] | None = None,
    adopt: dict[str, Any] | None = None,
) -> ExitCode:
    """Print the effective settings of a check run and where each came from."""
    from flowcatalog.cli.adopt import effective, load_config, merged_online, render_effective

    config = load_config(adopt or {})
    values, sources = merged_online(online or {}, config)
    click.echo(render_effective(effective(config, catalog, values, sources), fmt), nl=False)
    return ExitCode.OK


@click.command(name="baseline")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--catalog", "catalog", type=click.Path(), help="Catalog file, as for check.")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    help="The baseline file [.flowcatalog-baseline.json beside the configuration].",
)
@click.option(
    "--prune",
    is_flag=True,
    help="Only drop the entries of findings that are gone (fixed); add none.",
)
@adopt_options
def baseline_command(
    paths: tuple[str, ...],
    catalog: str | None,
    output: str | None,
    prune: bool,
    adopt: dict[str, Any] | None = None,
) -> ExitCode:
    """Record today's findings, so later runs report only new ones."""
    from flowcatalog.cli.adopt import configured_report, load_config, write_baseline
    from flowcatalog.cli.paths import display_path

    values = adopt or {}
    config = load_config(values)
    report, _ = configured_report(catalog, paths, config)
    path = display_path(output or values.get("baseline_path") or config.default_baseline())
    count = write_baseline(report, path, prune=prune)
    noun = "finding" if count == 1 else "findings"
    click.echo(f"flowcatalog: {count} known {noun} in {path}", err=True)
    return ExitCode.OK
