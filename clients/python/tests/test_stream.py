"""The real-time stream against the real service: delivery, resume, reconnects and refusals."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from typing import Callable

import pytest

from mnemo import (
    AsyncMemoryClient,
    AuthenticationError,
    MemoryApiError,
    MemoryClient,
    RateLimitError,
    Stream,
    StreamEvent,
    ValidationError,
)

from .conftest import ApiKey, Server, wait_for

MEMORY_EVENTS = ["memory.created", "memory.updated", "memory.deleted"]


class Collector:
    """Reads a blocking stream on a thread of its own, keeping every event."""

    def __init__(self, stream: Stream) -> None:
        self.stream = stream
        self.events: list[StreamEvent] = []
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for event in self.stream:
                self.events.append(event)
        except BaseException as error:  # noqa: BLE001 - handed to the test
            self.error = error

    def wait_for(
        self, predicate: Callable[[StreamEvent], bool], what: str, timeout: float = 10
    ) -> StreamEvent:
        found: list[StreamEvent] = []

        def seen() -> bool:
            if self.error is not None:
                raise AssertionError(f"the stream failed: {self.error!r}")
            found[:] = [event for event in self.events if predicate(event)]
            return bool(found)

        wait_for(seen, timeout, what)
        return found[0]

    def of_type(self, *types: str) -> list[StreamEvent]:
        return [event for event in self.events if event.type in types]

    def stop(self) -> None:
        self.stream.close()
        self._thread.join(timeout=5)
        assert not self._thread.is_alive(), "close() did not end the loop"


class ClosedStreams:
    """Watches `stream.closed` activity with a key of its own: the server has freed the slot of
    a connection once it says that connection closed."""

    def __init__(self, server: Server, org: str) -> None:
        watcher = server.create_key(org, "watcher")
        self.client = MemoryClient(api_key=watcher.key, base_url=server.base_url)
        stream = self.client.create_stream(
            events=["user.activity"],
            filters={"action": "stream.closed"},
            heartbeat=1,
            include_heartbeats=True,
        )
        self.collector = Collector(stream)
        self.collector.wait_for(lambda e: e.type == "heartbeat", "the watcher to connect")

    def wait_closed(self, connection_id: str) -> None:
        self.collector.wait_for(
            lambda e: e.type == "user.activity" and e.data.get("resource_id") == connection_id,
            f"the server to close {connection_id}",
            timeout=5,
        )

    def stop(self) -> None:
        self.collector.stop()
        self.client.close()


def no_sleep(sleeps: list[float]) -> Callable[[float], None]:
    """A sleep that records what it was asked and returns at once."""
    return sleeps.append


def current_position(client: MemoryClient) -> str:
    """A resume point from now on: the id of a fresh stream's first heartbeat."""
    with client.create_stream(heartbeat=1, include_heartbeats=True) as stream:
        for event in stream:
            return event.id
    raise AssertionError("the stream ended before its first heartbeat")


def test_delivers_the_three_memory_events_through_a_filtered_stream(
    server: Server, api_key: ApiKey
) -> None:
    with MemoryClient(api_key=api_key.key, base_url=server.base_url) as client:
        before = current_position(client)
        ours = client.create_memory("watched", metadata={"category": "note"})
        noise = client.create_memory("not watched", metadata={"category": "note"})
        seen: list[StreamEvent] = []
        stream = client.create_stream(
            events=MEMORY_EVENTS, filters={"id": ours.id}, heartbeat=1, last_event_id=before
        )
        for event in stream:
            seen.append(event)
            if event.type == "memory.created":  # replayed: now change both, live
                client.update_memory(noise.id, tags=["changed"])
                client.update_memory(ours.id, content="watched, changed", tags=["changed"])
                client.delete_memory(noise.id)
                client.delete_memory(ours.id, reason="outdated")
            if event.type == "memory.deleted":
                break
        assert stream.closed

    assert [event.type for event in seen] == MEMORY_EVENTS
    assert {event.data["id"] for event in seen} == {ours.id}
    created, updated, deleted = (event.data for event in seen)
    assert created["content"] == "watched" and created["metadata"] == {"category": "note"}
    assert updated["content"] == "watched, changed"
    assert updated["changes"] == {
        "title": False,
        "content": True,
        "memory_type": False,
        "metadata": False,
        "tags": True,
    }
    assert deleted["reason"] == "outdated" and deleted["deleted_by"] == "alice"
    assert len({event.id for event in seen}) == 3


def test_sends_string_filters_as_pairs_and_typed_ones_as_json(
    server: Server, api_key: ApiKey
) -> None:
    with MemoryClient(api_key=api_key.key, base_url=server.base_url) as client:
        stream = client.create_stream(
            events=["memory.created"],
            filters={"project": "apollo", "priority": 2, "urgent": True},
            heartbeat=1,
            include_heartbeats=True,
        )
        created: list[StreamEvent] = []
        for event in stream:
            if event.type == "heartbeat" and not created:
                client.create_memory("a", metadata={"project": "apollo", "priority": 2, "urgent": False})
                client.create_memory("b", metadata={"project": "gemini", "priority": 2, "urgent": True})
                client.create_memory("c", metadata={"project": "apollo", "priority": "2", "urgent": True})
                client.create_memory("d", metadata={"project": "apollo", "priority": 2, "urgent": True})
                created.append(event)
            elif event.type == "memory.created":
                assert event.data["content"] == "d"
                break


async def test_async_client_delivers_with_async_for(server: Server, api_key: ApiKey) -> None:
    async with AsyncMemoryClient(api_key=api_key.key, base_url=server.base_url) as client:
        stream = client.create_stream(
            events=["memory.created", "search.performed"], heartbeat=1, include_heartbeats=True
        )
        types: list[str] = []
        async for event in stream:
            types.append(event.type)
            if event.type == "heartbeat" and len(types) == 1:
                await client.create_memory("async stream")
                await client.search_memories("async stream")
            if event.type == "search.performed":
                assert event.data["query"] == "async stream"
                assert event.data["results_count"] == 1
                break
        assert [t for t in types if t != "heartbeat"] == ["memory.created", "search.performed"]
        assert stream.closed


async def test_the_blocking_clients_stream_reads_with_async_for_as_in_the_spec(
    server: Server, api_key: ApiKey
) -> None:
    client = MemoryClient(api_key=api_key.key, base_url=server.base_url)
    stream = client.create_stream(
        events=["memory.created", "memory.updated", "search.performed"],
        filters={"user_id": "user123"},
        heartbeat=1,
        include_heartbeats=True,
    )
    received: list[StreamEvent] = []
    async for event in stream:
        if event.type == "heartbeat":
            if not received:
                await asyncio.to_thread(
                    client.create_memory, "for user123", metadata={"user_id": "user123"}
                )
                await asyncio.to_thread(client.create_memory, "for someone else")
            received.append(event)
        elif event.type == "memory.created":
            assert event.data["content"] == "for user123"
            assert event.data["metadata"]["user_id"] == "user123"
            break
    assert stream.closed
    client.close()


def test_stream_events_is_create_stream(server: Server, api_key: ApiKey) -> None:
    with MemoryClient(api_key=api_key.key, base_url=server.base_url) as client:
        with client.stream_events(heartbeat=1, include_heartbeats=True) as stream:
            first = next(iter(stream))
        assert first.type == "heartbeat" and first.data["connection_id"].startswith("conn_")


def test_resumes_after_the_last_event_id_given(server: Server, api_key: ApiKey) -> None:
    with MemoryClient(api_key=api_key.key, base_url=server.base_url) as client:
        stream = client.create_stream(events=["memory.created"], heartbeat=1, include_heartbeats=True)
        for event in stream:
            if event.type == "heartbeat":
                client.create_memory("first")
            else:
                break
        assert event.data["content"] == "first"
        assert stream.last_event_id == event.id

        client.create_memory("second")
        client.create_memory("third")
        resumed = client.create_stream(events=["memory.created"], last_event_id=event.id)
        contents = []
        for later in resumed:
            contents.append(later.data["content"])
            if len(contents) == 2:
                break
        assert contents == ["second", "third"]


def test_yields_stream_reset_when_the_position_is_unknown(server: Server, api_key: ApiKey) -> None:
    with MemoryClient(api_key=api_key.key, base_url=server.base_url) as client:
        with client.create_stream(events=["memory.created"], last_event_id="0-0") as stream:
            first = next(iter(stream))
    assert first.type == "stream.reset"
    assert first.data["reason"] in ("unknown", "expired")


def test_reconnects_across_a_server_restart_and_delivers_what_came_after(
    own_server: Server, org: str
) -> None:
    key = own_server.create_key(org, "alice")
    sleeps: list[float] = []

    def quick_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        time.sleep(min(seconds, 0.05))  # the delay asked for is recorded; the test need not wait it

    with MemoryClient(api_key=key.key, base_url=own_server.base_url, sleep=quick_sleep) as client:
        errors: list[MemoryApiError] = []
        stream = client.create_stream(
            events=["memory.created"], heartbeat=1, include_heartbeats=True, on_error=errors.append
        )
        collector = Collector(stream)
        collector.wait_for(lambda e: e.type == "heartbeat", "the stream to open")
        before = client.create_memory("before the restart")
        collector.wait_for(lambda e: e.data.get("id") == before.id, "the first memory")

        own_server.restart()
        after = client.create_memory("after the restart")
        collector.wait_for(lambda e: e.data.get("id") == after.id, "the memory created after the restart")
        collector.stop()

    created = collector.of_type("memory.created")
    assert [e.data["content"] for e in created] == ["before the restart", "after the restart"]
    assert stream.connections >= 2
    # The server said goodbye with CONNECTION_ERROR and a retry_after of 1 to 5 s: the first wait.
    assert errors[0].code == "CONNECTION_ERROR"
    assert errors[0].retry_after is not None and 1 <= errors[0].retry_after <= 5
    assert sleeps[0] == errors[0].retry_after


def test_reconnects_when_the_connection_goes_silent(own_server: Server, org: str) -> None:
    key = own_server.create_key(org, "alice")
    with MemoryClient(api_key=key.key, base_url=own_server.base_url, random=lambda: 0.0) as client:
        errors: list[MemoryApiError] = []
        stream = client.create_stream(events=["memory.created"], heartbeat=1, on_error=errors.append)
        collector = Collector(stream)
        wait_for(lambda: stream.connections == 1, 10, "the stream to open")

        own_server.signal(signal.SIGSTOP)  # the socket stays open, and nothing comes
        try:
            wait_for(
                lambda: any(e.code == "HEARTBEAT_TIMEOUT" for e in errors),
                10,
                "the watchdog to give up on the silent connection",
            )
        finally:
            own_server.signal(signal.SIGCONT)
        memory = client.create_memory("after the silence")
        collector.wait_for(lambda e: e.data["id"] == memory.id, "the memory after reconnecting")
        collector.stop()
    assert stream.connections >= 2


def test_a_bad_key_raises_auth_error_without_retrying(server: Server) -> None:
    sleeps: list[float] = []
    with MemoryClient(api_key="mnemo_bad", base_url=server.base_url, sleep=no_sleep(sleeps)) as client:
        stream = client.create_stream(events=["memory.created"])
        with pytest.raises(AuthenticationError) as refused:
            for _ in stream:
                pass
    assert (refused.value.status, refused.value.code) == (401, "AUTH_ERROR")
    assert sleeps == [] and stream.connections == 0 and stream.closed


async def test_an_unknown_event_type_raises_validation_error_without_retrying(
    server: Server, api_key: ApiKey
) -> None:
    sleeps: list[float] = []

    async def record(seconds: float) -> None:
        sleeps.append(seconds)

    async with AsyncMemoryClient(api_key=api_key.key, base_url=server.base_url, sleep=record) as client:
        stream = client.create_stream(events=["memory.exploded"])
        with pytest.raises(ValidationError) as refused:
            async for _ in stream:
                pass
    assert refused.value.status == 400
    assert "memory.exploded" in refused.value.message
    assert sleeps == [] and stream.closed


def test_a_key_without_stream_read_is_refused_with_403(
    server: Server, org: str
) -> None:
    key = server.create_key(org, "bob", scopes="memories:read")
    sleeps: list[float] = []
    with MemoryClient(api_key=key.key, base_url=server.base_url, sleep=no_sleep(sleeps)) as client:
        with pytest.raises(AuthenticationError) as refused:
            next(iter(client.create_stream()))
    assert refused.value.status == 403 and sleeps == []


def test_a_key_revoked_under_an_open_stream_stops_it(server: Server, org: str) -> None:
    key = server.create_key(org, "carol")
    sleeps: list[float] = []
    revoked_once = False
    with MemoryClient(api_key=key.key, base_url=server.base_url, sleep=no_sleep(sleeps)) as client:
        stream = client.create_stream(heartbeat=1, include_heartbeats=True)
        with pytest.raises(AuthenticationError) as revoked:
            for event in stream:
                if event.type == "heartbeat" and not revoked_once:
                    server.revoke_key(key.id)
                    revoked_once = True
    assert revoked.value.code == "AUTH_ERROR"
    assert sleeps == [] and stream.connections == 1 and stream.closed


def test_leaving_the_loop_frees_the_slot_for_five_new_streams(
    server: Server, api_key: ApiKey, org: str
) -> None:
    closed = ClosedStreams(server, org)
    sleeps: list[float] = []
    try:
        with MemoryClient(api_key=api_key.key, base_url=server.base_url, sleep=no_sleep(sleeps)) as client:
            for event in client.create_stream(heartbeat=1, include_heartbeats=True):
                connection_id = event.data["connection_id"]
                break
            closed.wait_closed(connection_id)

            streams = [client.create_stream(heartbeat=1, include_heartbeats=True) for _ in range(5)]
            loops = [iter(stream) for stream in streams]
            firsts = [next(loop) for loop in loops]
            assert [event.type for event in firsts] == ["heartbeat"] * 5
            assert sleeps == []  # none was refused and retried
            for stream in streams:
                stream.close()
    finally:
        closed.stop()


async def test_leaving_an_async_for_loop_frees_the_slot_at_once(server: Server, org: str) -> None:
    key = server.create_key(org, "erin")
    closed = ClosedStreams(server, org)
    try:
        async with AsyncMemoryClient(api_key=key.key, base_url=server.base_url) as client:
            async for event in client.create_stream(heartbeat=1, include_heartbeats=True):
                connection_id = event.data["connection_id"]
                break
            # No aclose(): dropping the loop's iterator is all that happened.
            await asyncio.to_thread(closed.wait_closed, connection_id)
    finally:
        closed.stop()


def test_a_refused_sixth_stream_waits_as_retry_after_says(
    server: Server, api_key: ApiKey, org: str
) -> None:
    closed = ClosedStreams(server, org)
    try:
        with MemoryClient(api_key=api_key.key, base_url=server.base_url) as client:
            streams = [client.create_stream(heartbeat=1, include_heartbeats=True) for _ in range(5)]
            loops = [iter(stream) for stream in streams]
            firsts = [next(loop) for loop in loops]

            sleeps: list[float] = []

            def sleep(seconds: float) -> None:
                # Instead of waiting, free a slot, and return once the server has.
                sleeps.append(seconds)
                streams[0].close()
                closed.wait_closed(firsts[0].data["connection_id"])

            errors: list[MemoryApiError] = []
            with MemoryClient(api_key=api_key.key, base_url=server.base_url, sleep=sleep) as sixth_client:
                sixth = sixth_client.create_stream(heartbeat=1, include_heartbeats=True, on_error=errors.append)
                with sixth:
                    assert next(iter(sixth)).type == "heartbeat"
            # In one process the 429 says one slot lease (STREAM_SLOT_LEASE_SECONDS, 15 by default).
            assert isinstance(errors[0], RateLimitError) and errors[0].retry_after == 15.0
            assert sleeps == [15.0]
            for stream in streams:
                stream.close()
    finally:
        closed.stop()


async def test_the_async_stream_waits_as_retry_after_says(server: Server, org: str) -> None:
    key = server.create_key(org, "dave")
    closed = ClosedStreams(server, org)
    try:
        async with AsyncMemoryClient(api_key=key.key, base_url=server.base_url) as client:
            streams = [client.create_stream(heartbeat=1, include_heartbeats=True) for _ in range(5)]
            loops = [stream.__aiter__() for stream in streams]
            firsts = [await loop.__anext__() for loop in loops]
            sleeps: list[float] = []

            async def sleep(seconds: float) -> None:
                sleeps.append(seconds)
                await streams[0].aclose()
                await asyncio.to_thread(closed.wait_closed, firsts[0].data["connection_id"])

            async with AsyncMemoryClient(api_key=key.key, base_url=server.base_url, sleep=sleep) as other:
                async with other.create_stream(heartbeat=1, include_heartbeats=True) as sixth:
                    async for event in sixth:
                        assert event.type == "heartbeat"
                        break
            assert sleeps == [15.0]  # The 429's Retry-After: one slot lease.
            for stream in streams:
                await stream.aclose()
    finally:
        closed.stop()


def test_close_from_another_thread_ends_the_loop(server: Server, api_key: ApiKey) -> None:
    with MemoryClient(api_key=api_key.key, base_url=server.base_url) as client:
        stream = client.create_stream(heartbeat=1, include_heartbeats=True)
        collector = Collector(stream)
        collector.wait_for(lambda e: e.type == "heartbeat", "the first heartbeat")
        collector.stop()
        assert collector.error is None and stream.closed


def test_list_and_search_positions_continue_without_a_gap(server: Server, api_key: ApiKey) -> None:
    with MemoryClient(api_key=api_key.key, base_url=server.base_url) as client:
        client.create_memory("already there")
        page = client.list_memories()
        assert page.stream_position is not None
        assert client.search_memories("already").stream_position is not None
        client.create_memory("after the snapshot")
        with client.create_stream(events=["memory.created"], last_event_id=page.stream_position) as stream:
            first = next(iter(stream))
        assert first.type == "memory.created" and first.data["content"] == "after the snapshot"
