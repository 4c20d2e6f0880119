"""Which link a finding is about: said by the finding (``Finding.link``), never guessed."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from flowcatalog.findings import Finding, Severity
from flowcatalog.model import Location
from flowcatalog.reporters.subjects import owners
from tests.conftest import RunCli
from tests.report_fixture import CANCEL, make_report


def test_findings_are_filed_under_the_link_they_name() -> None:
    report = make_report()
    filed = owners(report)
    assert [f.rule for f in filed.links[CANCEL]] == ["duplicate-node"]
    assert filed.link_of == tuple(f.link for f in report.findings)


def test_a_url_or_a_place_alone_files_nothing_under_a_link() -> None:
    report = make_report()
    # the URL and the place of a link, but not about it: filed with the rest
    stray = Finding(
        "page-link-hidden",
        Severity.INFO,
        "link inside an HTML comment is not shown on the page",
        Location("handbook/page.md", 5, 1),
        url=CANCEL,
        subject=CANCEL,
    )
    dangling = replace(stray, link="https://gone.example/")
    filed = owners(replace(report, findings=(*report.findings, stray, dangling)))
    assert stray not in filed.links[CANCEL]
    assert filed.rest[-2:] == (stray, dangling)
    assert filed.link_of[-2:] == (None, None)


def test_json_findings_name_their_link(run_cli: RunCli, in_tmp: Path) -> None:
    page = in_tmp / "p.md"
    page.write_text(
        "# P\n\n- [a](http://www.figma.com/file/DCq7K8Srsv79tbH1yRkGbl/x?node-id=1%3A2)\n"
        "- [](https://b.example/) TODO\n<!-- [c](https://b.example/) -->\n",
        encoding="utf-8",
    )
    result = run_cli("check", "p.md", "--format", "json")
    report = json.loads(result.out)
    assert [(f["rule"], f["link"]) for f in report["findings"]] == [
        ("figma-https", "https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl?node-id=1-2"),
        ("page-link-empty-text", "https://b.example/"),
        ("page-placeholder", None),
        ("page-link-hidden", None),  # a link in a comment is no link of the report
    ]
    groups = {link["normalised"] for link in report["links"]}
    assert {f["link"] for f in report["findings"]} - {None} <= groups
    assert report["links"][1]["locations"][0]["text"] == ""
    assert report["links"][0]["locations"][0]["context"] == ["P"]
