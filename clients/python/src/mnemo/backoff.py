"""Reconnect delays: exponential backoff with full jitter, and the server's Retry-After."""

from __future__ import annotations

import random as _random
import time
from email.utils import parsedate_to_datetime
from typing import Callable

DEFAULT_BASE_SECONDS = 1.0
DEFAULT_CAP_SECONDS = 30.0


class Backoff:
    """The n-th consecutive retry waits a random time below min(cap, base * 2**n), so clients
    dropped together do not come back together. The base follows the server's `retry:` line."""

    def __init__(
        self,
        base: float = DEFAULT_BASE_SECONDS,
        cap: float = DEFAULT_CAP_SECONDS,
        random: Callable[[], float] = _random.random,
    ) -> None:
        self.base = base
        self.cap = cap
        self._random = random
        self._failures = 0

    def next(self) -> float:
        """Seconds before the next retry; each call counts one more consecutive failure."""
        ceiling = min(self.cap, self.base * 2.0**self._failures)
        self._failures = min(self._failures + 1, 32)
        return self._random() * ceiling

    def reset(self) -> None:
        """A connection opened: the next failure starts from the base again."""
        self._failures = 0


def parse_retry_after(header: str | None, now: float | None = None) -> float | None:
    """A Retry-After header (seconds, or an HTTP date) in seconds; None when absent or unreadable."""
    if header is None or not header.strip():
        return None
    text = header.strip()
    if text.isdigit():
        return float(text)
    try:
        at = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, at.timestamp() - (time.time() if now is None else now))
