"""A session's renewal rounds: which of its locks to renew now, and what each answer means.

Both sessions (``_session_async``, ``_session_sync``) use this and only send. Every
renewal period (the policy's TTL/``RENEW_DIVISOR`` of the session's TTL) one round
renews all the session's locks with one Batch, whatever their number, so the calls per
period do not grow with the locks. A lock whose renewal failed is retried on its own
renewal back-off, with the other locks that are due then, until its validity ends: a
terminal code (the policy's ``RENEWAL_TERMINAL_CODES``) loses it at once, any other
error only when the validity has run out, with that error as the reason, exactly as a
lock renewed on its own (``_lock_async``, ``_lock_sync``). A session that cannot reach
the service at all therefore reports every lock lost when its validity ends.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from connectrpc.errors import ConnectError

from ._gen.distlock.v1 import lock_pb2 as pb
from ._gen.distlock.v1 import policy
from ._lease import Backoff, Lease, millis
from ._loss import renewal_failure
from ._wire import extend_request, extended

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from ._batch_wire import Response
    from ._errors import DistlockError

__all__ = ["Due", "Renewals", "SessionLock"]


class SessionLock(Protocol):
    """What a session needs of its locks (``Lock`` and ``LockSync`` have it)."""

    resource: str

    def _held_lease(self) -> Lease | None: ...

    def _renewed(self, sent: Lease, lease: Lease) -> None: ...

    def _lose(self, reason: DistlockError) -> None: ...


@dataclass(slots=True)
class _Retry:
    at: float
    last: ConnectError | None
    backoff: Backoff = field(default_factory=Backoff.for_renewal)


@dataclass(frozen=True, slots=True)
class Due:
    """One round: the locks to renew and the leases sent for them."""

    locks: list[SessionLock]
    leases: list[Lease]
    sent: float

    def requests(self) -> list[pb.ExtendRequest]:
        """The Extend of each lock, for its current TTL."""
        return [extend_request(lease, lease.ttl) for lease in self.leases]

    def timeouts_ms(self, call_timeout: float) -> list[int]:
        """Each call's deadline: the call timeout, or the lease's validity if sooner."""
        return [millis(min(lease.remaining(), call_timeout)) for lease in self.leases]


class Renewals:
    """The renewal schedule of one session's locks."""

    def __init__(self, ttl: float) -> None:
        """Starts the schedule: the first round one renewal period of ``ttl`` from now."""
        self.period = policy.renew_every_s(ttl)
        self._next_round = time.monotonic() + self.period
        self._retry: dict[SessionLock, _Retry] = {}

    def wake_in(self) -> float:
        """Seconds until something is due: the next round, or a retry."""
        at = min([self._next_round, *(r.at for r in self._retry.values())])
        return max(0.0, at - time.monotonic())

    def due(self, locks: Iterable[SessionLock]) -> Due:
        """Returns what to renew now, and loses the locks whose validity ran out."""
        now = time.monotonic()
        if now >= self._next_round:
            chosen = list(locks)
            self._next_round = now + self.period
        else:
            chosen = [lock for lock, r in self._retry.items() if r.at <= now]
        due = Due([], [], now)
        for lock in chosen:
            lease = lock._held_lease()
            if lease is None:
                self._retry.pop(lock, None)
            elif lease.remaining() <= 0:
                retry = self._retry.pop(lock, None)
                lock._lose(renewal_failure(retry.last if retry else None, lock.resource))
            else:
                due.locks.append(lock)
                due.leases.append(lease)
        return due

    def settle(self, due: Due, outcomes: Sequence[Response | ConnectError]) -> None:
        """Applies each lock's answer: renewed, lost, or retried later."""
        for lock, lease, out in zip(due.locks, due.leases, outcomes, strict=True):
            if not isinstance(out, ConnectError):
                assert isinstance(out, pb.ExtendResponse)  # noqa: S101 -- an Extend's answer
                lock._renewed(lease, extended(lease, out, sent=due.sent, ttl=lease.ttl))
                self._retry.pop(lock, None)
            elif policy.ends_renewal(out.code.value):
                self._retry.pop(lock, None)
                lock._lose(renewal_failure(out, lock.resource))
            else:
                retry = self._retry.setdefault(lock, _Retry(0.0, None))
                # A call cut by the validity's own deadline says nothing about the
                # service: the loss reason stays its last answer (sdks/POLICY.md).
                if retry.last is None or lease.remaining() > 0:
                    retry.last = out
                retry.at = time.monotonic() + min(retry.backoff.next(), lease.remaining())
