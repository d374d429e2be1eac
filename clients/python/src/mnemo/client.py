"""MemoryClient (blocking) and AsyncMemoryClient: memories, search and the real-time stream."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Awaitable, Callable, Iterable, Mapping, Sequence

import httpx

from . import _requests as req
from ._requests import UNSET, ApiRequest, _Unset
from .stream import AsyncStream, ErrorHandler, Stream, new_session
from .types import FilterValue, Memory, MemoryList, MemoryType, SearchResponse

DEFAULT_TIMEOUT = 30.0


def _base_url(base_url: str) -> str:
    return base_url.rstrip("/")


def _check_key(api_key: str) -> str:
    if not api_key:
        raise ValueError("MemoryClient needs an api_key")
    return api_key


class MemoryClient:
    """The mnemo API, blocking. Use it as a context manager, or call close(), to release its
    connections.

    `sleep` and `async_sleep` wait between stream reconnects, and `random` draws the backoff's
    jitter: tests can pass fakes so nothing really waits.
    """

    def __init__(
        self,
        api_key: str,
        base_url: str = "http://localhost:3000",
        timeout: float = DEFAULT_TIMEOUT,
        *,
        sleep: Callable[[float], object] | None = None,
        async_sleep: Callable[[float], Awaitable[object]] | None = None,
        random: Callable[[], float] | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        self._api_key = _check_key(api_key)
        self._base_url = _base_url(base_url)
        self._timeout = timeout
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._random = random
        self._http = http_client or httpx.Client(timeout=timeout)
        self._owns_http = http_client is None

    def __enter__(self) -> MemoryClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def _send(self, request: ApiRequest) -> httpx.Response:
        kwargs = req.request_kwargs(request)
        headers = {**req.auth_headers(self._api_key), **kwargs.pop("headers", {})}
        try:
            response = self._http.request(
                request.method, self._base_url + request.path, headers=headers, **kwargs
            )
        except httpx.HTTPError as error:
            raise req.transport_error(error) from error
        req.read_json(response)  # raises the typed error on a refusal
        return response

    def create_memory(
        self,
        content: str,
        *,
        title: str | None | _Unset = UNSET,
        memory_type: MemoryType | _Unset = UNSET,
        tags: Sequence[str] | _Unset = UNSET,
        metadata: Mapping[str, Any] | _Unset = UNSET,
    ) -> Memory:
        response = self._send(req.create_request(content, title, memory_type, tags, metadata))
        return Memory.from_json(response.json())

    def get_memory(self, memory_id: str) -> Memory:
        return Memory.from_json(self._send(ApiRequest("GET", req.memory_path(memory_id))).json())

    def update_memory(
        self,
        memory_id: str,
        *,
        content: str | _Unset = UNSET,
        title: str | None | _Unset = UNSET,
        memory_type: MemoryType | _Unset = UNSET,
        tags: Sequence[str] | _Unset = UNSET,
        metadata: Mapping[str, Any] | _Unset = UNSET,
    ) -> Memory:
        """Changes only the fields given; `title=None` clears the title."""
        request = req.update_request(memory_id, content, title, memory_type, tags, metadata)
        return Memory.from_json(self._send(request).json())

    def delete_memory(self, memory_id: str, *, reason: str | None = None) -> None:
        """`reason` is carried by the memory.deleted event (the server's default: user_request)."""
        self._send(req.delete_request(memory_id, reason))

    def list_memories(
        self,
        *,
        page: int | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        memory_type: MemoryType | None = None,
        tags: Sequence[str] | None = None,
        created_by: str | None = None,
    ) -> MemoryList:
        """Newest first. Page with `page`, or pass `pagination.next_cursor` back as `cursor`."""
        request = req.list_request(page, limit, cursor, memory_type, tags, created_by)
        response = self._send(request)
        return MemoryList.from_json(response.json(), req.stream_position(response))

    def search_memories(
        self,
        query: str,
        *,
        limit: int | None = None,
        memory_types: Sequence[MemoryType] | None = None,
        tags: Sequence[str] | None = None,
        filters: Mapping[str, FilterValue] | None = None,
        threshold: float | None = None,
    ) -> SearchResponse:
        request = req.search_request(query, limit, memory_types, tags, filters, threshold)
        response = self._send(request)
        return SearchResponse.from_json(response.json(), req.stream_position(response))

    def create_stream(
        self,
        events: Iterable[str] | None = None,
        filters: Mapping[str, FilterValue] | None = None,
        heartbeat: int | None = None,
        last_event_id: str | None = None,
        *,
        include_heartbeats: bool = False,
        on_error: ErrorHandler | None = None,
    ) -> Stream:
        """The real-time stream; it connects when iterated and reconnects by itself.

        `events`: types to receive (every type when None). `filters`: field equality on the
        event's `data` or `data.metadata`. `heartbeat`: seconds between heartbeats (the server's
        default, 30, when None); silence for twice that reconnects. `last_event_id`: resume after
        it, as from a list's `stream_position` or an earlier stream's `last_event_id`.
        `on_error` hears every reason the stream reconnects.
        """
        session = new_session(
            base_url=self._base_url,
            api_key=self._api_key,
            events=events,
            filters=filters,
            heartbeat=heartbeat,
            last_event_id=last_event_id,
            include_heartbeats=include_heartbeats,
            connect_timeout=self._timeout,
            random=self._random,
            on_error=on_error,
        )
        return Stream(
            session,
            self._http,
            lambda: httpx.AsyncClient(timeout=self._timeout),
            self._sleep,
            self._async_sleep,
        )

    stream_events = create_stream


class AsyncMemoryClient:
    """The mnemo API, with coroutines. Use it with `async with`, or await aclose()."""

    def __init__(
        self,
        api_key: str,
        base_url: str = "http://localhost:3000",
        timeout: float = DEFAULT_TIMEOUT,
        *,
        sleep: Callable[[float], Awaitable[object]] | None = None,
        random: Callable[[], float] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self._api_key = _check_key(api_key)
        self._base_url = _base_url(base_url)
        self._timeout = timeout
        self._sleep = sleep
        self._random = random
        self._http = http_client or httpx.AsyncClient(timeout=timeout)
        self._owns_http = http_client is None

    async def __aenter__(self) -> AsyncMemoryClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    close = aclose

    async def _send(self, request: ApiRequest) -> httpx.Response:
        kwargs = req.request_kwargs(request)
        headers = {**req.auth_headers(self._api_key), **kwargs.pop("headers", {})}
        try:
            response = await self._http.request(
                request.method, self._base_url + request.path, headers=headers, **kwargs
            )
        except httpx.HTTPError as error:
            raise req.transport_error(error) from error
        req.read_json(response)
        return response

    async def create_memory(
        self,
        content: str,
        *,
        title: str | None | _Unset = UNSET,
        memory_type: MemoryType | _Unset = UNSET,
        tags: Sequence[str] | _Unset = UNSET,
        metadata: Mapping[str, Any] | _Unset = UNSET,
    ) -> Memory:
        response = await self._send(req.create_request(content, title, memory_type, tags, metadata))
        return Memory.from_json(response.json())

    async def get_memory(self, memory_id: str) -> Memory:
        response = await self._send(ApiRequest("GET", req.memory_path(memory_id)))
        return Memory.from_json(response.json())

    async def update_memory(
        self,
        memory_id: str,
        *,
        content: str | _Unset = UNSET,
        title: str | None | _Unset = UNSET,
        memory_type: MemoryType | _Unset = UNSET,
        tags: Sequence[str] | _Unset = UNSET,
        metadata: Mapping[str, Any] | _Unset = UNSET,
    ) -> Memory:
        """Changes only the fields given; `title=None` clears the title."""
        request = req.update_request(memory_id, content, title, memory_type, tags, metadata)
        return Memory.from_json((await self._send(request)).json())

    async def delete_memory(self, memory_id: str, *, reason: str | None = None) -> None:
        await self._send(req.delete_request(memory_id, reason))

    async def list_memories(
        self,
        *,
        page: int | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        memory_type: MemoryType | None = None,
        tags: Sequence[str] | None = None,
        created_by: str | None = None,
    ) -> MemoryList:
        request = req.list_request(page, limit, cursor, memory_type, tags, created_by)
        response = await self._send(request)
        return MemoryList.from_json(response.json(), req.stream_position(response))

    async def search_memories(
        self,
        query: str,
        *,
        limit: int | None = None,
        memory_types: Sequence[MemoryType] | None = None,
        tags: Sequence[str] | None = None,
        filters: Mapping[str, FilterValue] | None = None,
        threshold: float | None = None,
    ) -> SearchResponse:
        request = req.search_request(query, limit, memory_types, tags, filters, threshold)
        response = await self._send(request)
        return SearchResponse.from_json(response.json(), req.stream_position(response))

    def create_stream(
        self,
        events: Iterable[str] | None = None,
        filters: Mapping[str, FilterValue] | None = None,
        heartbeat: int | None = None,
        last_event_id: str | None = None,
        *,
        include_heartbeats: bool = False,
        on_error: ErrorHandler | None = None,
    ) -> AsyncStream:
        """As MemoryClient.create_stream, read with `async for`."""
        session = new_session(
            base_url=self._base_url,
            api_key=self._api_key,
            events=events,
            filters=filters,
            heartbeat=heartbeat,
            last_event_id=last_event_id,
            include_heartbeats=include_heartbeats,
            connect_timeout=self._timeout,
            random=self._random,
            on_error=on_error,
        )
        return AsyncStream(session, self._http, self._sleep)

    stream_events = create_stream

