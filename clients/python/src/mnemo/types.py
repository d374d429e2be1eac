"""The REST API's shapes, with the wire's snake_case field names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Mapping, Union

MemoryType = Literal["context", "project", "knowledge", "reference", "personal", "workflow"]

#: What a stream filter or a search filter compares a field with.
FilterValue = Union[str, int, float, bool, None]


def _object(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"expected a JSON object, got {type(value).__name__}")
    return value


@dataclass(frozen=True, kw_only=True)
class Memory:
    id: str
    title: str | None
    content: str
    memory_type: MemoryType
    tags: list[str]
    metadata: dict[str, Any]
    organization_id: str
    created_at: str
    created_by: str
    updated_at: str
    updated_by: str

    @classmethod
    def from_json(cls, body: Any) -> Memory:
        fields = _object(body)
        return cls(**_memory_fields(fields))


def _memory_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": fields["id"],
        "title": fields.get("title"),
        "content": fields["content"],
        "memory_type": fields["memory_type"],
        "tags": list(fields.get("tags") or []),
        "metadata": dict(fields.get("metadata") or {}),
        "organization_id": fields["organization_id"],
        "created_at": fields["created_at"],
        "created_by": fields["created_by"],
        "updated_at": fields["updated_at"],
        "updated_by": fields["updated_by"],
    }


@dataclass(frozen=True, kw_only=True)
class Pagination:
    total: int
    limit: int
    page: int | None
    has_more: bool
    next_cursor: str | None


@dataclass(frozen=True, kw_only=True)
class MemoryList:
    data: list[Memory]
    pagination: Pagination
    #: The event id at which this page holds: `create_stream(last_event_id=...)` continues from it
    #: with no gap. None when the server does not send it.
    stream_position: str | None

    @classmethod
    def from_json(cls, body: Any, header_position: str | None = None) -> MemoryList:
        fields = _object(body)
        page = _object(fields["pagination"])
        return cls(
            data=[Memory.from_json(item) for item in fields["data"]],
            pagination=Pagination(
                total=page["total"],
                limit=page["limit"],
                page=page.get("page"),
                has_more=page["has_more"],
                next_cursor=page.get("next_cursor"),
            ),
            stream_position=fields.get("stream_position") or header_position,
        )


@dataclass(frozen=True, kw_only=True)
class SearchHit(Memory):
    relevance_score: float

    @classmethod
    def from_json(cls, body: Any) -> SearchHit:
        fields = _object(body)
        return cls(**_memory_fields(fields), relevance_score=float(fields["relevance_score"]))


@dataclass(frozen=True, kw_only=True)
class SearchResponse:
    results: list[SearchHit]
    total_results: int
    search_time_ms: float
    #: As in MemoryList.
    stream_position: str | None

    @classmethod
    def from_json(cls, body: Any, header_position: str | None = None) -> SearchResponse:
        fields = _object(body)
        return cls(
            results=[SearchHit.from_json(item) for item in fields["results"]],
            total_results=fields["total_results"],
            search_time_ms=float(fields["search_time_ms"]),
            stream_position=fields.get("stream_position") or header_position,
        )


@dataclass(frozen=True)
class StreamEvent:
    """One event of the stream. `id` is where a reconnect resumes from."""

    type: str
    id: str
    data: dict[str, Any]
