"""An asyncio client's session, :class:`Session`: many locks, one keep-alive per period."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Self

from connectrpc.errors import ConnectError

from ._errors import DistlockError
from ._lease import Backoff, millis
from ._retry import transient
from ._session_renewal import Renewals
from ._wire import release_request

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable
    from types import TracebackType

    from ._calls_async import CallsAsync
    from ._limits import Seconds
    from ._lock_async import Lock

__all__ = ["Session"]


class Session:
    """Locks kept alive together: one Batch renews all of them every renewal period.

    Do not create one directly: :meth:`LockClient.session` does. Leaving its ``async
    with`` block (or :meth:`close`) releases the locks still held, in one Batch.

    Attributes:
        ttl: The TTL of every lock of the session, in seconds.
    """

    def __init__(
        self, calls: CallsAsync, ttl: float, acquire: Callable[..., Awaitable[Lock]]
    ) -> None:
        """Starts an empty session whose locks ``acquire`` takes. Internal."""
        self._calls = calls
        self._acquire = acquire
        self.ttl = ttl
        self._locks: set[Lock] = set()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def locks(self) -> list[Lock]:
        """The session's locks still held."""
        return [lock for lock in self._locks if not lock.lost.is_set()]

    async def acquire(
        self, resource: str, *, wait: Seconds | None = None, data: bytes = b"", owner: str = ""
    ) -> Lock:
        """Takes the lock on ``resource`` for this session, with the session's TTL.

        The arguments, the waiting, the errors and the lock returned are those of
        :meth:`LockClient.acquire`, but the lock is renewed by the session, with its
        other locks. Its ``lost`` event and ``lost_reason`` work as usual; releasing it
        early is allowed.

        Raises:
            DistlockError: What :meth:`LockClient.acquire` raises, or the session is
                closed.
        """
        if self._closed:
            raise DistlockError("distlock: session closed")
        lock = await self._acquire(resource, ttl=self.ttl, wait=wait, data=data, owner=owner)
        if self._closed:  # close() ran while this call was in flight
            with contextlib.suppress(DistlockError):
                await lock.release()
            raise DistlockError("distlock: session closed")
        self._locks.add(lock)
        if self._task is None:
            self._task = asyncio.create_task(self._renew_loop(), name="distlock-renew session")
        return lock

    @contextlib.asynccontextmanager
    async def lock(
        self, resource: str, *, wait: Seconds | None = None, data: bytes = b"", owner: str = ""
    ) -> AsyncIterator[Lock]:
        """Holds the lock on ``resource`` for an ``async with`` block, renewed by the session.

        It behaves as :meth:`LockClient.lock` does.

        Yields:
            The held lock.
        """
        held = await self.acquire(resource, wait=wait, data=data, owner=owner)
        async with held:
            yield held

    async def close(self) -> None:
        """Stops renewal and releases the locks still held, in one Batch.

        Releases that fail with a transient code are tried again together, in one
        Batch after a pause of the call back-off, until their lease's validity ends;
        other failures are ignored here (the lock is then
        released when its TTL ends) and reported by that lock's :meth:`Lock.release`.
        """
        self._closed = True
        self._stopping.set()
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()
            await asyncio.wait([self._task])
        locks = list(self._locks)
        begun = [(lock, lock._begin_release()) for lock in locks]
        todo = [(lock, lease) for lock, lease in begun if lease is not None]
        backoff = Backoff.for_calls()
        while todo:
            timeout = self._calls.timeout
            outcomes = await self._calls.coalescer.call_many(
                [release_request(lease) for _, lease in todo],
                [millis(min(timeout, lease.remaining())) for _, lease in todo],
            )
            again = []
            pause = backoff.next()
            for (lock, lease), out in zip(todo, outcomes, strict=True):
                err = out if isinstance(out, ConnectError) else None
                if err is not None and transient(err) and lease.remaining() > pause:
                    again.append((lock, lease))  # tried again, together, after the pause
                else:
                    lock._end_release(err)
            if again:
                await self._calls.clock.asleep(pause)
            todo = again
        self._locks.clear()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<Session ttl={self.ttl:g} locks={len(self.locks)}>"

    async def _renew_loop(self) -> None:
        renewals = Renewals(self.ttl)
        calls = self._calls
        while not await self._stopped_within(renewals.wake_in()):
            self._locks = {lock for lock in self._locks if not lock.lost.is_set()}
            due = renewals.due(self._locks)
            if not due.locks:
                continue
            outcomes = await calls.coalescer.call_many(
                due.requests(), due.timeouts_ms(calls.timeout)
            )
            if self._stopping.is_set():
                return  # close() releases them, whatever this round found
            renewals.settle(due, outcomes)

    async def _stopped_within(self, seconds: float) -> bool:
        """Waits up to ``seconds`` for close(); returns whether renewal is to stop."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopping.wait()
        return self._stopping.is_set()
