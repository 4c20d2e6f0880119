"""Shared fixtures: run the CLI in-process and capture exactly what it prints."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from flowcatalog.cli.main import main

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"

_LOOPBACK_PREFIXES = ("127.", "::1", "localhost")


def _guarded_connect(original: Callable[..., object]) -> Callable[..., object]:
    def connect(self: socket.socket, address: object, *args: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if (
            isinstance(host, str)
            and self.family in (socket.AF_INET, socket.AF_INET6)
            and not host.startswith(_LOOPBACK_PREFIXES)
        ):
            raise ConnectionRefusedError(f"tests may not connect to {host!r} (loopback only)")
        return original(self, address, *args)

    return connect


@pytest.fixture(autouse=True)
def _network_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reaches the internet: any connection outside 127.0.0.0/8 and ::1 fails."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect(socket.socket.connect))
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect(socket.socket.connect_ex))


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test (and every process it starts) has its own cache directory: no test reads
    or writes the user's caches, and no test sees another's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


RunCli = Callable[..., CliResult]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> RunCli:
    """Call ``flowcatalog`` with arguments; returns its exit code, stdout and stderr."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def in_tmp(tmp_path: Path) -> Iterator[Path]:
    """Run the test with the temporary directory as the working directory."""
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)


@pytest.fixture
def in_repo() -> Iterator[Path]:
    old = Path.cwd()
    os.chdir(REPO)
    try:
        yield REPO
    finally:
        os.chdir(old)
