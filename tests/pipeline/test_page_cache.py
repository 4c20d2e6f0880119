"""The page-result cache: hits give exactly what linting gives, misses are exactly the pages
(or settings) that changed, a foreign file is never touched, ``--no-cache`` writes nothing."""

from __future__ import annotations

import dataclasses
import gc
import json
import marshal
import os
import shutil
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest

from flowcatalog.errors import InputError
from flowcatalog.findings import Finding, Severity
from flowcatalog.model import FigmaRef, Link, Location
from flowcatalog.online.cache import Cache
from flowcatalog.pages.doc import PageLinks
from flowcatalog.pipeline import page_cache, page_codec, run_memo
from flowcatalog.pipeline import pages as lint
from flowcatalog.pipeline.page_cache import PageCache, cache_file
from flowcatalog.pipeline.page_codec import FORMAT, decode, encode
from flowcatalog.reporters import REPORTERS
from tests.conftest import RunCli

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "pages"


@pytest.fixture(autouse=True)
def _fixed_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports carry the run's time: pin it, so two runs render byte for byte alike."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")


def _corpus(root: Path, copies: int) -> list[str]:
    """``copies`` copies of each test page (Markdown and HTML), each a little different."""
    root.mkdir(parents=True, exist_ok=True)
    files = []
    for n in range(copies):
        for source in (DATA / "constructs.md", DATA / "flows.html"):
            target = root / f"p{n:02d}-{source.name}"
            text = source.read_text("utf-8")
            if source.suffix == ".md":
                text += f"\n## Copy {n}\n\n[copy](https://copy.example/{n}) TODO\n"
            target.write_text(text, encoding="utf-8")
            files.append(str(target))
    return files


def test_cache_file_is_beside_the_online_cache(tmp_path: Path) -> None:
    assert cache_file(tmp_path / "c.sqlite3") == tmp_path / "c-pages.sqlite3"
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    assert cache_file(None, env) == tmp_path / "flowcatalog" / "cache-pages.sqlite3"


def test_results_round_trip_every_field(tmp_path: Path) -> None:
    """What comes out of the cache equals what went in, for every kind of field."""
    for path in [*_corpus(tmp_path, 1), str(tmp_path / "bad.md")]:
        if path.endswith("bad.md"):
            Path(path).write_bytes(b"# bad \xff\n")
        for hidden in (True, False):
            linted = lint._lint_one((path, ("TODO",), hidden, True, "gitlab"))
            assert decode(encode(linted.findings, linted.page)) == (linted.findings, linted.page)
    # a field added to any of these types must be added to the cache's encoding
    assert [f.name for f in dataclasses.fields(PageLinks)] == ["path", "links", "hidden", "anchors"]
    assert [f.name for f in dataclasses.fields(Link)] == [
        "url", "location", "normalised", "figma", "text", "context", "kind", "element",
        "definition", "hidden", "has_image",
    ]  # fmt: skip
    assert [f.name for f in dataclasses.fields(Finding)] == [
        "rule", "severity", "message", "location", "url", "subject", "link",
    ]  # fmt: skip
    assert [f.name for f in dataclasses.fields(Location)] == ["path", "line", "column"]
    assert len(dataclasses.fields(FigmaRef)) == 5


def test_a_link_elsewhere_keeps_its_path() -> None:
    link = Link("u", Location("other.md", 1, 2), "u", definition=Location("third.md", 3, 4))
    finding = Finding("r", Severity.WARNING, "m", Location("other.md", None, None))
    result = ((finding,), PageLinks("p.md", (link,), ()))
    assert decode(encode(*result)) == result


def test_a_damaged_entry_is_a_miss() -> None:
    blob = encode((), PageLinks("p.md", (Link("u", Location("p.md", 1, 2), "u"),), ()))
    assert decode(blob) is not None
    assert decode(b"not marshal") is None
    assert decode(blob[: len(blob) // 2]) is None
    assert decode(marshal.dumps(("fc-page-1", (), None))) is None  # another layout
    assert decode(marshal.dumps((FORMAT, ((1, 99, "m", None, None, "", None),), None))) is None
    assert decode(marshal.dumps(7)) is None


@pytest.mark.parametrize("jobs", [1, 3])
def test_cached_lint_equals_linting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """Cold, then warm, in one process and in several: the same pages and findings."""
    monkeypatch.setattr(lint, "PARALLEL_MIN_PAGES", 2)
    files = _corpus(tmp_path / "pages", 3)
    plain = lint.lint_files(files, ("TODO",), jobs=1)
    for _ in range(2):
        cache = PageCache(tmp_path / "c-pages.sqlite3")
        assert lint.lint_files(files, ("TODO",), jobs=jobs, cache=cache) == plain
        cache.close()
    assert cache.hits == len(files)


def test_only_changed_pages_and_settings_miss(tmp_path: Path) -> None:
    files = _corpus(tmp_path / "pages", 3)
    linted: list[list[str]] = []

    def counting(todo: list[lint._Work]) -> list[lint._Linted]:
        linted.append([item[0] for item in todo])
        return [lint._lint_one(item) for item in todo]

    def run(work: Sequence[lint._Work]) -> list[tuple[object, ...]]:
        return [(r.findings, r.page) for r in page_cache.cached_lint(cache, work, counting)]

    cache = PageCache(tmp_path / "c-pages.sqlite3")
    work = [(path, ("TODO",), False, False, "gitlab") for path in files]
    first = run(work)
    assert run(work) == first
    with open(files[2], "a", encoding="utf-8") as page:
        page.write("\n[new](https://new.example/) TODO\n")
    changed = run(work)
    assert [r for i, r in enumerate(changed) if i != 2] == [
        r for i, r in enumerate(first) if i != 2
    ]
    assert changed[2] != first[2]
    run([(path, ("FIXME",), False, False, "gitlab") for path in files])
    run([(path, ("TODO",), True, False, "gitlab") for path in files])
    run([(path, ("TODO",), False, True, "gitlab") for path in files])
    run([(path, ("TODO",), False, False, "github") for path in files])
    moved = tmp_path / "moved.md"
    shutil.copy(files[0], moved)
    run([(str(moved), ("TODO",), False, False, "gitlab")])
    assert linted == [files, [files[2]], files, files, files, files, [str(moved)]]


def test_a_page_that_cannot_be_read_is_never_cached(tmp_path: Path) -> None:
    cache = PageCache(tmp_path / "c-pages.sqlite3")
    gone = str(tmp_path / "gone.md")
    results = page_cache.cached_lint(
        cache, [(gone, (), False, False, "gitlab")], lambda todo: map(lint._lint_one, todo)
    )
    assert results[0].error is not None
    assert cache.page_key(gone, ()) is None


@pytest.mark.parametrize("content", [b"not a database, a user's file\n" * 200, None])
def test_a_foreign_file_is_left_alone(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "mine.db"
    if content is None:  # another application's database
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE notes (text TEXT)")
        db.execute("INSERT INTO notes VALUES ('keep me')")
        db.commit()
        db.close()
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    warnings: list[str] = []
    cache = PageCache(path, warn=warnings.append)
    assert not cache.enabled
    files = _corpus(tmp_path / "pages", 1)
    assert lint.lint_files(files, ("TODO",), jobs=1, cache=cache) == lint.lint_files(
        files, ("TODO",), jobs=1
    )
    cache.close()
    assert path.read_bytes() == before
    assert len(warnings) == 1
    assert "running without it" in warnings[0]


def test_an_empty_file_becomes_a_cache(tmp_path: Path) -> None:
    path = tmp_path / "c-pages.sqlite3"
    path.write_bytes(b"")
    assert PageCache(path).enabled


def _check_all_formats(run_cli: RunCli, *args: str) -> dict[str, str]:
    outputs = {}
    for fmt in sorted(REPORTERS):
        result = run_cli("check", *args, "--format", fmt)
        assert result.code in (0, 1), result.err
        assert result.err == ""
        outputs[fmt] = result.out
    return outputs


@pytest.mark.parametrize("memo", [False, True], ids=["pages", "run-memo"])
def test_cache_hits_render_byte_identical_reports(
    run_cli: RunCli, in_tmp: Path, monkeypatch: pytest.MonkeyPatch, memo: bool
) -> None:
    """Every format, with drift (the repository's catalog and its page) and with more pages
    than one process lints: a cold run without the cache, the run that fills it and a run
    from it write the same bytes; from the page results, and from the run memo (which
    holds this run's report after its first format)."""
    monkeypatch.setattr(lint, "PARALLEL_MIN_PAGES", 4)
    monkeypatch.setattr(run_memo, "MIN_PAGES", 1 if memo else 10_000)
    hits: list[int] = []
    original = run_memo.RunMemo.get

    def counted(self: run_memo.RunMemo) -> run_memo.Remembered | None:
        found = original(self)
        hits.append(found is not None)
        return found

    monkeypatch.setattr(run_memo.RunMemo, "get", counted)
    shutil.copy(REPO / "catalog.yaml", in_tmp / "catalog.yaml")
    shutil.copytree(REPO / "docs", in_tmp / "docs")
    _corpus(in_tmp / "docs" / "more", 4)
    with open(in_tmp / "docs" / "customer-subscription-lifecycle.md", "a", encoding="utf-8") as f:
        f.write(
            "\n## Trial\n\n[Start a trial](https://www.figma.com/design/Zz9Yy8Xx7Ww6Vv5Uu4Tt3S/x?node-id=7-7)\n"
        )
    (in_tmp / "docs" / "more" / "links.md").write_text(
        "# Links\n\n## Here\n\n[ok](#here) [bad](#nowhere) [page](../customer-subscription-"
        "lifecycle.md#trial) [gone](missing.md) [root](/docs/more/links.md) [slip](#heer) "
        "[slip](linsk.md)\n",
        encoding="utf-8",
    )
    args = (
        "--catalog", "catalog.yaml", "docs", "--cache", str(in_tmp / "c.sqlite3"),
        "--root-dir", ".",
    )  # fmt: skip
    cold = _check_all_formats(run_cli, *args, "--no-cache")
    assert not (in_tmp / "c-pages.sqlite3").exists()  # --no-cache writes nothing
    filling = _check_all_formats(run_cli, *args)
    assert (in_tmp / "c-pages.sqlite3").exists()
    warm = _check_all_formats(run_cli, *args)
    assert cold == filling == warm
    assert sum(hits) == (2 * len(REPORTERS) - 1 if memo else 0), hits
    report = json.loads(cold["json"])
    assert len(report["sources"]) == 1 + 1 + 1 + 8
    rules = {f["rule"] for f in report["findings"]}
    assert {"page-placeholder", "page-link-not-in-catalog"} <= rules, rules
    internal = [f for f in report["findings"] if f["path"] == "docs/more/links.md"]
    assert len(internal) >= 2, internal  # '#nowhere' and 'missing.md', from cached pages too
    hints = [f["message"] for f in internal if "did you mean" in f["message"]]
    assert len(hints) == 2, internal  # '#heer' and 'linsk.md': answers the cache kept


def test_only_a_catalog_that_fits_the_schema_is_remembered(run_cli: RunCli, in_tmp: Path) -> None:
    """A valid catalog text is not validated again; an invalid one always is, and an edit
    that breaks a remembered catalog is caught."""
    shutil.copy(REPO / "catalog.yaml", in_tmp / "catalog.yaml")
    shutil.copytree(REPO / "docs", in_tmp / "docs")
    valid = run_cli("check", "--format", "json")
    assert run_cli("check", "--format", "json") == valid
    text = (in_tmp / "catalog.yaml").read_text("utf-8")
    (in_tmp / "catalog.yaml").write_text(text.replace("version: 1", "version: one"), "utf-8")
    broken = run_cli("check", "--format", "json")
    assert broken.code == 1
    assert "catalog-schema" in {f["rule"] for f in json.loads(broken.out)["findings"]}
    assert run_cli("check", "--format", "json") == broken
    assert run_cli("check", "--format", "json", "--no-cache") == broken


def test_a_fifo_is_never_opened(tmp_path: Path) -> None:
    """Not a regular file: a warning, no hang (opening a FIFO would wait for a writer)."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    warnings: list[str] = []
    assert not PageCache(fifo, warn=warnings.append).enabled
    assert warnings == [f"page cache {fifo} is not a flowcatalog page cache; running without it"]


def test_each_cache_refuses_the_others_file(tmp_path: Path) -> None:
    """The two caches share their opener, not their files: each one's marker is its own, and
    a file of the other kind is left byte for byte as it was (the online cache refuses it,
    the page cache runs without itself)."""
    online_file, pages_file = tmp_path / "online.sqlite3", tmp_path / "pages.sqlite3"
    Cache(online_file).close()
    PageCache(pages_file).close()
    online_bytes, pages_bytes = online_file.read_bytes(), pages_file.read_bytes()
    warnings: list[str] = []
    assert not PageCache(online_file, warn=warnings.append).enabled
    assert warnings == [
        f"page cache {online_file} is not a flowcatalog page cache; running without it"
    ]
    with pytest.raises(InputError, match="not a flowcatalog cache"):
        Cache(pages_file)
    assert online_file.read_bytes() == online_bytes
    assert pages_file.read_bytes() == pages_bytes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["online.sqlite3", "pages.sqlite3"]


def test_an_older_layout_of_ours_is_replaced(tmp_path: Path) -> None:
    """A page cache an older version wrote (another ``user_version``): rebuilt, no warning."""
    path = tmp_path / "c-pages.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE pages (key TEXT PRIMARY KEY, result TEXT NOT NULL)")
    db.execute("INSERT INTO pages VALUES ('k', 'old')")
    db.execute(f"PRAGMA application_id = {page_cache.APPLICATION_ID}")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    warnings: list[str] = []
    cache = PageCache(path, warn=warnings.append)
    assert cache.enabled
    assert cache.get_many(["k"]) == {}
    assert warnings == []


def test_a_damaged_cache_of_ours_turns_the_cache_off(tmp_path: Path) -> None:
    """Its header says it is ours, SQLite cannot read the rest: the run goes on without it,
    with one warning, and the file is left as it was."""
    path = tmp_path / "c-pages.sqlite3"
    PageCache(path).close()
    damaged = path.read_bytes()[:100] + b"not a database page" * 300
    path.write_bytes(damaged)
    warnings: list[str] = []
    cache = PageCache(path, warn=warnings.append)
    assert not cache.enabled
    assert len(warnings) == 1
    assert warnings[0].startswith(f"page cache {path} is unusable (")
    assert warnings[0].endswith("); running without it")
    assert path.read_bytes() == damaged


def test_decoding_leaves_the_collector_as_it_found_it(tmp_path: Path) -> None:
    """The collector is paused while pages are decoded, and only then."""
    files = _corpus(tmp_path / "pages", 1)
    cache = PageCache(tmp_path / "c-pages.sqlite3")
    lint.lint_files(files, ("TODO",), jobs=1, cache=cache)
    keys = cache.page_keys([(path, ("TODO",), False, False, "gitlab") for path in files])
    states = []
    real_decode = page_codec.decode

    def decode(blob: bytes) -> object:
        states.append(gc.isenabled())
        return real_decode(blob)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(page_codec, "decode", decode)
        assert gc.isenabled()
        assert len(cache.get_many([k for k in keys if k is not None])) == len(files)
        assert gc.isenabled()
        gc.disable()
        try:
            cache.get_many([k for k in keys if k is not None])
            assert not gc.isenabled()
        finally:
            gc.enable()
    assert states == [False] * (2 * len(files))


def test_did_you_mean_answers_are_kept_from_run_to_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answers of ``internal_links.closest`` are kept; a later run asks ``difflib`` only
    for what is new, and never takes a kept answer that is no longer a candidate."""
    import difflib

    from flowcatalog.rules.internal_links import closest

    path = tmp_path / "c-pages.sqlite3"
    first = PageCache(path)
    remembered = first.closest()
    assert remembered("heer", ["here", "there", "elsewhere"], 0.75) == "here"
    assert remembered("zzz", ["here"], 0.75) is None
    remembered.save()
    first.close()

    asked: list[str] = []
    real = difflib.get_close_matches

    def counting(word: str, possibilities: list[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
        asked.append(word)
        return [str(found) for found in real(word, possibilities, n, cutoff)]

    monkeypatch.setattr(difflib, "get_close_matches", counting)
    again = PageCache(path).closest()
    assert again("heer", ["here", "there", "elsewhere"], 0.75) == "here"
    assert again("zzz", ["here"], 0.75) is None  # "no match" is kept too
    assert asked == []
    assert again("heer", ["here", "there"], 0.75) == closest("heer", ["here", "there"], 0.75)
    assert asked == ["heer", "heer"]  # other candidates: a new question
    assert again("heer", ["here", "there", "elsewhere"], 0.8) is None  # another cutoff
    assert len(asked) == 3

    db = sqlite3.connect(path)  # a kept answer that is not among the candidates is not used
    db.execute("UPDATE answers SET answer = 'https://elsewhere.example'")
    db.commit()
    db.close()
    tampered = PageCache(path).closest()
    assert tampered("heer", ["here", "there", "elsewhere"], 0.75) == "here"


def test_kept_answers_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page_cache, "MAX_ANSWERS", 3)
    path = tmp_path / "c-pages.sqlite3"
    for words in (["a1", "a2"], ["b1", "b2"]):
        cache = PageCache(path)
        remembered = cache.closest()
        for word in words:
            remembered(word, ["a1"], 0.75)
        remembered.save()
        cache.close()
    db = sqlite3.connect(path)
    kept = db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    db.close()
    assert kept == 2  # four would be over the bound: only the last run's answers stay


def test_stored_results_are_bounded_and_the_oldest_go_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every edit stores one more result; past ``MAX_KEPT`` beside this run's own, the
    results stored longest ago go, never one of this run's."""
    monkeypatch.setattr(page_cache, "MAX_KEPT", 2)
    files = _corpus(tmp_path / "pages", 1)
    work: list[lint._Work] = [(path, ("TODO",), False, False, "gitlab") for path in files]
    path = tmp_path / "c-pages.sqlite3"
    linted: list[int] = []

    def counting(todo: list[lint._Work]) -> list[lint._Linted]:
        linted.append(len(todo))
        return [lint._lint_one(item) for item in todo]

    def stored() -> list[str]:
        db = sqlite3.connect(path)
        keys = [key for (key,) in db.execute("SELECT key FROM pages ORDER BY rowid")]
        db.close()
        return keys

    versions: list[str] = []  # the edited page's key after each edit
    for edit in range(4):
        with open(files[-1], "a", encoding="utf-8") as page:  # (its first result is newest)
            page.write(f"\nedit {edit}\n")
        cache = PageCache(path)
        page_cache.cached_lint(cache, work, counting)
        keys = [key for key in cache.page_keys(work) if key is not None]
        cache.close()
        versions.append(keys[-1])
        assert len(stored()) <= page_cache.MAX_KEPT + len(work)
        assert set(keys) <= set(stored())  # this run's results all stay
    assert linted == [len(work), 1, 1, 1]  # one page edited each time: one miss
    assert [key for key in stored() if key in versions] == versions[1:]  # the first went
    cache = PageCache(path)
    page_cache.cached_lint(cache, work, counting)  # nothing changed: nothing linted
    cache.close()
    assert len(linted) == 4
