"""The README's "Adopting flowcatalog in an existing handbook" stays true: each step's snippet
is the one the code, the hook and the recipes use, and works as pasted."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

import flowcatalog
from flowcatalog.config.load import load
from flowcatalog.runs.baseline import BaselineSummary
from tests.conftest import REPO, RunCli

README = (REPO / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Adopting flowcatalog in an existing handbook\n", 1)[1].split("\n## ", 1)[
    0
]
TAG = f"v{flowcatalog.__version__}"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", SECTION, re.S)


def test_steps_come_in_order() -> None:
    steps = re.findall(r"\*\*(\d)\. (\w[\w-]*)", SECTION)
    assert steps == [("1", "Configuration"), ("2", "Baseline"), ("3", "pre-commit"), ("4", "CI")]


def test_the_configuration_example_loads(in_tmp: Path, run_cli: RunCli) -> None:
    example = _blocks("yaml")[0]
    (in_tmp / ".flowcatalog.yaml").write_text(example, "utf-8")
    config = load(".flowcatalog.yaml")
    assert config.catalogs == ("catalog.yaml",)
    assert [r.rule for r in config.rules] == ["page-empty-section", "page-placeholder"]
    assert dict(config.site)["slug_style"] == "kramdown"
    shutil.copy(REPO / "catalog.yaml", in_tmp / "catalog.yaml")
    (in_tmp / "docs").mkdir()
    shutil.copy(REPO / "docs" / "customer-subscription-lifecycle.md", in_tmp / "docs")
    result = run_cli("config")
    assert result.code == 0
    assert "rules.page-empty-section  " in result.out
    checked = run_cli("check")
    assert checked.code == 1  # page-placeholder: error
    assert "error: placeholder text 'coming soon'" in checked.out


def test_the_suppression_example_is_read(in_tmp: Path, run_cli: RunCli) -> None:
    example = _blocks("markdown")[0]
    (in_tmp / "page.md").write_text("# Page\n\n" + example, "utf-8")
    result = run_cli("check", "page.md")
    # the placeholder is silenced; the other comments have nothing to silence here
    assert result.out.splitlines()[:-1] == [
        "page.md:6:1: info: 'flowcatalog-disable page-empty-item page-empty-section' "
        "suppresses no page-empty-item finding; remove it [unused-suppression]",
        "page.md:6:1: info: 'flowcatalog-disable page-empty-item page-empty-section' "
        "suppresses no page-empty-section finding; remove it [unused-suppression]",
        "page.md:10:1: info: 'flowcatalog-disable-file page-link-not-in-catalog' "
        "suppresses no page-link-not-in-catalog finding; remove it [unused-suppression]",
    ]
    assert "catalog, on the line" in SECTION
    assert "# flowcatalog: ignore[placeholder-cell]" in SECTION


def test_the_baseline_step() -> None:
    assert _blocks("sh") == ["flowcatalog baseline\n"]
    line = BaselineSummary(312, 41).line()
    assert line is not None
    assert f"``{line}``" in SECTION


def test_the_pre_commit_snippet_pins_this_release() -> None:
    snippet = yaml.safe_load(_blocks("yaml")[1])
    repo = snippet["repos"][0]
    assert repo["rev"] == TAG
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert [h["id"] for h in repo["hooks"]] == [h["id"] for h in hooks]
    changelog = (REPO / "CHANGELOG.md").read_text("utf-8")
    assert f"## {TAG.lstrip('v')}" in changelog


def test_the_ci_snippet(run_cli: RunCli) -> None:
    snippet = yaml.safe_load(_blocks("yaml")[2])
    assert snippet["include"] == [{"local": "recipes/flowcatalog.gitlab-ci.yml"}]
    assert (REPO / snippet["include"][0]["local"]).is_file()
    assert snippet["variables"]["FLOWCATALOG_PIP_SPEC"].endswith(f"@{TAG}")
    assert f"uses: <owner>/flowcatalog@{TAG}" in SECTION
