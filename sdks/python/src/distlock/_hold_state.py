"""What a Hold stream has said so far, and why it ended: shared by both held-lock types."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from ._loss import lost_error
from ._stream_wire import grant_from, hold_lost, stream_error, timestamp

if TYPE_CHECKING:
    from datetime import datetime

    from ._errors import DistlockError
    from ._gen.distlock.v1 import lock_pb2 as pb

__all__ = ["HoldState"]


class HoldState:
    """The state of one Hold: its grant, its renewals, and the first reason it ended.

    Attributes:
        resource: The locked resource.
        fencing_token: Strictly increases across successive holders of the resource.
        lease_token: The lease's secret (for fencing without Info); do not log it.
        owner: The owner label the lock was taken with.
    """

    def __init__(self, resource: str, owner: str) -> None:
        """Creates the state of a hold not granted yet."""
        self.resource = resource
        self.owner = owner
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

    def _apply(self, event: pb.HoldResponse) -> bool:
        """Takes in one event; reports whether it was the grant."""
        which = event.WhichOneof("event")
        with self._mu:
            if which == "granted":
                grant = grant_from(event.granted)
                self.resource, self.fencing_token = grant.resource, grant.fencing_token
                self.lease_token, self._expire_time = grant.lease_token, grant.expire_time
                self._granted = True
                return True
            if which == "renewed":
                self._expire_time = timestamp(event.renewed.expire_time)
            elif which == "lost":
                self._lost_event = event.lost
        return False

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
