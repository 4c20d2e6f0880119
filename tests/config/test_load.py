"""The configuration file: discovery, schema errors at their position, precedence under the
flags, ``.lycheeignore``, and what ``flowcatalog config`` prints."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from flowcatalog.config.load import discover, glob_match, load
from flowcatalog.errors import InputError
from tests.conftest import RunCli

CATALOG = """\
version: 1
deployments:
  - {id: saas, name: SaaS}
stages:
  - id: trial
    name: Trial
    flows:
      - name: Purchase
        deployments: [saas]
        placeholder: coming soon
"""


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_discovery_walks_up_to_the_repository_top(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    deep = tmp_path / "repo" / "docs" / "team"
    deep.mkdir(parents=True)
    _write(tmp_path / ".flowcatalog.yaml", "{}\n")  # above the repository: never read
    assert discover(str(deep)) is None
    config = _write(tmp_path / "repo" / ".flowcatalog.yaml", "{}\n")
    found = discover(str(deep))
    assert found is not None
    assert os.path.samefile(found, config)
    yml = _write(deep / ".flowcatalog.yml", "{}\n")
    found = discover(str(deep))
    assert found is not None
    assert os.path.samefile(found, yml)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "pages:\n  includes: [docs]\n",
            ".flowcatalog.yaml:2:3: unknown key 'includes' in pages; did you mean 'include'?",
        ),
        (
            "rules:\n  page-placeholder: fatal\n",
            ".flowcatalog.yaml:2:21: rules.page-placeholder must be one of off, info, "
            "warning, error; not 'fatal'",
        ),
        (
            "rules:\n  page-placehodler: error\n",
            ".flowcatalog.yaml:2:3: unknown rule 'page-placehodler' in rules; "
            "did you mean 'page-placeholder'?",
        ),
        (
            "online:\n  timeout: 5\n  timeout: 6\n",
            ".flowcatalog.yaml:3:3: duplicate key 'timeout'; first defined at line 2",
        ),
        (
            "online:\n  exclude: ['(']\n",
            ".flowcatalog.yaml:2:13: invalid regular expression '('",
        ),
        (
            "catalogs: []\nplaceholders: TODO\n",
            ".flowcatalog.yaml:1:11: catalogs needs at least 1 item(s) (and 1 more problem)",
        ),
        ("rules: [\n", ".flowcatalog.yaml:2:1: YAML syntax error"),
    ],
)
def test_schema_errors_stop_the_run_at_their_position(
    in_tmp: Path, text: str, message: str
) -> None:
    _write(in_tmp / ".flowcatalog.yaml", text)
    with pytest.raises(InputError) as caught:
        load(".flowcatalog.yaml")
    assert str(caught.value).startswith(message), str(caught.value)


def test_bad_config_is_one_line_and_exit_2(in_tmp: Path, run_cli: RunCli) -> None:
    _write(in_tmp / "catalog.yaml", CATALOG)
    _write(in_tmp / ".flowcatalog.yaml", "rules:\n  shared-flow: loud\n")
    result = run_cli("check")
    assert result.code == 2
    assert result.err == (
        "flowcatalog: error: .flowcatalog.yaml:2:16: rules.shared-flow must be one of off, "
        "info, warning, error; not 'loud'\n"
    )


def test_off_may_be_written_bare(in_tmp: Path) -> None:
    _write(in_tmp / ".flowcatalog.yaml", "rules:\n  shared-flow: off\n  empty-item: 'off'\n")
    config = load(".flowcatalog.yaml")
    assert [(r.rule, r.severity) for r in config.rules] == [
        ("shared-flow", "off"),
        ("empty-item", "off"),
    ]


def test_paths_are_relative_to_the_file(in_tmp: Path) -> None:
    _write(
        in_tmp / ".flowcatalog.yaml",
        "catalogs: [teams/a/catalog.yaml]\nbaseline: known.json\n"
        "online:\n  cache: .cache/links.sqlite3\n",
    )
    sub = in_tmp / "docs"
    sub.mkdir()
    os.chdir(sub)
    config = load("../.flowcatalog.yaml")
    assert config.catalogs == ("../teams/a/catalog.yaml",)
    assert config.baseline == "../known.json"
    assert dict(config.online)["cache"] == "../.cache/links.sqlite3"
    assert config.relative("guide.md") == "docs/guide.md"


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("docs/archive/**", "docs/archive/2020/old.md", True),
        ("docs/archive/**", "docs/archived.md", False),
        ("**/*.md", "a/b/c.md", True),
        ("**/*.md", "c.md", True),
        ("docs/*.md", "docs/a/b.md", False),
        ("*.html", "site/x/index.html", True),
        ("docs/archive/", "docs/archive/x.md", True),
        ("docs/?.md", "docs/a.md", True),
    ],
)
def test_globs(pattern: str, path: str, matches: bool) -> None:
    assert glob_match(pattern, path) is matches


def test_flags_override_the_file_and_config_says_where_each_came_from(
    in_tmp: Path, run_cli: RunCli
) -> None:
    _write(in_tmp / "catalog.yaml", CATALOG)
    _write(
        in_tmp / ".flowcatalog.yaml",
        "rules:\n  placeholder-cell: error\n"
        "online:\n  timeout: 5\n  max_retries: 4\n  exclude: ['^https://intra\\.']\n",
    )
    _write(in_tmp / ".lycheeignore", "# lychee's list\n^https://old\\.example\\.com/\n\n")
    result = run_cli("config", "--max-retries", "1", "--exclude", "^mailto:", "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["config"] == {"value": ".flowcatalog.yaml", "source": "discovered"}
    assert data["catalogs"] == {"value": ["catalog.yaml"], "source": "default"}
    assert data["rules.placeholder-cell"] == {"value": "error", "source": ".flowcatalog.yaml:2:3"}
    assert data["online.timeout"] == {"value": 5, "source": ".flowcatalog.yaml:4:3"}
    assert data["online.max_retries"] == {"value": 1, "source": "command line"}
    assert data["online.host_concurrency"] == {"value": 8, "source": "default"}
    assert data["online.exclude"] == {
        "value": ["^https://intra\\.", "^https://old\\.example\\.com/", "^mailto:"],
        "source": ".flowcatalog.yaml:6:3, .lycheeignore, command line",
    }
    text = run_cli("config", "--no-config")
    assert text.out.splitlines()[0] == "config            null  # none found".replace(
        "            ", " " * (len("online.host_concurrency") - len("config") + 2)
    )


def test_config_rules_change_the_check(in_tmp: Path, run_cli: RunCli) -> None:
    _write(in_tmp / "catalog.yaml", CATALOG)
    before = run_cli("check")
    assert before.code == 0
    assert "[placeholder-cell]" in before.out
    _write(in_tmp / ".flowcatalog.yaml", "rules:\n  placeholder-cell: error\n")
    assert run_cli("check").code == 1
    _write(in_tmp / ".flowcatalog.yaml", "rules:\n  placeholder-cell: off\n")
    after = run_cli("check")
    assert "[placeholder-cell]" not in after.out
    assert run_cli("check", "--no-config").out == before.out
    _write(in_tmp / "other.yaml", "rules:\n  placeholder-cell: error\n")
    assert run_cli("check", "--config", "other.yaml").code == 1
    missing = run_cli("check", "--config", "nope.yaml")
    assert (missing.code, missing.err) == (
        2,
        "flowcatalog: error: nope.yaml: no such configuration file\n",
    )


def test_per_path_severity_last_match_wins(in_tmp: Path, run_cli: RunCli) -> None:
    _write(in_tmp / "docs" / "a.md", "# A\n\nTODO\n")
    _write(in_tmp / "docs" / "archive" / "old.md", "# Old\n\nTODO\n")
    _write(in_tmp / "docs" / "archive" / "keep.md", "# Keep\n\nTODO\n")
    _write(
        in_tmp / ".flowcatalog.yaml",
        "rules:\n  page-placeholder:\n    severity: error\n    paths:\n"
        "      'docs/archive/**': off\n      'docs/archive/keep.md': info\n",
    )
    result = run_cli("check", "docs")
    assert [line.split(": ")[0:2] for line in result.out.splitlines()[:-1]] == [
        ["docs/a.md:3:1", "error"],
        ["docs/archive/keep.md:3:1", "info"],
    ]
    assert result.code == 1


def test_pages_include_exclude_and_placeholders(in_tmp: Path, run_cli: RunCli) -> None:
    _write(in_tmp / "content" / "a.md", "# A\n\nWIP here\n")
    _write(in_tmp / "content" / "drafts" / "b.md", "# B\n\nWIP\n")
    _write(
        in_tmp / ".flowcatalog.yaml",
        "pages:\n  include: ['content/**/*.md']\n  exclude: [content/drafts/]\n"
        "placeholders: [WIP]\n",
    )
    result = run_cli("check")
    assert result.out.splitlines()[0] == (
        "content/a.md:3:1: warning: placeholder text 'WIP'; write the content or remove it "
        "[page-placeholder]"
    )
    assert "drafts" not in result.out
    # pre-commit passes the configuration along with the changed pages: it is no page
    passed = run_cli("check", ".flowcatalog.yaml", "content/drafts/b.md", "content/a.md")
    assert passed.out == result.out


def test_schema_config_prints_the_published_schema(run_cli: RunCli) -> None:
    result = run_cli("schema", "--config")
    data = json.loads(result.out)
    assert data["title"].startswith("flowcatalog configuration")
    assert set(data["properties"]) >= {"catalogs", "pages", "site", "rules", "online"}


def test_site_keys_are_the_defaults_of_root_dir_and_slug_style(
    in_tmp: Path, run_cli: RunCli
) -> None:
    _write(in_tmp / "site" / "handbook" / "values.md", "# Values\n\n## A - B\n\nx\n")
    _write(
        in_tmp / "site" / "handbook" / "links.md",
        "# Links\n\n[v](/handbook/values/#a---b) [w](/handbook/valuez/)\n",
    )
    page = "site/handbook/links.md"
    assert run_cli("check", page).code == 0  # no site root: '/' links are not checked
    _write(in_tmp / ".flowcatalog.yaml", "site:\n  root_dir: site\n  slug_style: github\n")
    result = run_cli("check", page)
    assert result.out.splitlines()[0].endswith(
        "did you mean '/handbook/values/'? [page-link-broken]"
    )
    assert "#a---b" not in result.out  # github keeps the three hyphens
    flags = run_cli("check", page, "--slug-style", "gitlab")  # the flag wins
    assert "'/handbook/values/' has no heading or id '#a---b'" in flags.out
    shown = json.loads(run_cli("config", "--format", "json").out)
    assert shown["site.root_dir"] == {"value": "site", "source": ".flowcatalog.yaml:2:3"}
