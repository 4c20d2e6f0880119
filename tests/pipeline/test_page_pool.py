"""Linting many pages in worker processes: the same reports, byte for byte, as one process;
every page linted once, in batches handed out biggest first; each string of the results
kept once; the garbage collector paused only while results are gathered."""

from __future__ import annotations

import dataclasses
import gc
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from flowcatalog.pages.load import expand_pages
from flowcatalog.pipeline import collector
from flowcatalog.pipeline import pages as lint
from flowcatalog.reporters import REPORTERS
from tests.conftest import RunCli

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fixed_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports carry the run's time: pin it, so two runs render byte for byte alike."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")


def _site(root: Path, count: int) -> list[str]:
    """``count`` pages of every kind of content, of very different sizes (so that the
    biggest-first order is not the order of the files), linking into each other."""
    root.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        padding = "Prose about the renewal flow, é and ü included.\n\n" * (n * 37 % 101)
        text = (
            f"---\ntitle: Page {n}\n---\n\n# Page {n}\n\n## Design {n}\n\n"
            f"- [flow {n}](https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/x?node-id={n}-1)\n"
            "- [file](https://www.figma.com/file/Zz9Yy8Xx7Ww6Vv5Uu4Tt3S/whole)\n"
            f"- [next](p{(n + 1) % count:02d}.md#design-{(n + 1) % count}) "
            f"[gone](p{n:02d}.md#nowhere) [missing](missing-{n % 3}.md)\n"
            f"- [shared][ref] <https://handbook.example/{n % 4}> https://bare.example/{n}\n"
            "- \n\nTODO write this [old](http://www.figma.com/file/x)\n\n"
            f"<!-- [hidden](https://hidden.example/{n}) -->\n\n"
            f"<a href='https://a.example/{n}'><img src='i.png'></a> [![i](i.png)](https://i.example/)\n\n"
            f"{padding}[ref]: https://ref.example/{n % 5}\n"
        )
        (root / f"p{n:02d}.md").write_text(text, encoding="utf-8")
    (root / "flows.html").write_text(
        "<h1>Flows</h1><p><a href='https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/x"
        "?node-id=1-1'>one</a> <a href='p00.md#page-0'>first</a></p>\n",
        encoding="utf-8",
    )
    return expand_pages([str(root)])


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The process counts of the pools started (fork allowed even beside the test
    runner's threads)."""
    started: list[int] = []
    real = lint._lint_forked

    def counting(
        work: list[lint._Work], jobs: int, meanwhile: Callable[[], None] | None = None
    ) -> list[lint._Linted]:
        started.append(jobs)
        return real(work, jobs, meanwhile)

    monkeypatch.setattr(lint, "_lint_forked", counting)
    monkeypatch.setattr(lint, "_can_fork", lambda: True)
    return started


def test_one_process_and_several_write_the_same_reports(
    run_cli: RunCli, in_tmp: Path, monkeypatch: pytest.MonkeyPatch, forks: list[int]
) -> None:
    """Every format, and every link occurrence (hidden ones too), with drift (the
    repository's catalog and its page) and internal links across pages: more pages than
    one process lints, linted in one process and in three, give the same bytes."""
    shutil.copy(REPO / "catalog.yaml", in_tmp / "catalog.yaml")
    shutil.copytree(REPO / "docs", in_tmp / "docs")
    with open(in_tmp / "docs" / "customer-subscription-lifecycle.md", "a", encoding="utf-8") as f:
        f.write(
            "\n## Trial\n\n[Trial](https://www.figma.com/design/Zz9Yy8Xx7Ww6Vv5Uu4Tt3S/x?node-id=7-7)\n"
        )
    pages = _site(in_tmp / "docs" / "more", lint.PARALLEL_MIN_PAGES + 8)
    assert len(pages) > lint.PARALLEL_MIN_PAGES
    args = ("--catalog", "catalog.yaml", "docs")
    check = (*args, "--no-cache", "--root-dir", ".")
    outputs: dict[int, dict[str, str]] = {}
    for jobs in (1, 3):
        monkeypatch.setattr(lint, "default_jobs", lambda jobs=jobs: jobs)
        runs = {fmt: run_cli("check", *check, "--format", fmt) for fmt in sorted(REPORTERS)}
        runs["links"] = run_cli("links", *args, "--occurrences", "--format", "json")
        assert all(run.code in (0, 1) and run.err == "" for run in runs.values()), runs
        outputs[jobs] = {name: run.out for name, run in runs.items()}
    assert forks == [3] * (len(REPORTERS) + 1)  # the runs with jobs=1 never fork
    assert outputs[1] == outputs[3]
    found = outputs[1]["json"]
    for rule in ("page-link-not-in-catalog", "page-anchor-missing", "page-link-broken"):
        assert rule in found
    assert "https://hidden.example/7" in outputs[1]["links"]


def test_pages_are_batched_biggest_first_each_once(tmp_path: Path) -> None:
    files = _site(tmp_path, 60)
    work = [(path, (), False, False, "gitlab") for path in files]
    sizes = [os.path.getsize(path) for path in files]
    jobs = 2
    batches = lint._batches(work, jobs)
    order = [i for batch in batches for i in batch]
    assert sorted(order) == list(range(len(files)))
    assert [sizes[i] for i in order] == sorted(sizes, reverse=True)
    assert order != sorted(order)  # the files' order is not the sizes'
    weight = sum(sizes) + lint.PAGE_OVERHEAD * len(files)
    budget = min(lint.BATCH_BYTES, weight // (jobs * lint.BATCHES_PER_JOB))
    assert all(
        sum(sizes[i] + lint.PAGE_OVERHEAD for i in batch) <= budget or len(batch) == 1
        for batch in batches
    )
    assert len(batches) >= jobs * lint.BATCHES_PER_JOB
    assert max(map(len, batches)) > 1  # small pages travel together


def test_a_page_over_the_batch_size_is_a_batch_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _site(tmp_path, 40)
    Path(files[5]).write_text("# Big\n\n" + "text\n" * 100_000, encoding="utf-8")
    monkeypatch.setattr(lint, "BATCH_BYTES", 64 * 1024)
    batches = lint._batches([(path, (), False, False, "gitlab") for path in files], 2)
    assert batches[0] == [5]
    assert len(batches) > 2


def test_gone_files_weigh_nothing_and_are_still_linted(tmp_path: Path) -> None:
    files = [*_site(tmp_path, 3), str(tmp_path / "gone.md")]
    batches = lint._batches([(path, (), False, False, "gitlab") for path in files], 2)
    assert sorted(i for batch in batches for i in batch) == list(range(len(files)))
    assert batches[-1][-1] == len(files) - 1


def test_workers_lint_the_pages_with_their_own_collector_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forks: list[int]
) -> None:
    """Each page is linted once, in a worker (not here), whose collector runs; here it is
    paused only while the results come in."""
    files = _site(tmp_path, lint.PARALLEL_MIN_PAGES + 4)
    real = lint._lint_one

    def telling(work: lint._Work) -> lint._Linted:
        result = real(work)
        assert result.page is not None
        facts = (f"pid-{os.getpid()}", f"gc-{gc.isenabled()}", f"frozen-{gc.get_freeze_count()}")
        return dataclasses.replace(result, page=dataclasses.replace(result.page, anchors=facts))

    monkeypatch.setattr(lint, "_lint_one", telling)
    assert gc.isenabled()
    pages, _ = lint.lint_files(files, ("TODO",), jobs=2)
    assert gc.isenabled()
    assert forks == [2]
    assert [page.path for page in pages] == files
    pids = {page.anchors[0] for page in pages}
    assert f"pid-{os.getpid()}" not in pids
    assert 1 <= len(pids) <= 2
    assert {page.anchors[1] for page in pages} == {"gc-True"}
    assert all(int(page.anchors[2].split("-")[1]) > 0 for page in pages)  # out of its sight


def test_the_pages_of_a_failed_batch_are_linted_here_with_the_collector_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forks: list[int]
) -> None:
    """Parsing can make cycles (an HTML page's element tree): a page linted here because
    its worker failed is linted once the collector runs again."""
    files = _site(tmp_path, lint.PARALLEL_MIN_PAGES + 4)
    serial = lint.lint_files(files, ("TODO",), jobs=1)
    here = os.getpid()
    collecting: list[bool] = []
    real = lint._lint_one

    def recording(work: lint._Work) -> lint._Linted:
        if os.getpid() == here:
            collecting.append(gc.isenabled())
        return real(work)

    def broken(result: lint._Linted) -> lint._Compact:
        raise RuntimeError("the worker fails")

    monkeypatch.setattr(lint, "_lint_one", recording)
    monkeypatch.setattr(lint, "_compact", broken)  # only workers compact their results
    assert lint.lint_files(files, ("TODO",), jobs=2) == serial
    assert forks == [2]
    assert collecting == [True] * len(files)


def test_each_string_of_the_results_is_kept_once(tmp_path: Path) -> None:
    """Two pages citing the same URLs under the same headings share one of each string
    (and Figma identity), and the results equal those made without sharing."""
    first, second = tmp_path / "a", tmp_path / "b"
    paths = []
    for folder in (first, second):
        folder.mkdir()
        (folder / "p.md").write_text(
            "# Flows\n\n## Renewal\n\n[SaaS flow](https://www.figma.com/design/"
            "DCq7K8Srsv79tbH1yRkGbl/x?node-id=1-2) [doc](https://doc.example/a)\n",
            encoding="utf-8",
        )
        paths.append(str(folder / "p.md"))
    compacts = [lint._compact(lint._lint_one((p, (), False, False, "gitlab"))) for p in paths]
    shared = lint._Shared()
    a, b = (lint._expand(compact, shared) for compact in compacts)
    assert (a, b) == tuple(lint._expand(compact) for compact in compacts)
    assert a.page is not None
    assert b.page is not None
    for one, other in zip(a.page.links, b.page.links, strict=True):
        assert one.location.path != other.location.path
        assert one.url is other.url
        assert one.normalised is other.normalised
        assert one.figma is other.figma
        assert one.text is other.text
        assert one.context is other.context
    assert a.page.anchors[0] is b.page.anchors[0]


@pytest.fixture
def collecting() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.enable()
    yield
    if not enabled:
        gc.disable()


@pytest.mark.usefixtures("collecting")
def test_the_collector_pause_ends_as_it_began() -> None:
    with collector.paused():
        assert not gc.isenabled()
        assert gc.get_freeze_count() > 0
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # still inside the outer pause
        made = [[n] for n in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    oldest = {id(item) for item in gc.get_objects(generation=2)}
    assert all(id(item) in oldest for item in made)  # not gone through by young collections
    gc.disable()
    with collector.paused():
        pass
    assert not gc.isenabled()  # off before, off after


def test_no_fork_while_a_thread_threading_does_not_count_runs() -> None:
    """The web checker starts its workers with ``_thread``: one still running (the last of
    a run, ending) keeps a later lint from forking, though ``threading`` does not see it.
    (In a fresh interpreter: this one may run threads of other tests.)"""
    import subprocess
    import sys

    if sys.platform != "linux":
        pytest.skip("pages are linted in forked processes on Linux only")
    code = (
        "import _thread, threading\n"
        "from flowcatalog.pipeline import pages\n"
        "before = pages._can_fork()\n"
        "started, release = threading.Event(), threading.Event()\n"
        "def work():\n"
        "    started.set()\n"
        "    release.wait(10)\n"
        "_thread.start_new_thread(work, ())\n"
        "assert started.wait(10)\n"
        "print(before, threading.active_count(), pages._can_fork())\n"
        "release.set()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "1", "False"]


def test_meanwhile_runs_here_while_the_workers_lint(
    tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The online stage's imports are made while worker processes lint the pages: once,
    with the workers started and no result read yet; not at all when no worker lints (one
    job, or few pages), and the online run hands the prefetch over."""
    from flowcatalog.pipeline import forked

    pools: list[forked.Workers[object, object]] = []
    real_enter = forked.Workers.__enter__

    def enter(pool: forked.Workers[object, object]) -> forked.Workers[object, object]:
        pools.append(pool)
        return real_enter(pool)

    monkeypatch.setattr(forked.Workers, "__enter__", enter)
    pages = _site(tmp_path / "site", lint.PARALLEL_MIN_PAGES + 4)
    plan = lint.plan_pages(pages, None)
    calls: list[tuple[int, int]] = []
    expanded: list[object] = []
    real_expand = lint._expand

    def expand(compact: lint._Compact, shared: lint._Shared) -> lint._Linted:
        expanded.append(compact)
        return real_expand(compact, shared)

    monkeypatch.setattr(lint, "_expand", expand)

    def meanwhile() -> None:
        running = [pid for pid in pools[-1].pids if os.waitpid(pid, os.WNOHANG) == (0, 0)]
        calls.append((len(running), len(expanded)))

    together = lint.lint_planned(plan, None, jobs=2, meanwhile=meanwhile)
    assert forks == [2]
    assert calls == [(2, 0)]
    alone = lint.lint_planned(plan, None, jobs=1, meanwhile=meanwhile)
    few = lint.lint_planned(lint.plan_pages(pages[:3], None), None, jobs=2, meanwhile=meanwhile)
    assert len(calls) == 1
    assert together == alone
    assert few.sources == tuple(pages[:3])


def test_an_online_run_imports_the_checkers_while_its_pages_are_linted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flowcatalog.cli import main as cli_main
    from flowcatalog.cli.online import prefetch
    from flowcatalog.pipeline.run import CheckRequest

    seen: list[CheckRequest] = []

    def stop_here(request: CheckRequest, cache: object) -> None:
        seen.append(request)
        raise RuntimeError("stop")  # the run ends: what it was asked is all this test wants

    monkeypatch.setattr("flowcatalog.pipeline.run._run_check", stop_here)
    assert cli_main.main(["check", "--no-config", "--no-cache", "--online", "x.md"]) == 3
    assert cli_main.main(["check", "--no-config", "--no-cache", "x.md"]) == 3
    assert [request.meanwhile for request in seen] == [prefetch, None]
