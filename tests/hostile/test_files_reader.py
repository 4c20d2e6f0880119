"""The one reader and decoder (``fsio``): every source read the same way, one message for
one problem, and containment in the repository."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from flowcatalog import fsio
from flowcatalog.errors import InputError
from tests.conftest import RunCli


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"ok\r\n", "ok\r\n"),
        (b"\xef\xbb\xbfok", "ok"),
        (b"a\x00b", fsio.Unreadable("binary", "binary file (NUL byte at byte offset 1), not text")),
        (
            b"\xef\xbb\xbfab\r\ncd\rx\xffy",
            fsio.Unreadable("encoding", "not valid UTF-8: byte 0xff at byte offset 11", 3, 2),
        ),
        (b"12345678901", fsio.Unreadable("too-large", "file is 11 bytes, over the limit of 10")),
    ],
)
def test_decode_source(data: bytes, expected: object) -> None:
    too_large = isinstance(expected, fsio.Unreadable) and expected.kind == "too-large"
    assert fsio.decode_source(data, limit=10 if too_large else 100) == expected


def test_read_text_says_each_problem_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"x\n\xc3(")
    with pytest.raises(InputError) as caught:
        fsio.read_text(str(tmp_path / "bad.txt"))
    assert (
        str(caught.value)
        == f"{tmp_path / 'bad.txt'}:2:1: not valid UTF-8: byte 0xc3 at byte offset 2"
    )
    with pytest.raises(InputError, match="is a directory, not a file"):
        fsio.read_text(str(tmp_path))
    (tmp_path / "big.txt").write_bytes(b"x" * 30)
    with pytest.raises(InputError, match="file is 30 bytes, over the limit of 10"):
        fsio.read_bytes(str(tmp_path / "big.txt"), limit=10)
    with pytest.raises(InputError, match="binary file"):
        fsio.decode(b"\x00", "x")


def test_containment(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "a" / "b").mkdir(parents=True)
    assert fsio.repository_root(str(root / "a" / "b")) == str(root.resolve())
    assert fsio.repository_root(str(tmp_path)) == str(tmp_path.resolve())  # outside git
    (root / "out").symlink_to(tmp_path)
    assert fsio.contained(str(root / "a"), str(root))
    assert not fsio.contained(str(root / "out" / "x.md"), str(root))
    assert not fsio.contained(str(root / ".." / "x.md"), str(root))


def test_a_broken_symlink_is_one_line(run_cli: RunCli, in_tmp: Path) -> None:
    os.symlink("nowhere.md", in_tmp / "gone.md")
    result = run_cli("check", "gone.md")
    assert (result.code, result.err) == (2, "flowcatalog: error: gone.md: a symlink to nothing\n")


def test_absolute_glob_walks_from_its_literal_base(run_cli: RunCli, in_tmp: Path) -> None:
    (in_tmp / "d").mkdir()
    (in_tmp / "d" / "p.md").write_text("# P\n")
    result = run_cli("links", str(in_tmp / "d" / "*.md"))
    assert result.code == 0, result.err


@pytest.mark.skipif(os.name == "nt", reason="no line break in a Windows file name")
def test_a_file_name_holding_a_line_break_or_an_escape_is_shown_on_one_line(
    run_cli: RunCli, in_tmp: Path
) -> None:
    """A name from a contributor's branch cannot add lines to the text output (a forged
    finding) nor hand the terminal an escape sequence; JSON keeps the name as it is."""
    name = "new\nline\x1b[2J.md"
    (in_tmp / name).write_text("# A\n\n- \n", encoding="utf-8")
    result = run_cli("check", name, "--no-config", "--no-cache")
    shown = "new\\nline\\x1b[2J.md"
    assert result.out.splitlines() == [
        f"{shown}:3:1: warning: empty list item under 'A'; fill it in or remove it "
        "[page-empty-item]",
        "0 errors, 1 warning, 0 infos; 0 links (0 Figma)",
    ]
    report = run_cli("check", name, "--no-config", "--no-cache", "--format", "json").out
    assert json.loads(report)["findings"][0]["path"] == name
    missing = run_cli("check", name + "x", "--no-config")
    assert (missing.code, missing.err) == (
        2,
        f"flowcatalog: error: {shown}x: no page matches this pattern\n",  # ([2J: a glob)
    )


def test_a_working_directory_removed_under_the_run_is_one_line(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    result = run_cli("check", str(tmp_path / "nowhere.md"))
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "flowcatalog: error: the working directory no longer exists; run from one that does\n"
    )


def test_output_in_an_encoding_that_cannot_hold_the_text(tmp_path: Path) -> None:
    """stdout in latin-1 (``PYTHONIOENCODING``; a Windows console pipe is cp1252): text
    goes in it with what it cannot hold escaped, never an internal error; JSON goes in
    UTF-8, as its spec asks, whole."""
    import subprocess
    import sys

    (tmp_path / "p.md").write_text("# Ünï 😀\n\n- \n", encoding="utf-8")
    env = dict(os.environ, PYTHONIOENCODING="latin-1")
    base = [sys.executable, "-m", "flowcatalog", "check", "p.md", "--no-config", "--no-cache"]
    text = subprocess.run(base, cwd=tmp_path, env=env, capture_output=True, check=False)
    assert (text.returncode, text.stderr) == (0, b"")
    assert text.stdout.splitlines()[0] == (
        "p.md:3:1: warning: empty list item under 'Ünï \\U0001f600'; fill it in or remove it "
        "[page-empty-item]"
    ).encode("latin-1")
    data = subprocess.run(
        [*base, "--format", "json"], cwd=tmp_path, env=env, capture_output=True, check=False
    )
    assert (data.returncode, data.stderr) == (0, b"")
    found = json.loads(data.stdout.decode("utf-8"))["findings"][0]["message"]
    assert found == "empty list item under 'Ünï 😀'; fill it in or remove it"
    stopped = subprocess.run(  # the report of a run stopped by an error: UTF-8 as well
        [*base[:4], "Ünï😀.md", "--no-config", "--format", "json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        check=False,
    )
    assert stopped.returncode == 2
    assert json.loads(stopped.stdout.decode("utf-8"))["findings"][0]["path"] == "Ünï😀.md"
