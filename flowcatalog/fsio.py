"""The filesystem edge: the one file reader and decoder, containment in the repository,
path expansion, atomic writes.

**One size and decoding policy.** Every source is read by ``read_source`` (regular files
only: a FIFO, a device or a socket is refused before a byte is read, so nothing hangs or
fills memory; never more than the cap plus one byte) and decoded by ``decode_source``
(UTF-8, a BOM dropped, line endings kept). What is wrong with the bytes is an
``Unreadable`` value: too large (with the file's true size), binary (a NUL byte) or not
UTF-8 (the first bad byte, its offset, line and column). The caller decides what that
means for its kind of source: a page makes it a finding and the run goes on; a catalog,
a JSON report or a page to render or import cannot go on (``InputError``, exit 2;
``read_text``).

**Containment.** ``repository_root`` is the git top level above a directory (or the
directory itself outside git); ``contained`` says whether a path resolves (symlinks
included) inside a root. Directory walks and globs (``expand_paths``) never follow a
symlinked directory and leave out (and report) a symlinked file that resolves outside the
tree they walk.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from flowcatalog.errors import InputError

MAX_TEXT_BYTES = 20 * 1024 * 1024
_GLOB_CHARS = re.compile(r"[*?\[]")


@dataclass(frozen=True, slots=True)
class Unreadable:
    """Why a source's bytes are not text: ``kind`` is ``too-large``, ``binary`` or
    ``encoding``; ``line`` and ``column`` (1-based) point at the first bad byte."""

    kind: str
    message: str
    line: int | None = None
    column: int | None = None

    def where(self, path: str) -> str:
        """``path:line:column`` (or the path alone) for a one-line error."""
        return f"{path}:{self.line}:{self.column}" if self.line is not None else path


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and character column of a byte offset (lines end at \\n, \\r\\n or \\r)."""
    head = data[:offset]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    start = max(head.rfind(b"\n"), head.rfind(b"\r")) + 1
    line = len(head[:start].splitlines()) + 1 if start else 1
    return line, len(head[start:].decode("utf-8", "replace")) + 1


def decode_source(
    data: bytes, *, size: int | None = None, limit: int = MAX_TEXT_BYTES, what: str = "file"
) -> str | Unreadable:
    """The text of a source's bytes, or why there is none.

    ``size`` is the file's true size (``data`` holds at most ``limit`` + 1 bytes of it).
    UTF-8 only; a BOM is dropped; line endings are kept as they are.
    """
    true_size = len(data) if size is None else max(size, len(data))
    if len(data) > limit or true_size > limit:
        return Unreadable(
            "too-large", f"{what} is {true_size:,} bytes, over the limit of {limit:,}"
        )
    nul = data.find(b"\0")
    if nul >= 0:
        return Unreadable("binary", f"binary file (NUL byte at byte offset {nul}), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line, column = _line_col(data, bad)
        return Unreadable(
            "encoding",
            f"not valid UTF-8: byte 0x{data[bad]:02x} at byte offset {bad}",
            line,
            column,
        )


def read_source(path: str, *, limit: int = MAX_TEXT_BYTES, what: str = "file") -> tuple[bytes, int]:
    """At most ``limit`` + 1 bytes of a regular file, and the file's size.

    A missing file, a directory, anything but a regular file (a FIFO, ``/dev/zero``, a
    socket) and a file that cannot be read are ``InputError``: one line, nothing read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(f"no such {what}", location=path) from None
    except IsADirectoryError:
        raise InputError(f"is a directory, not a {what}", location=path) from None
    except PermissionError:
        raise InputError("permission denied", location=path) from None
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror or exc}", location=path) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"is a directory, not a {what}", location=path)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(
                f"not a regular file (a FIFO, device or socket); not read as a {what}",
                location=path,
            )
        size = info.st_size
        with os.fdopen(fd, "rb", closefd=False) as handle:
            if 0 < size <= limit:
                data = handle.read(size + 1)  # one byte more notices growth
                if len(data) > size:
                    data += handle.read(limit + 1 - len(data))
            else:
                data = handle.read(limit + 1)
        return data, max(size, len(data))
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror or exc}", location=path) from None
    finally:
        os.close(fd)


def decode(data: bytes, path: str, *, limit: int = MAX_TEXT_BYTES, what: str = "file") -> str:
    """``decode_source`` for a source that cannot go on without its text (``InputError``)."""
    text = decode_source(data, limit=limit, what=what)
    if isinstance(text, Unreadable):
        raise InputError(text.message, location=text.where(path))
    return text


def read_bytes(path: str, *, limit: int = MAX_TEXT_BYTES, what: str = "file") -> bytes:
    """A regular file's bytes; over ``limit`` is an ``InputError`` naming its true size."""
    data, size = read_source(path, limit=limit, what=what)
    if size > limit:
        raise InputError(f"{what} is {size:,} bytes, over the limit of {limit:,}", location=path)
    return data


def read_text(path: str, *, limit: int = MAX_TEXT_BYTES, what: str = "file") -> str:
    """A source that cannot go on without its text: any problem is an ``InputError``."""
    data, size = read_source(path, limit=limit, what=what)
    text = decode_source(data, size=size, limit=limit, what=what)
    if isinstance(text, Unreadable):
        raise InputError(text.message, location=text.where(path))
    return text


# --- containment --------------------------------------------------------------------------


def repository_root(start: str) -> str:
    """The git top level at or above directory ``start``, or ``start`` itself outside git;
    resolved (symlinks followed)."""
    top = os.path.realpath(start or ".")
    return git_top(top) or top


def git_top(directory: str) -> str | None:
    """The git top level at or above ``directory`` (a ``.git`` directory or file), named as
    ``directory`` names it (not resolved), or None outside git."""
    probe = directory
    while True:
        if os.path.lexists(os.path.join(probe, ".git")):
            return probe
        parent = os.path.dirname(probe)
        if parent == probe:
            return None
        probe = parent


def contained(path: str, root: str) -> bool:
    """Whether ``path`` resolves, symlinks included, to ``root`` or a path inside it."""
    resolved = os.path.realpath(path)
    real_root = os.path.realpath(root)
    try:
        return os.path.commonpath([resolved, real_root]) == real_root
    except ValueError:  # another drive on Windows
        return False


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

    A symlink is kept: the file it names is the one replaced (in that file's directory).
    What is not a regular file (``/dev/null``, a pipe, a terminal), and what names an open
    file of a process (``/dev/stdout``, ``/proc/self/fd/1``, a symlink to one), is written
    as it is, never replaced: a temporary file renamed over ``/dev/null`` by a run as root
    would make it a file of ours for every program on the machine, and one renamed over the
    file ``/dev/stdout`` leads to would leave the shell writing to a file no longer there.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if path.endswith(("/", os.sep)):  # (``Path`` would drop the slash and write a file)
        raise InputError("cannot write: names a directory (ends with '/')", location=path)
    try:
        info: os.stat_result | None = os.stat(path)  # (through symlinks)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", location=path) from None
    special, descriptor = _special(path)
    if special or (info is not None and not stat.S_ISREG(info.st_mode)):
        _write_through(path, payload, descriptor)
        return
    target = Path(os.path.realpath(path) if os.path.islink(path) else path)
    directory = target.parent if str(target.parent) else Path(".")
    mode = info.st_mode & 0o7777 if info is not None else 0o666 & ~_umask()
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


#: this process's open files, as ``/dev/stdout`` leads to them
_OWN_DESCRIPTOR = re.compile(r"/(?:proc/self|dev)/fd/([0-9]+)")


def _special(path: str) -> tuple[bool, int | None]:
    """Whether ``path``, or a symlink it leads through, lies under ``/dev`` or ``/proc`` (a
    device, a process's open file), and which of this process's descriptors it names, if
    one (``/dev/stdout`` -> ``/proc/self/fd/1``: 1)."""
    probe = os.path.abspath(path)
    special = False
    for _ in range(40):  # (a loop of links ends here: the write then says so)
        special = special or probe.startswith(("/dev/", "/proc/"))
        own = _OWN_DESCRIPTOR.fullmatch(probe)
        if own is not None:
            return True, int(own[1])
        try:
            link = os.readlink(probe)
        except OSError:  # not a symlink (or not one we may read)
            break
        probe = os.path.normpath(os.path.join(os.path.dirname(probe), link))
    return special, None


def _write_through(path: str, payload: bytes, descriptor: int | None) -> None:
    """Write into what ``path`` is (a device, a pipe, an open file), not replacing it; one
    of this process's descriptors is written as it is open (``>> log`` appends, a file is
    not truncated by opening it again)."""
    try:
        if descriptor is None:
            with open(path, "wb") as handle:
                handle.write(payload)
            return
        view = memoryview(payload)
        while view:
            view = view[os.write(descriptor, view) :]
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", location=path) from None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def expand_paths(
    paths: Iterable[str],
    *,
    is_page: Callable[[str], bool],
    expected: str,
    root: str | None = None,
    outside: list[str] | None = None,
) -> list[str]:
    """Files as given, directories searched recursively for pages, globs expanded.

    A missing path, a glob matching no page or a file of another type named explicitly is an
    ``InputError``. Dot-directories (``.git``) and ``node_modules`` are skipped. Each page is
    listed once, in the order first met; directory contents are sorted.

    A file named on the command line is read wherever it is. A walk or a glob never follows
    a symlinked directory (no loop, no escape) and leaves out a file that resolves outside
    its tree: the repository ``root`` when the walk starts inside it, else the directory
    named; the files left out are added to ``outside``.
    """
    found: dict[str, None] = {}
    for raw in paths:
        if os.path.isdir(raw):
            found.update(dict.fromkeys(_walk(raw, is_page, _tree(raw, root), outside)))
        elif os.path.exists(raw):
            if not is_page(raw):
                raise InputError(f"not a page; expected {expected}", location=raw)
            found[raw] = None
        elif _GLOB_CHARS.search(raw):
            pages = _glob(raw, is_page, root, outside)
            if not pages:
                raise InputError("no page matches this pattern", location=raw)
            found.update(dict.fromkeys(pages))
        elif os.path.lexists(raw):
            raise InputError("a symlink to nothing", location=raw)
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


def _tree(top: str, root: str | None) -> str:
    """What a walk from ``top`` may read: the repository when ``top`` is inside it, else
    the directory named."""
    if root is not None and contained(top, root):
        return os.path.realpath(root)
    return os.path.realpath(top)


def _walk(
    top: str, is_page: Callable[[str], bool], tree: str, outside: list[str] | None
) -> list[str]:
    pages: list[str] = []
    for directory, dirs, files in os.walk(top):  # symlinked directories are not entered
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and d != "node_modules"
            and not os.path.islink(os.path.join(directory, d))
        )
        for name in sorted(files):
            if not is_page(name):
                continue
            path = os.path.join(directory, name)
            if os.path.islink(path) and not contained(path, tree):
                if outside is not None:
                    outside.append(path)
                continue
            pages.append(path)
    return pages


def _glob(
    pattern: str, is_page: Callable[[str], bool], root: str | None, outside: list[str] | None
) -> list[str]:
    """Pages matching a glob (``*``, ``?``, ``[...]`` within a name, ``**`` across
    directories; names starting with a dot only when the pattern says so), found by a walk
    of the pattern's literal base directory that follows no symlinked directory."""
    parts = pattern.split("/")
    literal: list[str] = []
    for part in parts:
        if _GLOB_CHARS.search(part):
            break
        literal.append(part)
    rest = parts[len(literal) :]
    base = "/".join(literal) if literal else "."
    if pattern.startswith("/") and not literal[1:]:
        base = "/"
    if not os.path.isdir(base):
        return []
    pages: list[str] = []
    for path in _walk(base, is_page, _tree(base, root), outside):
        relative = os.path.relpath(path, base).split(os.sep)
        if any(_match(relative[:n], rest) for n in range(1, len(relative) + 1)):
            pages.append(path if literal else os.path.normpath(path))
    return pages


def _match(names: list[str], parts: list[str]) -> bool:
    """Whether path ``names`` match glob ``parts`` (``**`` is any number of names)."""
    if not parts:
        return not names
    head, tail = parts[0], parts[1:]
    if head == "**":
        return any(_match(names[i:], tail) for i in range(len(names) + 1))
    if not names:
        return False
    name = names[0]
    if name.startswith(".") and not head.startswith("."):
        return False
    return fnmatch.fnmatchcase(name, head) and _match(names[1:], tail)
