"""The filesystem edge: the one file reader and decoder, path expansion, atomic writes."""

from __future__ import annotations

import contextlib
import glob
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from flowcatalog.errors import InputError

MAX_TEXT_BYTES = 20 * 1024 * 1024
_GLOB_CHARS = re.compile(r"[*?\[]")


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
        import tempfile  # only to write: not at start-up

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


def read_head(path: str, limit: int, *, what: str = "file") -> bytes:
    """The first ``limit`` bytes of a file (all of it when shorter); a file that cannot be
    read is an ``InputError`` naming ``what`` it was meant to be.

    ``read(limit)`` alone would allocate ``limit`` bytes for every page, however small; the
    file's size (when it has one) says how much to ask for, plus one byte to notice growth.
    """
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if not 0 < size < limit:
                return handle.read(limit)
            data = handle.read(size + 1)
            if len(data) > size:  # it grew since: read on, up to the limit
                data += handle.read(limit - len(data))
            return data
    except FileNotFoundError:
        raise InputError(f"no such {what}", location=path) from None
    except IsADirectoryError:
        raise InputError(f"is a directory, not a {what}", location=path) from None
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror or exc}", location=path) from None


def expand_paths(
    paths: Iterable[str], *, is_page: Callable[[str], bool], expected: str
) -> list[str]:
    """Files as given, directories searched recursively for pages, globs expanded.

    A missing path, a glob matching no page or a file of another type named explicitly is an
    ``InputError``. Dot-directories (``.git``) and ``node_modules`` are skipped. Each page is
    listed once, in the order first met; directory contents are sorted.
    """
    found: dict[str, None] = {}
    for raw in paths:
        if os.path.isdir(raw):
            found.update(dict.fromkeys(_walk(raw, is_page)))
        elif os.path.exists(raw):
            if not is_page(raw):
                raise InputError(f"not a page; expected {expected}", location=raw)
            found[raw] = None
        elif _GLOB_CHARS.search(raw):
            matches = sorted(glob.glob(raw, recursive=True))
            pages: list[str] = []
            for match in matches:
                if os.path.isdir(match):
                    pages.extend(_walk(match, is_page))
                elif is_page(match):
                    pages.append(match)
            if not pages:
                raise InputError("no page matches this pattern", location=raw)
            found.update(dict.fromkeys(pages))
        else:
            raise InputError("no such file or directory", location=raw)
    return list(found)


#: a site with more files than this is not listed (its internal links are not checked)
MAX_TREE_ENTRIES = 500_000


def list_tree(top: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """Every file and directory under ``top`` (absolute, normalised); dot-directories (but
    ``.github`` and ``.gitlab``), ``node_modules``, virtual environments and caches left out;
    None when there are more than ``MAX_TREE_ENTRIES``."""
    top = os.path.normpath(os.path.abspath(top))
    files: set[str] = set()
    dirs: set[str] = {top}
    for root, subdirs, names in os.walk(top):
        subdirs[:] = [d for d in subdirs if _listed(d)]
        dirs.update(os.path.join(root, d) for d in subdirs)
        files.update(os.path.join(root, name) for name in names)
        if len(files) + len(dirs) > MAX_TREE_ENTRIES:
            return None
    return frozenset(files), frozenset(dirs)


def _listed(name: str) -> bool:
    if name.startswith("."):
        return name in (".github", ".gitlab")
    return name not in ("node_modules", "venv", "__pycache__", "site-packages")


def _walk(top: str, is_page: Callable[[str], bool]) -> list[str]:
    pages: list[str] = []
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "node_modules")
        pages.extend(os.path.join(root, name) for name in sorted(files) if is_page(name))
    return pages
