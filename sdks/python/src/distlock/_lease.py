"""Lease bookkeeping shared by the sync and async clients.

Validity on the client's clock, the jittered back-off, and the splitting of long waits;
every number comes from the one client policy (``_gen/distlock/v1/policy.py``).
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass

from ._clock import SYSTEM_CLOCK, Clock
from ._gen.distlock.v1 import policy

__all__ = ["Backoff", "Lease", "WaitBudget", "millis", "valid_until"]


def valid_until(sent: float, ttl: float) -> float:
    """Returns the monotonic time until which a lease is certainly held.

    ``sent`` is when the request that got the lease for ``ttl`` seconds left this
    process. The grant happened after ``sent``, so counting from it is safe whatever the
    network delay; :func:`policy.validity_s` leaves out the drift allowance.
    """
    return sent + policy.validity_s(ttl)


def millis(seconds: float) -> int:
    """Returns a call timeout in whole milliseconds.

    It is never zero, which Connect would treat as already expired.
    """
    return max(1, math.ceil(seconds * 1000))


@dataclass
class Lease:
    """One granted lock as the client tracks it."""

    resource: str
    token: str
    fencing_token: int
    owner: str
    ttl: float
    valid_until: float

    def remaining(self) -> float:
        """Returns the seconds of validity left, at least zero."""
        return max(0.0, self.valid_until - time.monotonic())


class Backoff:
    """Jittered exponential back-off between retries.

    Step ``n`` is :func:`policy.backoff_step_s`; each pause is drawn from the step's upper
    half, so the retries of many clients that failed together spread out.
    """

    def __init__(self, first: float, limit: float) -> None:
        """Creates a back-off whose steps double from ``first`` seconds up to ``limit``."""
        self._first = first
        self._limit = limit
        self._n = 0

    def next(self) -> float:
        """Returns the next pause in seconds and moves to the next step."""
        step = policy.backoff_step_s(self._n, self._first, self._limit)
        self._n += 1
        return step / 2 + random.uniform(0, step / 2)  # noqa: S311 -- jitter, not secrets

    def reset(self) -> None:
        """Makes the next pause as short as the first again."""
        self._n = 0

    @classmethod
    def for_calls(cls) -> Backoff:
        """Returns the back-off between calls retried on a transient code."""
        return cls(policy.CALL_BACKOFF_MIN_S, policy.CALL_BACKOFF_MAX_S)

    @classmethod
    def for_renewal(cls) -> Backoff:
        """Returns the back-off between failed renewals."""
        return cls(policy.RENEW_BACKOFF_MIN_S, policy.RENEW_BACKOFF_MAX_S)


class WaitBudget:
    """How long an acquire may still wait, split into calls of the policy's wait per call."""

    def __init__(self, wait: float, clock: Clock = SYSTEM_CLOCK) -> None:
        """Starts the budget: ``wait`` seconds from now on ``clock`` (``math.inf``: no limit)."""
        self._clock = clock
        self._deadline = clock.now() + wait

    def next_call_wait(self) -> float:
        """Returns the wait to ask of the next Acquire call."""
        return min(policy.MAX_WAIT_PER_CALL_S, self.left())

    def spent(self) -> bool:
        """Reports whether the wait has run out."""
        return self._clock.now() >= self._deadline

    def left(self) -> float:
        """Returns the seconds of wait left (``math.inf``: no limit), at least zero."""
        return max(0.0, self._deadline - self._clock.now())
