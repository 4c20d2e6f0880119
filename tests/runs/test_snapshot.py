"""``flowcatalog snapshot`` and the design-change check, end to end against a fake Figma API
and a fake image host on another port (both pytest-httpserver on 127.0.0.1)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.conftest import RunCli
from tests.online_support import FakeFigma, FakeImageHost, local_server, png, url

TOKEN = "figd_CANARY-snapshot-7c1e-do-not-leak"
KEY_A = "DCq7K8Srsv79tbH1yRkGbl"
KEY_B = "Zz9Yy8Xx7Ww6Vv5Uu4Tt3S"

CATALOG = f"""\
version: 1
title: Snapshot test
deployments:
  - {{id: saas, name: SaaS}}
  - {{id: self-managed, name: Self-managed}}
stages:
  - id: trial
    name: Trial
    flows:
      - name: Trial SaaS
        deployments: [saas]
        links: [https://www.figma.com/design/{KEY_A}/Flows?node-id=1-2]
      - name: Trial SM
        deployments: [self-managed]
        links: [https://www.figma.com/design/{KEY_A}/Flows?node-id=3-4]
  - id: renewal
    name: Renewal
    flows:
      - name: Renewal
        deployments: [saas, self-managed]
        links: [https://www.figma.com/file/{KEY_B}/Other?node-id=5%3A6]
"""


@pytest.fixture
def servers() -> Iterator[tuple[HTTPServer, HTTPServer]]:
    with local_server() as api, local_server() as images:
        yield api, images


@pytest.fixture
def fakes(
    servers: tuple[HTTPServer, HTTPServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[FakeFigma, FakeImageHost]:
    api, images = servers
    figma = FakeFigma(
        TOKEN,
        {
            KEY_A: (
                "Flows",
                "100",
                {"1:2": ("Trial / SaaS", "FRAME"), "3:4": ("Trial / SM", "FRAME")},
            ),
            KEY_B: ("Other", "200", {"5:6": ("Renewal", "FRAME")}),
        },
    )
    figma.image_base = url(images, "")
    figma.install(api)
    host = FakeImageHost()
    host.images = {
        (KEY_A, "1:2"): png((250, 250, 250), box=True),
        (KEY_A, "3:4"): png((200, 230, 250)),
        (KEY_B, "5:6"): png((250, 240, 200), (1200, 900)),
    }
    host.install(images)
    monkeypatch.setenv("FIGMA_TOKEN", TOKEN)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    for name in ("CI_PROJECT_URL", "GITHUB_SERVER_URL"):
        monkeypatch.delenv(name, raising=False)
    return figma, host


def _args(api: HTTPServer, *extra: str) -> list[str]:
    return ["--figma-api", url(api, ""), "--include-private", "--no-cache", "--quiet", *extra]


def _snapshot(run_cli: RunCli, api: HTTPServer) -> tuple[int, str]:
    done = run_cli("snapshot", *_args(api))
    return done.code, done.err


def test_snapshot_records_nodes_and_thumbnails(
    in_tmp: Path, run_cli: RunCli, servers: tuple[HTTPServer, HTTPServer],
    fakes: tuple[FakeFigma, FakeImageHost],
) -> None:  # fmt: skip
    figma, host = fakes
    (in_tmp / "catalog.yaml").write_text(CATALOG)
    code, err = _snapshot(run_cli, servers[0])
    assert (code, err) == (0, "")
    body = json.loads((in_tmp / ".flowcatalog/figma.json").read_text())
    assert body["version"] == 1
    assert body["taken_at"] == "2026-01-01T00:00:00Z"
    rows = [(n["api_key"], n["node_id"], n["node_name"], n["file_version"]) for n in body["nodes"]]
    assert rows == [
        (KEY_A, "1:2", "Trial / SaaS", "100"),
        (KEY_A, "3:4", "Trial / SM", "100"),
        (KEY_B, "5:6", "Renewal", "200"),
    ]
    for node in body["nodes"]:
        data = (in_tmp / ".flowcatalog" / node["thumbnail"]).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(data) <= 40_000
        assert hashlib.sha256(data).hexdigest() == node["thumbnail_sha256"]
        assert node["thumbnail"] == f"thumbnails/{node['thumbnail_sha256']}.png"
        assert node["width"] <= 320
        assert node["last_modified"] == "2024-05-02T10:11:12Z"
    # one /nodes and one /images call per file; three downloads, none carrying the token
    assert len(figma.calls("nodes")) == 2
    assert sorted(p.split("?")[0] for p in figma.calls("") if "/images/" in p) == [
        f"/v1/images/{KEY_A}",
        f"/v1/images/{KEY_B}",
    ]
    assert len(host.requests) == 3
    for path, headers in host.requests:
        assert TOKEN not in path
        assert not any(TOKEN in f"{k}: {v}" for k, v in headers.items())
        assert "X-Figma-Token" not in headers


def test_snapshot_again_costs_no_image_call(
    in_tmp: Path, run_cli: RunCli, servers: tuple[HTTPServer, HTTPServer],
    fakes: tuple[FakeFigma, FakeImageHost], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    figma, host = fakes
    (in_tmp / "catalog.yaml").write_text(CATALOG)
    assert _snapshot(run_cli, servers[0])[0] == 0
    first = (in_tmp / ".flowcatalog/figma.json").read_text()
    figma.requests.clear()
    host.requests.clear()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767312000")  # a day later: nothing changed
    assert _snapshot(run_cli, servers[0])[0] == 0
    assert (in_tmp / ".flowcatalog/figma.json").read_text() == first
    assert [p for p, _ in figma.requests if "/images/" in p] == []
    assert host.requests == []
    # file B moves on: only its node is rendered again, with one /images call
    figma.files[KEY_B] = ("Other", "201", {"5:6": ("Renewal", "FRAME")})
    host.images[(KEY_B, "5:6")] = png((10, 120, 10), (1200, 900))
    figma.requests.clear()
    assert _snapshot(run_cli, servers[0])[0] == 0
    assert [p.split("?")[0] for p, _ in figma.requests if "/images/" in p] == [
        f"/v1/images/{KEY_B}"
    ]
    assert json.loads((in_tmp / ".flowcatalog/figma.json").read_text())["taken_at"] == (
        "2026-01-02T00:00:00Z"  # something changed: the new time
    )
    thumbnails = sorted(p.name for p in (in_tmp / ".flowcatalog/thumbnails").iterdir())
    assert len(thumbnails) == 3  # the replaced thumbnail is removed


def test_snapshot_needs_a_token(
    in_tmp: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FIGMA_TOKEN", raising=False)
    (in_tmp / "catalog.yaml").write_text(CATALOG)
    done = run_cli("snapshot")
    assert done.code == 2
    assert (
        done.err
        == "flowcatalog: error: snapshot needs a Figma token in FIGMA_TOKEN (scope file_content:read)\n"
    )


def test_offline_check_shows_the_snapshot(
    in_tmp: Path, run_cli: RunCli, servers: tuple[HTTPServer, HTTPServer],
    fakes: tuple[FakeFigma, FakeImageHost], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    (in_tmp / "catalog.yaml").write_text(CATALOG)
    missing = run_cli("check", "--format", "html")
    assert missing.code == 0
    assert (
        '<p class="notice" role="note">No Figma snapshot yet: 3 Figma nodes shown by id.'
    ) in missing.out
    assert missing.out.count("thumbnail after <code>flowcatalog snapshot</code>") == 4
    assert ">Figma node 1:2<" in missing.out
    note = run_cli("check", "--format", "markdown").out
    assert (
        "No Figma snapshot yet: 3 Figma nodes shown by id. Run `flowcatalog snapshot` with "
        "`FIGMA_TOKEN` and commit `.flowcatalog/` to show their names and thumbnails here."
    ) in note
    assert _snapshot(run_cli, servers[0])[0] == 0
    monkeypatch.delenv("FIGMA_TOKEN")
    done = run_cli("check", "--format", "html")
    assert done.code == 0
    assert "No Figma snapshot" not in done.out
    for name in ("Trial / SaaS", "Trial / SM", "Renewal"):
        assert f">{name}<" in done.out
    assert done.out.count('src="data:image/png;base64,') == 4  # one per cell
    links = json.loads(run_cli("check", "--format", "json").out)["links"]
    node = next(link["figma_node"] for link in links if link["figma"]["node_id"] == "1:2")
    assert node == {
        "node_name": "Trial / SaaS",
        "node_type": "FRAME",
        "file_name": "Flows",
        "file_version": "100",
        "last_modified": "2024-05-02T10:11:12Z",
        "thumbnail": node["thumbnail"],
    }
    assert node["thumbnail"].startswith(".flowcatalog/thumbnails/")
    summary = run_cli("check", "--format", "markdown").out
    assert (
        f"| Trial | documented (1 link): [Trial / SaaS](<https://www.figma.com/design/{KEY_A}/"
        "Flows?node-id=1-2>) |"
    ) in summary
    # showing the snapshot needs neither the network modules nor Pillow
    code = (
        "import sys\n"
        "from flowcatalog.cli.main import main\n"
        "main(['check', '--format', 'html', '-o', 'o.html'])\n"
        "heavy = {'requests', 'urllib3', 'PIL', 'flowcatalog.online.figma_images'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    probe = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert probe.stdout.strip() == "[]", probe.stderr


def _online(run_cli: RunCli, api: HTTPServer) -> tuple[int, list[tuple[str, str, str]]]:
    done = run_cli("check", "--online", *_args(api), "--format", "json")
    findings = json.loads(done.out)["findings"]
    return done.code, [
        (f["rule"], f["severity"], f["message"])
        for f in findings
        if f["rule"].startswith("design-")
    ]


def test_design_changed_only_when_pixels_change(
    in_tmp: Path, run_cli: RunCli, servers: tuple[HTTPServer, HTTPServer],
    fakes: tuple[FakeFigma, FakeImageHost],
) -> None:  # fmt: skip
    figma, host = fakes
    api = servers[0]
    (in_tmp / "catalog.yaml").write_text(CATALOG)
    assert _snapshot(run_cli, api)[0] == 0
    # nothing changed: no /images call, no finding
    figma.requests.clear()
    host.requests.clear()
    assert _online(run_cli, api) == (0, [])
    assert [p for p, _ in figma.requests if "/images/" in p] == []
    assert host.requests == []
    # a new version of file A whose frames look the same: one /images call, silent
    figma.files[KEY_A] = ("Flows", "101", figma.files[KEY_A][2])
    figma.requests.clear()
    assert _online(run_cli, api) == (0, [])
    assert [p.split("?")[0] for p, _ in figma.requests if "/images/" in p] == [
        f"/v1/images/{KEY_A}"
    ]
    # the frame 1:2 is redrawn: design-changed, still one /images call for file A only
    host.images[(KEY_A, "1:2")] = png((250, 250, 250), box=False)
    figma.requests.clear()
    assert _online(run_cli, api) == (
        0,
        [
            (
                "design-changed",
                "warning",
                "frame 'Trial / SaaS' changed in Figma since it was documented (version 100 → 101); "
                "check the docs, then run 'flowcatalog snapshot' to accept it",
            )
        ],
    )
    assert len([p for p, _ in figma.requests if "/images/" in p]) == 1
    html = run_cli("check", "--online", *_args(api), "--format", "html").out
    assert 'class="change-before"' in html
    assert 'class="change-after"' in html
    summary = run_cli("check", "--online", *_args(api), "--format", "markdown").out.splitlines()
    start = summary.index("### Design changed since documented")
    assert summary[start + 2] == (
        f"- [Trial / SaaS](https://www.figma.com/design/{KEY_A}/Flows?node-id=1-2) changed "
        "(version 100 → 101)"
    )
    # snapshot again accepts the change
    assert _snapshot(run_cli, api)[0] == 0
    assert _online(run_cli, api) == (0, [])
    for path, headers in host.requests:
        assert TOKEN not in path
        assert TOKEN not in json.dumps(headers)


def test_renamed_and_deleted_nodes_are_warnings(
    in_tmp: Path, run_cli: RunCli, servers: tuple[HTTPServer, HTTPServer],
    fakes: tuple[FakeFigma, FakeImageHost],
) -> None:  # fmt: skip
    figma, _ = fakes
    api = servers[0]
    (in_tmp / "catalog.yaml").write_text(CATALOG)
    assert _snapshot(run_cli, api)[0] == 0
    figma.files[KEY_A] = ("Flows", "102", {"1:2": ("Trial / SaaS v2", "FRAME")})
    code, found = _online(run_cli, api)
    assert code == 1  # the deleted node is also an error of its own (node not found)
    assert found == [
        (
            "design-renamed",
            "warning",
            "frame 'Trial / SaaS' was renamed in Figma to 'Trial / SaaS v2' since it was "
            "documented (version 100 → 102)",
        ),
        (
            "design-deleted",
            "warning",
            "frame 'Trial / SM' was deleted in Figma since it was documented (version 100 → 102)",
        ),
    ]


def test_with_a_cache_a_changed_file_is_rendered_once(
    in_tmp: Path, run_cli: RunCli, servers: tuple[HTTPServer, HTTPServer],
    fakes: tuple[FakeFigma, FakeImageHost],
) -> None:  # fmt: skip
    figma, host = fakes
    api = servers[0]
    (in_tmp / "catalog.yaml").write_text(CATALOG)
    assert _snapshot(run_cli, api)[0] == 0
    figma.files[KEY_A] = ("Flows", "101", figma.files[KEY_A][2])
    host.images[(KEY_A, "1:2")] = png((250, 250, 250), box=False)
    cache = str(in_tmp / "c" / "cache.sqlite3")
    args = ["check", "--online", "--figma-api", url(api, ""), "--include-private", "--quiet",
            "--cache", cache, "--format", "json"]  # fmt: skip
    for run in (1, 2):
        figma.requests.clear()
        host.requests.clear()
        done = run_cli(*args)
        findings = json.loads(done.out)["findings"]
        assert [f["rule"] for f in findings if f["rule"].startswith("design")] == ["design-changed"]
        images = [p for p, _ in figma.requests if "/images/" in p]
        if run == 1:  # one /images call for file A, both of its nodes downloaded
            assert len(images) == 1
            assert len(host.requests) == 2
        else:  # the renders of version 101 are cached: no call, no download
            assert images == []
            assert host.requests == []
    assert len(list((in_tmp / "c" / "cache.sqlite3.renders").iterdir())) == 2


def test_text_output_reads_no_snapshot(in_tmp: Path, run_cli: RunCli) -> None:
    """A pre-commit run (text) never reads the snapshot: a broken one does not even matter."""
    (in_tmp / "catalog.yaml").write_text(CATALOG)
    (in_tmp / ".flowcatalog").mkdir()
    (in_tmp / ".flowcatalog/figma.json").write_text("{not json")
    assert run_cli("check").code == 0
    done = run_cli("check", "--format", "html")
    assert done.code == 2
    assert done.err.startswith("flowcatalog: error: .flowcatalog/figma.json: not a JSON snapshot: ")
