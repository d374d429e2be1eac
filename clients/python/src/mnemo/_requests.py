"""What the sync and async clients share: request shapes in, typed results or errors out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence
from urllib.parse import quote

import httpx

from .backoff import parse_retry_after
from .errors import MemoryApiError, MemoryConnectionError, error_for
from .types import FilterValue, MemoryType


class _Unset:
    """Marks an argument left out, where None means something (`title=None` clears the title)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()

API_PREFIX = "/api/v1"
STREAM_POSITION_HEADER = "x-stream-position"


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    body: Any = None
    has_body: bool = False


def memory_path(memory_id: str) -> str:
    return f"{API_PREFIX}/memories/{quote(memory_id, safe='')}"


def create_request(
    content: str,
    title: str | None | _Unset,
    memory_type: MemoryType | _Unset,
    tags: Sequence[str] | _Unset,
    metadata: Mapping[str, Any] | _Unset,
) -> ApiRequest:
    body = _fields(content=content, title=title, memory_type=memory_type, tags=tags, metadata=metadata)
    return ApiRequest("POST", f"{API_PREFIX}/memories", body=body, has_body=True)


def update_request(
    memory_id: str,
    content: str | _Unset,
    title: str | None | _Unset,
    memory_type: MemoryType | _Unset,
    tags: Sequence[str] | _Unset,
    metadata: Mapping[str, Any] | _Unset,
) -> ApiRequest:
    body = _fields(content=content, title=title, memory_type=memory_type, tags=tags, metadata=metadata)
    return ApiRequest("PATCH", memory_path(memory_id), body=body, has_body=True)


def delete_request(memory_id: str, reason: str | None) -> ApiRequest:
    params = {} if reason is None else {"reason": reason}
    return ApiRequest("DELETE", memory_path(memory_id), params=params)


def list_request(
    page: int | None,
    limit: int | None,
    cursor: str | None,
    memory_type: MemoryType | None,
    tags: Sequence[str] | None,
    created_by: str | None,
) -> ApiRequest:
    params: dict[str, str] = {}
    if page is not None:
        params["page"] = str(page)
    if limit is not None:
        params["limit"] = str(limit)
    if cursor is not None:
        params["cursor"] = cursor
    if memory_type is not None:
        params["memory_type"] = memory_type
    if tags:
        params["tags"] = ",".join(tags)
    if created_by is not None:
        params["created_by"] = created_by
    return ApiRequest("GET", f"{API_PREFIX}/memories", params=params)


def search_request(
    query: str,
    limit: int | None,
    memory_types: Sequence[MemoryType] | None,
    tags: Sequence[str] | None,
    filters: Mapping[str, FilterValue] | None,
    threshold: float | None,
) -> ApiRequest:
    body: dict[str, Any] = {"query": query}
    if limit is not None:
        body["limit"] = limit
    if memory_types is not None:
        body["memory_types"] = list(memory_types)
    if tags is not None:
        body["tags"] = list(tags)
    if filters is not None:
        body["filters"] = dict(filters)
    if threshold is not None:
        body["threshold"] = threshold
    return ApiRequest("POST", f"{API_PREFIX}/memories/search", body=body, has_body=True)


def _fields(**given: Any) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name, value in given.items():
        if isinstance(value, _Unset):
            continue
        if name == "tags":
            value = list(value)
        elif name == "metadata":
            value = dict(value)
        body[name] = value
    return body


def auth_headers(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


def request_kwargs(request: ApiRequest) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"params": request.params}
    if request.has_body:
        kwargs["content"] = json.dumps(request.body, allow_nan=False).encode()
        kwargs["headers"] = {"Content-Type": "application/json"}
    return kwargs


def read_json(response: httpx.Response) -> Any:
    """The body of a successful answer; the typed error for any other."""
    if response.status_code >= 400:
        raise api_error(response.status_code, response.headers, response.text)
    if response.status_code == 204:
        return None
    try:
        return response.json()
    except ValueError as error:
        raise MemoryConnectionError(
            response.status_code,
            "INVALID_RESPONSE",
            f"The server answered {response.status_code} with a body that is not JSON",
            response.headers.get("x-request-id"),
        ) from error


def stream_position(response: httpx.Response) -> str | None:
    return response.headers.get(STREAM_POSITION_HEADER) or None


def api_error(status: int, headers: httpx.Headers, text: str, body: Any = None) -> MemoryApiError:
    """The API's error body (or, when it is not one, the status) as the exception for `status`."""
    if body is None:
        try:
            body = json.loads(text)
        except ValueError:
            body = None
    fields: Mapping[str, Any] = body if isinstance(body, Mapping) else {}
    code = fields.get("code")
    message = fields.get("message")
    request_id = fields.get("request_id") or headers.get("x-request-id")
    retry_after = parse_retry_after(headers.get("retry-after"))
    if retry_after is None and isinstance(fields.get("retry_after"), (int, float)):
        retry_after = fields["retry_after"] / 1000
    return error_for(
        status,
        code if isinstance(code, str) else f"HTTP_{status}",
        message if isinstance(message, str) else f"The server answered {status}",
        request_id if isinstance(request_id, str) else None,
        fields.get("details"),
        retry_after,
    )


def transport_error(error: httpx.HTTPError) -> MemoryConnectionError:
    return MemoryConnectionError(0, "NETWORK_ERROR", f"The request failed: {error!r}")
