"""The command line: exact output, exit codes, colour, atomic output files."""

from __future__ import annotations

import json
import os
import shutil
import stat
import threading
from pathlib import Path

import pytest

from tests.conftest import REPO, RunCli

FIGMA = "https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/X?node-id="

TWO_BY_TWO = f"""\
version: 1
deployments:
  - id: saas
    name: SaaS
  - id: dedicated
    name: Dedicated
stages:
  - id: trial
    name: Trial
    flows:
      - name: Purchase
        deployments: [saas]
        links:
          - {FIGMA}1-2
      - name: Dedicated purchase
        deployments: [dedicated]
        placeholder: coming soon
  - id: renewal
    name: Renewal
    flows:
      - name: Renew
        deployments: [saas]
        links:
          - https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/X
"""


def write(tmp: Path, text: str, name: str = "catalog.yaml") -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def readme_sample(command: str) -> str:
    """The output the README shows for ``$ command``."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split(f"```text\n$ {command}\n", 1)[1].split("```", 1)[0]
    return block


def test_repo_check_prints_what_the_readme_shows(run_cli: RunCli, in_repo: Path) -> None:
    result = run_cli("check")
    assert (result.code, result.err) == (0, "")
    assert result.out == readme_sample("flowcatalog check")
    assert "catalog.yaml:87:5: warning: future iteration 2 is empty [empty-item]\n" in result.out


def test_repo_coverage_prints_what_the_readme_shows(run_cli: RunCli, in_repo: Path) -> None:
    result = run_cli("coverage")
    assert (result.code, result.err) == (0, "")
    assert result.out == readme_sample("flowcatalog coverage")


def test_repo_catalog_strict_fails_on_the_empty_item(run_cli: RunCli, in_repo: Path) -> None:
    assert run_cli("check", "--strict").code == 1


def test_repo_catalog_json_contract(run_cli: RunCli, in_repo: Path) -> None:
    result = run_cli("check", "--catalog", "catalog.yaml", "--format", "json")
    assert result.code == 0
    report = json.loads(result.out)
    assert list(report) == ["version", "summary", "coverage", "findings", "links", "sources"]
    assert report["coverage"]["stages"][4] == {"id": "cancelation", "name": "Cancelation"}
    assert report["coverage"]["deployments"] == [
        {"id": "saas", "name": "SaaS"},
        {"id": "self-managed", "name": "Self-managed"},
    ]
    assert report["coverage"]["extra_flows"] == [
        {
            "stage": "renewal",
            "name": "Emails",
            "links": [
                "https://www.figma.com/file/DCq7K8Srsv79tbH1yRkGbl/"
                "Document-user-flows-gitlab-org-epics-3603?node-id=202%3A27"
            ],
            "placeholder": None,
            "location": {"path": "catalog.yaml", "line": 68, "column": 9},
        }
    ]
    assert report["coverage"]["cells"][0]["location"] == {
        "path": "catalog.yaml",
        "line": 23,
        "column": 9,
    }
    assert report["version"] == 1
    assert report["summary"] == {
        "errors": 0,
        "warnings": 5,
        "infos": 1,
        "links": 11,
        "figma_links": 10,
    }
    coverage = report["coverage"]
    assert (coverage["documented"], coverage["total"], coverage["percent"]) == (10, 10, 100.0)
    assert [(c["stage"], c["deployment"], c["state"]) for c in coverage["cells"]] == [
        (stage, dep, "documented")
        for stage in ("trial", "new", "additional-seat-purchase", "renewal", "cancelation")
        for dep in ("saas", "self-managed")
    ]
    cancel = [c for c in coverage["cells"] if c["stage"] == "cancelation"]
    assert [c["shared_with"] for c in cancel] == [["self-managed"], ["saas"]]
    assert cancel[0]["links"] == cancel[1]["links"]
    assert report["findings"][:2] == [
        {
            "rule": "shared-flow",
            "severity": "info",
            "message": "one flow 'UX flow documentation' covers SaaS, Self-managed of Cancelation",
            "path": "catalog.yaml",
            "line": 77,
            "column": 9,
            "url": None,
            "subject": "cancelation/UX flow documentation",
            "link": None,
        },
        {
            "rule": "empty-item",
            "severity": "warning",
            "message": "future iteration 2 is empty",
            "path": "catalog.yaml",
            "line": 87,
            "column": 5,
            "url": None,
            "subject": "future_iterations/2",
            "link": None,
        },
    ]
    figma_nodes = sorted(
        link["figma"]["node_id"] for link in report["links"] if link["figma"] is not None
    )
    assert figma_nodes == sorted(
        [
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
    )


def test_findings_exit_1_and_sorted_text(run_cli: RunCli, in_tmp: Path) -> None:
    write(in_tmp, TWO_BY_TWO)
    result = run_cli("check")
    assert result.code == 1
    assert result.out == (
        "catalog.yaml:15:9: warning: Trial / Dedicated is only a placeholder "
        "('Dedicated purchase') [placeholder-cell]\n"
        "catalog.yaml:18:5: error: no flow documents Renewal / Dedicated; add a flow with "
        "deployments: [dedicated] or a not_applicable reason [missing-cell]\n"
        "catalog.yaml:24:13: error: node-id missing; expected ?node-id=A-B (or A:B) "
        "[figma-node-id-missing]\n"
        "2 errors, 1 warning, 0 infos; 2 links (2 Figma); "
        "coverage 50.0% (2/4 cells documented)\n"
    )


def test_coverage_states_and_not_applicable(run_cli: RunCli, in_tmp: Path) -> None:
    write(in_tmp, TWO_BY_TWO + "    not_applicable:\n      dedicated: no renewals on Dedicated\n")
    result = run_cli("coverage", "--format", "json")
    assert result.code == 0
    cells = json.loads(result.out)["cells"]
    assert [(c["stage"], c["deployment"], c["state"], c["reason"]) for c in cells] == [
        ("trial", "saas", "documented", None),
        ("trial", "dedicated", "placeholder", None),
        ("renewal", "saas", "documented", None),
        ("renewal", "dedicated", "not-applicable", "no renewals on Dedicated"),
    ]
    text = run_cli("coverage").out
    assert text.splitlines()[-1] == "coverage 66.7% (2/3 cells documented, 1 not applicable)"
    assert "Renewal  documented (1 link)  n/a" in text


def test_coverage_fail_under(run_cli: RunCli, in_tmp: Path) -> None:
    write(in_tmp, TWO_BY_TWO)
    assert run_cli("coverage", "--fail-under", "50").code == 0
    result = run_cli("coverage", "--fail-under", "50.1")
    assert result.code == 1
    assert result.err == "flowcatalog: coverage 50.0% is under --fail-under 50.1\n"


def test_fail_under_alone_fails_a_clean_catalog(run_cli: RunCli, in_tmp: Path) -> None:
    text = (
        TWO_BY_TWO.replace(
            "          - https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/X\n",
            f"          - {FIGMA}3-4\n",
        )
        + "    not_applicable:\n      dedicated: none\n"
    )
    write(in_tmp, text)
    assert run_cli("check").code == 0
    result = run_cli("check", "--fail-under", "90")
    assert result.code == 1
    assert result.err == "flowcatalog: coverage 66.7% is under --fail-under 90\n"


@pytest.mark.parametrize(
    ("args", "err"),
    [
        (("check", "--catalog", "nope.yaml"), "flowcatalog: error: nope.yaml: no such file\n"),
        (
            ("check",),
            "flowcatalog: error: no catalog.yaml in the current directory; "
            "pass --catalog PATH (or page paths)\n",
        ),
        (("check", "--catalog", "."), "flowcatalog: error: .: is a directory, not a file\n"),
    ],
)
def test_input_errors_exit_2(
    run_cli: RunCli, in_tmp: Path, args: tuple[str, ...], err: str
) -> None:
    result = run_cli(*args)
    assert (result.code, result.out, result.err) == (2, "", err)


def test_syntax_error_exit_2_one_line(run_cli: RunCli, in_tmp: Path) -> None:
    write(in_tmp, "version: 1\nstages: [\n")
    result = run_cli("check")
    assert result.code == 2
    assert result.out == ""
    assert result.err.count("\n") == 1
    assert result.err.startswith("flowcatalog: error: catalog.yaml:3:1: YAML syntax error:")


def test_non_utf8_catalog(run_cli: RunCli, in_tmp: Path) -> None:
    (in_tmp / "catalog.yaml").write_bytes(b"version: 1\ntitle: caf\xe9\n")
    result = run_cli("check")
    assert (result.code, result.err) == (
        2,
        "flowcatalog: error: catalog.yaml:2:11: not valid UTF-8: byte 0xe9 at byte offset 21\n",
    )


def test_bom_and_crlf_are_fine(run_cli: RunCli, in_tmp: Path) -> None:
    data = ("\ufeff" + TWO_BY_TWO.replace("\n", "\r\n")).encode("utf-8")
    (in_tmp / "catalog.yaml").write_bytes(data)
    result = run_cli("check")
    assert result.code == 1
    assert result.out.splitlines()[0].startswith("catalog.yaml:15:9: warning:")


def test_usage_error_exit_2(run_cli: RunCli, in_tmp: Path) -> None:
    result = run_cli("check", "--format", "yaml")
    assert result.code == 2
    assert "Invalid value for '--format'" in result.err


def test_internal_error_exit_3_without_traceback(
    run_cli: RunCli, in_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flowcatalog.pipeline.run

    def boom(*_: object) -> None:
        raise RuntimeError("kaput")

    monkeypatch.setattr(flowcatalog.pipeline.run, "run_check", boom)
    result = run_cli("check")
    assert result.code == 3
    assert result.err == (
        "flowcatalog: internal error: RuntimeError: kaput (run with --debug for a traceback)\n"
    )
    debug = run_cli("--debug", "check")
    assert debug.code == 3
    assert "Traceback (most recent call last)" in debug.err


def test_colour_only_when_asked_and_never_under_no_color(
    run_cli: RunCli, in_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "\x1b[" not in run_cli("check").out  # not a terminal
    assert "\x1b[33mwarning\x1b[0m" in run_cli("--color", "always", "check").out
    assert "\x1b[" not in run_cli("--color", "always", "check", "--format", "json").out
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    assert "\x1b[" not in run_cli("check").out


def test_output_file_is_written_atomically(run_cli: RunCli, in_tmp: Path) -> None:
    text = (REPO / "catalog.yaml").read_text(encoding="utf-8")
    head, _, rest = text.partition("pages:\n")
    write(in_tmp, head + rest.split("\n\n", 1)[1])  # without the page it lists
    out = in_tmp / "report.json"
    out.write_text("old", encoding="utf-8")
    result = run_cli("check", "--format", "json", "--output", str(out))
    assert (result.code, result.out) == (0, "")
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["figma_links"] == 10
    assert [p.name for p in in_tmp.iterdir() if p.name.startswith(".")] == []


def _project(root: Path) -> None:
    """The repository's catalog and the page it lists, in ``root``."""
    shutil.copy(REPO / "catalog.yaml", root / "catalog.yaml")
    shutil.copytree(REPO / "docs", root / "docs")


def test_output_through_a_symlink_keeps_the_link(run_cli: RunCli, in_tmp: Path) -> None:
    _project(in_tmp)
    real = in_tmp / "reports" / "latest.txt"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    link = in_tmp / "report.txt"
    link.symlink_to(real)
    assert run_cli("check", "--output", str(link)).code == 0
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8").endswith("coverage 100.0% (10/10 cells documented)\n")
    hidden = [p.name for d in (in_tmp, real.parent) for p in d.iterdir() if p.name[0] == "."]
    assert [name for name in hidden if name.endswith(".tmp")] == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_output_to_a_pipe_is_written_into_it_not_replaced(run_cli: RunCli, in_tmp: Path) -> None:
    """``-o`` naming what is no regular file (a named pipe here; ``/dev/null`` and
    ``/dev/stdout`` alike) is written as it is: a file renamed over it would replace it."""
    _project(in_tmp)
    pipe = in_tmp / "pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    assert run_cli("check", "--output", str(pipe)).code == 0
    reader.join(10)
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)
    assert len(received) == 1
    assert received[0].endswith(b"(10/10 cells documented)\n")


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="no /proc here")
def test_output_to_an_open_file_of_the_process_writes_into_that_file(
    run_cli: RunCli, in_tmp: Path
) -> None:
    """``-o /dev/stdout`` with the output sent to a file (``>> log``): the file the process
    has open is written through that descriptor: not replaced by another (the shell would
    go on writing to a file unlinked), not truncated by opening it again."""
    _project(in_tmp)
    log = in_tmp / "log.txt"
    log.write_text("before\n", encoding="utf-8")
    with open(log, "ab") as handle:
        before = os.fstat(handle.fileno()).st_ino
        link = in_tmp / "stdout"
        link.symlink_to(f"/proc/self/fd/{handle.fileno()}")
        assert run_cli("check", "--output", str(link)).code == 0
        assert os.stat(log).st_ino == before
    written = log.read_text(encoding="utf-8")
    assert written.startswith("before\ncatalog.yaml:")
    assert written.endswith("(10/10 cells documented)\n")


def test_output_to_a_directory_is_an_input_error(run_cli: RunCli, in_tmp: Path) -> None:
    _project(in_tmp)
    (in_tmp / "out").mkdir()
    result = run_cli("check", "--output", "out")
    assert result.code == 2
    assert result.err.startswith("flowcatalog: error: out: cannot write:")
    assert (in_tmp / "out").is_dir()
    meant = run_cli("check", "--output", "reports/")  # a folder meant, none there: no file
    assert (meant.code, meant.err) == (
        2,
        "flowcatalog: error: reports/: cannot write: names a directory (ends with '/')\n",
    )
    assert not (in_tmp / "reports").exists()


def test_output_into_missing_directory_is_an_input_error(run_cli: RunCli, in_repo: Path) -> None:
    result = run_cli("check", "--output", "/nonexistent-dir/x/report.txt")
    assert result.code == 2
    assert result.err.startswith("flowcatalog: error: /nonexistent-dir/x/report.txt: cannot write:")


def test_links_lists_normalised_links(run_cli: RunCli, in_repo: Path) -> None:
    result = run_cli("links", "--catalog", "catalog.yaml")
    lines = result.out.splitlines()
    assert lines[0] == "https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl?node-id=138-97"
    assert lines[-1] == "https://gitlab.com/gitlab-org/gitlab/-/issues/322674"
    assert len(lines) == 11


def test_schema_command_prints_the_published_schema(run_cli: RunCli) -> None:
    result = run_cli("schema")
    schema = json.loads(result.out)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["required"] == ["version", "deployments", "stages"]


def test_catalog_header_references_the_schema() -> None:
    first = (REPO / "catalog.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=flowcatalog/catalog.schema.json"
    assert (REPO / "flowcatalog" / "catalog.schema.json").is_file()


def test_a_third_deployment_works_unchanged(run_cli: RunCli, in_tmp: Path) -> None:
    write(
        in_tmp,
        TWO_BY_TWO.replace(
            "  - id: dedicated\n    name: Dedicated\n",
            "  - id: dedicated\n    name: Dedicated\n  - id: self-managed\n    name: Self-managed\n",
        ),
    )
    result = run_cli("coverage", "--format", "json")
    assert len(json.loads(result.out)["cells"]) == 6


def test_absolute_paths_inside_the_working_directory_are_reported_relative(
    run_cli: RunCli, in_tmp: Path
) -> None:
    write(in_tmp, TWO_BY_TWO)
    result = run_cli("check", "--catalog", str(in_tmp / "catalog.yaml"))
    assert result.out.splitlines()[0].startswith("catalog.yaml:15:9: warning:")


def test_links_says_which_sources_it_could_not_read(run_cli: RunCli, in_tmp: Path) -> None:
    (in_tmp / "good.md").write_text("[a](https://example.com/a)\n", encoding="utf-8")
    (in_tmp / "bad.md").write_bytes(b"caf\xe9 [b](https://example.com/b)\n")
    result = run_cli("links", "good.md", "bad.md")
    assert result.code == 1
    assert result.out == "https://example.com/a\n"
    assert result.err == (
        "bad.md:1:4: error: not valid UTF-8: byte 0xe9 at byte offset 3 [page-encoding]\n"
    )
    assert run_cli("links", "good.md").code == 0


def test_links_json_gives_every_place_with_its_text_and_context(
    run_cli: RunCli, in_repo: Path
) -> None:
    result = run_cli("links", "--format", "json")
    assert result.code == 0
    first = json.loads(result.out)[0]
    assert first["normalised"] == (
        "https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl?node-id=138-97"
    )
    assert first["locations"] == [
        {
            "path": "catalog.yaml",
            "line": 26,
            "column": 13,
            "text": "",
            "context": ["Trial", "SaaS subscription purchase"],
        },
        {
            "path": "docs/customer-subscription-lifecycle.md",
            "line": 50,
            "column": 3,
            "text": "SaaS subscription purchase",
            "context": [
                "Customer subscription lifecycle",
                "Current processes",
                "Trial",
                "UX flow documentation",
            ],
        },
    ]


def test_check_takes_a_site_root_and_a_slug_style(run_cli: RunCli, in_tmp: Path) -> None:
    (in_tmp / "site" / "handbook").mkdir(parents=True)
    (in_tmp / "site" / "handbook" / "values.md").write_text("# Values\n\n## A - B\n\nx\n")
    (in_tmp / "site" / "handbook" / "links.md").write_text(
        "# Links\n\n[v](/handbook/values/#a---b) [w](/handbook/valuez/)\n"
    )
    args = ("check", "site/handbook/links.md", "--root-dir", "site")
    result = run_cli(*args, "--slug-style", "github")
    assert (result.code, result.out.splitlines()) == (
        1,
        [
            "site/handbook/links.md:3:30: error: link target '/handbook/valuez/' does not "
            "exist; did you mean '/handbook/values/'? [page-link-broken]",
            "1 error, 0 warnings, 0 infos; 2 links (0 Figma)",
        ],
    )
    gitlab = run_cli(*args)  # GitLab's ids squeeze the hyphens: a-b
    assert "'/handbook/values/' has no heading or id '#a---b'" in gitlab.out
    assert run_cli(*args, "--slug-style", "rst").code == 2
