"""One acquire, checked and planned before any call: shared by both clients."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from connectrpc.code import Code

from ._clock import SYSTEM_CLOCK, Clock
from ._errors import UnavailableError
from ._lease import CALL_SLACK, Backoff, Lease, WaitBudget, millis
from ._limits import Seconds, check_data, check_owner, check_resource, check_ttl, check_wait
from ._retry import TRANSIENT, go_backoff
from ._wire import acquire_request, lease_from

if TYPE_CHECKING:
    from connectrpc.errors import ConnectError

    from ._gen.distlock.v1 import lock_pb2 as pb

__all__ = ["LATE_GRANT", "AcquirePlan", "Attempt"]

LATE_GRANT = 0.1
"""The fraction of the TTL after which a grant is late: its validity is then measured
from an Extend sent on its arrival, not from its own request (the Go SDK's rule)."""


@dataclass(frozen=True, slots=True)
class Attempt:
    """One Acquire call of an acquire, as planned just before it is sent."""

    request: pb.AcquireRequest
    timeout_ms: int
    """The call's timeout: its wait plus a margin for the grant's round trips to Redis."""
    wait: float
    """The wait the request asks the server for, in seconds."""
    started: float
    """When it was planned, on the plan's clock."""


@dataclass(frozen=True, slots=True)
class AcquirePlan:
    """The checked arguments of one acquire and the wait it may still spend."""

    resource: str
    ttl: float
    owner: str
    data: bytes
    budget: WaitBudget
    clock: Clock
    # Pauses after consecutive transient failures (late grants that could not be
    # confirmed count as such); a busy answer starts them over. The Go SDK's ``failures``.
    failures: Backoff = field(default_factory=go_backoff)
    # Pauses after consecutive early busy answers; see retry.
    early: Backoff = field(default_factory=go_backoff)

    @classmethod
    def check(
        cls,
        resource: str,
        *,
        ttl: Seconds,
        wait: Seconds | None,
        data: bytes,
        owner: str,
        clock: Clock = SYSTEM_CLOCK,
    ) -> AcquirePlan:
        """Returns the plan for valid arguments, its wait counted on ``clock``.

        Raises:
            InvalidArgumentError: An argument is out of bounds.
        """
        return cls(
            resource=check_resource(resource),
            ttl=check_ttl(ttl),
            owner=check_owner(owner),
            data=check_data(data),
            budget=WaitBudget(check_wait(wait), clock),
            clock=clock,
        )

    def next_call(self) -> Attempt:
        """Returns the next Acquire call to send."""
        started = self.clock.now()
        wait = self.budget.next_call_wait()
        request = acquire_request(
            self.resource, ttl=self.ttl, wait=wait, owner=self.owner, data=self.data
        )
        return Attempt(request, millis(wait + CALL_SLACK), wait, started)

    def retry(self, err: ConnectError, attempt: Attempt) -> float | None:
        """Returns the pause before the call that follows a failed ``attempt``, in seconds.

        Two failures are asked again while the wait lasts, as in the Go SDK
        (sdks/go/distlock/acquire.go); any other ends the acquire, and so does either
        once the wait is over (with no wait, at once).

        A transient failure (:data:`~._retry.TRANSIENT`: ``unavailable``,
        ``deadline_exceeded``) is followed by a pause that backs off from 25-50 ms to
        0.5-1 s with each consecutive one (:func:`~._retry.go_backoff`). When the pause
        would reach the end of the wait, the failure ends the acquire at once: the caller
        hears that the service is unavailable, not that the lock is busy.

        A busy lock (``aborted``) starts those pauses over. A server that waited as asked
        answers no sooner than the wait asked for; an answer that came in less than half
        of it means the server's own maximum wait (``--max-wait``) is lower and it waits
        little or not at all. Asked again at once, it would be asked hundreds of times a
        second: so after such an early answer the next call follows a pause that backs
        off in the same way, and starts over after an answer that was not early. A pause
        that would reach the end of the wait is not taken: the busy answer ends the
        acquire at once.

        Returns:
            The pause (0: none), or ``None`` when ``err`` ends the acquire.
        """
        if self.budget.spent():
            return None
        if err.code in TRANSIENT:
            return self._pause(self.failures)
        if err.code is not Code.ABORTED:
            return None
        self.failures.reset()
        if self.clock.now() - attempt.started >= attempt.wait / 2:
            self.early.reset()
            return 0.0
        return self._pause(self.early)

    def _pause(self, backoff: Backoff) -> float | None:
        """Returns the next pause of ``backoff``, or ``None`` if it would pass the wait."""
        pause = backoff.next()
        if pause >= self.budget.left():
            return None
        return pause

    def lease(self, resp: pb.AcquireResponse, sent: float) -> Lease:
        """Returns the lease granted by a call sent at ``sent`` (monotonic clock)."""
        return lease_from(resp, sent=sent, ttl=self.ttl, owner=self.owner)

    def late(self, lease: Lease, sent: float) -> bool:
        """Reports whether a grant of a call sent at ``sent`` must be confirmed by an Extend.

        The service's key lives for the TTL from the grant, which happened anywhere
        between sending and now, so the only safe bound counts from ``sent``. After a
        wait that bound leaves little validity, or none when the wait outlasted the TTL
        and the lock would be lost on arrival. An Extend sent now gives a fresh bound.
        """
        return time.monotonic() - sent > lease.ttl * LATE_GRANT

    def unconfirmed(self, err: ConnectError) -> float:
        """Returns the pause before the next Acquire call, after a late grant's Extend failed.

        The client has released that lease. The failure counts as the service being
        unavailable, as in the Go SDK: the acquire tries again while its wait lasts.

        Raises:
            UnavailableError: The wait has run out, or would before the pause ends.
        """
        pause = self._pause(self.failures)
        if pause is None:
            reason = err.message or err.code.value
            raise UnavailableError(
                f"distlock: lock granted after a wait but not confirmed ({reason})",
                code=Code.UNAVAILABLE.value,
            ) from err
        return pause
