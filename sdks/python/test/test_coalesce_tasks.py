"""The asyncio client's own tasks (coalesced requests, releases of grants whose callers
left) do not outlive it: a task still pending when the program's event loop closes is
destroyed ("Task was destroyed but it is pending!"), and a release it carried never
happens. ``close`` waits for the ones that end within a round trip; when a request is
cancelled (the loop is ending: the SDK never cancels one itself), the calls queued behind
it fail as cancelled and nothing new starts."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import pytest
from connectrpc.code import Code
from connectrpc.errors import ConnectError

from distlock import LockClient
from distlock._gen.distlock.v1 import lock_pb2 as pb

if TYPE_CHECKING:
    from collections.abc import Iterator

# A bound that only stops a broken test from hanging; not a timing assertion.
BOUND = 10.0
CALL_MS = 120_000  # far beyond BOUND: a call sent to the silent server never ends in time


@contextlib.contextmanager
def silent_server() -> Iterator[tuple[str, threading.Event]]:
    """A loopback server that reads requests and never answers; the event is set once a
    request's bytes have arrived."""
    listener = socket.create_server(("127.0.0.1", 0))
    heard = threading.Event()
    conns: list[socket.socket] = []

    def serve() -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = listener.accept()
                conns.append(conn)
                if conn.recv(4096):
                    heard.set()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", heard
    finally:
        listener.close()
        for conn in conns:
            conn.close()


def release(resource: str) -> pb.ReleaseRequest:
    return pb.ReleaseRequest(resource=resource, lease_token="lease-of-" + resource)


@pytest.mark.asyncio
async def test_a_cancelled_request_fails_the_queue_and_starts_nothing() -> None:
    with silent_server() as (url, heard):
        client = LockClient(url, timeout=CALL_MS / 1000)
        coalescer = client._calls.coalescer
        first = asyncio.create_task(coalescer.call(release("a"), CALL_MS))
        assert await asyncio.to_thread(heard.wait, BOUND)
        # In flight and unanswered, it holds the next call in the queue.
        second = asyncio.create_task(coalescer.call(release("b"), CALL_MS))
        await asyncio.sleep(0)
        assert len(coalescer._tasks) == 1
        for task in list(coalescer._tasks):
            task.cancel()
        outcomes = await asyncio.wait_for(
            asyncio.gather(first, second, return_exceptions=True), BOUND
        )
        for outcome in outcomes:
            assert isinstance(outcome, ConnectError)
            assert outcome.code is Code.CANCELED
        assert coalescer._tasks == set()
        await client.close()


SLOW_S = 0.3  # how long the slow server takes to answer


class _SlowRelease(BaseHTTPRequestHandler):
    """Answers every Connect unary call with an empty message, SLOW_S after it came."""

    heard: threading.Event

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.heard.set()
        time.sleep(SLOW_S)
        self.send_response(200)
        self.send_header("Content-Type", "application/proto")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@contextlib.contextmanager
def slow_server() -> Iterator[tuple[str, threading.Event]]:
    heard = threading.Event()
    handler = type("Handler", (_SlowRelease,), {"heard": heard})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", heard
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.asyncio
async def test_close_waits_for_a_request_whose_caller_left() -> None:
    with slow_server() as (url, heard):
        client = LockClient(url, timeout=BOUND)
        coalescer = client._calls.coalescer
        caller = asyncio.create_task(coalescer.call(release("a"), CALL_MS))
        assert await asyncio.to_thread(heard.wait, BOUND)
        caller.cancel()  # the caller leaves; its request goes on
        with contextlib.suppress(asyncio.CancelledError):
            await caller
        assert len(coalescer._tasks) == 1
        await asyncio.wait_for(client.close(), BOUND)
        assert coalescer._tasks == set(), "close left the client's request running"
