"""``check --report FORMAT=PATH`` and ``--changed-since REF`` through the command line."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from flowcatalog.errors import InputError
from flowcatalog.runs.changed import changed_files, select
from tests.conftest import RunCli

REPO = Path(__file__).resolve().parents[2]
CATALOG = str(REPO / "catalog.yaml")


@pytest.fixture(autouse=True)
def _fixed_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports carry the run's time: pin it, so two runs render byte for byte alike."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")


def test_report_writes_several_formats_in_one_run(run_cli: RunCli, tmp_path: Path) -> None:
    targets = {
        "junit": tmp_path / "out" / "junit.xml",
        "codequality": tmp_path / "gl-code-quality.json",
        "html": tmp_path / "coverage.html",
        "badge": tmp_path / "badge.svg",
    }
    (tmp_path / "out").mkdir()
    args = [a for fmt, p in targets.items() for a in ("--report", f"{fmt}={p}")]
    result = run_cli("check", "--catalog", CATALOG, "--format", "json", *args)
    assert result.code in (0, 1), result.err
    assert json.loads(result.out)["version"] == 1
    for fmt, path in targets.items():
        alone = run_cli("check", "--catalog", CATALOG, "--format", fmt)
        assert path.read_text("utf-8") == alone.out, fmt
    leftovers = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert leftovers == ["badge.svg", "coverage.html", "gl-code-quality.json", "junit.xml"]


def test_report_keeps_no_colour(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    result = run_cli("--color", "always", "check", "--catalog", CATALOG, "--report", f"text={path}")
    assert "\x1b[" in result.out
    assert "\x1b[" not in path.read_text("utf-8")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("junit", "--report 'junit': expected FORMAT=PATH, e.g. junit=report.xml"),
        ("junit=", "--report 'junit=': expected FORMAT=PATH, e.g. junit=report.xml"),
        (
            "pdf=x.pdf",
            "--report 'pdf=x.pdf': unknown format 'pdf'; one of: badge, codequality, github, "
            "html, json, junit, markdown, sarif, text",
        ),
    ],
)
def test_report_bad_value_is_a_usage_error(run_cli: RunCli, value: str, message: str) -> None:
    result = run_cli("check", "--catalog", CATALOG, "--report", value)
    assert (result.code, result.out, result.err) == (2, "", f"flowcatalog: error: {message}\n")


def test_report_same_path_twice_is_a_usage_error(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "x"
    result = run_cli(
        "check", "--catalog", CATALOG, "--report", f"json={path}", "--report", f"html={path}"
    )
    assert result.code == 2
    assert result.err == f"flowcatalog: error: --report: {str(path)!r} is given more than once\n"
    assert not path.exists()


def test_report_unwritable_path_is_exit_2(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "missing-dir" / "r.xml"
    result = run_cli("check", "--catalog", CATALOG, "--report", f"junit={path}")
    assert result.code == 2
    assert result.err.startswith(f"flowcatalog: error: {path}: cannot write: ")


# --- --changed-since ----------------------------------------------------------------------

PAGE = """\
# Lifecycle

## Trial

- [Trial flow](https://www.figma.com/design/AbCdEfGhIjKlMnOpQrStUv/x?node-id=1-2)
"""


def _git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_SYSTEM": os.devnull,
    }
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture
def handbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repo with three pages on main, then a branch that changes one of them."""
    repo = tmp_path / "handbook"
    (repo / "docs").mkdir(parents=True)
    for name in ("a", "b", "c"):
        (repo / "docs" / f"{name}.md").write_text(PAGE.replace("Lifecycle", name), "utf-8")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "pages")
    _git(repo, "checkout", "-q", "-b", "change")
    page = repo / "docs" / "b.md"
    page.write_text(PAGE + "- \n", "utf-8")  # an empty list item: a finding
    _git(repo, "commit", "-q", "-am", "edit b")
    monkeypatch.chdir(repo)
    return repo


def test_changed_files_committed_uncommitted_and_untracked(handbook: Path) -> None:
    (handbook / "docs" / "c.md").write_text("# c\n\nedited\n", "utf-8")
    (handbook / "new.md").write_text("# new\n", "utf-8")
    (handbook / "docs" / "a.md").unlink()
    found = changed_files("main", cwd=str(handbook / "docs"))
    real = os.path.realpath(handbook)
    assert found == {f"{real}/docs/b.md", f"{real}/docs/c.md", f"{real}/new.md"}


def test_changed_files_bad_ref_is_an_input_error(handbook: Path) -> None:
    with pytest.raises(InputError, match="cannot diff against 'nope'"):
        changed_files("nope")
    with pytest.raises(InputError, match="not a git revision"):
        changed_files("--output=x")


def test_select_keeps_changed_pages_and_the_catalog_they_are_documented_in(
    tmp_path: Path,
) -> None:
    changed = frozenset({os.path.realpath(tmp_path / "b.md")})
    pages = [str(tmp_path / n) for n in ("a.md", "b.md")]
    catalog = str(tmp_path / "catalog.yaml")
    assert select(pages, changed, catalog_path=None).pages == (pages[1],)
    scope = select(pages, changed, catalog_path=catalog, catalog_pages=[pages[0]])
    assert (scope.pages, scope.catalog) == ((pages[1],), False)
    scope = select(pages, changed, catalog_path=catalog, catalog_pages=[pages[1]])
    assert (scope.pages, scope.catalog) == ((pages[1],), True)
    touched = changed | {os.path.realpath(catalog)}
    assert select([], touched, catalog_path=catalog).catalog is True


def test_changed_since_checks_only_the_changed_page(run_cli: RunCli, handbook: Path) -> None:
    whole = run_cli("check", "docs", "--format", "json")
    assert json.loads(whole.out)["sources"] == ["docs/a.md", "docs/b.md", "docs/c.md"]
    result = run_cli("check", "docs", "--changed-since", "main", "--format", "json")
    report = json.loads(result.out)
    assert report["sources"] == ["docs/b.md"]
    assert {f["path"] for f in report["findings"]} == {"docs/b.md"}
    assert [loc["path"] for link in report["links"] for loc in link["locations"]] == ["docs/b.md"]
    assert result.code == whole.code


def test_changed_since_without_paths_checks_every_changed_page(
    run_cli: RunCli, handbook: Path
) -> None:
    """Not only the pages the catalog lists: a changed page with an empty link target that
    no catalog lists fails the merge request as it fails pre-commit."""
    (handbook / "catalog.yaml").write_text(
        "version: 1\npages: [{path: docs/a.md}]\ndeployments: [{id: saas, name: SaaS}]\n"
        "stages: []\n",
        "utf-8",
    )
    _git(handbook, "add", "catalog.yaml")
    _git(handbook, "commit", "-q", "-m", "catalog")
    (handbook / "notes").mkdir()
    (handbook / "notes" / "new.md").write_text("# New\n\nSee [the flow]().\n", "utf-8")
    result = run_cli("check", "--changed-since", "main", "--format", "json")
    report = json.loads(result.out)
    assert report["sources"] == ["catalog.yaml", "docs/b.md", "notes/new.md"]
    rules = {(f["path"], f["rule"]) for f in report["findings"]}
    assert ("notes/new.md", "page-link-empty-target") in rules
    assert result.code == 1


def test_changed_since_never_lints_its_own_reports(run_cli: RunCli, handbook: Path) -> None:
    """A Markdown summary left by an earlier run (an untracked file, as in a CI build
    directory) is an output of this run, not a changed page."""
    (handbook / "out").mkdir()
    args = ("check", "--changed-since", "main", "--report", "markdown=out/summary.md")
    first = run_cli(*args)
    assert (handbook / "out" / "summary.md").exists()
    second = run_cli(*args)
    assert "out/summary.md" not in second.out
    assert second.out == first.out


def test_changed_since_with_nothing_changed_checks_nothing(run_cli: RunCli, handbook: Path) -> None:
    result = run_cli("check", "docs", "--changed-since", "HEAD", "--format", "json")
    assert result.code == 0
    report = json.loads(result.out)
    assert (report["sources"], report["findings"], report["links"]) == ([], [], [])


def test_reports_carry_the_run_time(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    run_cli("check", "--catalog", CATALOG, "--report", f"junit={path}")
    assert 'timestamp="2026-09-21T14:13:20Z"' in path.read_text("utf-8")


def test_bad_source_date_epoch_is_a_usage_error(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    result = run_cli("check", "--catalog", CATALOG)
    assert (result.code, result.err) == (
        2,
        "flowcatalog: error: SOURCE_DATE_EPOCH='soon' is not a Unix time\n",
    )


def test_pretty_indents_every_json_output(run_cli: RunCli, tmp_path: Path) -> None:
    """JSON is compact by default; ``--pretty`` indents it, in the main output and in every
    ``--report`` file, and changes no other format."""
    sarif = tmp_path / "r.sarif"
    junit = tmp_path / "r.xml"
    reports = ("--report", f"sarif={sarif}", "--report", f"junit={junit}")
    compact = run_cli("check", "--catalog", CATALOG, "--format", "json", *reports)
    sarif_compact, junit_plain = sarif.read_text("utf-8"), junit.read_text("utf-8")
    pretty = run_cli("check", "--catalog", CATALOG, "--format", "json", "--pretty", *reports)
    assert compact.out.count("\n") == 1
    assert pretty.out == json.dumps(json.loads(compact.out), indent=2, ensure_ascii=False) + "\n"
    assert sarif_compact.count("\n") == 1
    assert sarif.read_text("utf-8") == (
        json.dumps(json.loads(sarif_compact), indent=2, ensure_ascii=False) + "\n"
    )
    assert junit.read_text("utf-8") == junit_plain
    text = run_cli("check", "--catalog", CATALOG)
    assert run_cli("check", "--catalog", CATALOG, "--pretty").out == text.out
