"""The README stays true: the checks table matches the code, the quick start matches CI."""

from __future__ import annotations

import re

from flowcatalog.rules.registry import all_rules, markdown_table
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_checks_table_is_generated_from_the_registry() -> None:
    table = README.split("<!-- rules:begin -->\n", 1)[1].split("<!-- rules:end -->", 1)[0]
    assert table == markdown_table(), "run: python -m flowcatalog.rules README.md"


def test_rule_ids_are_kebab_case_and_unique() -> None:
    ids = [rule.id for rule in all_rules()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule_id) for rule_id in ids)


def test_quick_start_has_two_commands_and_ci_runs_the_second() -> None:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) == 2
    assert commands[0].endswith("flowcatalog check")
    assert "[test]" in commands[1]
    assert commands[1].endswith("pytest")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()
