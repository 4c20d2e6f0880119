"""Several catalogs from the configuration: one report, coverage per catalog and in total."""

from __future__ import annotations

import json
from pathlib import Path

from flowcatalog.runs.catalogs import label
from tests.conftest import RunCli

FIGMA = "https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/X?node-id="


def _catalog(stage: str, linked: bool) -> str:
    cell = f"        links: ['{FIGMA}1-2']\n" if linked else "        placeholder: soon\n"
    return (
        "version: 1\ndeployments: [{id: saas, name: SaaS}]\nstages:\n"
        f"  - id: {stage}\n    name: {stage.title()}\n    flows:\n"
        f"      - name: Flow\n        deployments: [saas]\n{cell}"
    )


def test_two_teams_two_catalogs(in_tmp: Path, run_cli: RunCli) -> None:
    for team, linked in (("growth", True), ("billing", False)):
        (in_tmp / "teams" / team).mkdir(parents=True)
        (in_tmp / "teams" / team / "catalog.yaml").write_text(_catalog("trial", linked))
    (in_tmp / ".flowcatalog.yaml").write_text(
        "catalogs: [teams/growth/catalog.yaml, teams/billing/catalog.yaml]\n"
    )
    result = run_cli("check", "--format", "json")
    assert result.err == (
        "flowcatalog: coverage of teams/growth/catalog.yaml: 100.0% (1/1 cells documented)\n"
        "flowcatalog: coverage of teams/billing/catalog.yaml: 0.0% (0/1 cells documented)\n"
    )
    data = json.loads(result.out)
    coverage = data["coverage"]
    assert (coverage["documented"], coverage["total"], coverage["percent"]) == (1, 2, 50.0)
    assert [c["stage"] for c in coverage["cells"]] == ["teams/growth:trial", "teams/billing:trial"]
    assert coverage["stages"] == [
        {"id": "teams/growth:trial", "name": "teams/growth: Trial"},
        {"id": "teams/billing:trial", "name": "teams/billing: Trial"},
    ]
    assert data["sources"] == ["teams/growth/catalog.yaml", "teams/billing/catalog.yaml"]
    one = run_cli("check", "--catalog", "teams/billing/catalog.yaml")
    assert one.err == ""
    assert one.out.splitlines()[-1].endswith("coverage 0.0% (0/1 cells documented)")


def test_labels() -> None:
    assert label("teams/growth/catalog.yaml") == "teams/growth"
    assert label("catalog.yaml") == "catalog"
    assert label("flows/billing.yaml") == "flows/billing"


def test_coverage_command_over_the_configured_catalogs(in_tmp: Path, run_cli: RunCli) -> None:
    for team, linked in (("growth", True), ("billing", False)):
        (in_tmp / "teams" / team).mkdir(parents=True)
        (in_tmp / "teams" / team / "catalog.yaml").write_text(_catalog("trial", linked))
    (in_tmp / ".flowcatalog.yaml").write_text(
        "catalogs: [teams/growth/catalog.yaml, teams/billing/catalog.yaml]\n"
    )
    result = run_cli("coverage", "--fail-under", "60")
    assert result.code == 1
    assert result.err.splitlines()[:2] == [
        "flowcatalog: coverage of teams/growth/catalog.yaml: 100.0% (1/1 cells documented)",
        "flowcatalog: coverage of teams/billing/catalog.yaml: 0.0% (0/1 cells documented)",
    ]
    assert result.out.splitlines()[-1] == "coverage 50.0% (1/2 cells documented)"
