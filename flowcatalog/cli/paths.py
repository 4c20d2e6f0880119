"""Paths on the command line: the catalog to read, and paths as reports show them."""

from __future__ import annotations

import os
from pathlib import Path

from flowcatalog.errors import UsageError

DEFAULT_CATALOG = "catalog.yaml"


def display_path(path: str) -> str:
    """An absolute path inside the working directory, made relative: reports (Code Quality,
    SARIF) want repository-relative paths, and findings read better that way."""
    if not os.path.isabs(path):
        return path
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if relative.startswith("..") else relative


def resolve_catalog(catalog: str | None, *, have_pages: bool) -> str | None:
    """The catalog to read: the one given, ./catalog.yaml, or none when pages are linted alone."""
    if catalog is not None:
        return display_path(catalog)
    if Path(DEFAULT_CATALOG).is_file():
        return DEFAULT_CATALOG
    if have_pages:
        return None
    raise UsageError(
        f"no {DEFAULT_CATALOG} in the current directory; pass --catalog PATH (or page paths)"
    )
