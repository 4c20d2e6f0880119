"""Web-link checking split over helper processes: same results, same limits, no secrets."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from flowcatalog.online import parallel as http_workers
from flowcatalog.online import processes as helper_starts
from flowcatalog.online.liveness import ErrorKind, Probe
from flowcatalog.online.parallel import (
    ParallelChecker,
    choose_processes,
    share_settings,
)
from flowcatalog.online.processes import (
    available_cpus,
    helper_context,
    helper_environment,
    interrupts_deferred,
)
from flowcatalog.online.settings import HttpSettings, OnlineSettings
from flowcatalog.online.web import WebChecker
from flowcatalog.report import Report
from tests.conftest import RunCli
from tests.online.test_verify import L1, L2, link
from tests.online_support import FAST, InFlight, check_online, local_server, methods, url

CANARY = "figd_canary-workers-51c7"


@pytest.fixture(scope="module")
def module_server() -> Iterator[HTTPServer]:
    with local_server() as server:
        yield server


@pytest.fixture
def server(module_server: HTTPServer) -> HTTPServer:
    module_server.clear()
    return module_server


def mixed_site(server: HTTPServer, count: int) -> list[str]:
    """``count`` ok pages plus a 404, a redirect, a HEAD-refusing page and a 503-then-200."""
    for i in range(count):
        server.expect_request(f"/ok{i}").respond_with_data("")
    server.expect_request("/gone").respond_with_data("", status=404)
    server.expect_request("/old").respond_with_response(
        Response("", status=301, headers={"Location": "/ok0"})
    )
    server.expect_request("/nohead", method="HEAD").respond_with_data("", status=405)
    server.expect_request("/nohead", method="GET").respond_with_data("body")
    seen: set[str] = set()
    lock = threading.Lock()

    def flaky(request: Request) -> Response:
        with lock:
            first = request.path not in seen
            seen.add(request.path)
        return Response("", status=503 if first else 200)

    server.expect_request("/flaky").respond_with_handler(flaky)
    paths = [f"/ok{i}" for i in range(count)] + ["/gone", "/old", "/nohead", "/flaky"]
    return [url(server, p) for p in paths]


def comparable(probe: Probe) -> tuple[Any, ...]:
    return (
        probe.url,
        probe.status,
        probe.final_url,
        probe.redirects,
        probe.error,
        probe.detail,
        probe.attempts,
        probe.method,
    )


def test_split_run_gives_the_single_process_results(server: HTTPServer) -> None:
    targets = mixed_site(server, 40)
    single = WebChecker(FAST)
    alone = single.check_all(targets)
    single.close()
    single_log = sorted(methods(server))
    server.clear()
    targets = mixed_site(server, 40)
    done: list[str] = []
    split = ParallelChecker(FAST, processes=2)
    results = split.check_all(targets, lambda target, probe: done.append(target))
    split.close()
    assert split.processes_used == 2
    assert {u: comparable(p) for u, p in results.items()} == {
        u: comparable(p) for u, p in alone.items()
    }
    assert sorted(done) == sorted(targets)  # progress: once per URL, in this thread
    assert sorted(methods(server)) == single_log  # the same requests, each sent once
    assert split.requests_sent == single.requests_sent == len(single_log)
    host = f"127.0.0.1:{server.port}"
    stats = split.host_stats()[host]
    assert (stats.urls, stats.requests) == (len(targets), len(single_log))
    assert split.lost == []


def test_split_run_keeps_the_host_limit_over_all_processes(server: HTTPServer) -> None:
    handler = InFlight(0.03)

    for i in range(60):
        server.expect_request(f"/p{i}").respond_with_handler(handler)
    settings = replace(FAST, max_concurrency=16, host_concurrency=4)
    checker = ParallelChecker(settings, processes=2)
    results = checker.check_all([url(server, f"/p{i}") for i in range(60)])
    assert checker.processes_used == 2
    assert len(results) == 60
    assert all(probe.status == 200 for probe in results.values())
    assert 2 <= handler.peak <= 4


def test_limits_are_divided_not_multiplied() -> None:
    settings = replace(FAST, max_concurrency=129, host_concurrency=9)
    own, helper = share_settings(settings, 2)
    assert (own.max_concurrency, helper.max_concurrency) == (65, 64)
    assert (own.host_concurrency, helper.host_concurrency) == (5, 4)
    own, helper = share_settings(settings, 3)
    assert own.host_concurrency + 2 * helper.host_concurrency == 9


def test_when_a_run_is_split() -> None:
    many = [f"https://example.org/{i}" for i in range(500)]
    wide = replace(FAST, max_concurrency=128, host_concurrency=128)
    assert choose_processes(wide, many[:50], None) == 1  # small run
    assert choose_processes(replace(wide, host_concurrency=8), many, None) == 1  # latency-bound
    assert choose_processes(replace(wide, host_interval=0.1), many, 4) == 1  # an interval
    assert choose_processes(replace(wide, host_concurrency=3), many, 4) == 3  # per-host slots
    cpus = available_cpus()
    expected = min(cpus, http_workers.MAX_AUTO_PROCESSES) if cpus >= 4 else 1
    assert choose_processes(wide, many, None) == expected


def test_a_big_run_is_split_only_with_cpus_to_spare(monkeypatch: pytest.MonkeyPatch) -> None:
    many = [f"https://example.org/{i}" for i in range(500)]
    wide = replace(FAST, max_concurrency=128, host_concurrency=128)
    for cpus, processes in ((1, 1), (2, 1), (3, 1), (4, 2), (16, 2)):
        monkeypatch.setattr(helper_starts, "available_cpus", lambda cpus=cpus: cpus)
        assert choose_processes(wide, many, None) == processes
    assert choose_processes(wide, many, 2) == 2  # asked for: on any machine


def test_small_runs_stay_in_this_process(server: HTTPServer) -> None:
    server.expect_request("/a").respond_with_data("")
    server.expect_request("/b").respond_with_data("")
    checker = ParallelChecker(replace(FAST, max_concurrency=64, host_concurrency=64))
    results = checker.check_all([url(server, "/a"), url(server, "/b")])
    assert checker.processes_used == 1
    assert results[url(server, "/a")].status == 200
    one = ParallelChecker(FAST, processes=2)
    assert one.check_all([url(server, "/a")])[url(server, "/a")].status == 200
    assert one.processes_used == 1


def test_a_429_limit_seen_by_one_process_stops_the_host_in_all(
    server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http_workers, "_batches", lambda urls, processes: ([u] for u in urls))

    def slow(request: Request) -> Response:
        time.sleep(0.8)  # this process is busy here while the helper meets the 429
        return Response("")

    server.expect_request("/slow").respond_with_handler(slow)
    server.expect_request("/limited").respond_with_response(
        Response("", status=429, headers={"Retry-After": "3600"})
    )
    for i in range(30):
        server.expect_request(f"/later{i}").respond_with_data("")
    # one request at a time in each process; time to wait for the slow one
    settings = replace(FAST, max_concurrency=2, host_concurrency=2, read_timeout=3, deadline=5)
    later = [url(server, f"/later{i}") for i in range(30)]
    targets = [url(server, "/slow"), url(server, "/limited"), *later]
    checker = ParallelChecker(settings, processes=2)
    results = checker.check_all(targets)
    assert checker.processes_used == 2
    assert sorted(methods(server)) == [("HEAD", "/limited"), ("HEAD", "/slow")]
    assert results[url(server, "/slow")].status == 200
    assert all(results[u].error is ErrorKind.RETRY_AFTER_TOO_LONG for u in later)
    assert {results[u].detail for u in later} == {"asked on another link of this host"}


def test_host_events_are_reported_and_applied(server: HTTPServer) -> None:
    server.expect_request("/slow-down").respond_with_response(
        Response("", status=429, headers={"Retry-After": "0.2"})
    )
    server.expect_request("/stop").respond_with_response(
        Response("", status=429, headers={"Retry-After": "3600"})
    )
    events: list[tuple[str, str, float]] = []
    checker = WebChecker(
        replace(FAST, max_retries=0), on_host_event=lambda *event: events.append(event)
    )
    host = f"127.0.0.1:{server.port}"
    checker.probe(url(server, "/stop"))
    assert events == [("limited", host, 3600.0)]
    other = WebChecker(FAST)
    other.limit_host(host, 3600.0)
    probe = other.probe(url(server, "/anything"))
    assert probe.error is ErrorKind.RETRY_AFTER_TOO_LONG
    retrying = WebChecker(FAST, on_host_event=lambda *event: events.append(event))
    retrying.probe(url(server, "/slow-down"))
    assert ("pause", host, 0.2) in events
    paused = WebChecker(FAST)
    paused.pause_host(host, 0.3)
    server.expect_request("/after").respond_with_data("")
    started = time.monotonic()
    assert paused.probe(url(server, "/after")).status == 200
    assert time.monotonic() - started >= 0.25


def test_helper_environment_holds_no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIGMA_TOKEN", CANARY)
    monkeypatch.setenv("SOMETHING_ELSE", f"prefix-{CANARY}")
    monkeypatch.setenv("HARMLESS", "1")
    env = helper_environment((CANARY,))
    assert "FIGMA_TOKEN" not in env
    assert "SOMETHING_ELSE" not in env
    assert env["HARMLESS"] == "1"
    assert all(CANARY not in value for value in env.values())
    package_parent = Path(http_workers.__file__).resolve().parents[2]  # holds flowcatalog/
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(package_parent)
    assert "FIGMA_TOKEN" not in helper_environment()


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_started_helpers_never_see_the_token(
    server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIGMA_TOKEN", CANARY)
    monkeypatch.setenv("ALSO_SECRET", f"x{CANARY}x")
    seen: dict[int, bytes] = {}
    for i in range(40):
        server.expect_request(f"/e{i}").respond_with_handler(InFlight(0.02))
    checker = ParallelChecker(FAST, processes=2, secrets=(CANARY,))

    def look(target: str, probe: Probe) -> None:  # while the helpers run
        for pid in checker.helper_pids:
            with contextlib.suppress(OSError):
                seen[pid] = Path(f"/proc/{pid}/environ").read_bytes()

    results = checker.check_all([url(server, f"/e{i}") for i in range(40)], look)
    assert len(results) == 40
    assert checker.processes_used == 2
    assert seen  # the helper was looked at while it ran
    assert all(CANARY.encode() not in environ for environ in seen.values())
    assert all(b"FIGMA_TOKEN=" not in environ for environ in seen.values())
    assert os.environ["FIGMA_TOKEN"] == CANARY  # this process's own is left as it was


def test_helpers_end_with_the_run(server: HTTPServer) -> None:
    for i in range(20):
        server.expect_request(f"/h{i}").respond_with_data("")
    checker = ParallelChecker(FAST, processes=2)
    checker.check_all([url(server, f"/h{i}") for i in range(20)])
    assert checker.helper_pids
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(alive(pid) for pid in checker.helper_pids):
        time.sleep(0.02)
    assert not any(alive(pid) for pid in checker.helper_pids)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def dying_helper(index: int, settings: HttpSettings) -> int:
    """A helper task that takes a few URLs, reports none and dies."""
    assert http_workers._QUEUES is not None
    todo, _, _ = http_workers._QUEUES
    for _ in range(2):  # two batches of URLs
        if todo.get() is None:  # the run is over: leave the end mark to the others
            todo.put(None)
            time.sleep(0.2)  # let the queue's feeder send it before dying
            break
    os._exit(1)


def raising_helper(index: int, settings: HttpSettings) -> int:
    raise RuntimeError("a bug in a helper")


@pytest.mark.parametrize("task", [dying_helper, raising_helper], ids=["dies", "raises"])
def test_urls_of_a_failed_helper_are_checked_here(server: HTTPServer, task: Any) -> None:
    def answer(request: Request) -> Response:
        time.sleep(0.01)
        return Response("")

    for i in range(40):
        server.expect_request(f"/r{i}").respond_with_handler(answer)
    targets = [url(server, f"/r{i}") for i in range(40)]
    settings = replace(FAST, max_concurrency=2, host_concurrency=2)
    checker = ParallelChecker(settings, processes=2, helper_task=task)
    results = checker.check_all(targets)
    assert sorted(results) == sorted(targets)  # every URL checked, here
    assert all(p.status == 200 for p in results.values())
    assert sorted(methods(server)) == sorted(("HEAD", f"/r{i}") for i in range(40))
    if task is dying_helper:
        assert set(checker.lost) <= set(targets)  # what it took, never answered: checked here


def test_a_helper_that_cannot_start_means_one_process(
    server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def impossible(secrets: Any) -> Any:
        raise OSError("no interpreter")

    monkeypatch.setattr(helper_starts, "helper_context", impossible)
    server.expect_request("/x").respond_with_data("")
    checker = ParallelChecker(FAST, processes=2)
    targets = [url(server, "/x"), url(server, "/x?2")]
    assert checker.check_all(targets)[targets[0]].status == 200
    assert checker.processes_used == 1


def test_abort_ends_a_split_run_at_once(server: HTTPServer) -> None:
    """Ctrl-C in a split run: the requests in flight, here and in the helper, are cut off
    and the helper ends; nothing waits for the slow server."""

    ended = threading.Event()

    def slow(request: Request) -> Response:
        ended.wait(3)  # released at the end: no answer is logged during a later test
        return Response("")

    for i in range(40):
        server.expect_request(f"/s{i}").respond_with_handler(slow)
    settings = replace(FAST, read_timeout=10, deadline=20)
    checker = ParallelChecker(settings, processes=2)
    timer = threading.Timer(0.8, checker.abort)
    timer.start()
    started = time.monotonic()
    try:
        results = checker.check_all([url(server, f"/s{i}") for i in range(40)])
    finally:
        took = time.monotonic() - started
        ended.set()
    timer.join()
    assert took < 0.8 + 1.0
    assert checker.processes_used == 2
    assert all(p.detail == "interrupted" for p in results.values())
    time.sleep(0.3)
    assert not any(alive(pid) for pid in checker.helper_pids)


def test_verify_online_report_is_the_same_split_or_not(server: HTTPServer, tmp_path: Path) -> None:
    targets = mixed_site(server, 30)
    report = Report(findings=(), links=tuple(link(t, L1, L2) for t in targets))

    def run(processes: int) -> tuple[Report, Any]:
        settings = OnlineSettings(http=FAST, use_cache=False, processes=processes)
        return check_online(report, settings, token=CANARY)  # type: ignore[no-any-return]

    one, one_summary = run(1)
    server.clear()
    mixed_site(server, 30)
    settings = OnlineSettings(http=FAST, use_cache=False, processes=2)
    ticks: list[tuple[int, int, int]] = []
    two, two_summary = check_online(
        report, settings, token=CANARY, progress=lambda *a: ticks.append(a)
    )
    assert two.links == one.links
    assert two.findings == one.findings
    assert two_summary.requests == one_summary.requests
    assert [(h.host, h.urls, h.requests) for h in two_summary.hosts] == [
        (h.host, h.urls, h.requests) for h in one_summary.hosts
    ]
    assert ticks[-1] == (len(targets), len(targets), 0)


def test_cli_split_run_reports_what_one_process_reports(
    run_cli: RunCli, server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big ``check --online``: a helper starts once the links are known, takes part, ends;
    the report is the one a single process gives."""
    import json
    import re

    count = 60
    monkeypatch.setattr(http_workers, "MIN_URLS", 40)  # "big" for this test
    server.expect_request(re.compile(r"^/page/\d+$")).respond_with_data("")
    server.expect_request(re.compile(r"^/gone/\d+$")).respond_with_data("", status=404)
    lines = [f"- [p{i}]({url(server, f'/page/{i}')})" for i in range(count)]
    lines += [f"- [g{i}]({url(server, f'/gone/{i}')})" for i in range(5)]
    page = tmp_path / "links.md"
    page.write_text("# Links\n\n" + "\n".join(lines) + "\n")
    args = ["check", str(page), "--online", "--include-private", "--no-cache", "--format",
            "json", "--max-concurrency", "64", "--host-concurrency", "64"]  # fmt: skip
    monkeypatch.chdir(tmp_path)  # no catalog.yaml here: only the page's links
    monkeypatch.setattr(helper_starts, "available_cpus", lambda: 4)
    spawned = record_spawns(monkeypatch)
    split = run_cli(*args)
    split_log = sorted(methods(server))
    assert spawned == [1]
    server.clear()
    server.expect_request(re.compile(r"^/page/\d+$")).respond_with_data("")
    server.expect_request(re.compile(r"^/gone/\d+$")).respond_with_data("", status=404)
    monkeypatch.setattr(http_workers, "MAX_AUTO_PROCESSES", 1)
    alone = run_cli(*args)
    assert spawned == [1]  # nothing started for a one-process run
    assert split.code == alone.code == 1
    assert json.loads(split.out)["links"] == json.loads(alone.out)["links"]
    assert json.loads(split.out)["findings"] == json.loads(alone.out)["findings"]
    assert split_log == sorted(methods(server))
    assert len(split_log) == count + 5  # one request per distinct URL
    assert split.err.split(" in ")[0] == alone.err.split(" in ")[0]
    assert f"{count + 5} HTTP requests" in split.err
    assert f"hosts: 127.0.0.1:{server.port} {count + 5};" in split.err  # that host only


def record_spawns(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record each start of helper processes (they still start)."""
    spawned: list[int] = []
    real = helper_context

    def context(secrets: Any) -> Any:
        spawned.append(1)
        return real(secrets)

    monkeypatch.setattr(helper_starts, "helper_context", context)
    return spawned


def test_no_helper_starts_before_the_links_are_known(
    run_cli: RunCli, server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three links, or a run that fails on a missing file, start no helper process, even
    where a big run would use one."""
    monkeypatch.setattr(helper_starts, "available_cpus", lambda: 4)
    spawned = record_spawns(monkeypatch)
    server.expect_request("/a").respond_with_data("")
    page = tmp_path / "few.md"
    page.write_text("".join(f"- [{n}]({url(server, '/a')}?{n})\n" for n in range(3)))
    monkeypatch.chdir(tmp_path)
    common = ["--online", "--include-private", "--no-cache", "--max-concurrency", "64",
              "--host-concurrency", "64"]  # fmt: skip
    result = run_cli("check", str(page), *common)
    assert result.code == 0, result.err
    assert "3 HTTP requests" in result.err
    missing = run_cli("check", str(tmp_path / "no-such.md"), *common)
    assert missing.code == 2
    assert missing.err.startswith("flowcatalog: error: ")
    assert spawned == []


def test_a_helper_task_in_this_process(server: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """``helper_run`` on plain queues: it probes every URL it is given, applies the signals
    relayed to it, shares its own, and ends with its counters."""
    import queue

    server.expect_request("/ok").respond_with_data("")
    server.expect_request("/stop").respond_with_response(
        Response("", status=429, headers={"Retry-After": "3600"})
    )
    todo: queue.Queue[Any] = queue.Queue()
    outbox: queue.Queue[Any] = queue.Queue()
    inbox: queue.Queue[Any] = queue.Queue()
    monkeypatch.setattr(http_workers, "_QUEUES", (todo, outbox, [inbox]))
    host = f"127.0.0.1:{server.port}"
    inbox.put(http_workers.HostSignal(http_workers.PARENT, "pause", host, 0.05))
    todo.put([url(server, "/ok"), url(server, "/stop")])
    todo.put(None)
    started = time.monotonic()
    assert http_workers.helper_run(0, replace(FAST, max_retries=0, max_concurrency=1)) == 0
    assert time.monotonic() - started >= 0.05  # the relayed pause was applied
    messages = []
    while not outbox.empty():
        messages.append(outbox.get())
    done = {m.url: m.probe for m in messages if isinstance(m, http_workers.Done)}
    assert done[url(server, "/ok")].status == 200
    assert done[url(server, "/stop")].error is ErrorKind.RETRY_AFTER_TOO_LONG
    assert http_workers.HostSignal(0, "limited", host, 3600.0) in messages  # shared
    assert isinstance(messages[-1], http_workers.Finished)
    assert messages[-1].requests == 2
    inbox.put(http_workers.Stop())  # its listener ends (a run being stopped)
    inbox.put(None)


def test_a_helper_task_stops_on_stop(server: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    import queue

    todo: queue.Queue[Any] = queue.Queue()  # never given an end mark: only Stop ends it
    outbox: queue.Queue[Any] = queue.Queue()
    inbox: queue.Queue[Any] = queue.Queue()
    monkeypatch.setattr(http_workers, "_QUEUES", (todo, outbox, [inbox]))
    threading.Timer(0.2, inbox.put, args=(http_workers.Stop(),)).start()
    started = time.monotonic()
    assert http_workers.helper_run(0, FAST) == 0
    assert time.monotonic() - started < 2
    assert isinstance(outbox.get_nowait(), http_workers.Finished)


def test_url_batches_shrink_and_cover_every_url_once() -> None:
    urls = [f"u{i}" for i in range(1000)]
    batches = list(http_workers._batches(urls, 2))
    assert [u for batch in batches for u in batch] == urls
    assert len(batches[0]) == 32
    assert len(batches[-1]) == 1
    assert [len(b) for b in batches] == sorted((len(b) for b in batches), reverse=True)


def test_a_helper_started_after_the_run_ended_sends_nothing(
    server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A helper that comes up after a Ctrl-C (its lifeline already cut) takes no URL."""
    import multiprocessing
    import queue

    server.expect_request("/x").respond_with_data("")
    todo: queue.Queue[Any] = queue.Queue()
    todo.put([url(server, "/x")])
    todo.put(None)
    outbox: queue.Queue[Any] = queue.Queue()
    lifeline, held = multiprocessing.Pipe(duplex=False)
    held.close()  # the parent let go before this helper started
    monkeypatch.setattr(http_workers, "_QUEUES", (todo, outbox, [queue.Queue()]))
    monkeypatch.setattr(http_workers, "_LIFELINE", lifeline)
    try:
        assert http_workers.helper_run(0, FAST) == 0
    finally:
        lifeline.close()
    assert methods(server) == []
    assert outbox.empty()
    assert todo.qsize() == 2  # its URLs left for others (none, in a run that ended)


def test_a_taker_stops_at_once_when_told() -> None:
    import queue

    todo: queue.Queue[Any] = queue.Queue()
    todo.put(["a", "b", "c"])
    stop = threading.Event()
    take = http_workers._Taker(todo, lambda: False, stop.is_set)
    assert take() == "a"
    stop.set()
    assert take() is None  # "b" and "c", already taken from the queue, are dropped
    assert take() is None


def test_a_ctrl_c_while_helpers_start_waits_for_the_end_of_the_block() -> None:
    """Inside the block a SIGINT only calls ``notify`` (at once); the KeyboardInterrupt comes
    at the end of the block, so no process start is left half done."""
    import signal

    notified: list[float] = []
    reached_end: list[bool] = []

    def block() -> None:
        with interrupts_deferred(lambda: notified.append(time.monotonic())):
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(100):  # the handler runs between byte codes, soon after the kill
                if notified:
                    break
                time.sleep(0.001)
            assert len(notified) == 1
            reached_end.append(True)

    # as in a terminal, even where this test run ignores SIGINT (a background CI job)
    original = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            block()
        assert reached_end == [True]
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, original)


def test_abort_before_a_split_run_starts_no_helper_and_sends_nothing(
    server: HTTPServer,
) -> None:
    import multiprocessing

    server.expect_request("/x").respond_with_data("")
    targets = [url(server, f"/x?{i}") for i in range(40)]
    checker = ParallelChecker(FAST, processes=2)
    before = set(multiprocessing.active_children())
    checker.abort()
    results = checker.check_all(targets)
    assert sorted(results) == sorted(targets)
    assert all(p.detail == "interrupted" for p in results.values())
    assert methods(server) == []
    assert checker.helper_pids == []
    assert set(multiprocessing.active_children()) <= before
