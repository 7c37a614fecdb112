"""The SDK's calls carry the caller's W3C trace context (the ``traceparent`` header), so
the service's spans join the caller's trace: through OpenTelemetry's global propagator,
injected by pyqwest under the sync client (its transports' ``enable_otel`` defaults to
on) and by the SDK's aiohttp layer under the asyncio one (``_http_async``). No
interceptor is needed; this test holds that."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import pytest
from opentelemetry import context, trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from distlock import LockClient, LockClientSync

if TYPE_CHECKING:
    from collections.abc import Iterator

TRACE_ID = 0x4BF92F3577B34DA6A3CE929D0E0E4736
SPAN_ID = 0x00F067AA0BA902B7
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


class _Recorder(BaseHTTPRequestHandler):
    """Answers every call with an empty message and keeps its traceparent header."""

    seen: list[str | None]

    def do_POST(self) -> None:
        self.seen.append(self.headers.get("traceparent"))
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-type", "application/proto")
        self.send_header("content-length", "0")
        self.end_headers()

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[str | None]]]:
    seen: list[str | None] = []
    handler = type("Handler", (_Recorder,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", seen
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def in_span() -> Iterator[None]:
    """Makes the caller's span current, as an instrumented application would."""
    span = NonRecordingSpan(
        SpanContext(trace_id=TRACE_ID, span_id=SPAN_ID, is_remote=False, trace_flags=TraceFlags(1))
    )
    token = context.attach(trace.set_span_in_context(span))
    yield
    context.detach(token)


@pytest.mark.usefixtures("in_span")
def test_sync_call_sends_traceparent(recorder: tuple[str, list[str | None]]) -> None:
    url, seen = recorder
    with LockClientSync(url) as client:
        client.info("r")
    assert seen == [TRACEPARENT]


@pytest.mark.usefixtures("in_span")
@pytest.mark.asyncio
async def test_async_call_sends_traceparent(recorder: tuple[str, list[str | None]]) -> None:
    url, seen = recorder
    async with LockClient(url) as client:
        await client.info("r")
    assert seen == [TRACEPARENT]


def test_no_span_sends_no_traceparent(recorder: tuple[str, list[str | None]]) -> None:
    url, seen = recorder
    with LockClientSync(url) as client:
        client.info("r")
    assert seen == [None]
