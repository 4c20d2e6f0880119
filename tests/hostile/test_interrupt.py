"""One Ctrl-C (a real SIGINT) to ``flowcatalog check --online`` running against a server
that trickles its answers: the run stops within a second with exit 130, one line on stderr,
no report written, no request started after it, and no helper process left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.hostile.servers import raw_server, slowloris


def _leftovers(mark: str) -> list[int]:
    """Processes whose environment holds ``mark`` (this test's CLI and its helpers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if mark.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _like_a_terminal() -> None:
    """Ctrl-C reaches the CLI as it does from a terminal, even when this test runs where
    SIGINT is ignored (a shell's background job ignores it, and its children inherit that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@dataclass
class Interrupted:
    """How a run given one Ctrl-C ended."""

    code: int | None
    took: float  # seconds from the SIGINT to the exit
    out: bytes
    err: bytes
    late: list[float]  # requests the server accepted after the SIGINT (0.1 s of grace)
    reports: list[Path]  # the reports the run was asked to write
    mark: str  # in the environment of the run and of every process it started


def interrupt_run(
    tmp_path: Path, links: int, ready: Callable[[list[float], list[int]], bool]
) -> Interrupted:
    """Run ``check --online`` on a page of ``links`` links to a server that trickles its
    answers, send one SIGINT once ``ready(accepted request times, the run's processes)``,
    and wait (at most 10 s) for the end."""
    accepted: list[float] = []
    lock = threading.Lock()
    slow = slowloris(interval=0.05, stop_after=20.0)

    def handler(conn: object, head: bytes) -> None:
        with lock:
            accepted.append(time.monotonic())
        slow(conn, head)  # type: ignore[arg-type]

    with raw_server(handler) as port:
        page = tmp_path / "page.md"
        page.write_text(
            "# Links\n\n"
            + "".join(f"- [l{i}](http://127.0.0.1:{port}/p{i})\n" for i in range(links))
        )
        reports = [tmp_path / "out.json", tmp_path / "out.json.2"]
        mark = f"FLOWCATALOG_INTERRUPT_TEST={uuid.uuid4().hex}"
        env = {**os.environ, "FIGMA_TOKEN": "figd_interrupt-test", mark.split("=")[0]: mark}
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
        process = subprocess.Popen(
            [sys.executable, "-m", "flowcatalog", "check", str(page), "--online",
             "--include-private", "--no-cache", "--timeout", "30", "--max-concurrency", "64",
             "--host-concurrency", "64", "-o", str(reports[0]), "--report",
             f"json={reports[1]}", *(["--processes", "2"] if links > 200 else [])],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            preexec_fn=_like_a_terminal,
        )  # fmt: skip
        with process:
            try:
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline and not ready(accepted, _leftovers(mark)):
                    time.sleep(0.002)
                assert ready(accepted, _leftovers(mark)), "the run never got there"
                interrupted = time.monotonic()
                process.send_signal(signal.SIGINT)
                out, err = process.communicate(timeout=10)
                took = time.monotonic() - interrupted
            except BaseException:
                process.kill()
                raise
        time.sleep(0.2)
        late = [t for t in accepted if t > interrupted + 0.1]
    return Interrupted(process.returncode, took, out, err, late, reports, mark)


def assert_clean_end(run: Interrupted) -> None:
    """Exit 130 within a second, one line on stderr, nothing written, no request started
    after the Ctrl-C, and (within another second) no process of the run left."""
    assert run.code == 130, run.err
    assert run.took < 1.0
    assert run.err.decode().splitlines()[-1] == "flowcatalog: interrupted"
    assert b"Traceback" not in run.err
    assert run.out == b""
    assert not any(report.exists() for report in run.reports)
    assert run.late == []
    ends = time.monotonic() + 1.0
    while _leftovers(run.mark) and time.monotonic() < ends:
        time.sleep(0.05)
    assert _leftovers(run.mark) == []  # no helper (nor its server) left running


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
@pytest.mark.parametrize("links", [5, 260], ids=["one-process", "with-helpers"])
def test_ctrl_c_stops_an_online_run_within_a_second(tmp_path: Path, links: int) -> None:
    """Requests in flight, the server trickling (with helpers: the CLI, the forkserver and
    a helper running)."""
    wanted = 3 if links > 200 else 1
    settled: list[float] = []

    def ready(accepted: list[float], running: list[int]) -> bool:
        assert links > 200 or len(running) <= 1, "a helper started for a small run"
        if len(accepted) < min(links, 5) or len(running) < wanted:
            return False
        settled.append(time.monotonic())
        return time.monotonic() - settled[0] >= 0.2  # in flight for a while

    assert_clean_end(interrupt_run(tmp_path, links, ready))


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
@pytest.mark.parametrize("wait_for", [2, 3], ids=["forkserver-starting", "helpers-starting"])
def test_ctrl_c_while_the_helpers_start(tmp_path: Path, wait_for: int) -> None:
    """The Ctrl-C comes as the helper processes are being started (the forkserver up, a
    helper not yet, or not yet known to the pool): the same clean end, and no helper
    (named or not) left running."""
    assert_clean_end(
        interrupt_run(tmp_path, 260, lambda accepted, running: len(running) >= wait_for)
    )
