"""The retry and redirect policy of web checks: which statuses are retried or redirect, and
how long a ``Retry-After`` header asks to wait."""

from __future__ import annotations

import email.utils
import re
import time

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
HEAD_REFUSED = frozenset({400, 403, 405, 501})
RETRY_CODES = frozenset({408, 429})


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or HTTP-date); None if absent."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)
