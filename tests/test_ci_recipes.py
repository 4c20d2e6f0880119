"""The CI recipes in recipes/ parse, and every flowcatalog flag and format they use exists."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from flowcatalog.cli.main import cli
from flowcatalog.reporters import REPORTERS

CI = Path(__file__).resolve().parent.parent / "recipes"
RECIPES = ["flowcatalog.gitlab-ci.yml", "github-workflow.yml"]


def _load(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((CI / name).read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _invocations(name: str) -> list[list[str]]:
    """Every ``flowcatalog <command> ...`` in the recipe, split into words."""
    found = []
    for text in _strings(_load(name)):
        joined = re.sub(r"\\\n\s*", " ", text)
        for line in joined.splitlines():
            start = line.find("flowcatalog check")
            if start < 0:
                start = line.find("flowcatalog merge")
            if start < 0:
                continue
            command = line[start:].split("||")[0]
            found.append(shlex.split(command))
    return found


def _options(command: str) -> dict[str, click.Parameter]:
    group_command = cli.commands[command]
    return {opt: p for p in group_command.params for opt in getattr(p, "opts", [])}


@pytest.mark.parametrize("name", RECIPES)
def test_recipe_uses_only_existing_flags_and_formats(name: str) -> None:
    invocations = _invocations(name)
    assert invocations
    for words in invocations:
        assert words[0] == "flowcatalog"
        options = _options(words[1])
        for i, word in enumerate(words[2:], start=2):
            if not word.startswith("-"):
                continue
            flag, _, inline = word.partition("=")
            assert flag in options, f"{name}: {' '.join(words[:2])} has no {flag}"
            value = inline or (words[i + 1] if i + 1 < len(words) else "")
            if flag == "--format":
                assert value in REPORTERS, value
            if flag == "--report":
                assert value.partition("=")[0] in REPORTERS, value


def test_gitlab_recipe_jobs() -> None:
    data = _load("flowcatalog.gitlab-ci.yml")
    changed = data["flowcatalog:changed"]
    assert changed["extends"] == ".flowcatalog"
    reports = changed["artifacts"]["reports"]
    assert set(reports) == {"codequality", "junit"}
    assert reports["junit"].endswith(".xml")
    assert changed["artifacts"]["when"] == "always"
    assert any("--changed-since" in line for line in changed["script"])
    online = data["flowcatalog:online"]
    assert online["cache"]["paths"] == [".flowcatalog-cache.json"]
    assert any("--cache .flowcatalog-cache.json" in line for line in online["script"])
    assert any("html=flowcatalog-report/index.html" in line for line in online["script"])
    assert "flowcatalog-report/" in online["artifacts"]["paths"]
    shard = data["flowcatalog:shard"]
    assert shard["parallel"] == int(data["variables"]["FLOWCATALOG_SHARDS"])
    assert any('--shard "$CI_NODE_INDEX/$CI_NODE_TOTAL"' in line for line in shard["script"])
    merge = data["flowcatalog:merge"]
    assert merge["needs"] == [{"job": "flowcatalog:shard", "artifacts": True}]
    assert any(line.startswith("flowcatalog merge") for line in merge["script"])


def test_github_recipe_uploads_sarif() -> None:
    data = _load("github-workflow.yml")
    steps = data["jobs"]["check"]["steps"]
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action"))
    assert upload["with"]["sarif_file"] == "flowcatalog.sarif"
    assert data["jobs"]["check"]["permissions"]["security-events"] == "write"
    run = "\n".join(s.get("run", "") for s in steps)
    assert "--report sarif=flowcatalog.sarif" in run
    assert "args+=(--changed-since" in run  # passed on through "${args[@]}"
    assert "--changed-since" in _options("check")
