"""The API's one error body (`code`, `message`, `request_id`) as exceptions, by status."""

from __future__ import annotations

from typing import Any


class MemoryApiError(Exception):
    """A refused call, or a stream that stopped or is reconnecting.

    `status` is the HTTP status; for an error the stream sent in-band it is the status the code
    stands for (401 for `AUTH_ERROR`), and 0 for the client's own codes (`NETWORK_ERROR`,
    `HEARTBEAT_TIMEOUT`, `INVALID_RESPONSE`). `retry_after` is in seconds, when the server said.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        request_id: str | None = None,
        details: Any = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.details = details
        self.retry_after = retry_after

    def __str__(self) -> str:
        where = f" (request {self.request_id})" if self.request_id else ""
        return f"{self.status} {self.code}: {self.message}{where}"


class AuthenticationError(MemoryApiError):
    """401 (`AUTH_ERROR`: no key, a bad or revoked key) or 403 (`FORBIDDEN`: a missing scope)."""


class NotFoundError(MemoryApiError):
    """404: no such memory in the caller's organization."""


class ValidationError(MemoryApiError):
    """Input the server refuses as given: 400, 406, 413, 415, 422, 431."""


class RateLimitError(MemoryApiError):
    """429 (`RATE_LIMITED`); `retry_after` says how many seconds to wait."""


class MemoryConnectionError(MemoryApiError):
    """The server could not be reached, or answered with something that is not the API."""


_VALIDATION_STATUSES = frozenset({400, 406, 409, 413, 415, 422, 431})


def error_for(
    status: int,
    code: str,
    message: str,
    request_id: str | None = None,
    details: Any = None,
    retry_after: float | None = None,
) -> MemoryApiError:
    """The exception class that fits the status."""
    cls: type[MemoryApiError] = MemoryApiError
    if status in (401, 403):
        cls = AuthenticationError
    elif status == 404:
        cls = NotFoundError
    elif status == 429:
        cls = RateLimitError
    elif status in _VALIDATION_STATUSES:
        cls = ValidationError
    return cls(status, code, message, request_id, details, retry_after)
