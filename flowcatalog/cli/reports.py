"""Command-line glue for where reports go and which part of the work a run does.

- A report goes to a file (atomically) or to stdout (``write_report``); a warning goes to
  stderr, one line (``warn``).
- ``--report FORMAT=PATH`` (repeatable): besides the main output, write the same report in
  other formats, each file atomically (a temporary file in the same directory, then
  ``os.replace``), so a CI job gets JUnit, Code Quality and HTML from one run.
- ``--shard I/N``: keep one deterministic slice of the distinct links (``flowcatalog.runs.shard``).
- ``--changed-since REF``: check only the pages changed since a git ref, plus the catalog when
  it or a page it documents changed (``flowcatalog.runs.changed``).
- ``flowcatalog merge``: read shard JSON reports and merge them (``flowcatalog.runs.merge``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from flowcatalog.errors import UsageError, printable
from flowcatalog.reporters import REPORTERS

if TYPE_CHECKING:
    from flowcatalog.pipeline.run import CheckRequest, OnlineStage
    from flowcatalog.report import Report
    from flowcatalog.runs.shard import Shard


@dataclass(frozen=True, slots=True)
class ReportTarget:
    fmt: str
    path: str


def parse_targets(values: Sequence[str], *, output: str | None = None) -> tuple[ReportTarget, ...]:
    """``FORMAT=PATH`` values of ``--report``; a bad one is a usage error (exit 2), and so is
    a file written twice (by two ``--report`` or by ``--report`` and ``--output``)."""
    targets = []
    for value in values:
        fmt, sep, path = value.partition("=")
        fmt = fmt.strip()
        if not sep or not path:
            raise UsageError(f"--report {value!r}: expected FORMAT=PATH, e.g. junit=report.xml")
        if fmt not in REPORTERS:
            raise UsageError(
                f"--report {value!r}: unknown format {fmt!r}; one of: "
                + ", ".join(sorted(REPORTERS))
            )
        targets.append(ReportTarget(fmt, path))
    import os

    def same(a: str, b: str) -> bool:
        return a != "-" and b != "-" and os.path.realpath(a) == os.path.realpath(b)

    for i, target in enumerate(targets):
        if any(same(target.path, other.path) for other in targets[:i]):
            raise UsageError(f"--report: {target.path!r} is given more than once")
        if output is not None and same(target.path, output):
            raise UsageError(
                f"--report {target.fmt}={target.path}: the same file as --output; "
                "each report needs a file of its own"
            )
    return tuple(targets)


def write_report(text: str, output: str | None, *, color: bool = False, for_people: bool) -> None:
    """A rendered report to stdout (``output`` None or ``-``; colour codes kept only when
    colour was chosen) or to the file ``output``, atomically.

    A report for programs (every format but ``text``: ``for_people`` False) goes to stdout in
    UTF-8, whatever the stream's encoding (JSON, SARIF and the XML formats are UTF-8 by
    their specs; a Windows console pipe is cp1252); text goes in the stream's encoding, what
    it cannot hold written as escapes (``errors="backslashreplace"``, set by ``main``)."""
    if output is not None and output != "-":
        from flowcatalog.fsio import atomic_write

        atomic_write(output, text)
        return
    buffer = getattr(sys.stdout, "buffer", None)
    encoding = (getattr(sys.stdout, "encoding", None) or "utf-8").lower().replace("-", "")
    if for_people or buffer is None or encoding in ("utf8", "utf_8"):
        click.echo(text, nl=False, color=color)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def warn(message: str) -> None:
    """One warning line on stderr, what is not printable in it escaped (a path, a name)."""
    click.echo(f"flowcatalog: warning: {printable(message)}", err=True)


def write_reports(report: Report, targets: Sequence[ReportTarget], *, pretty: bool = False) -> None:
    """Render and write every ``--report`` file (machine formats: never colour; JSON
    indented with ``pretty``)."""
    from flowcatalog.fsio import atomic_write
    from flowcatalog.reporters import get_reporter

    for target in targets:
        atomic_write(target.path, get_reporter(target.fmt, pretty=pretty)(report, color=False))


REPORT_OPTION = click.option(
    "--report",
    "reports",
    multiple=True,
    metavar="FORMAT=PATH",
    help="Also write the report in FORMAT to PATH (atomically); repeatable. "
    "Formats: " + ", ".join(sorted(REPORTERS)) + ".",
)
SHARD_OPTION = click.option(
    "--shard",
    metavar="I/N",
    help="Check only shard I of N of the distinct links (stable hash of the normalised URL); "
    "combine the shards' JSON reports with 'flowcatalog merge'.",
)
CHANGED_OPTION = click.option(
    "--changed-since",
    metavar="REF",
    help="Check only the pages changed since git REF (committed since the merge base, or "
    "not committed yet), plus the catalog when it or a page it documents changed.",
)


def changed_request(ref: str, catalog_path: str | None, paths: Sequence[str]) -> CheckRequest:
    """The check request of a changed-only run."""
    from flowcatalog.pages.doc import catalog_page_paths
    from flowcatalog.pages.load import expand_pages
    from flowcatalog.pipeline.run import CheckRequest, load_catalog
    from flowcatalog.runs.changed import changed_files, select

    changed = changed_files(ref)
    listed: list[str] = []
    if catalog_path is not None:
        catalog, _ = load_catalog(catalog_path)
        if catalog is not None:
            listed = [path for path, _ in catalog_page_paths(catalog)]
    # with no paths: every changed page under the working directory, not only the
    # catalog's (a changed page the catalog does not list is still linted)
    candidates = expand_pages(paths) if paths else [*listed, *changed_pages(changed)]
    scope = select(candidates, changed, catalog_path=catalog_path, catalog_pages=listed)
    if not scope.pages and not scope.catalog:
        return CheckRequest(catalog_path=None, pages=())
    return CheckRequest(
        catalog_path=catalog_path if scope.catalog else None,
        pages=scope.pages,
    )


def changed_pages(changed: frozenset[str]) -> list[str]:
    """The changed files that are pages, under the working directory, as relative paths."""
    import os

    from flowcatalog.pages.doc import page_type

    pages = []
    for real in sorted(changed):
        relative = os.path.relpath(real, os.path.realpath(os.getcwd()))
        if page_type(real) is not None and not relative.startswith(".."):
            pages.append(relative)
    return pages


def stamp(report: Report) -> Report:
    """``report`` with the time of the run (UTC, to the second) unless it has one.

    ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention) pins it, for byte-identical
    reports across runs.
    """
    import dataclasses
    import os
    from datetime import UTC, datetime

    if report.generated_at:
        return report
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    try:
        when = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    except (ValueError, OverflowError, OSError):
        raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix time") from None
    return dataclasses.replace(report, generated_at=when.strftime("%Y-%m-%dT%H:%M:%SZ"))


def sharded_stage(stage: OnlineStage, shard: Shard) -> OnlineStage:
    """The online stage run on ``shard``'s links only, so N shards share the probing."""
    from flowcatalog.runs.shard import restrict

    def run(report: Report, exclude: tuple[str, ...]) -> Report:
        return stage(restrict(report, shard), exclude)

    return run


def read_reports(paths: Sequence[str]) -> Report:
    """Read shard JSON reports and merge them."""
    from flowcatalog import fsio
    from flowcatalog.runs.merge import load_report, merge

    return stamp(merge([load_report(fsio.read_text(p), p) for p in paths], names=paths))
