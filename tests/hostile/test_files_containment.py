"""Nothing outside the repository is read unless named on the command line; walks and globs
follow no symlink out of their tree and never loop; only regular files are read; the user
information of a URL never reaches any output."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RunCli

SECRET = "ghp_canaryTokenFromOutside42"
FIGMA = "https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/X?node-id="


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Path]:
    """A git working tree ``tmp/repo`` (the working directory), with a secret-bearing page
    outside it at ``tmp/outside/secret.md``."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "docs").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(
        f"# Secret\n\n[x](https://admin:{SECRET}@internal.example/)\n"
    )
    old = Path.cwd()
    os.chdir(root)
    try:
        yield root
    finally:
        os.chdir(old)


def _catalog(root: Path, *pages: str) -> None:
    listed = "pages:\n" + "".join(f"  - path: {page}\n" for page in pages) if pages else ""
    (root / "catalog.yaml").write_text(
        "version: 1\n" + listed + "deployments:\n  - {id: saas, name: SaaS}\n"
        "stages:\n  - id: trial\n    name: Trial\n    flows:\n      - name: Purchase\n"
        f"        deployments: [saas]\n        links: ['{FIGMA}1-2']\n"
    )


def _everything(run_cli: RunCli, *args: str) -> tuple[int, str]:
    """The exit code of ``check`` and everything it wrote, in every format."""
    result = run_cli("check", *args, "--format", "json", "--report", "sarif=out.sarif",
                     "--report", "html=out.html", "--report", "markdown=out.md")  # fmt: skip
    written = "".join(Path(name).read_text() for name in ("out.sarif", "out.html", "out.md"))
    links = run_cli("links", *args)
    return result.code, result.out + result.err + written + links.out + links.err


@pytest.mark.parametrize("entry", ["../outside/secret.md", "ABSOLUTE", "docs/link.md"])
def test_catalog_pages_outside_the_repository_are_findings_not_reads(
    run_cli: RunCli, repo: Path, entry: str
) -> None:
    secret_page = repo.parent / "outside" / "secret.md"
    (repo / "docs" / "link.md").symlink_to(secret_page)
    if entry == "ABSOLUTE":
        entry = str(secret_page)
    _catalog(repo, entry)
    code, out = _everything(run_cli)
    assert SECRET not in out
    assert "internal.example" not in out  # not read at all
    findings = json.loads(run_cli("check", "--format", "json").out)["findings"]
    outside = [f for f in findings if f["rule"] == "page-outside-repository"]
    assert [(f["path"], f["line"], f["column"]) for f in outside] == [("catalog.yaml", 3, 5)]
    assert code == 1


def test_a_page_named_on_the_command_line_is_read_wherever_it_is(
    run_cli: RunCli, repo: Path
) -> None:
    result = run_cli("links", str(repo.parent / "outside" / "secret.md"))
    assert result.out == "https://***@internal.example/\n"  # read, and still redacted


def test_walk_leaves_out_a_committed_symlink_to_outside(run_cli: RunCli, repo: Path) -> None:
    (repo / "docs" / "ok.md").write_text("# Ok\n\n[a](https://example.com/a)\n")
    (repo / "docs" / "evil.md").symlink_to(repo.parent / "outside" / "secret.md")
    (repo / "docs" / "inside.md").symlink_to(repo / "docs" / "ok.md")
    result = run_cli("check", "docs", "--format", "json")
    assert SECRET not in result.out
    data = json.loads(result.out)
    assert data["sources"] == ["docs/inside.md", "docs/ok.md"]
    assert [(f["rule"], f["path"]) for f in data["findings"]] == [
        ("page-outside-repository", "docs/evil.md")
    ]


def test_glob_does_not_follow_a_symlink_to_the_root_and_does_not_loop(
    run_cli: RunCli, repo: Path
) -> None:
    (repo / "docs" / "sub").mkdir()
    (repo / "docs" / "sub" / "a.md").write_text("# A\n")
    (repo / "docs" / "x").symlink_to("/")
    (repo / "docs" / "sub" / "loop").symlink_to(repo / "docs")
    started = time.monotonic()
    result = run_cli("links", "--occurrences", "docs/**/*.md")
    assert time.monotonic() - started < 5
    assert result.code == 0, result.err
    for_walk = run_cli("check", "docs/**/*.md", "--format", "json")
    assert json.loads(for_walk.out)["sources"] == ["docs/sub/a.md"]
    assert run_cli("check", "docs", "--format", "json").out == for_walk.out


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("docs/*.md", ["docs/a.md"]),
        ("docs/**/*.md", ["docs/a.md", "docs/sub/b.md", "docs/sub/deep/c.md"]),
        ("docs/**", ["docs/a.md", "docs/sub/b.md", "docs/sub/deep/c.md"]),
        ("docs/s*", ["docs/sub/b.md", "docs/sub/deep/c.md"]),
        ("**/c.md", ["docs/sub/deep/c.md"]),
        ("docs/?.md", ["docs/a.md"]),
        ("docs/[ab].md", ["docs/a.md"]),
    ],
)
def test_glob_matches_as_shell_globs_do(
    run_cli: RunCli, repo: Path, pattern: str, expected: list[str]
) -> None:
    for name in ("docs/a.md", "docs/sub/b.md", "docs/sub/deep/c.md", "docs/.hidden/d.md"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text("# T\n")
    result = run_cli("check", pattern, "--format", "json")
    assert json.loads(result.out)["sources"] == expected, result.err


def test_a_fifo_page_is_one_line_never_a_hang(run_cli: RunCli, repo: Path) -> None:
    os.mkfifo(repo / "docs" / "pipe.md")
    result = run_cli("check", "docs/pipe.md")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "flowcatalog: error: docs/pipe.md: not a regular file (a FIFO, device or socket); "
        "not read as a page\n"
    )


def test_dev_zero_as_catalog_is_one_line(run_cli: RunCli, repo: Path) -> None:
    result = run_cli("check", "--catalog", "/dev/zero")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "flowcatalog: error: /dev/zero: not a regular file (a FIFO, device or socket); "
        "not read as a file\n"
    )


def test_credentials_in_a_page_are_redacted_everywhere(run_cli: RunCli, repo: Path) -> None:
    (repo / "docs" / "p.md").write_text(
        f"# P\n\nSee https://bob:{SECRET}@ci.example/job and "
        f"[the job](https://bob:{SECRET}@ci.example/job2) and <a href='//x:{SECRET}@h.example/'>h</a>.\n"
    )
    code, out = _everything(run_cli, "docs/p.md")
    occurrences = run_cli("links", "--occurrences", "--format", "json", "docs/p.md").out
    assert SECRET not in out + occurrences
    assert "https://***@ci.example/job" in out
    findings = json.loads(run_cli("check", "docs/p.md", "--format", "json").out)["findings"]
    assert [(f["rule"], f["line"], f["column"], f["url"]) for f in findings] == [
        ("url-credentials", 3, 5, "https://***@ci.example/job"),
        ("url-credentials", 3, 65, "https://***@ci.example/job2"),
        ("url-credentials", 3, 140, "//***@h.example/"),  # protocol-relative: redacted too
    ]
    assert findings[0]["message"].startswith("URL carries credentials")
    assert code == 1


def test_credentials_in_the_catalog_are_redacted_everywhere(run_cli: RunCli, repo: Path) -> None:
    _catalog(repo)
    text = (repo / "catalog.yaml").read_text()
    (repo / "catalog.yaml").write_text(
        text + f"future_iterations:\n  - title: CI\n    links: ['https://u:{SECRET}@ci.example/']\n"
    )
    code, out = _everything(run_cli)
    assert SECRET not in out
    assert "https://***@ci.example/" in out
    assert code == 1


def test_anchor_check_never_reads_a_linked_page_outside_the_repository(
    run_cli: RunCli, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flowcatalog.pipeline import site

    read: list[str] = []
    original = site.read_page  # type: ignore[attr-defined]

    def spy(path: str, **kwargs: object) -> object:
        read.append(os.path.realpath(path))
        return original(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(site, "read_page", spy)
    (repo / "docs" / "evil.md").symlink_to(repo.parent / "outside" / "secret.md")
    (repo / "docs" / "inside.md").write_text("# Inside\n\n## Part\n")
    (repo / "docs" / "a.md").write_text("# A\n\n[s](evil.md#secret) and [i](inside.md#part)\n")
    result = run_cli("check", "docs/a.md", "--format", "json")
    assert result.code in (0, 1), result.err
    assert str((repo / "docs" / "inside.md").resolve()) in read  # the check does read pages
    assert str((repo.parent / "outside" / "secret.md").resolve()) not in read
