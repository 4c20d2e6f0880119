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


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
@pytest.mark.parametrize("links", [5, 260], ids=["one-process", "with-helpers"])
def test_ctrl_c_stops_an_online_run_within_a_second(tmp_path: Path, links: int) -> None:
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
        report = tmp_path / "out.json"
        mark = f"FLOWCATALOG_INTERRUPT_TEST={uuid.uuid4().hex}"
        env = {**os.environ, "FIGMA_TOKEN": "figd_interrupt-test", mark.split("=")[0]: mark}
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
        process = subprocess.Popen(
            [sys.executable, "-m", "flowcatalog", "check", str(page), "--online",
             "--include-private", "--no-cache", "--timeout", "30", "--max-concurrency", "64",
             "--host-concurrency", "64", "-o", str(report), "--report", f"json={report}.2"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            preexec_fn=_like_a_terminal,
        )  # fmt: skip
        with process:
            try:
                deadline = time.monotonic() + 30
                wanted = 3 if links > 200 else 1  # the CLI, with helpers the forkserver too
                while time.monotonic() < deadline and (
                    len(accepted) < min(links, 5) or len(_leftovers(mark)) < wanted
                ):
                    time.sleep(0.02)
                assert len(accepted) >= min(links, 5), "the run never reached the server"
                time.sleep(0.2)  # requests are in flight, the server trickling
                running = _leftovers(mark)
                assert len(running) >= 3 if links > 200 else len(running) == 1
                interrupted = time.monotonic()
                process.send_signal(signal.SIGINT)
                out, err = process.communicate(timeout=10)
                took = time.monotonic() - interrupted
            except BaseException:
                process.kill()
                raise
        time.sleep(0.2)
        after = [t for t in accepted if t > interrupted + 0.1]
    assert process.returncode == 130, err
    assert took < 1.0
    assert err.decode().splitlines()[-1] == "flowcatalog: interrupted"
    assert b"Traceback" not in err
    assert out == b""
    assert not report.exists()
    assert not Path(f"{report}.2").exists()
    assert after == []  # no request started once interrupted
    ends = time.monotonic() + 1.0
    while _leftovers(mark) and time.monotonic() < ends:
        time.sleep(0.05)
    assert _leftovers(mark) == []  # no helper (nor its server) left running


@pytest.mark.skip(
    reason="open bug: a Ctrl-C that lands while the forkserver starts helpers can still hang "
    "the run (seen about 1 run in 10 under load); kept to reproduce it"
)
@pytest.mark.parametrize("wait_for", [2, 3], ids=["forkserver-starting", "helpers-starting"])
def test_ctrl_c_while_the_helpers_start(tmp_path: Path, wait_for: int) -> None:
    """The Ctrl-C comes as the helper processes are being started (the forkserver up, a
    helper not yet, or not yet known to the pool): the same clean end, and no helper
    (named or not) left running."""
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
            "# Links\n\n" + "".join(f"- [l{i}](http://127.0.0.1:{port}/p{i})\n" for i in range(260))
        )
        report = tmp_path / "out.json"
        mark = f"FLOWCATALOG_INTERRUPT_TEST={uuid.uuid4().hex}"
        env = {**os.environ, "FIGMA_TOKEN": "figd_interrupt-test", mark.split("=")[0]: mark}
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
        process = subprocess.Popen(
            [sys.executable, "-m", "flowcatalog", "check", str(page), "--online",
             "--include-private", "--no-cache", "--timeout", "30", "--max-concurrency", "64",
             "--host-concurrency", "64", "-o", str(report)],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            preexec_fn=_like_a_terminal,
        )  # fmt: skip
        with process:
            try:
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline and len(_leftovers(mark)) < wait_for:
                    time.sleep(0.002)
                assert len(_leftovers(mark)) >= wait_for, "the helpers never started"
                interrupted = time.monotonic()
                process.send_signal(signal.SIGINT)
                out, err = process.communicate(timeout=10)
                took = time.monotonic() - interrupted
            except BaseException:
                process.kill()
                raise
        time.sleep(0.2)
        after = [t for t in accepted if t > interrupted + 0.1]
    assert process.returncode == 130, err
    assert took < 1.0
    assert err.decode().splitlines()[-1] == "flowcatalog: interrupted"
    assert b"Traceback" not in err
    assert out == b""
    assert not report.exists()
    assert after == []
    ends = time.monotonic() + 1.0
    while _leftovers(mark) and time.monotonic() < ends:
        time.sleep(0.05)
    assert _leftovers(mark) == []
