"""``flowcatalog history`` on a fixture repository whose history fills and then empties cells,
and the inline SVG chart of the series."""

from __future__ import annotations

import json
import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from flowcatalog.errors import InputError
from flowcatalog.reporters import svg_chart
from flowcatalog.runs.history import series, to_csv
from flowcatalog.views import HistoryPoint
from tests.conftest import RunCli

KEY = "DCq7K8Srsv79tbH1yRkGbl"


def _catalog(filled: list[tuple[str, str, int]]) -> str:
    """Stages a, b x deployments x, y; ``filled`` lists (stage, deployment, node) cells."""
    lines = [
        "version: 1",
        "title: History",
        "pages:",
        "  - path: docs/page.md",
        "deployments:",
        "  - {id: x, name: X}",
        "  - {id: y, name: Y}",
        "stages:",
    ]
    for stage in ("a", "b"):
        lines += [f"  - id: {stage}", f"    name: Stage {stage.upper()}"]
        flows = [f for f in filled if f[0] == stage]
        if flows:
            lines.append("    flows:")
        for _, dep, node in flows:
            lines += [
                f"      - name: Flow {stage}{dep}",
                f"        deployments: [{dep}]",
                f"        links: [https://www.figma.com/design/{KEY}/F?node-id={node}-1]",
            ]
    return "\n".join(lines) + "\n"


def _page(filled: list[tuple[str, str, int]], todo: bool = False) -> str:
    """The page: each filled cell's link under its stage's heading, named by its deployment."""
    lines = ["# Page", "", "The flows of each stage." + (" TODO" if todo else "")]
    for stage in ("a", "b"):
        links = [(dep, node) for s, dep, node in filled if s == stage]
        if links:
            lines += ["", f"## Stage {stage.upper()}", ""]
            lines += [
                f"- [{dep.upper()}](https://www.figma.com/design/{KEY}/F?node-id={node}-1)"
                for dep, node in links
            ]
    return "\n".join(lines) + "\n"


def _git(repo: Path, *args: str, date: str = "2026-01-01T00:00:00+00:00") -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
    }  # fmt: skip
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    _git(root, "init", "-q", "-b", "main")
    full = [("a", "x", 1), ("a", "y", 2), ("b", "x", 3), ("b", "y", 4)]
    steps = [
        ("empty matrix", [], False),
        ("fill a/x", full[:1], False),
        ("fill all", full, False),
        ("page gets a TODO", full, True),
        ("designs moved on: empty b", full[:2], True),
    ]
    for day, (subject, cells, todo) in enumerate(steps, start=1):
        (root / "catalog.yaml").write_text(_catalog(cells))
        (root / "docs/page.md").write_text(_page(cells, todo))
        (root / "unrelated.txt").write_text(str(day))
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", subject, date=f"2026-01-0{day}T12:00:00+00:00")
    (root / "unrelated.txt").write_text("x")
    _git(root, "commit", "-q", "-am", "unrelated", date="2026-01-08T12:00:00+00:00")
    (root / "catalog.yaml").write_text("not: [valid")  # the working tree is never read for history
    return root


def _shas(repo: Path) -> list[str]:
    return list(
        reversed(_git(repo, "log", "--format=%H", "--", "catalog.yaml", "docs/page.md").split())
    )


def test_series_is_exact(repo: Path) -> None:
    (repo / "catalog.yaml").write_text(_catalog([("a", "x", 1), ("a", "y", 2)]))
    points = series("catalog.yaml", cwd=str(repo))
    shas = _shas(repo)
    assert [(p.commit, p.date, p.subject) for p in points] == [
        (shas[0], "2026-01-01T12:00:00+00:00", "empty matrix"),
        (shas[1], "2026-01-02T12:00:00+00:00", "fill a/x"),
        (shas[2], "2026-01-03T12:00:00+00:00", "fill all"),
        (shas[3], "2026-01-04T12:00:00+00:00", "page gets a TODO"),
        (shas[4], "2026-01-05T12:00:00+00:00", "designs moved on: empty b"),
    ]
    assert [(p.percent, p.documented, p.total, p.errors, p.warnings) for p in points] == [
        (0.0, 0, 4, 4, 0),  # four missing cells
        (25.0, 1, 4, 3, 0),
        (100.0, 4, 4, 0, 0),
        (100.0, 4, 4, 0, 1),  # the placeholder on the page
        (50.0, 2, 4, 2, 1),
    ]


def test_history_command_formats_and_limits(
    repo: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    (repo / "catalog.yaml").write_text(_catalog([]))
    shas = _shas(repo)
    done = run_cli("history", "--format", "json", "--max-count", "2")
    assert done.code == 0
    assert [(p["commit"], p["percent"]) for p in json.loads(done.out)] == [
        (shas[3], 100.0),
        (shas[4], 50.0),
    ]
    since = run_cli("history", "--format", "csv", "--since", "2026-01-03T00:00:00+00:00")
    assert (
        since.out.splitlines()[0] == "commit,date,percent,documented,total,errors,warnings,subject"
    )
    assert [line.split(",")[2] for line in since.out.splitlines()[1:]] == ["100.0", "100.0", "50.0"]
    text = run_cli("history").out.splitlines()
    assert text[0] == f"2026-01-01  {shas[0][:8]}    0.0% (0/4)  4 errors, 0 warnings  empty matrix"
    assert len(text) == 5
    html = run_cli("check", "--history", "5", "--format", "html").out
    assert '<svg xmlns="http://www.w3.org/2000/svg" id="history-chart"' in html
    assert html.count("<circle ") == 5


def test_history_outside_git_is_one_line(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    (tmp_path / "catalog.yaml").write_text(_catalog([]))
    done = run_cli("history")
    assert done.code == 2
    assert done.err.startswith("flowcatalog: error: git log failed: ")
    assert len(done.err.splitlines()) == 1


def test_chart_is_pure_and_well_formed() -> None:
    points = [
        HistoryPoint("a" * 40, "2026-01-01T00:00:00Z", "one", 0.0, 0, 4, 4, 0),
        HistoryPoint("b" * 40, "2026-01-02T00:00:00Z", "two", 50.0, 2, 4, 2, 1),
        HistoryPoint("c" * 40, "2026-01-03T00:00:00Z", "three", 100.0, 4, 4, 0, 0),
    ]
    svg = svg_chart.render(points)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    line = root.find(f".//{ns}polyline")
    assert line is not None
    assert line.get("points") == "44.0,186.0 336.0,100.0 628.0,14.0"
    assert [c.find(f"{ns}title").text for c in root.iter(f"{ns}circle")][1] == (  # type: ignore[union-attr]
        "2026-01-02 bbbbbbbb: 50.0% (2/4), 2 errors, 1 warnings"
    )
    assert root.find(f"{ns}desc").text == (  # type: ignore[union-attr]
        "Coverage over 3 commits, from 0.0% on 2026-01-01 to 100.0% on 2026-01-03."
    )
    assert svg_chart.render([]) == ""
    assert to_csv(points).count("\n") == 4


def test_markdown_summary_shows_changed_cells_against_the_target(
    repo: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flowcatalog.runs.snapshot import store_thumbnail, write
    from flowcatalog.snapshot import Snapshot, SnapshotNode
    from flowcatalog.thumbnails import make_thumbnail
    from tests.online_support import png

    monkeypatch.chdir(repo)
    monkeypatch.setenv("CI_PROJECT_URL", "https://gitlab.example.com/ux/flows")
    monkeypatch.setenv("CI_COMMIT_SHA", "abc123")
    directory = repo / ".flowcatalog"
    thumbnail = make_thumbnail(png((200, 220, 240)))
    path = store_thumbnail(directory, thumbnail)
    node = SnapshotNode(KEY, "3:1", None, "B / X frame", "FRAME", "F", "7", "2026-01-02T00:00:00Z",
                        path, thumbnail.sha256, thumbnail.width, thumbnail.height)  # fmt: skip
    write(directory, Snapshot((node,), None))
    cells = [("a", "x", 1), ("a", "y", 2), ("b", "x", 3)]
    (repo / "catalog.yaml").write_text(_catalog(cells))
    (repo / "docs/page.md").write_text(_page(cells, todo=True))
    done = run_cli("check", "--format", "markdown", "--target-ref", "HEAD", "--history", "3")
    assert done.code == 1
    lines = done.out.splitlines()
    start = lines.index("### Changed cells")
    raw = f"https://gitlab.example.com/ux/flows/-/raw/abc123/.flowcatalog/{path}"
    link = f"https://www.figma.com/design/{KEY}/F?node-id=3-1"
    assert lines[start - 2 : start + 6] == [
        "Coverage **75.0%** (3/4), **+25.0** points against HEAD (50.0%, 2/4).",
        "",
        "### Changed cells",
        "",
        "| Cell | Before | Now | Figma frames |",
        "|---|---|---|---|",
        f"| Stage B / X | missing | documented | [![B / X frame]({raw})]({link}) |",
        "",
    ]
    assert "Coverage over the last 3 commits: \u2588\u2588\u2585 (100.0% \u2192 50.0%)" in lines
    json_report = run_cli("check", "--format", "json", "--output", "target.json")
    assert json_report.code == 1
    again = run_cli("check", "--format", "markdown", "--target-report", "target.json").out
    assert "**\u00b10.0** points against target.json (75.0%, 3/4)." in again
    assert "No cell changed against target.json." in again


def test_commits_without_a_readable_catalog_are_gaps(tmp_path: Path) -> None:
    from flowcatalog.runs.history import to_text

    root = tmp_path / "gaps"
    (root / "docs").mkdir(parents=True)
    _git(root, "init", "-q", "-b", "main")
    (root / "docs/page.md").write_text(_page([]))
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "page first", date="2026-02-01T00:00:00+00:00")
    (root / "catalog.yaml").write_text("version: 1\nstages: [unclosed\n")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "broken catalog", date="2026-02-02T00:00:00+00:00")
    (root / "catalog.yaml").write_text(
        _catalog([]).replace("  - path: docs/page.md", "  - path: ../outside.md")
    )
    _git(root, "commit", "-q", "-am", "catalog", date="2026-02-03T00:00:00+00:00")
    points = series("catalog.yaml", cwd=str(root))
    assert [(p.subject, p.percent) for p in points] == [
        ("broken catalog", None),
        ("catalog", 0.0),
    ]
    assert (
        to_text(points)
        .splitlines()[0]
        .endswith("   n/a (0/0)  0 errors, 0 warnings  broken catalog")
    )
    assert to_csv(points).splitlines()[1].split(",")[2] == ""
    with pytest.raises(InputError, match="not a date"):
        series("catalog.yaml", cwd=str(root), since="--all")


def test_markdown_summary_edge_cells() -> None:
    from dataclasses import replace

    from flowcatalog.report import ReportContext
    from flowcatalog.reporters import markdown_summary
    from flowcatalog.views import TargetCell, TargetFigures
    from tests.report_fixture import make_report

    report = make_report(online=False)
    assert report.coverage is not None
    cells = tuple(
        replace(c, links=("javascript:alert(1)",)) if c.stage == "trial" and c.links else c
        for c in report.coverage.cells
    )
    report = replace(report, coverage=replace(report.coverage, cells=cells))
    old = [TargetCell(c.stage, c.deployment, c.state.value, tuple(c.links)) for c in cells[1:]]
    old.append(TargetCell("gone", "saas", "documented", ()))
    target = TargetFigures("main", 60.0, 6, 10, tuple(old))
    context = ReportContext(target=target, history=(HistoryPoint("a", "d", "s", None, 0, 0, 0, 0),))
    text = markdown_summary.render(replace(report, context=context))
    assert "**\u221210.0** points against main (60.0%, 6/10)." in text
    assert "| Trial / SaaS | not in the catalog | documented | javascript:alert(1) |" in text
    assert "| gone / SaaS | documented | removed |  |" in text
    assert "Coverage over the last" not in text
    assert markdown_summary.sparkline(()) == ""
