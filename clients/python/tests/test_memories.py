"""Memories and search through both clients, against the real service."""

from __future__ import annotations

import pytest

from mnemo import (
    AsyncMemoryClient,
    AuthenticationError,
    MemoryApiError,
    MemoryClient,
    NotFoundError,
    ValidationError,
)

from .conftest import ApiKey, Server


def test_creates_reads_updates_and_deletes_a_memory(server: Server, api_key: ApiKey) -> None:
    with MemoryClient(api_key=api_key.key, base_url=server.base_url, timeout=10) as client:
        created = client.create_memory(
            "Tokens rotate every hour",
            title="Auth notes",
            memory_type="knowledge",
            tags=["auth", "work"],
            metadata={"category": "note", "nested": {"level": 2}},
        )
        assert created.id.startswith("mem_")
        assert (created.title, created.memory_type, created.tags) == (
            "Auth notes",
            "knowledge",
            ["auth", "work"],
        )
        assert created.metadata == {"category": "note", "nested": {"level": 2}}
        assert (created.organization_id, created.created_by) == (api_key.organization_id, "alice")

        assert client.get_memory(created.id) == created

        updated = client.update_memory(created.id, content="Tokens rotate every 30 minutes", title=None)
        assert updated.content == "Tokens rotate every 30 minutes"
        assert updated.title is None
        assert updated.tags == ["auth", "work"]  # untouched: only the fields given change

        client.delete_memory(created.id, reason="outdated")
        with pytest.raises(NotFoundError) as refused:
            client.get_memory(created.id)
        assert (refused.value.status, refused.value.code) == (404, "NOT_FOUND")
        assert refused.value.request_id


def test_lists_with_filters_pages_and_cursors(server: Server, api_key: ApiKey) -> None:
    with MemoryClient(api_key=api_key.key, base_url=server.base_url) as client:
        ids = [
            client.create_memory(f"note {n}", tags=["listed"], memory_type="project").id
            for n in range(5)
        ]
        client.create_memory("not listed", tags=["other"])

        first = client.list_memories(tags=["listed"], limit=2)
        assert first.pagination.total == 5
        assert first.pagination.has_more
        assert [m.id for m in first.data] == ids[::-1][:2]  # newest first

        by_page = client.list_memories(tags=["listed"], limit=2, page=2)
        assert [m.id for m in by_page.data] == ids[::-1][2:4]

        assert first.pagination.next_cursor is not None
        by_cursor = client.list_memories(tags=["listed"], limit=2, cursor=first.pagination.next_cursor)
        assert [m.id for m in by_cursor.data] == ids[::-1][2:4]

        assert client.list_memories(memory_type="context").pagination.total == 1
        assert client.list_memories(created_by="nobody").data == []


def test_searches_by_relevance_with_filters(server: Server, api_key: ApiKey) -> None:
    with MemoryClient(api_key=api_key.key, base_url=server.base_url) as client:
        hit = client.create_memory(
            "Token rotation happens hourly",
            memory_type="knowledge",
            tags=["auth"],
            metadata={"category": "note"},
        )
        client.create_memory("Token rotation, but a personal memory", memory_type="personal")
        client.create_memory("Nothing to do with it")

        found = client.search_memories("token rotation", limit=5)
        assert found.total_results == 2
        assert all(0 <= result.relevance_score <= 1 for result in found.results)

        narrowed = client.search_memories(
            "token rotation",
            memory_types=["knowledge"],
            tags=["auth"],
            filters={"category": "note"},
            threshold=0,
        )
        assert [result.id for result in narrowed.results] == [hit.id]
        assert narrowed.results[0].content == hit.content
        assert narrowed.search_time_ms >= 0


def test_refusals_raise_typed_errors(server: Server, api_key: ApiKey, org: str) -> None:
    with MemoryClient(api_key=api_key.key, base_url=server.base_url) as client:
        with pytest.raises(ValidationError) as invalid:
            client.create_memory("")
        assert invalid.value.status == 400 and invalid.value.code == "VALIDATION_ERROR"
        assert invalid.value.message

        with pytest.raises(ValidationError) as too_large:
            client.create_memory("x" * 1_100_000)
        assert too_large.value.status == 413

        with pytest.raises(ValidationError):
            client.list_memories(page=1, cursor="abc")

    with MemoryClient(api_key="mnemo_not_a_real_key", base_url=server.base_url) as stranger:
        with pytest.raises(AuthenticationError) as unauthenticated:
            stranger.list_memories()
        assert (unauthenticated.value.status, unauthenticated.value.code) == (401, "AUTH_ERROR")

    reader = server.create_key(org, "bob", scopes="memories:read")
    with MemoryClient(api_key=reader.key, base_url=server.base_url) as read_only:
        with pytest.raises(AuthenticationError) as forbidden:
            read_only.create_memory("not allowed")
        assert forbidden.value.status == 403
        assert isinstance(forbidden.value, MemoryApiError)


def test_another_organizations_memory_is_not_found(server: Server, api_key: ApiKey) -> None:
    other = server.create_key("org-elsewhere", "mallory")
    with MemoryClient(api_key=api_key.key, base_url=server.base_url) as client:
        memory = client.create_memory("ours")
    with MemoryClient(api_key=other.key, base_url=server.base_url) as theirs:
        with pytest.raises(NotFoundError):
            theirs.get_memory(memory.id)


async def test_async_client_has_the_same_methods(server: Server, api_key: ApiKey) -> None:
    async with AsyncMemoryClient(api_key=api_key.key, base_url=server.base_url) as client:
        created = await client.create_memory("Async memories", tags=["async"])
        assert (await client.get_memory(created.id)).content == "Async memories"
        updated = await client.update_memory(created.id, tags=["async", "updated"])
        assert updated.tags == ["async", "updated"]
        listed = await client.list_memories(tags=["async"])
        assert [m.id for m in listed.data] == [created.id]
        found = await client.search_memories("async memories")
        assert [r.id for r in found.results] == [created.id]
        await client.delete_memory(created.id)
        with pytest.raises(NotFoundError):
            await client.get_memory(created.id)


def test_context_managers_close_their_connections(server: Server, api_key: ApiKey) -> None:
    with MemoryClient(api_key=api_key.key, base_url=server.base_url) as client:
        client.list_memories()
    assert client._http.is_closed


async def test_async_context_manager_closes_its_connections(server: Server, api_key: ApiKey) -> None:
    async with AsyncMemoryClient(api_key=api_key.key, base_url=server.base_url) as client:
        await client.list_memories()
    assert client._http.is_closed
