"""The real-time stream, GET /api/v1/stream: reconnects, resumes, and stops on refusals.

One `_StreamSession` decides everything without doing I/O (what to ask for, what an answer
means, how long to wait); `_iter_events` and `_aiter_events` drive it over httpx, blocking or
async. `Stream` (from MemoryClient) offers both `for` and `async for`; `AsyncStream` (from
AsyncMemoryClient) offers `async for`.
"""

from __future__ import annotations

import asyncio
import json
import random as _random
import threading
import weakref
from contextlib import aclosing
from types import TracebackType
from typing import (
    Any,
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
)

import httpx
from httpx_sse import EventSource, ServerSentEvent

from ._requests import API_PREFIX, api_error, auth_headers
from .backoff import Backoff
from .errors import AuthenticationError, MemoryApiError, MemoryConnectionError, RateLimitError
from .types import FilterValue, StreamEvent

#: The server's default heartbeat, which the watchdog assumes until a heartbeat says the interval.
DEFAULT_HEARTBEAT_SECONDS = 30

#: Refusals below 500 other than these would fail the same way again.
_RETRIABLE_STATUSES = frozenset({408, 425, 429})

ErrorHandler = Callable[[MemoryApiError], None]


def encode_stream_query(
    events: Iterable[str] | None,
    filters: Mapping[str, FilterValue] | None,
    heartbeat: int | None,
) -> list[tuple[str, str]]:
    """`events` as a comma list; string filters as `filters[name]=value` pairs; other values
    (numbers, booleans, null) in one `filters` JSON object, which keeps their types."""
    query: list[tuple[str, str]] = []
    if events is not None:
        query.append(("events", ",".join(events)))
    typed: dict[str, FilterValue] = {}
    for name, value in (filters or {}).items():
        if isinstance(value, str):
            query.append((f"filters[{name}]", value))
        else:
            typed[name] = value
    if typed:
        query.append(("filters", json.dumps(typed, allow_nan=False, separators=(",", ":"))))
    if heartbeat is not None:
        query.append(("heartbeat", str(heartbeat)))
    return query


def _refusal_body(text: str, content_type: str) -> Any:
    """A refusal's body: the API's JSON error, or the same framed as an SSE `error` event."""
    if "text/event-stream" in content_type:
        data = ""
        for line in text.splitlines():
            if line.startswith("data:"):
                data = line[5:].removeprefix(" ")
        text = data
    try:
        return json.loads(text)
    except ValueError:
        return None


class _StreamSession:
    """The decisions of one stream, across its connections."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        events: Iterable[str] | None,
        filters: Mapping[str, FilterValue] | None,
        heartbeat: int | None,
        last_event_id: str | None,
        include_heartbeats: bool,
        connect_timeout: float,
        random: Callable[[], float],
        on_error: ErrorHandler | None,
    ) -> None:
        self.url = f"{base_url}{API_PREFIX}/stream"
        self.closed = False
        self.last_event_id = last_event_id
        self.last_error: MemoryApiError | None = None
        self.connections = 0
        self._api_key = api_key
        self._query = encode_stream_query(events, filters, heartbeat)
        self._include_heartbeats = include_heartbeats
        self._on_error = on_error
        self._backoff = Backoff(random=random)
        self._first_request = True
        # Why the current connection ended; the first reason given wins.
        self._ending: MemoryApiError | None = None
        self._connect_timeout = connect_timeout
        self._watch(heartbeat or DEFAULT_HEARTBEAT_SECONDS)

    def _watch(self, interval: int) -> None:
        """httpx's read timeout is the watchdog: no bytes for twice the heartbeat means a dead
        link. A connection's timeout is fixed when it opens, so an interval that a heartbeat
        announces applies from the next connection on."""
        self.watchdog_seconds = 2 * interval
        self.timeout = httpx.Timeout(self._connect_timeout, read=self.watchdog_seconds)

    def request(self) -> tuple[httpx.QueryParams, dict[str, str]]:
        """The query and headers of the next connection: `last_event_id` in the query on the
        first connect, the `Last-Event-ID` header on reconnects."""
        self._ending = None
        params = list(self._query)
        headers = {
            **auth_headers(self._api_key),
            "Accept": "text/event-stream",
            "Cache-Control": "no-cache",
        }
        if self.last_event_id is not None:
            if self._first_request:
                params.append(("last_event_id", self.last_event_id))
            else:
                headers["Last-Event-ID"] = self.last_event_id
        self._first_request = False
        return httpx.QueryParams(tuple(params)), headers

    @staticmethod
    def is_event_stream(response: httpx.Response) -> bool:
        content_type = response.headers.get("content-type", "")
        return response.status_code == 200 and content_type.startswith("text/event-stream")

    def opened(self) -> None:
        self.connections += 1
        self._backoff.reset()

    def refused(self, response: httpx.Response, text: str) -> None:
        """A connection refused before the stream opened: raises when retrying cannot help."""
        status = response.status_code
        if status == 200:
            content_type = response.headers.get("content-type")
            self._fail(
                MemoryConnectionError(
                    status, "INVALID_RESPONSE", f"Expected text/event-stream, got {content_type}"
                )
            )
        body = _refusal_body(text, response.headers.get("content-type", ""))
        error = api_error(status, response.headers, text, body)
        fatal = error.code == "AUTH_ERROR" or (status < 500 and status not in _RETRIABLE_STATUSES)
        if fatal:
            self._fail(error)
        self._end(error)

    def received(self, sse: ServerSentEvent) -> StreamEvent | None:
        """The event to hand to the caller, if any; raises on an `AUTH_ERROR` event."""
        # As EventSource does: the last id seen, heartbeats' and errors' included; empty clears it.
        self.last_event_id = sse.id or None
        if sse.retry is not None and sse.retry >= 0:
            self._backoff.base = sse.retry / 1000
        if not sse.data:
            return None
        try:
            data = json.loads(sse.data)
        except ValueError:
            return None  # Every event of this API carries JSON; anything else is not ours.
        if not isinstance(data, dict):
            return None
        kind = sse.event or "message"
        if kind == "error":
            self._server_failed(data)
            return None
        if kind == "heartbeat":
            self._heartbeat(data)
        if kind == "message" or (kind == "heartbeat" and not self._include_heartbeats):
            return None
        return StreamEvent(type=kind, id=sse.id, data=data)

    def _heartbeat(self, data: Mapping[str, Any]) -> None:
        """Each heartbeat says its interval (`interval_seconds`): the watchdog need not assume one."""
        interval = data.get("interval_seconds")
        if isinstance(interval, int) and not isinstance(interval, bool) and interval > 0:
            if 2 * interval != self.watchdog_seconds:
                self._watch(interval)

    def _server_failed(self, data: Mapping[str, Any]) -> None:
        """The server's last word before it closes: wait as it says, or stop on AUTH_ERROR."""
        code = data.get("code") if isinstance(data.get("code"), str) else "CONNECTION_ERROR"
        message = data.get("message") if isinstance(data.get("message"), str) else code
        delay = data.get("retry_after")
        retry_after = delay / 1000 if isinstance(delay, (int, float)) and delay >= 0 else None
        assert isinstance(code, str) and isinstance(message, str)
        if code == "AUTH_ERROR":
            self._fail(AuthenticationError(401, code, message, retry_after=retry_after))
        cls = RateLimitError if code == "RATE_LIMITED" else MemoryConnectionError
        status = 429 if code == "RATE_LIMITED" else 0
        self._end(cls(status, code, message, retry_after=retry_after))

    def ended(self) -> None:
        self._end(MemoryConnectionError(0, "NETWORK_ERROR", "The server ended the stream"))

    def failed(self, error: Exception) -> None:
        if isinstance(error, httpx.ReadTimeout):
            seconds = self.watchdog_seconds
            self._end(MemoryConnectionError(0, "HEARTBEAT_TIMEOUT", f"Nothing received for {seconds} s"))
        else:
            self._end(MemoryConnectionError(0, "NETWORK_ERROR", f"The connection failed: {error!r}"))

    def next_delay(self) -> float:
        """Seconds to wait before reconnecting: what the server asked for, else the backoff."""
        ending = self._ending
        if ending is not None:
            self.last_error = ending
            if self._on_error is not None:
                self._on_error(ending)
            if ending.retry_after is not None:
                return ending.retry_after
        return self._backoff.next()

    def _end(self, error: MemoryApiError) -> None:
        if self._ending is None:
            self._ending = error

    def _fail(self, error: MemoryApiError) -> None:
        self.closed = True
        self.last_error = error
        raise error


class _Current:
    """The response being read, so that close() from elsewhere can cut it."""

    def __init__(self) -> None:
        self.response: httpx.Response | None = None


def _iter_events(
    session: _StreamSession,
    http: httpx.Client,
    sleep: Callable[[float], object],
    current: _Current,
) -> Iterator[StreamEvent]:
    try:
        while not session.closed:
            params, headers = session.request()
            try:
                with http.stream(
                    "GET", session.url, params=params, headers=headers, timeout=session.timeout
                ) as response:
                    current.response = response
                    if not session.is_event_stream(response):
                        session.refused(response, response.read().decode("utf-8", "replace"))
                    else:
                        session.opened()
                        for sse in EventSource(response).iter_sse():
                            event = session.received(sse)
                            if event is not None:
                                yield event
                        session.ended()
            except MemoryApiError:
                raise
            except httpx.HTTPError as error:
                if session.closed:
                    return
                session.failed(error)
            except Exception:
                if session.closed:
                    return  # close() cut the response under the read.
                raise
            finally:
                current.response = None
            if session.closed:
                return
            sleep(session.next_delay())
    finally:
        session.closed = True


async def _aiter_events(
    session: _StreamSession,
    http: httpx.AsyncClient,
    sleep: Callable[[float], Awaitable[object]],
    current: _Current,
) -> AsyncGenerator[StreamEvent, None]:
    try:
        while not session.closed:
            params, headers = session.request()
            try:
                async with http.stream(
                    "GET", session.url, params=params, headers=headers, timeout=session.timeout
                ) as response:
                    current.response = response
                    if not session.is_event_stream(response):
                        session.refused(response, (await response.aread()).decode("utf-8", "replace"))
                    else:
                        session.opened()
                        async with aclosing(EventSource(response).aiter_sse()) as sses:
                            async for sse in sses:
                                event = session.received(sse)
                                if event is not None:
                                    yield event
                        session.ended()
            except MemoryApiError:
                raise
            except httpx.HTTPError as error:
                if session.closed:
                    return
                session.failed(error)
            except Exception:
                if session.closed:
                    return
                raise
            finally:
                current.response = None
            if session.closed:
                return
            await sleep(session.next_delay())
    finally:
        session.closed = True


class _End:
    """The last item of an `_AsyncEvents` queue: the loop ends, or raises `error`."""

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


async def _pump(
    source: AsyncGenerator[StreamEvent, None], queue: asyncio.Queue[StreamEvent | _End]
) -> None:
    """The reading task. It holds no reference to its `_AsyncEvents`, which can thus be
    dropped (and noticed) when the loop is left."""
    try:
        async with aclosing(source) as events:
            async for event in events:
                await queue.put(event)
        await queue.put(_End(None))
    except Exception as error:
        await queue.put(_End(error))


class _AsyncEvents:
    """What `async for` iterates. A task of its own reads the connection (one event ahead), so
    that leaving the loop, which only drops this object, can stop the reading at once: the task
    is cancelled and closes the connection inside the running loop."""

    def __init__(self, session: _StreamSession, source: AsyncGenerator[StreamEvent, None]) -> None:
        self._session = session
        self._source = source
        self._queue: asyncio.Queue[StreamEvent | _End] = asyncio.Queue(maxsize=1)
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._done = False

    def __aiter__(self) -> _AsyncEvents:
        return self

    async def __anext__(self) -> StreamEvent:
        if self._done:
            raise StopAsyncIteration
        if self._task is None:
            self._loop = asyncio.get_running_loop()
            self._task = self._loop.create_task(_pump(self._source, self._queue))
        item = await self._queue.get()
        if isinstance(item, _End):
            self._done = True
            if item.error is not None:
                raise item.error
            raise StopAsyncIteration
        return item

    def stop(self) -> None:
        """Stops reading and closes the connection as soon as the loop runs; callable from
        any thread."""
        self._session.closed = True
        self._done = True
        task, loop = self._task, self._loop
        if task is None or loop is None or task.done() or loop.is_closed():
            return
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        try:
            if running is loop:
                task.cancel()
            else:
                loop.call_soon_threadsafe(task.cancel)
        except RuntimeError:
            pass  # The loop closed meanwhile, and the task with it.

    async def aclose(self) -> None:
        self.stop()
        if self._task is None:
            await self._source.aclose()
            return
        try:
            await self._task
        except asyncio.CancelledError:
            pass

    def __del__(self) -> None:
        self.stop()


class _StreamBase:
    def __init__(self, session: _StreamSession) -> None:
        self._session = session
        self._current = _Current()
        self._events: weakref.ref[_AsyncEvents] | None = None
        self._iterating = False

    @property
    def last_event_id(self) -> str | None:
        """Where a reconnect resumes from: the last id received, heartbeats' included. Pass it
        to `create_stream(last_event_id=...)` to resume later."""
        return self._session.last_event_id

    @property
    def last_error(self) -> MemoryApiError | None:
        """Why the last connection ended (the stream may be reconnecting), or why it stopped."""
        return self._session.last_error

    @property
    def closed(self) -> bool:
        return self._session.closed

    @property
    def connections(self) -> int:
        """How many times the stream has opened (1 + reconnects that succeeded)."""
        return self._session.connections

    def _start(self) -> None:
        if self._iterating:
            raise RuntimeError("This stream is already being iterated")
        self._iterating = True

    def _async_events(self, source: AsyncGenerator[StreamEvent, None]) -> _AsyncEvents:
        events = _AsyncEvents(self._session, source)
        # Weak: the loop must be able to drop the iterator, which is how a `break` is noticed.
        self._events = weakref.ref(events)
        return events

    def _reading(self) -> _AsyncEvents | None:
        return None if self._events is None else self._events()


class Stream(_StreamBase):
    """A subscription made by MemoryClient.create_stream. Iterate it with `for`, or with
    `async for` (the spec's example); leaving the loop closes the connection at once. Errors
    that retrying cannot fix are raised from the loop; others reconnect by themselves."""

    def __init__(
        self,
        session: _StreamSession,
        http: httpx.Client,
        async_http: Callable[[], httpx.AsyncClient],
        sleep: Callable[[float], object] | None,
        async_sleep: Callable[[float], Awaitable[object]] | None,
    ) -> None:
        super().__init__(session)
        self._http = http
        self._async_http = async_http
        self._wake = threading.Event()
        self._sleep: Callable[[float], object] = sleep or self._wake.wait
        self._async_sleep = async_sleep

    def __iter__(self) -> Iterator[StreamEvent]:
        self._start()
        return _iter_events(self._session, self._http, self._sleep, self._current)

    def __aiter__(self) -> AsyncIterator[StreamEvent]:
        self._start()
        return self._async_events(self._aiter())

    async def _aiter(self) -> AsyncGenerator[StreamEvent, None]:
        # Cancelling the reading task (close(), leaving the loop) cuts any wait short.
        sleep = self._async_sleep or asyncio.sleep
        async with self._async_http() as http:
            async with aclosing(_aiter_events(self._session, http, sleep, _Current())) as events:
                async for event in events:
                    yield event

    def close(self) -> None:
        """Stops for good and releases the connection at once; the loop then ends. Callable
        from another thread than the loop's."""
        self._session.closed = True
        self._wake.set()
        reading = self._reading()
        if reading is not None:
            reading.stop()
        response = self._current.response
        if response is not None:
            response.close()

    async def aclose(self) -> None:
        """As close(), awaited until the connection is closed."""
        self.close()
        reading = self._reading()
        if reading is not None:
            await reading.aclose()

    def __enter__(self) -> Stream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> Stream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class AsyncStream(_StreamBase):
    """A subscription made by AsyncMemoryClient.create_stream, read with `async for`; leaving
    the loop closes the connection at once."""

    def __init__(
        self,
        session: _StreamSession,
        http: httpx.AsyncClient,
        sleep: Callable[[float], Awaitable[object]] | None,
    ) -> None:
        super().__init__(session)
        self._http = http
        self._sleep = sleep

    def __aiter__(self) -> AsyncIterator[StreamEvent]:
        self._start()
        sleep = self._sleep or asyncio.sleep
        return self._async_events(_aiter_events(self._session, self._http, sleep, self._current))

    async def aclose(self) -> None:
        """Stops for good and waits until the connection is closed; the loop then ends."""
        self._session.closed = True
        reading = self._reading()
        if reading is not None:
            await reading.aclose()

    close = aclose

    async def __aenter__(self) -> AsyncStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def new_session(
    *,
    base_url: str,
    api_key: str,
    events: Iterable[str] | None,
    filters: Mapping[str, FilterValue] | None,
    heartbeat: int | None,
    last_event_id: str | None,
    include_heartbeats: bool,
    connect_timeout: float,
    random: Callable[[], float] | None,
    on_error: ErrorHandler | None,
) -> _StreamSession:
    return _StreamSession(
        base_url=base_url,
        api_key=api_key,
        events=list(events) if events is not None else None,
        filters=filters,
        heartbeat=heartbeat,
        last_event_id=last_event_id,
        include_heartbeats=include_heartbeats,
        connect_timeout=connect_timeout,
        random=random or _random.random,
        on_error=on_error,
    )
