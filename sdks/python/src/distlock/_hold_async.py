"""A lock held by the asyncio client for exactly as long as its Hold stream: :class:`Held`.

A task reads the stream; the holder ends it by cancelling that task, which cancels the
read in flight and closes the response and its connection (see ``_http_async``), and the
service, seeing the stream end, releases.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, cast

from ._hold_state import HoldState
from ._release_on_exit import AsyncReleaseOnExit

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable

    from ._gen.distlock.v1 import lock_pb2 as pb
    from ._stream_wire import Holder

__all__ = ["Held"]


class Held(HoldState, AsyncReleaseOnExit):
    """A lock that lives exactly as long as its Hold stream (from :meth:`LockClient.hold`).

    The service renews it, so this process runs no timer, and releases it as soon as the
    stream ends: when the ``async with`` block is left, :meth:`release` is called, the
    client is closed or the process dies. A stream that brings no word of the lock for its
    validity (a dead connection) is ended and the lock reported lost.

    Attributes:
        lost: Set when the lock ends: lost, or released.
    """

    def __init__(
        self,
        request: pb.HoldRequest,
        forget: Callable[[Held], None],
        release_lease: Callable[[str, str], Awaitable[None]] | None = None,
        on_waiting: Callable[[Holder], None] | None = None,
    ) -> None:
        """Creates a hold that is not granted yet; :meth:`follow` reads its stream.

        ``release_lease(resource, lease_token)``, if given, releases the lease with one
        call before the stream ends; ``on_waiting`` gets each holder it waits for.
        """
        super().__init__(request, on_waiting)
        self.lost = asyncio.Event()
        self._forget = forget
        self._release_lease = release_lease
        self._reader: asyncio.Task[None] | None = None
        self._silence: asyncio.TimerHandle | None = None

    async def follow(self, stream: AsyncIterator[pb.HoldResponse]) -> None:
        """Reads the stream in a task of its own; returns once granted.

        Raises:
            DistlockError: The stream ended before the grant (its code says why:
                ``aborted`` when the wait ran out).
        """
        decided = asyncio.get_running_loop().create_future()
        self._reader = asyncio.create_task(self._read(stream, decided))
        try:
            await asyncio.shield(decided)
        except BaseException:  # cancelled while waiting: end the stream, nothing is granted
            self._interrupted()
            self._reader.cancel()
            raise
        if self._error is not None:
            raise self._error

    async def release(self) -> None:
        """Releases the lease with one call, then ends the stream and waits for its reader.

        The call makes the lock free when this returns, as in the Go and TypeScript SDKs;
        if it fails, the service still releases the lock when it sees the stream end, a
        moment later.

        Calling it again does nothing more.

        Raises:
            NotHeldError: The lock was lost before; it carries :attr:`lost_reason`.
        """
        first = self._mark_released()
        if first is None and self._release_lease is not None and self.lease_token:
            await self._release_lease(self.resource, self.lease_token)
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.wait({self._reader})
        self._forget(self)
        self._check_released(first)

    async def _read(
        self, stream: AsyncIterator[pb.HoldResponse], decided: asyncio.Future[None]
    ) -> None:
        err: Exception | None = None
        gen = cast("AsyncGenerator[pb.HoldResponse]", stream)
        try:
            async with contextlib.aclosing(gen):
                async for event in gen:
                    kind = self._apply(event)
                    if kind in ("granted", "renewed"):
                        self._expect_word()
                    if kind == "granted" and not decided.done():
                        decided.set_result(None)
        except asyncio.CancelledError:
            pass  # release(), the silence, an interrupted wait; connectrpc turns most into CANCELED
        except Exception as e:
            err = e
        finally:
            if self._silence is not None:
                self._silence.cancel()
        self._finish(err)
        if not decided.done():
            decided.set_result(None)

    def _expect_word(self) -> None:
        """(Re)starts the wait for the next word of the lock: at most its validity."""
        if self._silence is not None:
            self._silence.cancel()
        loop = asyncio.get_running_loop()
        self._silence = loop.call_later(self._validity, self._silent_stream)

    def _silent_stream(self) -> None:
        self._silent()
        if self._reader is not None:
            self._reader.cancel()  # ends the stream: the service releases, if it hears

    def _signal_lost(self) -> None:
        self.lost.set()
