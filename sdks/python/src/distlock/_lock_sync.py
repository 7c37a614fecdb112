"""A lock held through :class:`LockClientSync`: :class:`LockSync`, renewed by a thread."""

from __future__ import annotations

import atexit
import threading
import weakref
from typing import TYPE_CHECKING

from connectrpc.errors import ConnectError

from ._errors import DistlockError, NotHeldError, from_connect_error
from ._gen.distlock.v1 import policy
from ._lease import Backoff, Lease
from ._limits import Seconds, check_ttl
from ._loss import lost_error, renewal_failure
from ._release_on_exit import ReleaseOnExit

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._calls_sync import CallsSync

__all__ = ["LockSync"]


class LockSync(ReleaseOnExit):
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

    def __init__(
        self,
        calls: CallsSync,
        lease: Lease,
        on_end: Callable[[LockSync], None],
        *,
        renew: bool = True,
    ) -> None:
        """Starts holding ``lease``; ``on_end`` hears when it is no longer held. Internal.

        With ``renew`` false no thread renews it: a session does (``_session_sync``).
        """
        self._calls = calls
        self._lease = lease
        self._on_end = on_end
        self._mu = threading.Lock()  # guards _lease
        # Serialises Extend calls, background and extend(), so the last one sent is the
        # one the service applies and the one whose validity the client keeps.
        self._renewing = threading.Lock()
        self._stop = threading.Event()
        self._releasing = threading.Lock()  # guards _released and _release_error
        self._released = False
        self._release_error: DistlockError | None = None
        self._lost_reason: DistlockError | None = None
        self.resource = lease.resource
        self.fencing_token = lease.fencing_token
        self.owner = lease.owner
        self.lost = threading.Event()
        self._thread = threading.Thread(
            target=self._renew_loop,
            name=f"distlock-renew {lease.resource}",
            daemon=True,
        )
        _LIVE.add(self)
        if renew:
            self._thread.start()

    @property
    def ttl(self) -> float:
        """The lease's TTL in seconds, as the service last granted it."""
        with self._mu:
            return self._lease.ttl

    @property
    def lost_reason(self) -> DistlockError | None:
        """Why the lock was lost, once :attr:`lost` is set by a loss; else ``None``.

        A :class:`NotHeldError` when the service answered that the lease is gone (or
        refused it for good), otherwise the last error renewal met before the lease's
        validity ran out, its ``code`` kept (``unavailable``, ``permission_denied``...).
        It stays ``None`` for a lock released while held.
        """
        return self._lost_reason

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
        with self._renewing:
            lease = self._current()
            try:
                renewed = self._calls.extend_retrying(
                    lease, lease.ttl if new_ttl is None else new_ttl
                )
            except ConnectError as err:
                if policy.ends_renewal(err.code.value):
                    self._lose(renewal_failure(err, self.resource))
                    raise self._not_held()  # noqa: B904 -- its cause is the loss reason
                raise from_connect_error(err) from err
            self._adopt(renewed)

    def release(self) -> None:
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
        with self._releasing:
            if not self._released:
                self._released = True
                self._release_error = self._release_once()
        if self._release_error is not None:
            raise self._release_error

    def _release_once(self) -> DistlockError | None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join()
        if self._lost_reason is not None:
            return self._not_held()
        try:
            self._calls.release_retrying(self._current())
        except ConnectError as err:
            return from_connect_error(err)
        finally:
            self._end()
        return None

    def __repr__(self) -> str:
        state = "lost" if self.lost.is_set() else "held"
        return f"<LockSync resource={self.resource!r} fencing_token={self.fencing_token} {state}>"

    def _begin_release(self) -> Lease | None:
        """Starts a release a session sends for many locks at once.

        Returns:
            The lease to release, or ``None`` when there is none (released already, or
            lost: :meth:`release` then raises as it would).
        """
        with self._releasing:
            if self._released:
                return None
            self._released = True
            self._stop.set()
            if self._lost_reason is not None:
                self._release_error = self._not_held()
                return None
            return self._current()

    def _end_release(self, err: ConnectError | None) -> None:
        """Ends a release :meth:`_begin_release` started, with its call's error if any."""
        self._release_error = None if err is None else from_connect_error(err)
        self._end()

    def _held_lease(self) -> Lease | None:
        """The lease for a session to renew; ``None`` once released or lost."""
        return None if self.lost.is_set() or self._stop.is_set() else self._current()

    def _renewed(self, sent: Lease, lease: Lease) -> None:
        """Keeps a session's renewal of ``sent``, unless an extend() replaced it since."""
        with self._mu:
            if self._lease is sent and not self.lost.is_set():
                self._lease = lease

    def _current(self) -> Lease:
        with self._mu:
            return self._lease

    def _adopt(self, renewed: Lease) -> None:
        with self._mu:
            self._lease = renewed

    def _not_held(self) -> NotHeldError:
        return lost_error(self.resource, self._lost_reason)

    def _lose(self, reason: DistlockError) -> None:
        if self.lost.is_set():
            return
        self._lost_reason = reason
        self._end()

    def _end(self) -> None:
        self.lost.set()
        _LIVE.discard(self)
        self._on_end(self)

    def _renew_loop(self) -> None:
        while not self._stop.wait(policy.renew_every_s(self._current().ttl)):
            reason = self._renew_once()
            if reason is not None:
                self._lose(reason)
                return

    def _renew_once(self) -> DistlockError | None:
        """Extends the lease, retrying every failure but a terminal one while it is valid.

        Returns:
            ``None`` while the lock is held (or release() stopped renewal), else why it
            was lost.
        """
        backoff = Backoff.for_renewal()
        last: ConnectError | None = None
        while True:
            with self._renewing:
                if self._stop.is_set():
                    return None
                lease = self._current()
                left = lease.remaining()
                if left <= 0:
                    return renewal_failure(last, self.resource)
                try:
                    renewed = self._calls.extend(lease, lease.ttl, min(left, self._calls.timeout))
                except ConnectError as err:
                    if policy.ends_renewal(err.code.value):
                        return renewal_failure(err, self.resource)
                    # A call cut by the validity's own deadline says nothing about the
                    # service: the loss reason stays its last answer (sdks/POLICY.md).
                    if last is None or lease.remaining() > 0:
                        last = err
                else:
                    self._adopt(renewed)
                    return None
            if self._stop.wait(min(backoff.next(), lease.remaining())):
                return None


_LIVE: weakref.WeakSet[LockSync] = weakref.WeakSet()
"""The locks whose renewal thread may still run."""


@atexit.register
def _stop_renewals() -> None:
    """Stops every renewal thread before the interpreter finalizes.

    They are daemon threads (a held lock must not keep a process alive), and a daemon
    thread inside an HTTP call at finalization is inside pyqwest's native code: CPython
    before 3.14 ends it with pthread_exit there, which aborts the process. Each thread
    ends after its current call at most.
    """
    locks = list(_LIVE)
    for lock in locks:
        lock._stop.set()
    for lock in locks:
        if lock._thread is not threading.current_thread():
            lock._thread.join()
