"""The target branch's figures for the Markdown summary: from a JSON report or from git."""

from __future__ import annotations

import json

import pytest

from flowcatalog.errors import InputError
from flowcatalog.report import Report
from flowcatalog.reporters.json_report import render
from flowcatalog.runs.target import from_git, from_json, from_report
from flowcatalog.views import TargetCell, TargetFigures
from tests.report_fixture import make_report


def test_json_report_round_trips_to_the_same_figures() -> None:
    report = make_report()
    from_file = from_json(render(report), "target.json", "main")
    assert from_file == from_report(report, "main")
    assert from_file is not None
    assert (from_file.percent, from_file.documented, from_file.total) == (50.0, 4, 8)
    assert from_file.cells[0] == TargetCell(
        "trial",
        "saas",
        "documented",
        ("https://www.figma.com/design/AbCdEfGhIjKlMnOpQrStUv?node-id=1-2",),
    )


def test_no_coverage_is_no_figures() -> None:
    assert from_report(Report(findings=()), "x") is None
    assert from_json(json.dumps({"version": 1, "coverage": None}), "t.json", "x") is None


def test_cells_that_are_not_objects_are_skipped() -> None:
    body = {
        "version": 1,
        "coverage": {"percent": 10, "documented": 1, "total": 10, "cells": [1, {"stage": "a"}]},
    }
    assert from_json(json.dumps(body), "t.json", "x") == TargetFigures(
        "x", 10.0, 1, 10, (TargetCell("a", "", "", ()),)
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "t.json: not a JSON report: "),
        ("[]", "t.json: not a flowcatalog JSON report of version 1"),
        ('{"version": 1, "coverage": []}', "t.json: 'coverage' is not an object"),
        (
            '{"version": 1, "coverage": {"percent": "x"}}',
            "t.json: coverage.percent is not a number",
        ),
        (
            '{"version": 1, "coverage": {"percent": true}}',
            "t.json: coverage.percent is not a number",
        ),
    ],
)
def test_bad_reports_are_one_line_errors(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        from_json(text, "t.json", "x")
    assert str(caught.value).startswith(message)


def test_a_ref_that_looks_like_an_option_is_refused() -> None:
    with pytest.raises(InputError, match="not a git revision"):
        from_git("--output=x", "catalog.yaml")
