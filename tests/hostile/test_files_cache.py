"""``--cache`` pointed at a file that is not flowcatalog's: refused with one line, and the
file is left byte for byte as it was; the cache's own edge cases (an unwritable place, a
future time stamp, results of an ``--include-private`` run)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from flowcatalog.errors import InputError
from flowcatalog.online.cache import APPLICATION_ID, Cache
from flowcatalog.online.liveness import Probe
from tests.conftest import RunCli

U = "http://127.0.0.1:9/x"


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def _other_apps_database(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE web (url TEXT, probe TEXT, checked_at REAL)")  # our names, even
    db.execute("CREATE TABLE figma (x TEXT)")
    db.execute("CREATE TABLE contacts (name TEXT)")
    db.execute("INSERT INTO contacts VALUES ('Ada')")
    db.execute("PRAGMA user_version = 7")
    db.commit()
    db.close()


def test_another_programs_database_is_refused_and_left_as_it_was(
    run_cli: RunCli, in_tmp: Path
) -> None:
    other = in_tmp / "data" / "app.sqlite3"
    other.parent.mkdir()
    _other_apps_database(other)
    (in_tmp / "page.md").write_text("# Page\n\nNo links.\n")
    before = _snapshot(other.parent)
    result = run_cli("check", "--online", "--quiet", "--cache", str(other), "page.md")
    assert result.code == 2
    assert result.err == (
        f"flowcatalog: error: {other}: not a flowcatalog cache (another program's file?); "
        "left untouched: pass another --cache path\n"
    )
    after = _snapshot(other.parent)
    assert after["app.sqlite3"] == before["app.sqlite3"]  # no WAL switch, no dropped table
    assert not [name for name in after if name.startswith("app.sqlite3-")]  # no -wal, -shm


@pytest.mark.parametrize(
    "content",
    [b"#!/bin/sh\necho hello\n", b"SQLite format 3\x00" + b"\x00" * 40],  # text, truncated
)
def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match="not a flowcatalog cache"):
        Cache(path)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_database_with_another_application_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA application_id = 1234")
    db.execute("CREATE TABLE web (x)")
    db.execute("CREATE TABLE figma (x)")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(InputError, match="not a flowcatalog cache"):
        Cache(path)
    assert path.read_bytes() == before


def test_own_cache_carries_the_marker(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    Cache(path).close()
    header = path.read_bytes()[:100]
    assert int.from_bytes(header[68:72], "big") == APPLICATION_ID
    Cache(path).close()  # and is opened again


def test_a_fifo_as_cache_is_one_line_never_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        Cache(fifo)


def test_unwritable_place_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
    path = tmp_path / "ro" / "cache.sqlite3"
    cache = Cache(path, warn=warnings.append)
    assert not cache.enabled
    assert warnings == [
        f"cannot write the cache there ({path}: permission denied); running without it"
    ]
    assert not path.exists()


def test_entry_stamped_in_the_future_is_stale(tmp_path: Path) -> None:
    now = [1_000_000.0]
    cache = Cache(tmp_path / "c.sqlite3", max_age=3600, clock=lambda: now[0])
    cache.put_web([(Probe(U, status=200), True)])
    assert cache.get_web(U) is not None
    now[0] -= 60  # the entry is now a minute in the future
    assert cache.get_web(U) is None


def test_private_run_results_are_not_reused_without_include_private(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    private = Cache(path, include_private=True)
    private.put_web([(Probe(U, status=200), True)])
    assert private.get_web(U) is not None
    private.close()
    assert Cache(path).get_web(U) is None
    public = Cache(path)
    public.put_web([(Probe(U, status=200), True)])
    assert public.get_web(U) is not None
    assert Cache(path, include_private=True).get_web(U) is not None  # public results serve too


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_cache_that_is_no_file_is_refused_offline_too(run_cli: RunCli, in_tmp: Path) -> None:
    """``--cache /dev/null`` (a pipe here) on an offline check: refused in one line as the
    online cache refuses it, not taken as the place to put the page cache beside
    (``/dev/null-pages``); with ``--no-cache`` the run goes on."""
    (in_tmp / "p.md").write_text("# P\n\n- \n", encoding="utf-8")
    os.mkfifo(in_tmp / "pipe")
    refused = run_cli("check", "p.md", "--no-config", "--cache", "pipe")
    assert (refused.code, refused.err) == (
        2,
        "flowcatalog: error: pipe: not a regular file; the cache must be a file\n",
    )
    assert sorted(p.name for p in in_tmp.iterdir()) == ["p.md", "pipe"]
    assert run_cli("check", "p.md", "--no-config", "--cache", "pipe", "--no-cache").code == 0
