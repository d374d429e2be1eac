"""The stream's decisions that need no server: backoff, Retry-After, query encoding, frames."""

from __future__ import annotations

import httpx
import pytest
from httpx_sse import ServerSentEvent

from mnemo import AuthenticationError, StreamEvent
from mnemo.backoff import Backoff, parse_retry_after
from mnemo.stream import _refusal_body, _StreamSession, encode_stream_query, new_session


def session(**options: object) -> _StreamSession:
    defaults: dict[str, object] = {
        "base_url": "http://mnemo.test",
        "api_key": "mnemo_key",
        "events": None,
        "filters": None,
        "heartbeat": None,
        "last_event_id": None,
        "include_heartbeats": False,
        "connect_timeout": 5.0,
        "random": lambda: 0.5,
        "on_error": None,
    }
    return new_session(**{**defaults, **options})  # type: ignore[arg-type]


def test_backoff_doubles_the_ceiling_up_to_the_cap() -> None:
    ceilings = Backoff(1.0, 30.0, random=lambda: 1.0)
    assert [ceilings.next() for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def test_backoff_draws_uniformly_below_the_ceiling() -> None:
    draws = iter([0.0, 0.5, 0.25])
    backoff = Backoff(1.0, 30.0, random=lambda: next(draws))
    assert [backoff.next(), backoff.next(), backoff.next()] == [0.0, 1.0, 1.0]


def test_backoff_starts_again_after_a_reset_and_follows_the_servers_base() -> None:
    backoff = Backoff(random=lambda: 0.5)
    backoff.next()
    backoff.next()
    backoff.reset()
    backoff.base = 3.0
    assert [backoff.next(), backoff.next()] == [1.5, 3.0]


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert parse_retry_after("60") == 60.0
    assert parse_retry_after(" 0 ") == 0.0
    now = 1893456000.0  # 2030-01-01T00:00:00Z
    assert parse_retry_after("Tue, 01 Jan 2030 00:00:05 GMT", now=now) == 5.0
    assert parse_retry_after("Mon, 31 Dec 2029 23:59:00 GMT", now=now) == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None


def test_query_has_events_as_a_comma_list_and_string_filters_as_bracket_pairs() -> None:
    query = encode_stream_query(
        ["memory.created", "memory.updated"], {"user_id": "user123", "project": "x"}, 30
    )
    assert query == [
        ("events", "memory.created,memory.updated"),
        ("filters[user_id]", "user123"),
        ("filters[project]", "x"),
        ("heartbeat", "30"),
    ]
    encoded = str(httpx.QueryParams(tuple(query)))
    assert encoded.startswith("events=memory.created%2Cmemory.updated&filters%5Buser_id%5D=user123")


def test_query_keeps_the_types_of_other_filters_in_one_json_object() -> None:
    query = encode_stream_query(None, {"priority": 2, "urgent": True, "owner": None}, None)
    assert query == [("filters", '{"priority":2,"urgent":true,"owner":null}')]


def test_first_connect_resumes_by_query_and_reconnects_by_header() -> None:
    stream = session(last_event_id="42-0")
    params, headers = stream.request()
    assert params["last_event_id"] == "42-0" and "Last-Event-ID" not in headers
    assert headers["Accept"] == "text/event-stream"
    assert headers["Authorization"] == "Bearer mnemo_key"
    stream.received(ServerSentEvent(event="heartbeat", data='{"status":"healthy"}', id="43-1"))
    params, headers = stream.request()
    assert "last_event_id" not in params and headers["Last-Event-ID"] == "43-1"


def test_heartbeats_move_the_resume_point_and_are_consumed_unless_asked_for() -> None:
    quiet = session()
    assert quiet.received(ServerSentEvent(event="heartbeat", data="{}", id="7-0~c.1")) is None
    assert quiet.last_event_id == "7-0~c.1"
    loud = session(include_heartbeats=True)
    event = loud.received(ServerSentEvent(event="heartbeat", data='{"status":"healthy"}', id="8"))
    assert event == StreamEvent(type="heartbeat", id="8", data={"status": "healthy"})


def test_a_heartbeats_interval_sets_the_watchdog_of_the_next_connection() -> None:
    stream = session()
    assert (stream.watchdog_seconds, stream.timeout.read) == (60, 60)
    stream.received(ServerSentEvent(event="heartbeat", data='{"interval_seconds":45}', id="1"))
    assert (stream.watchdog_seconds, stream.timeout.read) == (90, 90)
    for unreadable in ('{"interval_seconds":0}', '{"interval_seconds":"45"}', "{}"):
        stream.received(ServerSentEvent(event="heartbeat", data=unreadable, id="2"))
    assert stream.watchdog_seconds == 90


def test_a_retry_line_sets_the_backoff_base() -> None:
    stream = session(random=lambda: 1.0)
    stream.received(ServerSentEvent(retry=3000))
    stream.ended()
    assert stream.next_delay() == 3.0


def test_an_error_events_retry_after_is_the_next_delay() -> None:
    stream = session()
    stream.received(
        ServerSentEvent(
            event="error",
            data='{"code":"CONNECTION_ERROR","message":"restarting","retry_after":2500}',
            id="9",
        )
    )
    stream.ended()  # the server closes after its error: the error says why
    assert stream.next_delay() == 2.5
    assert stream.last_error is not None and stream.last_error.code == "CONNECTION_ERROR"


def test_an_auth_error_event_stops_the_stream() -> None:
    stream = session()
    with pytest.raises(AuthenticationError):
        stream.received(
            ServerSentEvent(event="error", data='{"code":"AUTH_ERROR","message":"revoked"}')
        )
    assert stream.closed


def test_stream_reset_is_handed_over_as_an_event() -> None:
    event = session().received(
        ServerSentEvent(event="stream.reset", data='{"reason":"expired","oldest_id":"5"}', id="6")
    )
    assert event is not None and event.type == "stream.reset" and event.data["reason"] == "expired"


def test_refusal_body_reads_json_and_sse_framed_errors() -> None:
    assert _refusal_body('{"code":"AUTH_ERROR"}', "application/json") == {"code": "AUTH_ERROR"}
    framed = 'event: error\ndata: {"code":"RATE_LIMITED","retry_after":60000}\n\n'
    assert _refusal_body(framed, "text/event-stream; charset=utf-8") == {
        "code": "RATE_LIMITED",
        "retry_after": 60000,
    }
    assert _refusal_body("<html>", "text/html") is None
