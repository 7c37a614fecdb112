"""A lock held through :class:`LockClientSync`: :class:`LockSync`, renewed by a thread."""

from __future__ import annotations

import functools
import threading
import time
from typing import TYPE_CHECKING, Self

from connectrpc.code import Code
from connectrpc.errors import ConnectError

from ._errors import DistlockError, NotHeldError, from_connect_error
from ._lease import Backoff, Lease, is_transient
from ._limits import Seconds, check_ttl
from ._retry import retry_sync

if TYPE_CHECKING:
    from types import TracebackType

    from ._client_sync import LockClientSync

__all__ = ["LockSync"]


class LockSync:
    """A held lock, renewed by a background thread until released or lost.

    Do not create one directly: :meth:`LockClientSync.acquire` does.

    Attributes:
        resource: The locked resource.
        fencing_token: Strictly increases across successive holders of the resource:
            hand it to the store you protect so it can reject a stale holder.
        owner: The owner label given at acquire.
        lost: Set when the lock is no longer held: renewal failed (the lease expired or
            another took the resource) or the lock was released.
    """

    def __init__(self, client: LockClientSync, lease: Lease) -> None:
        """Starts holding ``lease`` for ``client``; internal to the SDK."""
        self._client = client
        self._lease = lease
        self._mu = threading.Lock()  # guards _lease
        # Serialises Extend calls, background and extend(), so the last one sent is the
        # one the service applies and the one whose validity the client keeps.
        self._renewing = threading.Lock()
        self._stop = threading.Event()
        self._releasing = threading.Lock()  # guards _released and _release_error
        self._released = False
        self._release_error: DistlockError | None = None
        self.resource = lease.resource
        self.fencing_token = lease.fencing_token
        self.owner = lease.owner
        self.lost = threading.Event()
        self._thread = threading.Thread(
            target=self._renew_loop,
            name=f"distlock-renew {lease.resource}",
            daemon=True,
        )
        self._thread.start()

    @property
    def ttl(self) -> float:
        """The lease's TTL in seconds, as the service last granted it."""
        with self._mu:
            return self._lease.ttl

    def remaining(self) -> float:
        """Returns how many seconds the lock is certainly held without another renewal.

        It is measured on this process's clock and is zero once lost or released.
        """
        if self.lost.is_set():
            return 0.0
        with self._mu:
            return self._lease.remaining()

    def extend(self, ttl: Seconds | None = None) -> None:
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
        with self._renewing:
            lease = self._current()
            try:
                renewed = self._client._extend_retrying(
                    lease, lease.ttl if new_ttl is None else new_ttl
                )
            except ConnectError as err:
                if err.code is Code.NOT_FOUND:
                    self._end()
                raise from_connect_error(err) from err
            self._adopt(renewed)

    def release(self) -> None:
        """Stops renewal and deletes the lease.

        Only the first call talks to the service; later calls (also concurrent ones,
        which wait for it) end as the first did, as in the Go and TypeScript SDKs.
        While the service is unavailable it tries again, as :meth:`extend` does, until
        the lease's validity ends: after that the lease has expired.

        Raises:
            NotHeldError: The lease was no longer held (it had expired or was lost).
            DistlockError: The call failed; the lease then expires after its TTL.
        """
        with self._releasing:
            if not self._released:
                self._released = True
                self._release_error = self._release_once()
        if self._release_error is not None:
            raise self._release_error

    def _release_once(self) -> DistlockError | None:
        self._stop.set()
        try:
            if threading.current_thread() is not self._thread:
                self._thread.join()
            self._client._release_retrying(self._current())
        except ConnectError as err:
            return from_connect_error(err)
        finally:
            self._end()
        return None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.release()
        except DistlockError as err:
            if exc is None:
                raise
            exc.add_note(f"releasing the lock on {self.resource!r} also failed: {err}")

    def __repr__(self) -> str:
        state = "lost" if self.lost.is_set() else "held"
        return f"<LockSync resource={self.resource!r} fencing_token={self.fencing_token} {state}>"

    def _current(self) -> Lease:
        with self._mu:
            return self._lease

    def _adopt(self, renewed: Lease) -> None:
        with self._mu:
            self._lease = renewed

    def _end(self) -> None:
        self.lost.set()
        self._client._forget(self)

    def _renew_loop(self) -> None:
        while True:
            if self._stop.wait(self._current().ttl / 3):
                return
            if not self._renew_once():
                self._end()
                return

    def _extend_within_validity(self, lease: Lease) -> Lease:
        """Extends ``lease`` once, in a call that does not outlive its validity."""
        return self._client._extend(lease, lease.ttl, min(lease.remaining(), self._client._timeout))

    def _go_on_after(self, seconds: float) -> bool:
        """Pauses for ``seconds``; reports whether renewal is to go on."""
        return not self._stop.wait(seconds)

    def _renew_once(self) -> bool:
        """Extends the lease, retrying transient errors while it is valid.

        Returns:
            Whether the lock is still held (or a release has taken over).
        """
        backoff = Backoff()
        while True:
            with self._renewing:
                lease = self._current()
                left = lease.remaining()
                if left <= 0:
                    return False
                try:
                    # Transient failures are first retried at the Go SDK Extend's pace,
                    # the others below: renewal in Go is the one inside the other.
                    renewed = retry_sync(
                        functools.partial(self._extend_within_validity, lease),
                        left=left,
                        now=time.monotonic,
                        sleep=self._go_on_after,
                    )
                except ConnectError as err:
                    if not is_transient(err.code):
                        return False
                else:
                    self._adopt(renewed)
                    return True
            if self._stop.wait(min(backoff.next(), lease.remaining())):
                return True
