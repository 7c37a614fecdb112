"""One acquire, checked and planned before any call: shared by both clients."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from connectrpc.code import Code

from ._clock import SYSTEM_CLOCK, Clock
from ._errors import UnavailableError
from ._gen.distlock.v1 import policy
from ._lease import Backoff, Lease, WaitBudget, millis
from ._limits import Seconds, check_data, check_owner, check_resource, check_ttl, check_wait
from ._retry import transient
from ._wire import acquire_request, lease_from

if TYPE_CHECKING:
    from connectrpc.errors import ConnectError

    from ._gen.distlock.v1 import lock_pb2 as pb

__all__ = ["AcquirePlan", "Attempt", "unreachable"]

log = logging.getLogger("distlock")


def unreachable(err: ConnectError) -> bool:
    """Reports whether a call failed without any HTTP answer (connection refused, DNS).

    connectrpc turns the HTTP client's ``ConnectionError`` into ``unavailable`` and keeps
    it as the cause; an ``unavailable`` the service answered has no such cause.
    """
    return err.code is Code.UNAVAILABLE and isinstance(err.__cause__, ConnectionError)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One Acquire call of an acquire, as planned just before it is sent."""

    request: pb.AcquireRequest
    timeout_ms: int
    """The call's deadline: its wait plus the client's call timeout."""
    wait: float
    """The wait the request asks the server for, in seconds."""
    started: float
    """When it was planned, on the plan's clock."""


@dataclass(slots=True)
class AcquirePlan:
    """The checked arguments of one acquire and the wait it may still spend."""

    resource: str
    ttl: float
    owner: str
    data: bytes
    budget: WaitBudget
    clock: Clock
    url: str
    call_timeout: float
    started: float
    # Pauses after consecutive transient failures (late grants that could not be
    # confirmed count as such); a busy answer starts them over.
    failures: Backoff = field(default_factory=Backoff.for_calls)
    # Pauses after consecutive early busy answers; see retry.
    early: Backoff = field(default_factory=Backoff.for_calls)
    # When the service last answered (any HTTP answer), or the acquire began.
    answered: float = 0.0
    # When the wait was last logged (None: not yet).
    logged: float | None = None

    @classmethod
    def check(
        cls,
        resource: str,
        *,
        ttl: Seconds,
        wait: Seconds | None,
        data: bytes,
        owner: str,
        url: str,
        call_timeout: float,
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
            url=url,
            call_timeout=call_timeout,
            started=clock.now(),
            answered=clock.now(),
        )

    def next_call(self) -> Attempt:
        """Returns the next Acquire call to send."""
        started = self.clock.now()
        wait = self.budget.next_call_wait()
        request = acquire_request(
            self.resource, ttl=self.ttl, wait=wait, owner=self.owner, data=self.data
        )
        return Attempt(request, millis(wait + self.call_timeout), wait, started)

    def retry(self, err: ConnectError, attempt: Attempt) -> float | None:
        """Returns the pause before the call that follows a failed ``attempt``, in seconds.

        Transient failures and a busy lock are asked again while the wait lasts; any other
        failure ends the acquire, and so does either once the wait is over (with no wait,
        at once).

        A transient failure is followed by a pause of the call back-off, longer with each
        consecutive one. When the pause would reach the end of the wait, the failure ends
        the acquire at once: the caller hears that the service is unavailable, not that
        the lock is busy. When calls get no HTTP answer at all (see :func:`unreachable`)
        for :data:`policy.UNREACHABLE_GIVE_UP_S`, counted from the acquire's start or the
        service's last answer, or until the end of a shorter wait, the acquire gives up
        with an error naming the URL and the cause.

        A busy lock (``aborted``) starts those pauses over. A server that waited as asked
        answers no sooner than the wait asked for; an answer that came in under
        1/:data:`policy.EARLY_ANSWER_DIVISOR` of it means the server's own maximum wait is
        lower. Asked again at once, it would be asked hundreds of times a second: so after
        such an early answer the next call follows a pause of the call back-off, which
        starts over after an answer that was not early. A pause that would reach the end
        of the wait is not taken: the busy answer ends the acquire at once.

        Returns:
            The pause (0: none), or ``None`` when ``err`` ends the acquire.

        Raises:
            UnavailableError: The service never answered for too long.
        """
        self._note_answer(err)
        if self.budget.spent():
            return None
        if transient(err):
            pause = self._pause(self.failures)
            if pause is None and unreachable(err):
                raise self._unreached(err)
            return pause
        if err.code is not Code.ABORTED:
            return None
        self.failures.reset()
        self._log_wait()
        if self.clock.now() - attempt.started >= attempt.wait / policy.EARLY_ANSWER_DIVISOR:
            self.early.reset()
            return 0.0
        return self._pause(self.early)

    def _note_answer(self, err: ConnectError) -> None:
        """Notes an answer; raises once none came for too long or the wait ended."""
        now = self.clock.now()
        if not unreachable(err):
            self.answered = now
        elif now - self.answered >= policy.UNREACHABLE_GIVE_UP_S or self.budget.spent():
            raise self._unreached(err)

    def _unreached(self, err: ConnectError) -> UnavailableError:
        """Returns the error that ends an acquire whose service never answered."""
        unanswered = self.clock.now() - self.answered
        error = UnavailableError(
            f"distlock: the service at {self.url} cannot be reached "
            f"({err.message or err.code.value}); gave up after {unanswered:.1f}s",
            code=Code.UNAVAILABLE.value,
        )
        error.__cause__ = err
        return error

    def _log_wait(self) -> None:
        """Logs that the acquire waits on, at most once per :data:`policy.MAX_WAIT_PER_CALL_S`."""
        now = self.clock.now()
        if self.logged is not None and now - self.logged < policy.MAX_WAIT_PER_CALL_S:
            return
        self.logged = now
        log.info(
            "distlock: waiting for the lock on %r, another holder has it (%.0fs so far)",
            self.resource,
            now - self.started,
        )

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
        return time.monotonic() - sent > policy.late_grant_s(lease.ttl)

    def unconfirmed(self, err: ConnectError) -> float:
        """Returns the pause before the next Acquire call, after a late grant's Extend failed.

        The client has released that lease. The failure counts as the service being
        unavailable: the acquire tries again while its wait lasts.

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
