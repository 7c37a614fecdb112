"""The asyncio client's HTTP calls, sent by aiohttp on the caller's event loop.

connectrpc sends through pyqwest unless told otherwise. pyqwest completes each async call
from one of its native threads, which wakes the awaiting loop from outside; a program that
ends at that moment aborts at exit (CPython before 3.14 ends such a thread with
``pthread_exit``, which cannot unwind through Rust frames). The SDK used to keep those
threads off the caller's loop by running every call on a loop of its own thread, at the
price of two thread hand-offs per call. aiohttp has no thread of its own: each call runs
on the caller's loop from start to end, nothing wakes that loop from outside, and the
hand-offs are gone (bench/python, c=16 acquire+release pairs: 1,526/s on the SDK's loop,
2,202/s with pyqwest on the caller's loop, 3,162/s with aiohttp).

HTTP/1.1: one connection per call in flight, kept alive for the next. A Hold or Watch
keeps its connection for its lifetime, so the pool has no limit (a limit would make the
next call queue behind streams that may last hours). Leaving a stream before its end
closes its connection, which is how the service learns that a Hold's client is gone.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING

import aiohttp
from opentelemetry.propagate import inject
from pyqwest import FullResponse, Headers

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

__all__ = ["HttpClient"]

# No timeout of aiohttp's own (its default ends any call after 5 minutes, a Hold too):
# connectrpc bounds each call by the SDK's deadline.
_NO_TIMEOUT = aiohttp.ClientTimeout()
# What aiohttp would add on its own: Accept-Encoding would invite the service to compress
# answers of a few dozen bytes; the others are noise on every call.
_SKIP_HEADERS = ("Accept", "Accept-Encoding", "User-Agent")


class HttpClient:
    """The subset of ``pyqwest.Client`` connectrpc's async unary and server-stream calls use."""

    def __init__(self, session: aiohttp.ClientSession | None) -> None:
        """Sends requests through ``session``, or a session of its own when ``None``.

        The SDK's own session is created on the first call, on the loop making it; a given
        session is the caller's to close.
        """
        self._given = session
        self._own: aiohttp.ClientSession | None = None
        self._in_flight = 0
        self._closed = False

    async def close(self) -> None:
        """Closes the SDK's own session once no call is in flight.

        Calls still in flight go on: an Acquire that is granted after the client closed
        gets its grant released by a call of its own, which must reach the service. The
        last call to end closes the session; a call made later opens one again, closed in
        the same way when it ends, so no session is left open.
        """
        self._closed = True
        await self._close_if_idle()

    async def _close_if_idle(self) -> None:
        if self._closed and self._in_flight == 0 and self._own is not None:
            own, self._own = self._own, None
            await own.close()

    async def post(self, url: str, headers: Headers, content: bytes) -> FullResponse:
        """Sends a POST request and reads its whole answer; see ``pyqwest.Client.post``.

        (connectrpc sends a GET only for a call made with ``use_get``; the SDK makes none.)
        """
        async with self._exchange("POST", url, headers, content) as resp:
            body = await resp.read()
            return FullResponse(resp.status, _headers(resp), body, Headers())

    @contextlib.asynccontextmanager
    async def stream(
        self, method: str, url: str, headers: Headers, content: bytes
    ) -> AsyncIterator[StreamedResponse]:
        """Sends a request whose answer is read as it arrives (server streams).

        Leaving the block before the body's end closes the connection (aiohttp does not
        reuse a connection with unread body), which ends the stream for the service.
        """
        async with self._exchange(method, url, headers, content) as resp:
            yield StreamedResponse(resp)

    @contextlib.asynccontextmanager
    async def _exchange(
        self, method: str, url: str, headers: Headers, content: bytes
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """One request and its answer, counted in flight from start to end."""
        sent = list(headers.items())
        # The caller's trace context, as pyqwest sends it (its enable_otel): the service's
        # spans join the caller's trace. Client spans of aiohttp's own are the user's
        # choice (opentelemetry-instrumentation-aiohttp-client).
        carrier: dict[str, str] = {}
        inject(carrier)
        sent.extend(carrier.items())
        self._in_flight += 1
        try:
            async with contextlib.AsyncExitStack() as stack:
                async with _connecting():
                    resp = await stack.enter_async_context(
                        self._session().request(
                            method,
                            url,
                            headers=sent,
                            data=content,
                            timeout=_NO_TIMEOUT,
                            skip_auto_headers=_SKIP_HEADERS,
                            # A given session may raise for statuses >= 400; the Connect
                            # error in such an answer's body is what the caller gets.
                            raise_for_status=False,
                        )
                    )
                yield resp
        finally:
            self._in_flight -= 1
            await self._close_if_idle()

    def _session(self) -> aiohttp.ClientSession:
        if self._given is not None:
            return self._given
        if self._own is None:
            self._own = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0),
                timeout=_NO_TIMEOUT,
                skip_auto_headers=_SKIP_HEADERS,
            )
        return self._own


class StreamedResponse:
    """A streamed answer in the shape of pyqwest's ``Response``."""

    def __init__(self, resp: aiohttp.ClientResponse) -> None:
        self._resp = resp
        self.status = resp.status
        self.headers = _headers(resp)
        # The Connect protocol ends a stream in its body; HTTP trailers are gRPC's.
        self.trailers = Headers()

    @property
    def content(self) -> AsyncIterator[bytes]:
        """The body's chunks, each as soon as it arrives."""
        return self._resp.content.iter_any()


def _headers(resp: aiohttp.ClientResponse) -> Headers:
    return Headers(list(resp.headers.items()))


@contextlib.asynccontextmanager
async def _connecting() -> AsyncIterator[None]:
    """Raises ``ConnectionError`` for a request that never reached the service.

    That is what pyqwest raises, and what the SDK reads as "no HTTP answer at all"
    (``_acquire.unreachable``: such failures are given up on after the policy's time, and
    cannot have reached the service). aiohttp's own error is not a ``ConnectionError``;
    its message would not name the cause either ("Connect call failed").
    """
    try:
        yield
    except aiohttp.ClientConnectorError as err:
        # asyncio's message for a refused connect is "Connect call failed"; the errno says
        # why. A failed name lookup (negative errno) says it in its own words.
        errno, cause = err.os_error.errno, err.os_error.strerror or str(err.os_error)
        if errno is not None and errno > 0:
            cause = os.strerror(errno)
        msg = f"cannot connect to {err.host}:{err.port}: {cause}"
        raise ConnectionError(msg) from err
