"""The Python client of mnemo: memories, search and the real-time event stream."""

from .client import AsyncMemoryClient, MemoryClient
from .errors import (
    AuthenticationError,
    MemoryApiError,
    MemoryConnectionError,
    NotFoundError,
    RateLimitError,
    ValidationError,
)
from .stream import AsyncStream, Stream
from .types import (
    FilterValue,
    Memory,
    MemoryList,
    MemoryType,
    Pagination,
    SearchHit,
    SearchResponse,
    StreamEvent,
)

__all__ = [
    "AsyncMemoryClient",
    "AsyncStream",
    "AuthenticationError",
    "FilterValue",
    "Memory",
    "MemoryApiError",
    "MemoryClient",
    "MemoryConnectionError",
    "MemoryList",
    "MemoryType",
    "NotFoundError",
    "Pagination",
    "RateLimitError",
    "SearchHit",
    "SearchResponse",
    "Stream",
    "StreamEvent",
    "ValidationError",
]
