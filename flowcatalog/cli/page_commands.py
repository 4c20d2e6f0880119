"""Click commands for pages: ``render`` and ``import`` (registered by ``flowcatalog.cli``).

Each command reads its inputs, calls the pure page modules and writes the result; the exit
code is returned as an ``ExitCode`` like every other command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from flowcatalog.errors import ExitCode, InputError, UsageError

if TYPE_CHECKING:
    from flowcatalog.model import Catalog


def _load_catalog(path: str | None) -> Catalog:
    from flowcatalog.cli.paths import resolve_catalog
    from flowcatalog.pipeline.run import load_catalog

    resolved = resolve_catalog(path, have_pages=False)
    assert resolved is not None
    catalog, findings = load_catalog(resolved)
    if catalog is None:
        from flowcatalog.reporters.text import format_finding

        for finding in findings:
            click.echo(format_finding(finding), err=True)
        raise UsageError(
            "the catalog is not valid; run 'flowcatalog check' for details", location=resolved
        )
    return catalog


def _read(path: str) -> bytes:
    from flowcatalog.fsio import read_bytes

    return read_bytes(path)


@click.command("render")
@click.argument("page", type=click.Path())
@click.option("--catalog", "catalog", type=click.Path(), help="Catalog file [./catalog.yaml].")
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Change nothing; print a unified diff and exit 1 when the page is out of date.",
)
def render_command(page: str, catalog: str | None, check_only: bool) -> ExitCode:
    """Regenerate the region between the flowcatalog markers of PAGE from the catalog."""
    from flowcatalog.pages.doc import decode_page, page_type
    from flowcatalog.pages.render import render_page, unified_diff, write_atomically

    if page_type(page) != "markdown":
        raise UsageError(
            "render writes Markdown; expected a .md, .markdown or .md.erb page", location=page
        )
    loaded = _load_catalog(catalog)
    data = _read(page)
    text, problems = decode_page(page, data)
    if text is None:
        raise InputError(problems[0].message, location=str(problems[0].location))
    new = render_page(data, loaded, page)
    if new == data:
        return ExitCode.OK
    if check_only:
        click.echo(unified_diff(data, new, page), nl=False)
        click.echo(f"flowcatalog: {page} is out of date; run 'flowcatalog render {page}'", err=True)
        return ExitCode.FINDINGS
    write_atomically(page, new, data)
    click.echo(f"flowcatalog: rendered {page}", err=True)
    return ExitCode.OK


@click.command("import")
@click.argument("page", type=click.Path())
@click.option(
    "--deployment",
    "deployments",
    multiple=True,
    metavar="NAME",
    help="A deployment name as the page's link labels use it (repeatable); "
    "inferred from the labels when not given.",
)
def import_command(page: str, deployments: tuple[str, ...]) -> ExitCode:
    """Print a catalog.yaml built from the lifecycle sections of PAGE."""
    from flowcatalog.pages.importer import import_page
    from flowcatalog.pages.load import read_page

    doc, problems = read_page(page)
    if doc is None:
        raise InputError(problems[0].message, location=str(problems[0].location))
    click.echo(import_page(doc, deployments), nl=False)
    return ExitCode.OK
