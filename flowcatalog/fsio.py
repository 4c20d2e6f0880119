"""File reading and atomic writing: the filesystem edge."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from flowcatalog.errors import InputError

MAX_TEXT_BYTES = 20 * 1024 * 1024


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[start:offset].decode("utf-8", "replace")) + 1
    return line, column


def decode(data: bytes, path: str) -> str:
    """UTF-8 text (a BOM is dropped); a clean error at the first bad byte otherwise."""
    if b"\x00" in data[:8192]:
        raise InputError("binary file (NUL bytes), not text", location=path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _line_col(data, exc.start)
        raise InputError(
            f"not valid UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}",
            location=f"{path}:{line}:{column}",
        ) from None


def read_bytes(path: str, *, limit: int = MAX_TEXT_BYTES) -> bytes:
    p = Path(path)
    try:
        size = p.stat().st_size
        if p.is_dir():
            raise InputError("is a directory, not a file", location=path)
        if size > limit:
            raise InputError(f"file is {size:,} bytes, over the limit of {limit:,}", location=path)
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", location=path) from None
    except PermissionError:
        raise InputError("permission denied", location=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", location=path) from None


def read_text(path: str, *, limit: int = MAX_TEXT_BYTES) -> str:
    return decode(read_bytes(path, limit=limit), path)


def atomic_write(
    path: str,
    data: str | bytes,
    *,
    expected: bytes | None = None,
    conflict: str = "file changed on disk meanwhile; left untouched, run again",
) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same directory + ``os.replace``.

    Readers see the old file or the new one, never a half-written file. The file mode of an
    existing file is kept. With ``expected``, the file is replaced only if it still holds
    exactly those bytes (nobody changed it since it was read); otherwise ``InputError`` with
    the ``conflict`` message.
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    directory = target.parent if str(target.parent) else Path(".")
    try:
        mode = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", location=path) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if expected is not None and target.read_bytes() != expected:
            raise InputError(conflict, location=path)
        os.replace(tmp, target)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", location=path) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
