"""Page tests lint the way ``flowcatalog check`` does: through ``pipeline.pages.lint_pages``."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from flowcatalog.findings import Finding, sort_findings
from flowcatalog.model import Catalog
from flowcatalog.pipeline.pages import lint_pages


def lint_files(
    paths: Sequence[str | Path],
    catalog: Catalog | None = None,
    placeholders: Sequence[str] | None = None,
) -> tuple[Finding, ...]:
    """Every finding of the pages, drift included when there is a catalog, in reading order."""
    linted = lint_pages([str(p) for p in paths], catalog, placeholders, jobs=1)
    return sort_findings(linted.findings)


def lint_text(
    text: str,
    name: str = "p.md",
    catalog: Catalog | None = None,
    placeholders: Sequence[str] | None = None,
    *,
    at: Path | None = None,
) -> tuple[Finding, ...]:
    """``lint_files`` of one page holding ``text``, written to ``at`` (else a temporary
    directory) under ``name``."""
    if at is not None:
        (at / name).write_text(text, encoding="utf-8", newline="")
        return lint_files([at / name], catalog, placeholders)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_text(text, encoding="utf-8", newline="")
        return lint_files([path], catalog, placeholders)
