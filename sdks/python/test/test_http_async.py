"""The asyncio client's HTTP layer (``distlock._http_async``): its session is closed once
the client is closed and no call is in flight, a call in flight when the client closes
still gets its answer (a late grant's release must reach the service), a request that
never reached the service fails as ``ConnectionError``, which the SDK reads as "no HTTP
answer at all", and a session the caller gives carries the calls and is left open."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import aiohttp
import pytest
from pyqwest import Headers

from distlock import LockClient, NotHeldError
from distlock._http_async import HttpClient

if TYPE_CHECKING:
    from collections.abc import Iterator

# A bound that only stops a broken test from hanging; not a timing assertion.
BOUND = 10.0
HEADERS = Headers([("content-type", "application/proto")])


class _Gated(BaseHTTPRequestHandler):
    """Answers each POST with its own body once ``go`` is set; ``heard`` says one came."""

    heard: threading.Event
    go: threading.Event

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.heard.set()
        self.go.wait(BOUND)
        self.send_response(200)
        self.send_header("Content-Type", "application/proto")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@contextlib.contextmanager
def gated_server() -> Iterator[tuple[str, threading.Event, threading.Event]]:
    heard, go = threading.Event(), threading.Event()
    handler = type("Handler", (_Gated,), {"heard": heard, "go": go})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", heard, go
    finally:
        go.set()
        server.shutdown()
        server.server_close()


@pytest.mark.asyncio
async def test_close_with_nothing_in_flight_closes_the_session() -> None:
    with gated_server() as (url, _, go):
        go.set()
        http = HttpClient(None)
        resp = await http.post(url, HEADERS, b"one")
        assert (resp.status, resp.content) == (200, b"one")
        session = http._own
        assert session is not None
        assert not session.closed
        await http.close()
        assert session.closed


@pytest.mark.asyncio
async def test_a_call_in_flight_at_close_gets_its_answer_then_the_session_closes() -> None:
    with gated_server() as (url, heard, go):
        http = HttpClient(None)
        call = asyncio.create_task(http.post(url, HEADERS, b"late"))
        assert await asyncio.to_thread(heard.wait, BOUND)
        session = http._own
        assert session is not None
        await http.close()
        assert not session.closed, "close cut off a call in flight"
        go.set()
        resp = await asyncio.wait_for(call, BOUND)
        assert (resp.status, resp.content) == (200, b"late")
        assert session.closed


@pytest.mark.asyncio
async def test_a_call_after_close_is_sent_and_leaves_no_session_open() -> None:
    with gated_server() as (url, _, go):
        go.set()
        http = HttpClient(None)
        await http.close()
        resp = await http.post(url, HEADERS, b"after")
        assert (resp.status, resp.content) == (200, b"after")
        assert http._own is None


@pytest.mark.asyncio
async def test_a_refused_connection_is_a_connection_error_naming_its_cause() -> None:
    http = HttpClient(None)
    with pytest.raises(ConnectionError, match=r"127\.0\.0\.1:1: Connection refused"):
        await http.post("http://127.0.0.1:1/x", HEADERS, b"")
    await http.close()


@pytest.mark.asyncio
async def test_a_given_session_carries_the_calls_and_stays_open(
    service_url: str, resource: str
) -> None:
    sent: list[str] = []

    async def on_request_start(
        _: aiohttp.ClientSession, __: object, params: aiohttp.TraceRequestStartParams
    ) -> None:
        sent.append(params.url.path)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        async with LockClient(service_url, session=session) as client:
            lock = await client.acquire(resource)
            await lock.release()
        assert sent == [
            "/distlock.v1.LockService/Acquire",
            "/distlock.v1.LockService/Release",
        ]
        assert not session.closed, "the client closed the caller's session"


@pytest.mark.asyncio
async def test_a_given_session_that_raises_for_status_still_gets_the_services_errors(
    service_url: str, resource: str
) -> None:
    async with (
        aiohttp.ClientSession(raise_for_status=True) as session,
        LockClient(service_url, session=session) as client,
    ):
        with pytest.raises(NotHeldError):
            await client.info(resource)  # free: the service answers not_found (HTTP 404)
