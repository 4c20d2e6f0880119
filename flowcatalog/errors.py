"""Exit codes and the exceptions that stop a run.

Problems in user data are findings (values). An exception from here means the run
cannot go on: the CLI catches it once and prints one line.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The documented exit codes of every flowcatalog command."""

    OK = 0
    FINDINGS = 1
    USAGE = 2
    INTERNAL = 3
    INTERRUPTED = 130


def printable(text: str) -> str:
    """``text`` (a path, a name from outside) with what is not printable written as its
    Python escape (``\\n``, ``\\x1b``, a stray surrogate of an undecodable name): a line of
    output stays one line, and a terminal is handed nothing it would act on."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class FlowcatalogError(Exception):
    """A condition that stops the run; ``str()`` is the one-line message."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, *, location: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location:
            return f"{printable(self.location)}: {self.message}"
        return self.message


class InputError(FlowcatalogError):
    """Input that cannot be read or parsed at all (missing file, bad bytes, not YAML)."""


class UsageError(FlowcatalogError):
    """A bad combination of options or arguments."""
