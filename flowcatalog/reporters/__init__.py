"""Output formats. Each is a pure ``render(report, *, color=False) -> str``.

Reporters are imported lazily (by name) so that start-up stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # only for types: start-up imports no model (``--version`` stays fast)
    from flowcatalog.report import Report


class Reporter(Protocol):
    def __call__(self, report: Report, *, color: bool = False) -> str: ...


#: format name -> "module:function" under flowcatalog.reporters
REPORTERS: dict[str, str] = {
    "text": "text:render",
    "json": "json_report:render",
    "junit": "junit_xml:render",
    "codequality": "gitlab_codequality:render",
    "sarif": "sarif:render",
    "github": "github_actions:render",
    "markdown": "markdown_summary:render",
    "html": "html_coverage:render",
    "badge": "badge:render",
}

#: the indented variant of a JSON format (``--pretty``); the others ignore it
PRETTY_REPORTERS: dict[str, str] = {
    "json": "json_report:render_pretty",
    "codequality": "gitlab_codequality:render_pretty",
    "sarif": "sarif:render_pretty",
}

#: formats of the ``coverage`` command
COVERAGE_REPORTERS: dict[str, str] = {
    "text": "coverage_table:render_text",
    "markdown": "coverage_table:render_markdown",
    "html": "html_coverage:render",
    "badge": "badge:render",
    "json": "json_report:render_coverage",
}


#: formats of the ``links`` command; ``occurrences:...`` those of ``links --occurrences``
LINKS_REPORTERS: dict[str, str] = {
    "text": "links:render_text",
    "json": "links:render_json",
    "occurrences:text": "links:render_occurrences_text",
    "occurrences:json": "links:render_occurrences_json",
}


def _load(spec: str) -> Reporter:
    module_name, _, attr = spec.partition(":")
    module = importlib.import_module(f"flowcatalog.reporters.{module_name}")
    reporter: Reporter = getattr(module, attr)
    return reporter


def get_reporter(name: str, *, pretty: bool = False) -> Reporter:
    """The renderer of format ``name`` (a key of ``REPORTERS``); with ``pretty``, a JSON
    format's indented variant."""
    if pretty and name in PRETTY_REPORTERS:
        return _load(PRETTY_REPORTERS[name])
    return _load(REPORTERS[name])


def get_coverage_reporter(name: str) -> Reporter:
    return _load(COVERAGE_REPORTERS[name])


def get_links_reporter(name: str, *, occurrences: bool = False) -> Reporter:
    return _load(LINKS_REPORTERS[f"occurrences:{name}" if occurrences else name])
