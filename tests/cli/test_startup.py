"""Start-up: each command imports only what it uses (``--version`` and the pre-commit
``check`` run on every commit). Speed itself is measured in ``benchmarks/``, never here:
these tests name the modules a command must not load."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flowcatalog import __version__
from tests.conftest import RunCli

REPO = Path(__file__).resolve().parents[2]

#: what a fast command must never load: parsers, validators of invalid catalogs, HTTP, the
#: caches, writers of files, the JSON reporter, package metadata
HEAVY = (
    "pyromark", "bs4", "flowcatalog.pages.markdown", "flowcatalog.pages.html", "jsonschema",
    "requests", "urllib3", "flowcatalog.online.web", "flowcatalog.online.verify",
    "flowcatalog.online.cache", "flowcatalog.online.parallel", "importlib.metadata",
    "flowcatalog.reporters.json_report", "flowcatalog.runs.merge", "flowcatalog.runs.shard",
    "concurrent.futures", "multiprocessing", "asyncio",
)  # fmt: skip
#: and ``--version`` none of the model either, nor click
VERSION_HEAVY = (
    *HEAVY, "click", "flowcatalog.cli.main", "yaml", "fastjsonschema", "sqlite3", "json", "tempfile", "flowcatalog.model",
    "flowcatalog.report", "flowcatalog.findings", "flowcatalog.pipeline.run",
    "flowcatalog.catalog.build", "flowcatalog.pages.doc",
)  # fmt: skip


def _loaded(args: list[str], cwd: Path, forbidden: tuple[str, ...]) -> list[str]:
    """The forbidden modules that ``flowcatalog ARGS`` imported (run in a fresh interpreter)."""
    code = (
        "import sys\n"
        "from flowcatalog.cli.entry import main\n"
        f"code = main({args!r})\n"
        f"loaded = sorted(set({forbidden!r}) & set(sys.modules))\n"
        "print(' '.join(loaded) or '-')\n"
        "assert code in (0, 1), code\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, check=False
    )
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    return [] if last == "-" else last.split()


def test_version_imports_nothing_it_does_not_use() -> None:
    assert _loaded(["--version"], REPO, VERSION_HEAVY) == []


def test_offline_check_imports_nothing_it_does_not_use(tmp_path: Path) -> None:
    """The pre-commit ``check`` of this repository's catalog (its page from the page cache,
    as on every commit after the first): no page parser, no HTTP, no JSON reporter."""
    shutil.copy(REPO / "catalog.yaml", tmp_path / "catalog.yaml")
    shutil.copytree(REPO / "docs", tmp_path / "docs")
    cold = _loaded(["check", "-o", "report.txt"], tmp_path, HEAVY)
    assert cold == ["flowcatalog.pages.markdown", "pyromark"]  # the page was parsed once
    # the catalog comes parsed from the page cache: no YAML, no validator, no registry of
    # every rule (the page's only "flowcatalog:" is render's marker, no suppression)
    warm = (
        *HEAVY, "fastjsonschema", "jsonschema", "yaml", "flowcatalog.catalog.build",
        "flowcatalog.rules.registry",
    )  # fmt: skip
    assert _loaded(["check", "-o", "report.txt"], tmp_path, warm) == []
    assert _loaded(["check"], tmp_path, (*warm, "tempfile")) == []  # to stdout: no writer
    assert "fastjsonschema" in _loaded(["check", "--no-cache"], tmp_path, warm)


def test_a_json_report_of_pages_alone_makes_no_views(tmp_path: Path) -> None:
    """JSON shows a snapshot's node views, when there is a catalog; of pages alone it shows
    none and links to no source (html and markdown do): the views module is not imported,
    and the report is the one it was."""
    (tmp_path / "p.md").write_text("# P\n\n[x](https://e.example/x)\n", encoding="utf-8")
    args = ["check", "p.md", "--no-config", "--format", "json", "-o", "r.json"]
    assert _loaded(args, tmp_path, ("flowcatalog.views",)) == []
    html = ["check", "p.md", "--no-config", "--format", "html", "-o", "r.html"]
    assert _loaded(html, tmp_path, ("flowcatalog.views",)) == ["flowcatalog.views"]


def test_warm_page_check_imports_no_parser_and_no_rule_registry(tmp_path: Path) -> None:
    """Pages only, every one from the page cache: no parser, no YAML, and (no page holds a
    suppression comment) not the registry of every rule either."""
    for n in range(3):
        (tmp_path / f"p{n}.md").write_text(f"# Page {n}\n\n[x](https://e.example/{n})\n", "utf-8")
    args = ["check", "p0.md", "p1.md", "p2.md", "--no-config"]
    forbidden = (*HEAVY, "yaml", "flowcatalog.rules.registry")
    assert "flowcatalog.pages.markdown" in _loaded(args, tmp_path, forbidden)  # cold: parsed
    assert _loaded(args, tmp_path, forbidden) == []


def test_pages_linted_in_workers_need_no_multiprocessing(tmp_path: Path) -> None:
    """Enough pages to lint in worker processes: two are forked, and neither
    ``multiprocessing`` nor ``concurrent.futures`` is imported for them (25 ms, a tenth of
    linting a hundred pages on two cores; ``pipeline/forked.py``)."""
    for n in range(40):
        (tmp_path / f"p{n}.md").write_text(f"# Page {n}\n\n[x](https://e.example/{n})\n", "utf-8")
    code = (
        "import os, sys\n"
        "forks = []\n"
        "real = os.fork\n"
        "def fork():\n"
        "    pid = real()\n"
        "    if pid:\n"
        "        forks.append(pid)\n"
        "    return pid\n"
        "os.fork = fork\n"
        "from flowcatalog.pipeline import pages\n"
        "pages.default_jobs = lambda: 2\n"
        "from flowcatalog.cli.entry import main\n"
        "code = main(['check', '.', '--no-config', '--no-cache', '-o', 'report.txt'])\n"
        "print(len(forks), *sorted({'multiprocessing', 'concurrent.futures'} & set(sys.modules)))\n"
        "assert code == 0, code\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2"]
    assert (tmp_path / "report.txt").read_text(encoding="utf-8").endswith("; 40 links (0 Figma)\n")


def test_the_process_starts_without_collections_and_runs_the_command_with_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``program`` imports with the cyclic collector off, then freezes what start-up made
    and runs the command with the collector on (a cold lint makes reference cycles)."""
    import gc

    from flowcatalog.cli import entry
    from flowcatalog.cli import main as cli_main

    seen: list[tuple[bool, bool]] = []

    def command(args: list[str]) -> int:
        seen.append((gc.isenabled(), gc.get_freeze_count() > 0))
        return 0

    monkeypatch.setattr(cli_main, "main", command)
    monkeypatch.setattr(sys, "argv", ["flowcatalog", "check"])
    _unwatched(monkeypatch)
    try:
        with pytest.raises(_Ended) as done:
            entry.program()
    finally:
        gc.unfreeze()
    assert done.value.code == 0
    assert seen == [(True, True)]
    assert gc.isenabled()


class _Ended(BaseException):
    def __init__(self, code: int) -> None:
        self.code = code


def _ended(code: int) -> None:
    """``os._exit`` in a test: the process goes on."""
    raise _Ended(code)


def _unwatched(monkeypatch: pytest.MonkeyPatch) -> None:
    """``program`` as a process run without a profiler or tracer sees it (the test run may
    have one: coverage), its ``os._exit`` a ``_Ended``."""
    monkeypatch.setattr(os, "_exit", _ended)
    monkeypatch.setattr(sys, "gettrace", lambda: None)
    monkeypatch.setattr(sys, "getprofile", lambda: None)


class _Unwritable(io.StringIO):
    def flush(self) -> None:
        raise OSError(28, "No space left on device")


@pytest.mark.parametrize("code", [0, 1, 2])
def test_the_process_ends_at_once_once_its_output_is_written(
    monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    """No interpreter shutdown after the command (``os._exit`` with its code), but only
    once standard output is written out: when that fails, the exit is the usual one, which
    reports it (as it would any failed write of the output); so it is under a profiler,
    which writes its results at exit."""
    from flowcatalog.cli import entry
    from flowcatalog.cli import main as cli_main

    monkeypatch.setattr(cli_main, "main", lambda args: code)
    monkeypatch.setattr(sys, "argv", ["flowcatalog", "check"])
    _unwatched(monkeypatch)
    try:
        with pytest.raises(_Ended) as ended:
            entry.program()
        assert ended.value.code == code
        monkeypatch.setattr(sys, "getprofile", lambda: print)  # a profiler: writes at exit
        with pytest.raises(SystemExit) as exited:
            entry.program()
        assert exited.value.code == code
        monkeypatch.setattr(sys, "getprofile", lambda: None)
        monkeypatch.setattr(sys, "stdout", _Unwritable())
        with pytest.raises(SystemExit) as exited:
            entry.program()
        assert exited.value.code == code
    finally:
        import gc

        gc.unfreeze()


def test_a_large_report_through_a_pipe_arrives_whole(tmp_path: Path) -> None:
    """The quick exit loses nothing written: a report of megabytes read through a pipe is
    whole, and the exit code is the command's."""
    lines = [f"- [link {n}](https://www.figma.com/file/KEY{n % 7}/x)\n" for n in range(6000)]
    (tmp_path / "page.md").write_text("# Page\n\n" + "".join(lines), encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowcatalog",
            "check",
            "page.md",
            "--no-config",
            "--no-cache",
            "--format",
            "json",
            "--pretty",
        ],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr  # the links have no node-id: findings
    report = json.loads(done.stdout)
    assert len(report["findings"]) == 6000
    assert len(done.stdout) > 1_000_000


def test_the_entry_point_answers_version_as_click_does(
    run_cli: RunCli, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--version`` is answered before click is imported, with click's very words; every
    other command line goes to click."""
    from flowcatalog.cli import entry

    by_click = run_cli("--version")
    assert entry.main(["--version"]) == 0
    assert capsys.readouterr().out == by_click.out == f"flowcatalog, version {__version__}\n"
    assert entry.main(["--version", "--debug"]) == 0
    assert capsys.readouterr().out == by_click.out
    assert entry.main(["--no-such-option"]) == 2
