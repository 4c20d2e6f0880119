"""The CI recipes in recipes/, the GitHub Action and the pre-commit hook parse, and every
flowcatalog flag and format they use exists; the GitLab recipe installs a pinned copy, git
first, and its coverage regex reads real output."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

import flowcatalog
from flowcatalog.cli.main import cli
from flowcatalog.reporters import REPORTERS
from tests.conftest import RunCli

ROOT = Path(__file__).resolve().parent.parent
CI = ROOT / "recipes"
RECIPES = ["flowcatalog.gitlab-ci.yml", "../action.yml"]
TAG = f"v{flowcatalog.__version__}"


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
            start = line.find("flowcatalog check ")
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
            if flag == "--format" and not value.startswith("$"):  # the action's input
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
    assert online["cache"]["paths"] == [".flowcatalog-cache.sqlite3"]
    assert any("--cache .flowcatalog-cache.sqlite3" in line for line in online["script"])
    assert any("html=flowcatalog-report/index.html" in line for line in online["script"])
    assert "flowcatalog-report/" in online["artifacts"]["paths"]
    shard = data["flowcatalog:shard"]
    assert shard["parallel"] == int(data["variables"]["FLOWCATALOG_SHARDS"])
    assert any('--shard "$CI_NODE_INDEX/$CI_NODE_TOTAL"' in line for line in shard["script"])
    merge = data["flowcatalog:merge"]
    assert merge["needs"] == [{"job": "flowcatalog:shard", "artifacts": True}]
    assert any(line.startswith("flowcatalog merge") for line in merge["script"])


def test_github_recipe_uses_the_pinned_action_and_uploads_sarif() -> None:
    data = _load("github-workflow.yml")
    steps = data["jobs"]["check"]["steps"]
    action = next(s for s in steps if s.get("uses", "").endswith("/flowcatalog@" + TAG))
    assert action["with"]["sarif"] == "flowcatalog.sarif"
    assert "--changed-since origin/{0}" in action["with"]["args"]
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action"))
    assert upload["with"]["sarif_file"] == "flowcatalog.sarif"
    assert upload["if"] == "always()"
    assert data["jobs"]["check"]["permissions"]["security-events"] == "write"
    online = next(
        s for s in data["jobs"]["online"]["steps"] if s.get("uses", "").endswith("@" + TAG)
    )
    words = shlex.split(online["with"]["args"])
    options = _options("check")
    assert all(word in options for word in words if word.startswith("-"))
    assert online["env"] == {"FIGMA_TOKEN": "${{ secrets.FIGMA_TOKEN }}"}
    assert "pip install flowcatalog" not in (CI / "github-workflow.yml").read_text("utf-8")


def test_action_is_composite_and_installs_its_own_checkout() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {
        "args",
        "format",
        "sarif",
        "markdown",
        "reports",
        "python-version",
    }
    assert action["inputs"]["format"]["default"] in REPORTERS
    install = action["runs"]["steps"][1]
    assert install["env"] == {"ACTION_PATH": "${{ github.action_path }}"}
    assert install["run"].endswith('"$ACTION_PATH"')
    run = action["runs"]["steps"][2]["run"]
    assert 'echo "exit-code=$code" >> "$GITHUB_OUTPUT"' in run
    assert 'exit "$code"' in run


def test_gitlab_recipe_installs_a_pinned_copy_git_first() -> None:
    data = _load("flowcatalog.gitlab-ci.yml")
    assert "FLOWCATALOG_PIP_SPEC" not in data["variables"]  # required, never defaulted
    before = data[".flowcatalog"]["before_script"]
    assert before[0].startswith('if [ -z "${FLOWCATALOG_PIP_SPEC:-}" ]; then')
    assert "exit 2; fi" in before[0]
    assert "apt-get install -y -qq git" in before[1]
    assert before[2].endswith(
        'pip install --quiet --disable-pip-version-check "$FLOWCATALOG_PIP_SPEC"'
    )
    for name, job in data.items():
        if isinstance(job, dict) and "artifacts" in job:
            assert job["artifacts"]["when"] == "always", name


@pytest.mark.parametrize("job", ["flowcatalog:full", "flowcatalog:online", "flowcatalog:merge"])
def test_coverage_regex_reads_the_real_summary_line(
    job: str, run_cli: RunCli, in_repo: Path
) -> None:
    regex = _load("flowcatalog.gitlab-ci.yml")[job]["coverage"]
    assert regex == "/coverage (\\d+\\.\\d+)%/"
    output = run_cli("check").out
    found = re.search(regex.strip("/"), output)
    assert found is not None
    assert found.group(1) == "100.0"
    assert re.search(regex.strip("/"), "coverage 0.0% (0/1 cells documented)") is not None


def test_note_job_updates_its_own_note_and_skips_without_a_token() -> None:
    data = _load("flowcatalog.gitlab-ci.yml")
    note = data["flowcatalog:note"]
    assert note["rules"] == [
        {"if": '$CI_PIPELINE_SOURCE == "merge_request_event"', "when": "always"}
    ]
    assert note["needs"] == [{"job": "flowcatalog:changed", "artifacts": True}]
    assert note["allow_failure"] is True
    script = "\n".join(note["script"])
    assert 'FLOWCATALOG_NOTE_TOKEN is not set; no merge-request note"; exit 0' in script
    assert 'marker = "<!-- flowcatalog:summary -->"' in script
    assert 'call("PUT"' in script
    changed = data["flowcatalog:changed"]
    assert any("markdown=flowcatalog-report/summary.md" in line for line in changed["script"])


def test_pre_commit_hook() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert hook["entry"] == "flowcatalog check --strict"
    assert hook["require_serial"] is True
    assert "types_or" not in hook  # files alone decide, so the catalog is seen
    files = re.compile(hook["files"])
    for name in (
        "catalog.yaml",
        "teams/growth/catalog.yaml",
        ".flowcatalog.yaml",
        ".flowcatalog-baseline.json",
        ".lycheeignore",
        "docs/a.md",
        "docs/a.markdown",
        "docs/a.html.md.erb",
        "site/index.html",
    ):
        assert files.search(name), name
    for name in ("docs/catalog.yaml.bak", "notes.txt", "my-catalog.yaml", "a.htm"):
        assert not files.search(name), name
