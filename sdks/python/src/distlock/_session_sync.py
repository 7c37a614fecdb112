"""A sync client's session, :class:`SessionSync`: many locks, one keep-alive per period."""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Self

from connectrpc.errors import ConnectError

from ._errors import DistlockError
from ._lease import Backoff, millis
from ._retry import transient
from ._session_renewal import Renewals
from ._wire import release_request

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from types import TracebackType

    from ._calls_sync import CallsSync
    from ._limits import Seconds
    from ._lock_sync import LockSync

__all__ = ["SessionSync"]


class SessionSync:
    """Locks kept alive together: one Batch renews all of them every renewal period.

    Do not create one directly: :meth:`LockClientSync.session` does. Leaving its
    ``with`` block (or :meth:`close`) releases the locks still held, in one Batch. Safe
    to share between threads.

    Attributes:
        ttl: The TTL of every lock of the session, in seconds.
    """

    def __init__(self, calls: CallsSync, ttl: float, acquire: Callable[..., LockSync]) -> None:
        """Starts an empty session whose locks ``acquire`` takes. Internal."""
        self._calls = calls
        self._acquire = acquire
        self.ttl = ttl
        self._mu = threading.Lock()  # guards _locks, _thread and _closed
        self._locks: set[LockSync] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def locks(self) -> list[LockSync]:
        """The session's locks still held."""
        with self._mu:
            return [lock for lock in self._locks if not lock.lost.is_set()]

    def acquire(
        self, resource: str, *, wait: Seconds | None = None, data: bytes = b"", owner: str = ""
    ) -> LockSync:
        """Takes the lock on ``resource`` for this session, with the session's TTL.

        The arguments, the waiting, the errors and the lock returned are those of
        :meth:`LockClientSync.acquire`, but the lock is renewed by the session, with
        its other locks. Its ``lost`` event and ``lost_reason`` work as usual;
        releasing it early is allowed.

        Raises:
            DistlockError: What :meth:`LockClientSync.acquire` raises, or the session is
                closed.
        """
        if self._closed:
            raise DistlockError("distlock: session closed")
        lock = self._acquire(resource, ttl=self.ttl, wait=wait, data=data, owner=owner)
        with self._mu:
            closed = self._closed
            if not closed:
                self._locks.add(lock)
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._renew_loop, name="distlock-renew session", daemon=True
                    )
                    self._thread.start()
        if closed:  # close() ran while this call was in flight
            with contextlib.suppress(DistlockError):
                lock.release()
            raise DistlockError("distlock: session closed")
        return lock

    @contextlib.contextmanager
    def lock(
        self, resource: str, *, wait: Seconds | None = None, data: bytes = b"", owner: str = ""
    ) -> Iterator[LockSync]:
        """Holds the lock on ``resource`` for a ``with`` block, renewed by the session.

        It behaves as :meth:`LockClientSync.lock` does.

        Yields:
            The held lock.
        """
        with self.acquire(resource, wait=wait, data=data, owner=owner) as held:
            yield held

    def close(self) -> None:
        """Stops renewal and releases the locks still held, in one Batch.

        Releases that fail with a transient code are tried again together, in one
        Batch after a pause of the call back-off, until their lease's validity ends;
        other failures are ignored here (the lock is then
        released when its TTL ends) and reported by that lock's :meth:`LockSync.release`.
        """
        with self._mu:
            self._closed = True
            thread, locks = self._thread, list(self._locks)
            self._locks.clear()
        self._stop.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        begun = [(lock, lock._begin_release()) for lock in locks]
        todo = [(lock, lease) for lock, lease in begun if lease is not None]
        backoff = Backoff.for_calls()
        while todo:
            timeout = self._calls.timeout
            outcomes = self._calls.coalescer.call_many(
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
                self._calls.clock.sleep(pause)
            todo = again

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<SessionSync ttl={self.ttl:g} locks={len(self.locks)}>"

    def _renew_loop(self) -> None:
        renewals = Renewals(self.ttl)
        calls = self._calls
        while not self._stop.wait(renewals.wake_in()):
            with self._mu:
                self._locks = {lock for lock in self._locks if not lock.lost.is_set()}
                locks = list(self._locks)
            due = renewals.due(locks)
            if not due.locks:
                continue
            outcomes = calls.coalescer.call_many(due.requests(), due.timeouts_ms(calls.timeout))
            if self._stop.is_set():
                return  # close() releases them, whatever this round found
            renewals.settle(due, outcomes)
