"""Coverage over time: the catalog and its pages at each commit that touched them, read
through ``git show`` (nothing is checked out, the working tree is never touched), checked
offline, reduced to coverage and error and warning counts.

Each commit's files are written from ``git show`` into a private temporary directory (the
catalog at its repository path, the pages it lists at theirs) and checked there with the
ordinary offline pipeline, so a point is exactly what ``flowcatalog check`` said at that
commit. ``series`` is the I/O edge; ``to_csv``, ``to_json`` and ``to_text`` are pure.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from flowcatalog.errors import FlowcatalogError, InputError
from flowcatalog.findings import Severity
from flowcatalog.views import HistoryPoint

if TYPE_CHECKING:
    from flowcatalog.report import Report

_SEP = "\x1f"


def _git(args: Sequence[str], cwd: str | None = None, *, binary: bool = False) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise InputError("history needs git, and git is not installed") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"git {args[0]} failed: {detail[-1] if detail else done.returncode}")
    return done.stdout


def _show(commit: str, path: str, cwd: str | None) -> bytes | None:
    """The bytes of ``path`` (relative to ``cwd``) at ``commit``, or None when absent."""
    try:
        return _git(["show", f"{commit}:./{path}"], cwd)
    except InputError:
        return None


def _commits(
    paths: Sequence[str], max_count: int | None, since: str | None, cwd: str | None
) -> list[tuple[str, str, str]]:
    args = ["log", f"--format=%H{_SEP}%cI{_SEP}%s"]
    if max_count is not None:
        args.append(f"--max-count={max_count}")
    if since is not None:
        if since.startswith("-"):
            raise InputError(f"--since {since!r}: not a date")
        args.append(f"--since={since}")
    out = _git([*args, "--", *paths], cwd).decode("utf-8", "replace")
    rows = []
    for line in out.splitlines():
        parts = line.split(_SEP, 2)
        if len(parts) == 3:
            rows.append((parts[0], parts[1], parts[2]))
    return list(reversed(rows))  # oldest first


def report_at(commit: str, catalog_path: str, cwd: str | None = None) -> Report | None:
    """The offline report of the catalog (and the pages it lists) as they were at ``commit``;
    None when the catalog did not exist there or could not be read at all."""
    from flowcatalog.catalog.build import parse_catalog
    from flowcatalog.pages.doc import catalog_page_paths
    from flowcatalog.pipeline.run import CheckRequest, run_check

    data = _show(commit, catalog_path, cwd)
    if data is None:
        return None
    with tempfile.TemporaryDirectory(prefix="flowcatalog-history-") as tmp:
        root = Path(tmp)
        target = root / catalog_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        try:
            catalog, _ = parse_catalog(data.decode("utf-8"), str(target))
        except (FlowcatalogError, UnicodeDecodeError):
            catalog = None
        if catalog is not None:
            base = os.path.dirname(catalog_path)
            for page, _where in catalog_page_paths(catalog):
                relative = os.path.normpath(
                    os.path.join(base, os.path.relpath(page, target.parent))
                )
                if relative.startswith(".."):
                    continue  # a page outside the repository is not in its history
                content = _show(commit, relative, cwd)
                if content is not None:
                    (root / relative).parent.mkdir(parents=True, exist_ok=True)
                    (root / relative).write_bytes(content)
        try:
            return run_check(CheckRequest(catalog_path=str(target)))
        except FlowcatalogError:
            return None


def _point(
    commit: str, date: str, subject: str, catalog_path: str, cwd: str | None
) -> HistoryPoint:
    report = report_at(commit, catalog_path, cwd)
    coverage = report.coverage if report is not None else None
    if report is None or coverage is None:
        return HistoryPoint(commit, date, subject, None, 0, 0, 0, 0)
    return HistoryPoint(
        commit=commit,
        date=date,
        subject=subject,
        percent=coverage.percent,
        documented=coverage.documented,
        total=coverage.total,
        errors=report.count(Severity.ERROR),
        warnings=report.count(Severity.WARNING),
    )


def series(
    catalog_path: str,
    *,
    max_count: int | None = None,
    since: str | None = None,
    cwd: str | None = None,
) -> tuple[HistoryPoint, ...]:
    """One point per commit that changed the catalog or a page it lists now, oldest first.

    ``catalog_path`` is relative to ``cwd`` (the working directory by default).
    """
    from flowcatalog.pages.doc import catalog_page_paths
    from flowcatalog.pipeline.run import load_catalog

    paths = [catalog_path]
    where = os.path.join(cwd or ".", catalog_path)
    if os.path.isfile(where):
        catalog, _ = load_catalog(where)
        if catalog is not None:
            base = os.path.dirname(catalog_path)
            for page, _loc in catalog_page_paths(catalog):
                relative = os.path.normpath(
                    os.path.join(base, os.path.relpath(page, os.path.dirname(where)))
                )
                if not relative.startswith(".."):  # outside the repository: no history here
                    paths.append(relative)
    commits = _commits(paths, max_count, since, cwd)
    return tuple(_point(sha, date, subject, catalog_path, cwd) for sha, date, subject in commits)


FIELDS = ("commit", "date", "percent", "documented", "total", "errors", "warnings", "subject")


def _row(point: HistoryPoint) -> dict[str, object]:
    return {name: getattr(point, name) for name in FIELDS}


def to_json(points: Sequence[HistoryPoint]) -> str:
    return json.dumps([_row(p) for p in points], indent=2, ensure_ascii=False) + "\n"


def to_csv(points: Sequence[HistoryPoint]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for point in points:
        row = _row(point)
        writer.writerow(["" if row[name] is None else row[name] for name in FIELDS])
    return out.getvalue()


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def to_text(points: Sequence[HistoryPoint]) -> str:
    lines = []
    for p in points:
        percent = f"{p.percent:5.1f}%" if p.percent is not None else "   n/a"
        lines.append(
            f"{p.date[:10]}  {p.commit[:8]}  {percent} ({p.documented}/{p.total})  "
            f"{_plural(p.errors, 'error')}, {_plural(p.warnings, 'warning')}  "
            f"{' '.join(p.subject.split())}"
        )
    return "\n".join(lines) + ("\n" if lines else "")
