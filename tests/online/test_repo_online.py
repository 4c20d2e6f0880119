"""The repository's own catalog, online against a fake Figma API: its 10 Figma links cost one
API call, every node is verified and named, and a second run costs no ``/nodes`` call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.conftest import RunCli
from tests.online_support import FakeFigma, local_server, url

KEY = "DCq7K8Srsv79tbH1yRkGbl"
NODES = [
    "28:28",
    "72:35",
    "96:59",
    "138:97",
    "143:0",
    "202:27",
    "252:242",
    "302:5577",
    "626:134",
    "626:222",
]


def test_repo_catalog_costs_one_figma_call(
    run_cli: RunCli, in_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIGMA_TOKEN", "figd_test-token")
    fake = FakeFigma(
        "figd_test-token",
        {KEY: ("Document user flows", "42", {n: (f"Frame {n}", "FRAME") for n in NODES})},
    )
    server: HTTPServer
    with local_server() as server:
        fake.install(server)
        args = [
            "check",
            "--online",
            "--exclude",
            "gitlab\\.com",
            "--figma-api",
            url(server, ""),
            "--cache",
            str(tmp_path / "cache.sqlite3"),
            "--quiet",
            "--format",
            "json",
        ]
        first = run_cli(*args)
        assert first.code == 0, first.err
        assert len(fake.calls("/nodes")) == 1
        report = json.loads(first.out)
        figma = [link for link in report["links"] if link["figma"] is not None]
        assert len(figma) == 10
        assert {link["status"] for link in figma} == {"ok"}
        assert {link["figma_details"]["node_name"] for link in figma} == {
            f"Frame {n}" for n in NODES
        }
        second = run_cli(*args)
        assert second.code == 0, second.err
        assert len(fake.calls("/nodes")) == 1  # the warm run reused the node results
        assert len(fake.calls("/meta")) == 1
