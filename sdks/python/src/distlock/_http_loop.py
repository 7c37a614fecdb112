"""The asyncio client's HTTP calls, run on an event loop of the SDK's own.

pyqwest completes an async request from one of its native (tokio) threads, by calling
``loop.call_soon_threadsafe`` on the loop that awaits it. That call writes to the loop's
self-pipe, which releases the GIL; if the caller's program ends meanwhile, the interpreter
finalizes, and when the native thread takes the GIL back, CPython before 3.14 ends it with
``pthread_exit``. Unwinding through Rust frames that cannot unwind aborts the process
("Fatal Python error: Aborted", exit 134) after the script has finished.

So no pyqwest request is awaited on the caller's loop. :class:`HttpClient` hands each one
to a loop that runs on a thread of the SDK, whose ``call_soon_threadsafe`` counts the
native threads inside it; at exit (``atexit``, before finalization) the SDK stops that
loop, stops waking it (a visit then releases no GIL), and waits until no native thread is
still inside. The caller's loop only ever hears from Python threads.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import threading
import time
from typing import TYPE_CHECKING, Any, TypeVar, TypeVarTuple, Unpack

from pyqwest import Client

if TYPE_CHECKING:
    import contextvars
    from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Mapping
    from contextlib import AbstractAsyncContextManager

    from pyqwest import FullResponse, Headers, Response, Transport

__all__ = ["HttpClient"]

Ts = TypeVarTuple("Ts")
T = TypeVar("T")


class _CountingLoop(asyncio.SelectorEventLoop):
    """An event loop that knows how many threads are inside ``call_soon_threadsafe``."""

    def __init__(self) -> None:
        super().__init__()
        # Changed only under the GIL, by bytecode with no point where another thread can
        # take the GIL in between; a threading lock could block and release the GIL.
        self.inside = 0
        self.quiet = False

    def call_soon_threadsafe(
        self,
        callback: Callable[[Unpack[Ts]], object],
        *args: *Ts,
        context: contextvars.Context | None = None,
    ) -> asyncio.Handle:
        self.inside += 1
        try:
            return super().call_soon_threadsafe(callback, *args, context=context)
        finally:
            self.inside -= 1

    def _write_to_self(self) -> None:
        # Once quiet the loop no longer runs: waking it is pointless, and the write is the
        # one place where a native thread would release and retake the GIL.
        if not self.quiet:
            super()._write_to_self()  # type: ignore[misc]  # asyncio's private wake-up


class _Runner:
    """The SDK's loop and its thread, started on first use (again after a fork)."""

    def __init__(self) -> None:
        self._mu = threading.Lock()
        self._loop: _CountingLoop | None = None
        self._thread: threading.Thread | None = None
        self._pid = 0

    def submit(self, coro: Coroutine[Any, Any, T]) -> asyncio.Future[T]:
        """Runs ``coro`` on the SDK's loop; returns a future of the caller's loop."""
        return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self._running()))

    def _running(self) -> _CountingLoop:
        with self._mu:
            if self._loop is None or self._pid != os.getpid():
                loop = _CountingLoop()
                # A daemon thread: a process must be able to end with a client left open;
                # stop() ends it before finalization.
                thread = threading.Thread(
                    target=loop.run_forever, name="distlock-http", daemon=True
                )
                thread.start()
                self._loop, self._thread, self._pid = loop, thread, os.getpid()
            return self._loop

    def stop(self) -> None:
        """Ends the loop's thread and waits until no native thread is inside the loop."""
        with self._mu:
            loop, thread = self._loop, self._thread
            if loop is None or thread is None or self._pid != os.getpid():
                return
            self._loop = None
        loop.call_soon_threadsafe(_cancel_all_and_stop, loop)
        thread.join()
        loop.quiet = True
        while loop.inside:
            time.sleep(0.001)  # releases the GIL for the thread that is inside to leave


def _cancel_all_and_stop(loop: asyncio.AbstractEventLoop) -> None:
    for task in asyncio.all_tasks(loop):
        task.cancel()
    loop.stop()


_RUNNER = _Runner()
atexit.register(_RUNNER.stop)


class HttpClient:
    """The subset of ``pyqwest.Client`` connectrpc's async unary and server-stream calls use.

    Each runs on the SDK's loop.
    """

    def __init__(self, transport: Transport | None) -> None:
        """Sends requests through ``transport`` (pyqwest's default transport if ``None``)."""
        self._client = Client(transport)

    async def post(
        self,
        url: str,
        headers: Headers | Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        content: bytes | None = None,
    ) -> FullResponse:
        """Sends a POST request; see ``pyqwest.Client.post``."""
        return await _RUNNER.submit(self._client.post(url, headers=headers, content=content))

    async def get(
        self,
        url: str,
        headers: Headers | Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    ) -> FullResponse:
        """Sends a GET request; see ``pyqwest.Client.get``."""
        return await _RUNNER.submit(self._client.get(url, headers=headers))

    @contextlib.asynccontextmanager
    async def stream(
        self,
        method: str,
        url: str,
        headers: Headers | Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        content: bytes | None = None,
    ) -> AsyncIterator[_StreamedResponse]:
        """Sends a request whose response is read as it arrives (server streams).

        Opening, each read of the body and closing all run on the SDK's loop; cancelling
        the caller's task cancels the read in flight there, and leaving closes the
        response, which ends the stream for the service.
        """
        opened = self._client.stream(method, url, headers=headers, content=content)
        resp = await _RUNNER.submit(_enter(opened))
        try:
            yield _StreamedResponse(resp)
        finally:
            await _RUNNER.submit(_exit(opened))


# run_coroutine_threadsafe takes coroutines only, and pyqwest's methods return awaitables.
async def _enter(opened: AbstractAsyncContextManager[Response]) -> Response:
    return await opened.__aenter__()


async def _exit(opened: AbstractAsyncContextManager[Response]) -> None:
    await opened.__aexit__(None, None, None)


class _StreamedResponse:
    """A pyqwest ``Response`` whose body is read on the SDK's loop."""

    def __init__(self, resp: Response) -> None:
        self._resp = resp

    @property
    def status(self) -> int:
        return self._resp.status

    @property
    def headers(self) -> Headers:
        return self._resp.headers

    @property
    def trailers(self) -> Headers:
        return self._resp.trailers

    @property
    def content(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        body = aiter(self._resp.content)
        while (chunk := await _RUNNER.submit(_next(body))) is not None:
            yield chunk


async def _next(body: AsyncIterator[Any]) -> bytes | None:
    """The next chunk of a body, or None at its end (StopAsyncIteration cannot cross loops)."""
    try:
        return bytes(await anext(body))
    except StopAsyncIteration:
        return None
