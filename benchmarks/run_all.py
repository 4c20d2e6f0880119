#!/usr/bin/env python3
"""Every goal of the performance issue in one table: our figure, the peer's in the same run,
the ratio, the goal and whether it is met.

Rows (``--only`` picks sections, comma-separated):

- ``pages``: ``check`` offline (page cache off) on the generated corpus (``bench_pages.py``'s:
  500 pages, ~7 MB) next to ``lychee --offline --dump``;
- ``x10``: the same on ten copies of it (5,000 pages): wall time, CPU/wall (cores kept busy)
  and peak RSS of the process tree;
- ``cache``: the page cache on the generated corpus and on ``SHARED/corpus`` (real handbook
  pages): cold (empty cache), warm (unchanged) and one page changed, against cold;
- ``formats``: each output format against text: ``check`` end to end on the generated
  corpus, cold (the ratio) and warm, and rendering a report of 20,000 findings and 20,000
  links in process;
- ``online``: ``check --online`` against lychee at equal concurrency (``bench_online.py``'s
  web benchmark: loopback server, 20 ms latency);
- ``startup``: ``--version`` and the pre-commit ``check`` of this repository's catalog (its
  page from the cache) next to ``lychee --version``.

Times are medians of ``--runs`` runs, taken in turn with the peer's in the same run: on a
shared, busy machine only the ratios within one run compare. Nothing leaves 127.0.0.1.

    python benchmarks/run_all.py --shared ../shared [--runs 3] [--only pages,cache]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

import bench_pages  # noqa: E402

SECTIONS = ("pages", "x10", "cache", "formats", "online", "startup")


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    ours: str
    peer: str
    ratio: float | None
    goal: str
    met: bool | None


@dataclass(frozen=True, slots=True)
class Run:
    wall: float
    rss: float
    cpu: float


def lychee_path() -> str:
    return shutil.which("lychee") or str(Path(sys.executable).parent / "lychee")


class Bench:
    def __init__(self, work: Path, runs: int) -> None:
        self.work = work
        self.runs = runs
        env = dict(os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.pop("FIGMA_TOKEN", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        env["XDG_CACHE_HOME"] = str(work / "xdg")
        self.env = env

    def once(self, cmd: Sequence[str], cwd: Path | None = None) -> Run:
        wall, rss, _, _, cpu = bench_pages.measure(list(cmd), cwd or self.work, self.env)
        return Run(wall, rss, cpu)

    def compare(
        self, commands: dict[str, Sequence[str]], before: Callable[[str], None] | None = None
    ) -> dict[str, list[Run]]:
        """Each command ``runs`` times, in turn, after one warm-up run each."""
        for name, cmd in commands.items():
            if before is not None:
                before(name)
            self.once(cmd)
        results: dict[str, list[Run]] = {name: [] for name in commands}
        for _ in range(self.runs):
            for name, cmd in commands.items():
                if before is not None:
                    before(name)
                results[name].append(self.once(cmd))
        return results


def median(runs: list[Run], what: str = "wall") -> float:
    return float(statistics.median(float(getattr(run, what)) for run in runs))


def flowcatalog(*args: str) -> list[str]:
    return [sys.executable, "-m", "flowcatalog", *args]


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def lint_rows(bench: Bench, label: str, pages: list[str], folder: str) -> list[Row]:
    """``check`` (no page cache) against ``lychee --offline --dump`` on the same files."""
    results = bench.compare(
        {
            "ours": flowcatalog("check", folder, "--no-cache", "--format", "text"),
            "lychee": [lychee_path(), "--offline", "--dump", *pages],
        }
    )
    ours, peer = results["ours"], results["lychee"]
    ratio = median(ours) / median(peer)
    rows = [
        Row(
            f"page lint, {label}: wall",
            seconds(median(ours)),
            f"lychee --offline --dump: {seconds(median(peer))}",
            ratio,
            "<= 2x",
            ratio <= 2,
        )
    ]
    if label.startswith("x10"):
        busy = median(ours, "cpu") / median(ours)
        peer_busy = median(peer, "cpu") / median(peer)
        rows.append(
            Row(
                f"page lint, {label}: CPU/wall (cores busy; {os.cpu_count()} CPUs)",
                f"{busy:.2f}",
                f"{peer_busy:.2f}",
                busy / peer_busy,
                ">= 1.7",
                busy >= 1.7,
            )
        )
        rss = max(run.rss for run in ours)
        peer_rss = max(run.rss for run in peer)
        rows.append(
            Row(
                f"page lint, {label}: peak RSS of the process tree",
                f"{rss:.0f} MiB",
                f"{peer_rss:.0f} MiB",
                rss / peer_rss,
                "<= 150 MiB",
                rss <= 150,
            )
        )
    return rows


def corpus(work: Path, tool: Path) -> tuple[Path, list[str]]:
    folder = work / "corpus"
    if not folder.exists():
        bench_pages.make_corpus(folder, tool, 7_000_000)
    return folder, sorted(str(p.relative_to(work)) for p in folder.glob("*.md"))


def corpus_x10(work: Path, tool: Path) -> tuple[Path, list[str]]:
    source, _ = corpus(work, tool)
    folder = work / "corpus-x10"
    if not folder.exists():
        for n in range(10):
            shutil.copytree(source, folder / f"copy{n}")
    return folder, sorted(str(p.relative_to(work)) for p in folder.rglob("*.md"))


def cache_rows(bench: Bench, label: str, folder: Path) -> list[Row]:
    """Cold (empty page cache), warm and one-page-changed runs of ``check FOLDER``."""
    pages = sorted(p for p in folder.rglob("*") if p.suffix in (".md", ".markdown", ".html"))
    changed = pages[len(pages) // 2]
    original = changed.read_bytes()
    cache_dir = bench.work / "xdg" / "flowcatalog"
    cmd = flowcatalog("check", str(folder), "--format", "text")
    counter = [0]

    def clear() -> None:
        shutil.rmtree(cache_dir, ignore_errors=True)

    def touch() -> None:
        counter[0] += 1
        changed.write_bytes(original + f"\n\nEdited {counter[0]}.\n".encode())

    cold: list[Run] = []
    warm: list[Run] = []
    one: list[Run] = []
    try:
        clear()
        bench.once(cmd)  # warm-up (byte code, file cache)
        for _ in range(bench.runs):
            clear()
            cold.append(bench.once(cmd))
            warm.append(bench.once(cmd))
            touch()
            one.append(bench.once(cmd))
    finally:
        changed.write_bytes(original)
    c, w, o = median(cold), median(warm), median(one)
    return [
        Row(
            f"page cache, {label}: warm run / cold run",
            f"warm {seconds(w)}",
            f"cold {seconds(c)}",
            w / c,
            "<= 0.2",
            w / c <= 0.2,
        ),
        Row(
            f"page cache, {label}: one page changed / cold run",
            f"{seconds(o)} (warm {seconds(w)} + {seconds(max(0.0, o - w))})",
            f"cold {seconds(c)}",
            o / c,
            "about one page",
            None,
        ),
    ]


def big_report(count: int) -> object:
    from flowcatalog.findings import Finding, Severity, sort_findings
    from flowcatalog.model import FigmaRef, Link, Location
    from flowcatalog.report import LinkGroup, Report
    from tests.report_fixture import make_report

    findings, links = [], []
    severities = (Severity.ERROR, Severity.WARNING, Severity.INFO)
    for i in range(count):
        path = f"docs/page{i % 500}.md"
        url = f"https://www.figma.com/design/AbCdEfGhIjKlMnOpQrStUv/x?node-id={i}-1"
        where = Location(path, i % 900 + 1, i % 70 + 1)
        findings.append(
            Finding(
                "page-placeholder",
                severities[i % 3],
                f"placeholder text 'TODO' <{i}> & more",
                where,
                url,
                f"placeholder:{i}",
                url,
            )
        )
        ref = FigmaRef("design", "AbCdEfGhIjKlMnOpQrStUv", f"{i}:1")
        links.append(LinkGroup(url, (Link(url, where, url, ref, "text", ("A", "B")),)))
    base = make_report(online=False)
    return Report(
        sort_findings(findings), base.coverage, tuple(links), ("catalog.yaml",), "2026-01-01"
    )


def format_rows(bench: Bench, folder: Path, count: int = 20_000) -> list[Row]:
    """Each format against text: ``check`` end to end on the corpus, cold (``--no-cache``:
    the check a CI job runs, the setting of the issue's own table, and what the row is
    judged on) and warm (from the run memo, where text needs no link groups and the formats
    that write every link do), and rendering alone a report of ``count`` findings and
    links in process."""
    from flowcatalog.reporters import REPORTERS, get_reporter

    report = big_report(count)
    render: dict[str, float] = {}
    for name in sorted(REPORTERS):
        reporter = get_reporter(name)
        reporter(report)  # type: ignore[arg-type]
        times = []
        for _ in range(max(3, bench.runs)):
            start = time.perf_counter()
            reporter(report)  # type: ignore[arg-type]
            times.append(time.perf_counter() - start)
        render[name] = statistics.median(times)
    # a format's share of a cold check is a few percent, well within the noise of one run
    # on a shared machine: three times the runs, taken in turn
    cold = Bench(bench.work, 3 * bench.runs).compare(
        {
            name: flowcatalog("check", str(folder), "--no-cache", "--format", name)
            for name in sorted(REPORTERS)
        }
    )
    bench.once(flowcatalog("check", str(folder)))  # fill the page cache
    warm = bench.compare(
        {name: flowcatalog("check", str(folder), "--format", name) for name in sorted(REPORTERS)}
    )
    text_cold, text_warm = median(cold["text"]), median(warm["text"])
    rows = []
    for name in sorted(REPORTERS):
        if name == "text":
            continue
        ratio = median(cold[name]) / text_cold
        rows.append(
            Row(
                f"format {name} vs text: check on the corpus, cold; warm; render {count:,} "
                "findings and links",
                f"{seconds(median(cold[name]))}; {seconds(median(warm[name]))}; "
                f"{seconds(render[name])}",
                f"text {seconds(text_cold)}; {seconds(text_warm)}; {seconds(render['text'])}",
                ratio,
                f"<= 1.1 (warm: {median(warm[name]) / text_warm:.2f}; "
                f"render: {render[name] / render['text']:.2f})",
                ratio <= 1.1,
            )
        )
    return rows


def _requests(counts: list[int]) -> str:
    """The requests the server saw in each run: one figure when every run sent as many."""
    return f"{counts[0]:,}" if len(set(counts)) == 1 else "/".join(f"{c:,}" for c in counts)


def online_rows(bench: Bench, shared: Path) -> list[Row]:
    import bench_online

    args = argparse.Namespace(runs=bench.runs, latency_ms=20.0, unique=2000, total=3000)
    work = bench.work / "online"
    work.mkdir(exist_ok=True)
    result = bench_online.web_benchmark(args, shared, work)
    ours, peer = result["flowcatalog"], result.get("lychee")
    if peer is None:
        return [Row("online web links", f"{ours['wall_s']:.2f} s", "lychee missing", None,
                    "<= 1.0", None)]  # fmt: skip
    ratio = ours["wall_s"] / peer["wall_s"]
    floor = result["minimal_client_wall_s"]
    return [
        Row(
            f"online: {result['unique_urls']:,} URLs on one loopback host, 20 ms, "
            "concurrency 128 and 128 per host for both tools (flowcatalog's default "
            "politeness is 8 per host): wall",
            f"{ours['wall_s']:.2f} s, CPU {ours['cpu_s']:.2f} s, "
            f"{ours['missed_404']} dead links missed, requests {_requests(ours['requests'])} "
            f"(first to last {ours['request_span_s']:.2f} s), "
            f"peak RSS {ours['peak_rss_mib']:.0f} MiB",
            f"lychee {peer['wall_s']:.2f} s, CPU {peer['cpu_s']:.2f} s, "
            f"requests {_requests(peer['requests'])} (first to last "
            f"{peer['request_span_s']:.2f} s), peak RSS {peer['peak_rss_mib']:.0f} MiB",
            ratio,
            "<= 1.0",
            ratio <= 1.0,
        ),
        Row(
            "online, the same URLs: the link server's ceiling (a minimal asyncio client, raw "
            "HEAD, 128 keep-alive connections, nothing checked), against lychee",
            f"minimal client {seconds(floor)}",
            f"lychee {peer['wall_s']:.2f} s",
            floor / peer["wall_s"],
            "(information)",
            None,
        ),
    ]


def startup_rows(bench: Bench) -> list[Row]:
    work = bench.work / "startup"
    if not work.exists():
        work.mkdir()
        shutil.copy(REPO / "catalog.yaml", work / "catalog.yaml")
        shutil.copytree(REPO / "docs", work / "docs")
    version = [str(Path(sys.executable).parent / "flowcatalog"), "--version"]
    if not Path(version[0]).exists():
        version = flowcatalog("--version")
    check = [version[0], "check"] if version[0].endswith("flowcatalog") else flowcatalog("check")
    commands = {
        "version": version,
        "check": check,
        "lychee": [lychee_path(), "--version"],
        "python": [sys.executable, "-c", "pass"],
    }
    results: dict[str, list[Run]] = {name: [] for name in commands}
    for cmd in commands.values():
        bench.once(cmd, work)
    for _ in range(max(5, bench.runs)):
        for name, cmd in commands.items():
            results[name].append(bench.once(cmd, work))
    v, c, ly, py = (median(results[n]) for n in ("version", "check", "lychee", "python"))
    peer = f"lychee --version {seconds(ly)}; python -c pass {seconds(py)}"
    return [
        Row("start-up: flowcatalog --version", seconds(v), peer, v / ly, "<= 60 ms", v <= 0.06),
        Row(
            "start-up: check on this repo's catalog (pre-commit, page cached)",
            seconds(c),
            peer,
            c / ly,
            "<= 150 ms",
            c <= 0.15,
        ),
    ]


def table(rows: list[Row]) -> str:
    lines = [
        "| benchmark | flowcatalog | peer, same run | ratio | goal | met |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}"
        met = {True: "yes", False: "**no**", None: "see figures"}[row.met]
        lines.append(f"| {row.name} | {row.ours} | {row.peer} | {ratio} | {row.goal} | {met} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, required=True, help="the shared directory")
    parser.add_argument("--runs", type=int, default=3, help="runs of each command (median)")
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help="sections: " + ",".join(SECTIONS)
    )
    parser.add_argument("--keep", type=Path, help="work here and keep the corpora")
    args = parser.parse_args()
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    shared = args.shared.resolve()
    tool = shared / "bench" / "make_corpus.py"
    work = args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="fc-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    bench = Bench(work, args.runs)
    found: dict[str, list[Row]] = {}
    # the online section runs last: its link server and helper processes end just after it,
    # and would weigh on whatever ran next (the start-up rows most of all); the table keeps
    # the order asked for
    try:
        for section in sorted(only, key=lambda name: name == "online"):
            print(f"running {section} ...", file=sys.stderr, flush=True)
            rows: list[Row] = []
            if section == "pages":
                folder, pages = corpus(work, tool)
                rows += lint_rows(bench, "generated corpus (500 pages, 7 MB)", pages, "corpus")
            elif section == "x10":
                folder, pages = corpus_x10(work, tool)
                rows += lint_rows(bench, "x10 corpus (5,000 pages, 70 MB)", pages, folder.name)
            elif section == "cache":
                folder, _ = corpus(work, tool)
                rows += cache_rows(bench, "generated corpus", folder)
                real = work / "real"
                if not real.exists():
                    shutil.copytree(shared / "corpus", real)
                rows += cache_rows(bench, "shared real corpus", real)
            elif section == "formats":
                folder, _ = corpus(work, tool)
                rows += format_rows(bench, folder)
            elif section == "online":
                rows += online_rows(bench, shared)
            elif section == "startup":
                rows += startup_rows(bench)
            found[section] = rows
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"{now}; {platform.machine()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}; Python {platform.python_version()}; median of "
        f"{args.runs} runs\n"
    )
    print(table([row for section in only for row in found.get(section, [])]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
