"""The page cache's ``stat`` shortcut: a page whose signature (size, times, inode) is the one
recorded is not read again; any change to it, an in-place edit with the modification time
put back, a rename or a copy is read; a file too recent to be known by its times is read on
every run ("racy", as in git's index)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from flowcatalog.pipeline import page_cache
from flowcatalog.pipeline import pages as lint
from flowcatalog.pipeline.page_cache import PageCache
from tests.conftest import RunCli

REPO = Path(__file__).resolve().parents[2]
SETTINGS = (("TODO",), False, False, "gitlab")


def _later(seconds: float = 60.0) -> Callable[[], int]:
    """A clock ``seconds`` ahead: every file of the test is old enough to be trusted."""
    return lambda: time.time_ns() + int(seconds * 1e9)


def _pages(root: Path, count: int = 3) -> list[str]:
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        path = root / f"p{n}.md"
        path.write_text(f"# Page {n}\n\n[link](https://example.com/{n}) TODO\n", "utf-8")
        paths.append(str(path))
    return paths


def _work(paths: list[str]) -> list[tuple[object, ...]]:
    return [(path, *SETTINGS) for path in paths]


def _keys(cache: PageCache, paths: list[str]) -> tuple[list[str | None], int]:
    """The pages' keys and how many pages were read to make them."""
    before = cache.hashed
    keys = cache.page_keys(_work(paths))
    return keys, cache.hashed - before


def test_an_unchanged_page_is_not_read_again(tmp_path: Path) -> None:
    paths = _pages(tmp_path / "pages")
    cache = PageCache(tmp_path / "c-pages.sqlite3", clock=_later())
    first, read = _keys(cache, paths)
    assert read == 3
    assert _keys(cache, paths) == (first, 0)
    cache.close()
    again = PageCache(tmp_path / "c-pages.sqlite3", clock=_later())  # kept in the file
    assert _keys(again, paths) == (first, 0)
    assert first == [again.page_key(path, SETTINGS) for path in paths]  # as reading says


def test_an_in_place_edit_with_the_time_put_back_is_read(tmp_path: Path) -> None:
    """Same size, same modification time (restored, as some tools do): the change time
    still moves, so the page is read, and the cached lint gives the edited page's result."""
    paths = _pages(tmp_path / "pages")
    cache = PageCache(tmp_path / "c-pages.sqlite3", clock=_later())
    before = lint.lint_files(paths, ("TODO",), jobs=1, cache=cache)
    first, _ = _keys(cache, paths)
    info = os.stat(paths[1])
    text = Path(paths[1]).read_text("utf-8")
    edited = text.replace("TODO", "DONE")
    assert len(edited) == len(text)
    time.sleep(0.01)  # a change time that differs even on a coarse clock's next tick
    with open(paths[1], "r+", encoding="utf-8") as page:  # in place: the same inode
        page.write(edited)
    os.utime(paths[1], ns=(info.st_atime_ns, info.st_mtime_ns))
    after = os.stat(paths[1])
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        info.st_size, info.st_mtime_ns, info.st_ino
    )  # fmt: skip
    if after.st_ctime_ns == info.st_ctime_ns:
        pytest.skip("this file system's change time did not move")
    keys, read = _keys(cache, paths)
    assert read == 1
    assert keys[0] == first[0]
    assert keys[2] == first[2]
    assert keys[1] != first[1]
    result = lint.lint_files(paths, ("TODO",), jobs=1, cache=cache)
    assert result == lint.lint_files(paths, ("TODO",), jobs=1)
    assert result != before


def test_a_file_replaced_by_another_is_read(tmp_path: Path) -> None:
    """A copy renamed over a page (how editors save), with the old times: a new inode."""
    paths = _pages(tmp_path / "pages")
    cache = PageCache(tmp_path / "c-pages.sqlite3", clock=_later())
    first, _ = _keys(cache, paths)
    info = os.stat(paths[0])
    replacement = tmp_path / "pages" / "new.tmp"
    replacement.write_text(Path(paths[0]).read_text("utf-8").replace("TODO", "DONE"), "utf-8")
    os.utime(replacement, ns=(info.st_atime_ns, info.st_mtime_ns))
    os.replace(replacement, paths[0])
    keys, read = _keys(cache, paths)
    assert read == 1
    assert keys[0] != first[0]
    assert keys[1:] == first[1:]


def test_a_renamed_or_copied_page_is_read_under_its_new_name(tmp_path: Path) -> None:
    paths = _pages(tmp_path / "pages")
    cache = PageCache(tmp_path / "c-pages.sqlite3", clock=_later())
    first, _ = _keys(cache, paths)
    copied = str(tmp_path / "pages" / "copy.md")
    shutil.copy2(paths[0], copied)  # the same size and times, another path
    renamed = str(tmp_path / "pages" / "renamed.md")
    os.rename(paths[1], renamed)
    keys, read = _keys(cache, [paths[0], copied, renamed, paths[2]])
    assert read == 2
    assert keys[0] == first[0]
    assert keys[3] == first[2]
    assert None not in keys
    assert len(set(keys)) == 4


def test_a_recent_file_is_read_on_every_run(tmp_path: Path) -> None:
    """Written within ``RACY_SECONDS`` of the run (or stamped in the future): its times
    could stay the same through another edit, so its signature is never recorded."""
    paths = _pages(tmp_path / "pages")
    cache = PageCache(tmp_path / "c-pages.sqlite3")  # the real clock: the files are new
    first, read = _keys(cache, paths)
    assert read == 3
    assert _keys(cache, paths) == (first, 3)
    future = time.time_ns() + int(3600e9)
    os.utime(paths[0], ns=(future, future))
    old = PageCache(tmp_path / "c-pages.sqlite3", clock=_later())
    assert _keys(old, paths)[1] == 3
    assert _keys(old, paths)[1] == 1  # the one stamped in the future is never trusted
    db = sqlite3.connect(tmp_path / "c-pages.sqlite3")
    recorded = {row[0] for row in db.execute("SELECT path FROM files")}
    db.close()
    assert recorded == {os.fsencode(os.path.abspath(path)) for path in paths[1:]}


def test_a_page_that_changes_while_it_is_read_is_not_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _pages(tmp_path / "pages", 1)
    cache = PageCache(tmp_path / "c-pages.sqlite3", clock=_later())
    signatures = iter(["1:1:1:1:1", "2:2:2:2:2"])
    monkeypatch.setattr(page_cache, "_signature", lambda path: next(signatures))
    assert _keys(cache, paths)[1] == 1
    monkeypatch.undo()
    assert _keys(cache, paths)[1] == 1  # nothing was recorded: read again


def _check(run_cli: RunCli, *args: str) -> str:
    result = run_cli("check", *args)
    assert result.code in (0, 1), result.err
    assert result.err == ""
    return result.out


def test_reports_from_signatures_are_byte_identical(
    run_cli: RunCli, in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With every file old enough to be known by its signature: the warm run (no page read)
    renders what a run without the cache renders, and so does a run after an in-place
    edit whose modification time was put back."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    monkeypatch.setattr(page_cache, "RACY_SECONDS", 0.0)
    shutil.copy(REPO / "catalog.yaml", in_tmp / "catalog.yaml")
    shutil.copytree(REPO / "docs", in_tmp / "docs")
    _pages(in_tmp / "docs" / "more")
    quiet = in_tmp / "docs" / "more" / "p2.md"
    quiet.write_text(
        "# Quiet\n\n<!-- flowcatalog-disable-next-line page-placeholder -->\nTODO\n\n"
        "<!-- flowcatalog-disable-next-line page-link-broken -->\nNothing to hide.\n",
        "utf-8",
    )
    args = ("docs", "--cache", str(in_tmp / "c.sqlite3"), "--format", "json")
    cold = _check(run_cli, *args, "--no-cache")
    rules = {(f["path"], f["rule"]) for f in json.loads(cold)["findings"]}
    assert ("docs/more/p1.md", "page-placeholder") in rules
    assert ("docs/more/p2.md", "page-placeholder") not in rules  # suppressed
    assert ("docs/more/p2.md", "unused-suppression") in rules
    assert _check(run_cli, *args) == cold
    time.sleep(0.01)
    db = sqlite3.connect(in_tmp / "c-pages.sqlite3")
    assert db.execute("SELECT count(*) FROM files").fetchone()[0] == 4  # every page known
    db.close()
    assert _check(run_cli, *args) == cold
    page = in_tmp / "docs" / "more" / "p1.md"
    info = os.stat(page)
    page.write_bytes(page.read_bytes().replace(b"TODO", b"DONE"))
    os.utime(page, ns=(info.st_atime_ns, info.st_mtime_ns))
    edited = _check(run_cli, *args, "--no-cache")
    assert edited != cold
    assert _check(run_cli, *args) == edited
    # a suppression comment added to a page the cache knew to have none is honoured
    page = in_tmp / "docs" / "more" / "p0.md"
    page.write_text(
        "<!-- flowcatalog-disable-file page-placeholder -->\n" + page.read_text("utf-8"), "utf-8"
    )
    suppressed = _check(run_cli, *args, "--no-cache")
    assert ("docs/more/p0.md", "page-placeholder") not in {
        (f["path"], f["rule"]) for f in json.loads(suppressed)["findings"]
    }
    assert _check(run_cli, *args) == suppressed


def test_pages_without_a_suppression_comment_are_named(tmp_path: Path) -> None:
    """Known from reading the page or from its record: the tuning skips those pages."""
    paths = _pages(tmp_path / "pages")
    Path(paths[1]).write_text("<!-- flowcatalog-disable-file -->\n", "utf-8")
    cache = PageCache(tmp_path / "c-pages.sqlite3", clock=_later())
    assert _keys(cache, paths)[1] == 3
    assert cache.unmarked == {paths[0], paths[2]}
    again = PageCache(tmp_path / "c-pages.sqlite3", clock=_later())
    assert _keys(again, paths)[1] == 0
    assert again.unmarked == {paths[0], paths[2]}


def test_without_change_times_every_page_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where ``st_ctime`` is the creation time (Windows), an in-place edit with the time put
    back would not show: no signature is trusted there."""
    monkeypatch.setattr(page_cache, "CHANGE_TIMES", False)
    paths = _pages(tmp_path / "pages")
    cache = PageCache(tmp_path / "c-pages.sqlite3", clock=_later())
    first, read = _keys(cache, paths)
    assert read == 3
    assert _keys(cache, paths) == (first, 3)


@pytest.mark.skipif(os.name != "posix", reason="a file name that is not UTF-8: POSIX only")
def test_a_file_name_that_is_not_utf8_is_known_too(tmp_path: Path) -> None:
    root = tmp_path / "pages"
    root.mkdir()
    name = os.fsdecode(b"caf\xe9.md")  # Latin-1, as an old archive may hold
    try:
        (root / name).write_text("# Caf\u00e9\n\nTODO\n", "utf-8")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system does not take such a name")
    paths = [str(root / name)]
    cache = PageCache(tmp_path / "c-pages.sqlite3", clock=_later())
    first, read = _keys(cache, paths)
    assert read == 1
    assert first[0] is not None
    assert _keys(cache, paths) == (first, 0)
    assert lint.lint_files(paths, ("TODO",), jobs=1, cache=cache) == lint.lint_files(
        paths, ("TODO",), jobs=1
    )
