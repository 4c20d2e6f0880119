"""Smaller hostile inputs, one test each: a NaN gate, YAML words in imported ids, the true
size of a page over the cap, CR-only line endings, the catalog among ``links`` paths, one
file written twice, and ``-o -``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowcatalog.catalog.build import parse_catalog
from flowcatalog.findings import Severity
from flowcatalog.pages.importer import import_page
from flowcatalog.pages.load import parse_page, read_page
from tests.conftest import REPO, RunCli

F = "https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/x?node-id="


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "101", "-1"])
@pytest.mark.parametrize("command", ["check", "coverage"])
def test_fail_under_must_be_a_percentage(run_cli: RunCli, command: str, value: str) -> None:
    result = run_cli(command, "--catalog", str(REPO / "catalog.yaml"), "--fail-under", value)
    assert result.code == 2
    assert result.out == ""
    assert "Invalid value for '--fail-under'" in result.err
    assert "is not a percentage from 0 to 100" in result.err


def test_import_quotes_yaml_words_and_round_trips_through_the_schema() -> None:
    stages = ["On", "Null", "1.5", "12:30", "Off"]
    page = "# Title\n\n## Current processes\n\n" + "".join(
        f"### {stage}\n\n- [Yes subscription purchase]({F}{i}-1)\n"
        f"- [No subscription purchase]({F}{i}-2)\n\n"
        for i, stage in enumerate(stages, 1)
    )
    text = import_page(parse_page("p.md", page))
    catalog, findings = parse_catalog(text, "catalog.yaml")
    assert [f for f in findings if f.severity is Severity.ERROR] == [], text
    assert catalog is not None
    assert [d.id for d in catalog.deployments] == ["yes", "no"]
    assert [s.id for s in catalog.stages] == ["on", "null", "1-5", "12-30", "off"]
    assert [s.name for s in catalog.stages] == stages
    assert [f.deployments for f in catalog.stages[0].flows] == [("yes",), ("no",)]


def test_import_of_the_repository_page_round_trips_through_the_schema() -> None:
    doc, _ = read_page(str(REPO / "docs" / "customer-subscription-lifecycle.md"))
    assert doc is not None
    catalog, findings = parse_catalog(import_page(doc), "catalog.yaml")
    assert catalog is not None
    assert [f for f in findings if f.severity is Severity.ERROR] == []


def test_page_too_large_says_the_true_size(run_cli: RunCli, in_tmp: Path) -> None:
    big = in_tmp / "big.md"
    big.write_bytes(b"a" * (25 * 1024 * 1024))
    result = run_cli("check", "big.md")
    assert result.code == 1
    assert result.out.startswith(
        "big.md: error: page is 26,214,400 bytes, over the limit of 20,971,520 [page-too-large]\n"
    )


def test_cr_only_line_endings_read_as_lines() -> None:
    page = "# T\n\n## Sub\n\nText [a](https://example.com/a).\n\n1. \n\nMore text.\n"
    lf = parse_page("p.md", page)
    cr = parse_page("p.md", page.replace("\n", "\r"))
    assert [(h.text, h.location.line) for h in cr.headings] == [("T", 1), ("Sub", 3)]
    assert [(h.text, h.location.line) for h in cr.headings] == [
        (h.text, h.location.line) for h in lf.headings
    ]
    assert [(link.location.line, link.location.column, link.context) for link in cr.links] == [
        (5, 6, ("T", "Sub"))
    ]
    assert [(i.location.line, i.empty) for i in cr.items] == [(7, True)]


def test_links_json_reads_what_links_reads(run_cli: RunCli, in_tmp: Path) -> None:
    (in_tmp / "catalog.yaml").write_text((REPO / "catalog.yaml").read_text())
    (in_tmp / "docs").mkdir()
    page = REPO / "docs" / "customer-subscription-lifecycle.md"
    (in_tmp / "docs" / page.name).write_text(page.read_text())
    (in_tmp / "p.md").write_text("# P\n\n[a](https://example.com/a)\n")
    text = run_cli("links", "catalog.yaml", "p.md")
    as_json = run_cli("links", "--format", "json", "catalog.yaml", "p.md")
    assert (text.code, as_json.code) == (0, 0), as_json.err
    assert [item["normalised"] for item in json.loads(as_json.out)] == text.out.splitlines()


@pytest.mark.parametrize("command", ["check", "merge"])
def test_output_and_report_to_one_file_is_refused(
    run_cli: RunCli, in_tmp: Path, command: str
) -> None:
    (in_tmp / "catalog.yaml").write_text((REPO / "catalog.yaml").read_text())
    (in_tmp / "whole.json").write_text(run_cli("check", "--format", "json").out)
    args = ["whole.json"] if command == "merge" else []
    result = run_cli(command, *args, "-o", "out.txt", "--report", "json=./out.txt")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "flowcatalog: error: --report json=./out.txt: the same file as --output; "
        "each report needs a file of its own\n"
    )
    assert not (in_tmp / "out.txt").exists()


def test_output_dash_is_stdout(run_cli: RunCli, in_tmp: Path) -> None:
    (in_tmp / "catalog.yaml").write_text((REPO / "catalog.yaml").read_text())
    plain = run_cli("check", "--format", "json")
    dashed = run_cli("check", "--format", "json", "-o", "-")
    assert dashed.out == plain.out
    assert dashed.code == plain.code
    assert not (in_tmp / "-").exists()
    coverage = run_cli("coverage", "-o", "-")
    assert coverage.out.startswith("stage")
    assert not (in_tmp / "-").exists()


def test_positions_survive_crlf_tabs_bom_and_emoji(run_cli: RunCli, in_tmp: Path) -> None:
    (in_tmp / "p.md").write_bytes(
        "\ufeff# T 🎉\r\n\r\nx\t🎉 [a](https://u:pw@example.com/a)\r\n".encode()
    )
    line = '      - {name: "🎉", deployments: [saas], links: ["http://x y"]}'
    (in_tmp / "catalog.yaml").write_bytes(
        (
            '\ufeffversion: 1\r\ntitle: "🎉 x"\r\ndeployments: [{id: saas}]\r\nstages:\r\n'
            f'  - id: t\r\n    name: "🎉"\r\n    flows:\r\n{line}\r\n'
        ).encode()
    )
    result = run_cli("check", "p.md", "--format", "json")
    places = [
        (f["path"], f["line"], f["column"], f["rule"]) for f in json.loads(result.out)["findings"]
    ]
    assert ("catalog.yaml", 8, line.index('"http') + 1, "url-invalid") in places
    assert ("p.md", 3, 5, "url-credentials") in places
