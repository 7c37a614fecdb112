"""What a Hold stream has said so far, and why it ended: shared by both held-lock types."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from connectrpc.code import Code

from ._errors import UnavailableError
from ._gen.distlock.v1 import policy
from ._loss import lost_error
from ._stream_wire import grant_from, hold_lost, holder_from, stream_error, timestamp

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from ._errors import DistlockError
    from ._gen.distlock.v1 import lock_pb2 as pb
    from ._stream_wire import Holder

__all__ = ["HoldState"]

log = logging.getLogger("distlock")


class HoldState:
    """The state of one Hold: its grant, its renewals, and the first reason it ended.

    Attributes:
        resource: The locked resource.
        fencing_token: Strictly increases across successive holders of the resource.
        lease_token: The lease's secret (for fencing without Info); do not log it.
        owner: The owner label the lock was taken with.
    """

    def __init__(
        self, request: pb.HoldRequest, on_waiting: Callable[[Holder], None] | None = None
    ) -> None:
        """Creates the state of a hold not granted yet, asked for by ``request``."""
        self.resource = request.resource
        self.owner = request.owner
        self._ttl = request.ttl.ToNanoseconds() / 1e9
        self._on_waiting = on_waiting
        self.fencing_token = 0
        self.lease_token = ""
        # A threading lock for both clients: the sync one's reader is another thread,
        # and under asyncio it is never contended.
        self._mu = threading.Lock()
        self._granted = False
        self._lost_event: pb.HoldLost | None = None
        self._error: DistlockError | None = None
        self._reason: DistlockError | None = None
        self._released = False
        self._expire_time: datetime | None = None

    @property
    def expire_time(self) -> datetime | None:
        """When the lock expires unless renewed, by the service's clock, as last reported."""
        with self._mu:
            return self._expire_time

    @property
    def lost_reason(self) -> DistlockError | None:
        """Why the lock was lost: ``None`` while held and after a release.

        A :class:`NotHeldError` when the service said the lease is gone; an
        :class:`UnavailableError` when renewal could not reach a quorum, the service
        is draining, or the stream broke without a ``lost`` event.
        """
        with self._mu:
            return None if self._released else self._reason

    def __repr__(self) -> str:
        state = "held" if self._reason is None else "ended"
        return (
            f"<{type(self).__name__} resource={self.resource!r}"
            f" fencing_token={self.fencing_token} {state}>"
        )

    def _apply(self, event: pb.HoldResponse) -> str | None:
        """Takes in one event; returns its kind (``granted``, ``renewed``…)."""
        which: str | None = event.WhichOneof("event")
        if which == "waiting":
            self._waiting(holder_from(event.waiting))
            return which
        with self._mu:
            if which == "granted":
                grant = grant_from(event.granted)
                self.resource, self.fencing_token = grant.resource, grant.fencing_token
                self.lease_token, self._expire_time = grant.lease_token, grant.expire_time
                if event.granted.HasField("ttl") and event.granted.ttl.ToNanoseconds() > 0:
                    self._ttl = event.granted.ttl.ToNanoseconds() / 1e9
                self._granted = True
            elif which == "renewed":
                self._expire_time = timestamp(event.renewed.expire_time)
            elif which == "lost":
                self._lost_event = event.lost
        return which

    def _waiting(self, holder: Holder) -> None:
        """Hands a waiting event's holder to the callback; what it raises is only logged."""
        if self._on_waiting is None:
            return
        try:
            self._on_waiting(holder)
        except Exception:
            log.exception("distlock: the on_waiting callback of %r raised", self.resource)

    @property
    def _validity(self) -> float:
        """Seconds the lock is certainly held after the grant or a renewal arrived."""
        return policy.validity_s(self._ttl)

    def _silent(self) -> None:
        """Reports the lock lost: the service sent no word of it for its validity.

        A connection can die without an error reaching this end (a service host that
        vanished without a reset, a proxy that stalls): then no event comes. The service
        renews every TTL/3 and, when it cannot, says ``lost`` before the validity ends; a
        validity with no word at all means the lease may be gone. Counted from the arrival
        of the grant and of each renewal, as the TypeScript SDK counts (a grant after a
        long wait is fresh). The subclass then ends the stream.
        """
        err = UnavailableError(
            f"distlock: lock on {self.resource!r} was lost: the service sent no word of it"
            f" for its validity ({self._validity:.3f}s)",
            code=Code.UNAVAILABLE.value,
        )
        self._end(err)

    def _finish(self, err: Exception | None) -> bool:
        """Records how the stream ended (``err``: its error); reports whether it was granted."""
        if not self._granted:
            with self._mu:
                self._error = stream_error(err, "the Hold stream ended before the lock was granted")
            return False
        self._end(hold_lost(self._lost_event, err))
        return True

    def _end(self, reason: DistlockError) -> None:
        with self._mu:
            if self._reason is not None:
                return
            self._reason = reason
        self._signal_lost()

    def _signal_lost(self) -> None:
        """Sets the subclass's ``lost`` event."""
        raise NotImplementedError

    def _interrupted(self) -> None:
        """Records that the caller gave up before the grant."""
        with self._mu:
            if self._error is None and not self._granted:
                self._error = stream_error(None, "the Hold was interrupted before the grant")

    def _mark_released(self) -> DistlockError | None:
        """Marks the lock released unless it ended before; returns that earlier reason."""
        with self._mu:
            first = self._reason
            if first is None:
                self._released = True
                self._reason = lost_error(self.resource, None)
        if first is None:
            self._signal_lost()
        return first

    def _check_released(self, first: DistlockError | None) -> None:
        """Raises what a release after a loss raises.

        Raises:
            NotHeldError: The lock was lost before the release, carrying the reason.
        """
        if first is not None and not self._released:
            raise lost_error(self.resource, first)
