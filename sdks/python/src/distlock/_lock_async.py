"""A lock held through :class:`LockClient`: :class:`Lock`, renewed by a task."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from connectrpc.errors import ConnectError

from ._errors import DistlockError, NotHeldError, from_connect_error
from ._gen.distlock.v1 import policy
from ._lease import Backoff, Lease
from ._limits import Seconds, check_ttl
from ._loss import lost_error, renewal_failure
from ._release_on_exit import AsyncReleaseOnExit

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._calls_async import CallsAsync

__all__ = ["Lock"]


class Lock(AsyncReleaseOnExit):
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

    def __init__(
        self,
        calls: CallsAsync,
        lease: Lease,
        on_end: Callable[[Lock], None],
        *,
        renew: bool = True,
    ) -> None:
        """Starts holding ``lease``; ``on_end`` hears when it is no longer held. Internal.

        With ``renew`` false no task renews it: a session does (``_session_async``).
        """
        self._calls = calls
        self._lease = lease
        self._on_end = on_end
        self._releasing = asyncio.Lock()  # makes later release() calls wait for the first
        self._released = False
        self._release_error: DistlockError | None = None
        self._lost_reason: DistlockError | None = None
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
        self._task = (
            asyncio.create_task(self._renew_loop(), name=f"distlock-renew {lease.resource}")
            if renew
            else None
        )

    @property
    def ttl(self) -> float:
        """The lease's TTL in seconds, as the service last granted it."""
        return self._lease.ttl

    @property
    def lost_reason(self) -> DistlockError | None:
        """Why the lock was lost (``None`` while held or once released).

        The same reasons as :attr:`distlock.LockSync.lost_reason`.
        """
        return self._lost_reason

    def remaining(self) -> float:
        """Returns how many seconds the lock is certainly held without another renewal.

        It is measured on this process's clock and is zero once lost or released.
        """
        return 0.0 if self.lost.is_set() else self._lease.remaining()

    async def extend(self, ttl: Seconds | None = None) -> None:
        """Renews the lease now, optionally with a new TTL that later renewals keep.

        Background renewal makes this unnecessary; it is for callers that want to
        know the lock is held right now, or to change its TTL. While the service is
        unavailable (a transient code) it tries again with the call back-off until the
        lease's validity ends.

        Args:
            ttl: The new TTL in seconds (:data:`MIN_TTL` to :data:`MAX_TTL`); by default
                the current one.

        Raises:
            InvalidArgumentError: The TTL is out of bounds (raised before any call).
            NotHeldError: The lock is no longer held; it is now reported lost.
            DistlockError: The call failed for another reason; the lock is still
                renewed in the background.
        """
        new_ttl = None if ttl is None else check_ttl(ttl)
        if self.lost.is_set():
            raise self._not_held()
        async with self._renewing:
            lease = self._lease
            try:
                self._lease = await self._calls.extend_retrying(
                    lease, lease.ttl if new_ttl is None else new_ttl
                )
            except ConnectError as err:
                if policy.ends_renewal(err.code.value):
                    self._lose(renewal_failure(err, self.resource))
                    raise self._not_held()  # noqa: B904 -- its cause is the loss reason
                raise from_connect_error(err) from err

    async def release(self) -> None:
        """Stops renewal and deletes the lease.

        Only the first call talks to the service; later calls (also concurrent ones,
        which wait for it) end as the first did. While the service is unavailable it
        tries again, as :meth:`extend` does, until the lease's validity ends: after that
        the lease has expired. A lock already lost is not released again: the call raises
        :class:`NotHeldError` carrying :attr:`lost_reason` as its cause.

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
        if self._task is not None and self._task is not asyncio.current_task():
            # The event ends the loop at its next check; the cancel cuts short an
            # Extend in flight, so release() does not wait for a slow one.
            self._task.cancel()
            # wait() rather than awaiting the task: its CancelledError is not ours,
            # and a cancellation of the caller must still propagate.
            await asyncio.wait([self._task])
        if self._lost_reason is not None:
            return self._not_held()
        try:
            await self._calls.release_retrying(self._lease)
        except ConnectError as err:
            return from_connect_error(err)
        finally:
            self._end()
        return None

    def _begin_release(self) -> Lease | None:
        """Starts a release a session sends for many locks at once.

        Returns:
            The lease to release, or ``None`` when there is none (released already, or
            lost: :meth:`release` then raises as it would).
        """
        if self._released:
            return None
        self._released = True
        self._stopping.set()
        if self._lost_reason is not None:
            self._release_error = self._not_held()
            return None
        return self._lease

    def _end_release(self, err: ConnectError | None) -> None:
        """Ends a release :meth:`_begin_release` started, with its call's error if any."""
        self._release_error = None if err is None else from_connect_error(err)
        self._end()

    def _held_lease(self) -> Lease | None:
        """The lease for a session to renew; ``None`` once released or lost."""
        return None if self.lost.is_set() or self._stopping.is_set() else self._lease

    def _renewed(self, sent: Lease, lease: Lease) -> None:
        """Keeps a session's renewal of ``sent``, unless an extend() replaced it since."""
        if self._lease is sent and not self.lost.is_set():
            self._lease = lease

    def __repr__(self) -> str:
        state = "lost" if self.lost.is_set() else "held"
        return f"<Lock resource={self.resource!r} fencing_token={self.fencing_token} {state}>"

    def _not_held(self) -> NotHeldError:
        return lost_error(self.resource, self._lost_reason)

    def _lose(self, reason: DistlockError) -> None:
        if self.lost.is_set():
            return
        self._lost_reason = reason
        self._end()

    def _end(self) -> None:
        self.lost.set()
        self._on_end(self)

    async def _renew_loop(self) -> None:
        while not await self._stopped_within(policy.renew_every_s(self._lease.ttl)):
            reason = await self._renew_once()
            if self._stopping.is_set():
                return  # release() ends the lock, whatever this renewal found
            if reason is not None:
                self._lose(reason)
                return

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

    async def _renew_once(self) -> DistlockError | None:
        """Extends the lease, retrying every failure but a terminal one while it is valid.

        It returns early, without extending, once release() stops renewal.

        Returns:
            ``None`` while the lock is held (or release() stopped renewal), else why it
            was lost.
        """
        backoff = Backoff.for_renewal()
        last: ConnectError | None = None
        while True:
            async with self._renewing:
                if self._stopping.is_set():
                    return None
                lease = self._lease
                left = lease.remaining()
                if left <= 0:
                    return renewal_failure(last, self.resource)
                try:
                    self._lease = await self._calls.extend(
                        lease, lease.ttl, min(left, self._calls.timeout)
                    )
                except ConnectError as err:
                    # A cancel by release() arrives here as a CANCELED error: the loop then
                    # sees the flag and stops.
                    if policy.ends_renewal(err.code.value):
                        return renewal_failure(err, self.resource)
                    # A call cut by the validity's own deadline says nothing about the
                    # service: the loss reason stays its last answer (sdks/POLICY.md).
                    if last is None or lease.remaining() > 0:
                        last = err
                else:
                    return None
            if await self._stopped_within(min(backoff.next(), lease.remaining())):
                return None
