"""A lock held through :class:`LockClient`: :class:`Lock`, renewed by a task."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from typing import TYPE_CHECKING, Self

from connectrpc.code import Code
from connectrpc.errors import ConnectError

from ._errors import DistlockError, NotHeldError, from_connect_error
from ._lease import Backoff, Lease, is_transient
from ._limits import Seconds, check_ttl
from ._retry import retry_async

if TYPE_CHECKING:
    from types import TracebackType

    from ._client_async import LockClient

__all__ = ["Lock"]


class Lock:
    """A held lock, renewed by a background task until released or lost.

    Do not create one directly: :meth:`LockClient.acquire` does.

    Attributes:
        resource: The locked resource.
        fencing_token: Strictly increases across successive holders of the resource:
            hand it to the store you protect so it can reject a stale holder.
        owner: The owner label given at acquire.
        lost: Set when the lock is no longer held: renewal failed (the lease expired or
            another took the resource) or the lock was released.
    """

    def __init__(self, client: LockClient, lease: Lease) -> None:
        """Starts holding ``lease`` for ``client``; internal to the SDK."""
        self._client = client
        self._lease = lease
        self._releasing = asyncio.Lock()  # makes later release() calls wait for the first
        self._released = False
        self._release_error: DistlockError | None = None
        # Serialises Extend calls, background and extend(), so the last one sent is the
        # one the service applies and the one whose validity the client keeps.
        self._renewing = asyncio.Lock()
        self.resource = lease.resource
        self.fencing_token = lease.fencing_token
        self.owner = lease.owner
        self.lost = asyncio.Event()
        # Set by release(); the renewal task checks it after every await. Cancelling the
        # task alone is not enough: a cancel can be swallowed (Python 3.11's
        # asyncio.wait_for, inside connectrpc, drops it when the Extend reply arrives at
        # the same moment), and the task would then renew forever.
        self._stopping = asyncio.Event()
        self._task = asyncio.create_task(
            self._renew_loop(), name=f"distlock-renew {lease.resource}"
        )

    @property
    def ttl(self) -> float:
        """The lease's TTL in seconds, as the service last granted it."""
        return self._lease.ttl

    def remaining(self) -> float:
        """Returns how many seconds the lock is certainly held without another renewal.

        It is measured on this process's clock and is zero once lost or released.
        """
        return 0.0 if self.lost.is_set() else self._lease.remaining()

    async def extend(self, ttl: Seconds | None = None) -> None:
        """Renews the lease now, optionally with a new TTL that later renewals keep.

        Background renewal makes this unnecessary; it is for callers that want to
        know the lock is held right now, or to change its TTL. While the service is
        unavailable (``unavailable``, ``deadline_exceeded``) it tries again, pausing
        25-50 ms doubling up to 0.5-1 s, until the lease's validity ends, as the Go
        SDK's Extend does.

        Args:
            ttl: The new TTL in seconds (5 to 600); by default the current one.

        Raises:
            InvalidArgumentError: The TTL is out of bounds (raised before any call).
            NotHeldError: The lock is no longer held; it is now reported lost.
            DistlockError: The call failed for another reason; the lock is still
                renewed in the background.
        """
        new_ttl = None if ttl is None else check_ttl(ttl)
        if self.lost.is_set():
            raise NotHeldError("distlock: lock already lost or released")
        async with self._renewing:
            lease = self._lease
            try:
                self._lease = await self._client._extend_retrying(
                    lease, lease.ttl if new_ttl is None else new_ttl
                )
            except ConnectError as err:
                if err.code is Code.NOT_FOUND:
                    self._end()
                raise from_connect_error(err) from err

    async def release(self) -> None:
        """Stops renewal and deletes the lease.

        Only the first call talks to the service; later calls (also concurrent ones,
        which wait for it) end as the first did, as in the Go and TypeScript SDKs.
        While the service is unavailable it tries again, as :meth:`extend` does, until
        the lease's validity ends: after that the lease has expired.

        Raises:
            NotHeldError: The lease was no longer held (it had expired or was lost).
            DistlockError: The call failed; the lease then expires after its TTL.
        """
        async with self._releasing:
            if not self._released:
                self._released = True
                self._release_error = await self._release_once()
        if self._release_error is not None:
            raise self._release_error

    async def _release_once(self) -> DistlockError | None:
        self._stopping.set()
        try:
            if self._task is not asyncio.current_task():
                # The event ends the loop at its next check; the cancel cuts short an
                # Extend in flight, so release() does not wait for a slow one.
                self._task.cancel()
                # wait() rather than awaiting the task: its CancelledError is not ours,
                # and a cancellation of the caller must still propagate.
                await asyncio.wait([self._task])
            await self._client._release_retrying(self._lease)
        except ConnectError as err:
            return from_connect_error(err)
        finally:
            self._end()
        return None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.release()
        except DistlockError as err:
            if exc is None:
                raise
            exc.add_note(f"releasing the lock on {self.resource!r} also failed: {err}")

    def __repr__(self) -> str:
        state = "lost" if self.lost.is_set() else "held"
        return f"<Lock resource={self.resource!r} fencing_token={self.fencing_token} {state}>"

    def _end(self) -> None:
        self.lost.set()
        self._client._forget(self)

    async def _renew_loop(self) -> None:
        while not await self._stopped_within(self._lease.ttl / 3):
            held = await self._renew_once()
            if self._stopping.is_set():
                return  # release() ends the lock, whatever this renewal found
            if not held:
                self._end()
                return

    async def _extend_within_validity(self, lease: Lease) -> Lease:
        """Extends ``lease`` once, in a call that does not outlive its validity."""
        return await self._client._extend(
            lease, lease.ttl, min(lease.remaining(), self._client._timeout)
        )

    async def _go_on_after(self, seconds: float) -> bool:
        """Pauses for ``seconds``; reports whether renewal is to go on."""
        return not await self._stopped_within(seconds)

    async def _stopped_within(self, seconds: float) -> bool:
        """Waits up to ``seconds`` for release() to stop renewal.

        Returns:
            Whether renewal is to stop.
        """
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopping.wait()
        # Read the flag rather than trust how the wait ended: a timeout that coincides
        # with a cancel may end it either way.
        return self._stopping.is_set()

    async def _renew_once(self) -> bool:
        """Extends the lease, retrying transient errors while it is valid.

        It returns early, without extending, once release() stops renewal.

        Returns:
            Whether the lock is still held.
        """
        backoff = Backoff()
        while True:
            async with self._renewing:
                if self._stopping.is_set():
                    return True
                lease = self._lease
                left = lease.remaining()
                if left <= 0:
                    return False
                try:
                    # Transient failures are first retried at the Go SDK Extend's pace,
                    # the others below: renewal in Go is the one inside the other.
                    self._lease = await retry_async(
                        functools.partial(self._extend_within_validity, lease),
                        left=left,
                        now=time.monotonic,
                        sleep=self._go_on_after,
                    )
                except ConnectError as err:
                    # A cancel by release() arrives here as a CANCELED error, not
                    # transient: the loop then sees the flag and stops.
                    if not is_transient(err.code):
                        return False
                else:
                    return True
            if await self._stopped_within(min(backoff.next(), lease.remaining())):
                return True
