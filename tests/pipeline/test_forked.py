"""The forked worker pool: every item's result once, whatever order the workers finish
in; a task that raises or a worker that dies is told as FAILED and nothing else is lost;
no worker outlives the pool, none inherits what the parent had yet to write, no pipe is
left open."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowcatalog.pipeline import forked
from flowcatalog.pipeline.forked import FAILED, Workers

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux")

_marks: list[int] = []


def _square(n: int) -> int:
    return n * n


def _gone(pid: int) -> bool:
    """True once ``pid`` is no child of this process (reaped)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


@pytest.fixture
def no_leaks() -> Iterator[None]:
    before = _open_fds()
    yield
    assert _open_fds() <= before


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("jobs", [1, 2, 3, 50])
def test_every_item_once_with_its_result(jobs: int) -> None:
    items = list(range(37))
    with Workers(_square, items, jobs) as pool:
        pids = pool.pids
        got = list(pool.results())
    assert len(pids) == min(jobs, len(items))
    assert os.getpid() not in pids
    assert sorted(index for index, _ in got) == items
    assert dict(got) == {n: n * n for n in items}
    assert all(_gone(pid) for pid in pids)


def test_results_come_as_they_finish_not_in_item_order() -> None:
    """Item 0 is slow: the others' results are read before it (streamed, not gathered),
    but for those sent ahead to its worker."""

    def task(n: int) -> int:
        if n == 0:
            time.sleep(0.3)
        return n

    with Workers(task, list(range(12)), 2) as pool:
        order = [index for index, _ in pool.results()]
    assert sorted(order) == list(range(12))
    assert order.index(0) >= len(order) - forked.AHEAD


def test_large_results_come_through_whole() -> None:
    """Results far bigger than a pipe's buffer, several at once from each worker."""

    def task(n: int) -> bytes:
        return bytes([n]) * (3_000_000 + n)

    with Workers(task, list(range(6)), 2) as pool:
        got = {n: value for n, value in pool.results() if isinstance(value, bytes)}
    assert {n: (len(value), value[:1]) for n, value in got.items()} == {
        n: (3_000_000 + n, bytes([n])) for n in range(6)
    }


@pytest.mark.usefixtures("no_leaks")
def test_a_task_that_raises_fails_alone() -> None:
    def task(n: int) -> int:
        if n % 5 == 3:
            raise ValueError(n)
        return -n

    with Workers(task, list(range(20)), 2) as pool:
        got = dict(pool.results())
    assert got == {n: FAILED if n % 5 == 3 else -n for n in range(20)}


def _refuse() -> None:
    raise ValueError("cannot be made here")


class _Unloadable:
    """Pickled in the worker; unpickling it raises."""

    def __reduce__(self) -> tuple[object, tuple[()]]:
        return (_refuse, ())


@pytest.mark.usefixtures("no_leaks")
def test_a_result_that_cannot_cross_fails_alone() -> None:
    def task(n: int) -> object:
        if n == 2:
            return _Unloadable()
        if n == 5:
            return lambda: n  # (no pickle for a lambda)
        return n

    with Workers(task, list(range(8)), 2) as pool:
        got = dict(pool.results())
    assert got == {n: FAILED if n in (2, 5) else n for n in range(8)}


@pytest.mark.usefixtures("no_leaks")
def test_a_worker_that_dies_fails_what_it_held_and_the_others_go_on() -> None:
    def task(n: int) -> int:
        if n == 4:
            os._exit(3)  # as a crash would: no result, the pipe closed
        return n + 1

    with Workers(task, list(range(30)), 2) as pool:
        pids = pool.pids
        got = dict(pool.results())
    assert sorted(got) == list(range(30))
    failed = sorted(n for n, value in got.items() if value is FAILED)
    assert 4 in failed
    assert len(failed) <= forked.AHEAD  # the dead worker's item and any sent ahead to it
    assert all(got[n] == n + 1 for n in got if n not in failed)
    assert all(_gone(pid) for pid in pids)


@pytest.mark.usefixtures("no_leaks")
def test_when_every_worker_dies_the_rest_fail_without_waiting() -> None:
    def task(n: int) -> int:
        os.kill(os.getpid(), signal.SIGKILL)
        return n

    with Workers(task, list(range(25)), 3) as pool:
        got = dict(pool.results())
    assert got == dict.fromkeys(range(25), FAILED)


def test_leaving_early_kills_and_reaps_busy_workers() -> None:
    """An error in the caller (Ctrl-C there, say) while workers are busy: they are killed,
    not waited for."""

    def task(n: int) -> int:
        if n > 0:
            time.sleep(60)
        return n

    pids: tuple[int, ...] = ()

    def interrupted() -> None:
        nonlocal pids
        with Workers(task, list(range(6)), 2) as pool:
            pids = pool.pids
            for _ in pool.results():
                raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert time.monotonic() - started < 10
    assert all(_gone(pid) for pid in pids)


def test_workers_ignore_ctrl_c_the_parent_decides() -> None:
    def task(n: int) -> int:
        os.kill(os.getpid(), signal.SIGINT)
        return n

    with Workers(task, list(range(4)), 2) as pool:
        assert dict(pool.results()) == {n: n for n in range(4)}


def test_in_worker_runs_first_in_each_worker_only() -> None:
    def mark() -> None:
        _marks.append(os.getpid())

    def task(n: int) -> list[int]:
        return list(_marks)

    with Workers(task, list(range(8)), 2, in_worker=mark) as pool:
        pids = set(pool.pids)
        got = dict(pool.results())
    assert _marks == []
    seen = [value for value in got.values() if isinstance(value, list)]
    assert len(seen) == len(got)
    assert all(len(value) == 1 for value in seen)
    assert {value[0] for value in seen} == pids


def test_no_item_no_worker() -> None:
    none: list[int] = []
    with Workers(_square, none, 4) as pool:
        assert pool.pids == ()
        assert list(pool.results()) == []


def test_a_worker_never_writes_what_the_parent_had_buffered(tmp_path: Path) -> None:
    """Output the parent had not flushed when it forked is written once, by the parent
    (a worker ends with ``os._exit``)."""
    script = tmp_path / "run.py"
    script.write_text(
        "import sys\n"
        "from flowcatalog.pipeline.forked import Workers\n"
        "sys.stdout.write('before ')\n"
        "with Workers(lambda n: n, list(range(5)), 2) as pool:\n"
        "    total = sum(value for _, value in pool.results())\n"
        "print(total)\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "before 10\n"
