"""Runs of the handbook of ``conftest.site`` with and without the page cache: what the run
memo's tests and the patched runs' tests share."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from flowcatalog.pipeline.page_cache import PageCache
from flowcatalog.pipeline.run import CheckRequest, _run_check, run_check
from flowcatalog.report import Report

PAGES = 34  # above ``run_memo.MIN_PAGES``


def request(**fields: Any) -> CheckRequest:
    return dataclasses.replace(CheckRequest(catalog_path=None, pages=("docs",)), **fields)


def cached(tmp_path: Path, **fields: Any) -> tuple[Report, PageCache]:
    """A run through the page cache in ``tmp_path``, and that cache (closed)."""
    cache = PageCache(tmp_path / "cache-pages.sqlite3")
    try:
        report = _run_check(request(page_cache=True, **fields), cache)
    finally:
        cache.close()
    return report, cache


def plain(**fields: Any) -> Report:
    return run_check(request(**fields))
