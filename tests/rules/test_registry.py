"""rules.registry: every rule registered once, unread rules marked; and ``python -m flowcatalog`` runs the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO


def test_python_dash_m_runs_the_cli() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "flowcatalog", "check", "--format", "json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["version"] == 1


def test_registry_holds_each_rule_once_and_unread_rules_are_marked() -> None:
    from flowcatalog.rules.registry import all_rules

    ids = [info.id for info in all_rules()]
    assert len(ids) == len(set(ids))
    unread = {info.id for info in all_rules() if info.unread}
    assert unread == {
        "catalog-schema",
        "unknown-key",
        "duplicate-key",
        "page-encoding",
        "page-binary",
        "page-too-large",
        "page-unparsable",
        "page-not-found",
        "page-outside-repository",
        "input-error",
    }


def test_every_rule_constant_in_the_package_is_registered() -> None:
    import importlib
    import pkgutil

    import flowcatalog
    from flowcatalog.findings import Rule
    from flowcatalog.rules.registry import all_rules

    registered = set(all_rules())
    declared: set[Rule] = set()
    for info in pkgutil.walk_packages(flowcatalog.__path__, "flowcatalog."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        declared.update(v for v in vars(module).values() if isinstance(v, Rule))
    assert declared - registered == set()
    assert registered - declared == set()
