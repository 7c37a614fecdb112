"""Lease bookkeeping shared by the sync and async clients.

Validity on the client's clock, retry policy and backoff, and the splitting of long waits.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass

from connectrpc.code import Code

from ._clock import SYSTEM_CLOCK, Clock

__all__ = [
    "CALL_SLACK",
    "MAX_CALL_WAIT",
    "Backoff",
    "Lease",
    "WaitBudget",
    "is_transient",
    "millis",
    "valid_until",
]

MAX_CALL_WAIT = 30.0
"""The longest wait one Acquire call asks for. Longer waits are split into several calls,
so no single HTTP request outlives proxies' idle timeouts or the server's maximum wait."""

CALL_SLACK = 10.0
"""How much longer than its server-side wait an Acquire call may take before the client
gives up on it: the grant itself takes a few round trips to Redis."""

_TRANSIENT = frozenset(
    {
        Code.UNAVAILABLE,
        Code.DEADLINE_EXCEEDED,
        Code.RESOURCE_EXHAUSTED,
        Code.INTERNAL,
        Code.UNKNOWN,
    }
)


def is_transient(code: Code) -> bool:
    """Reports whether a failed Extend is worth retrying while the lease is valid.

    ``not_found`` means the lease is gone and the argument or credential errors will not
    change on retry; everything else may be a network blip or a node failing over.
    """
    return code in _TRANSIENT


def valid_until(sent: float, ttl: float) -> float:
    """Returns the monotonic time until which a lease is certainly held.

    ``sent`` is when the request that got the lease for ``ttl`` seconds left this
    process. The grant happened after ``sent``, so counting from it is safe whatever the network
    delay; the drift allowance (1% of the TTL plus 2 ms) covers clocks running at
    slightly different rates, as in Redlock.
    """
    return sent + ttl - (ttl * 0.01 + 0.002)


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
    """Jittered exponential backoff between retries.

    By default (failed renewals) it starts at 100 ms and doubles up to 2 s; each sleep is
    drawn from the upper half of the current step, so the retries of many clients spread
    out.
    """

    def __init__(self, first: float = 0.1, limit: float = 2.0) -> None:
        """Creates a backoff starting at ``first`` seconds and capped at ``limit``."""
        self._first = first
        self._step = first
        self._limit = limit

    def next(self) -> float:
        """Returns the next sleep in seconds and doubles the step."""
        sleep = self._step / 2 + random.uniform(0, self._step / 2)  # noqa: S311 -- jitter, not secrets
        self._step = min(self._step * 2, self._limit)
        return sleep

    def reset(self) -> None:
        """Makes the next sleep as short as the first again."""
        self._step = self._first


class WaitBudget:
    """How long an acquire may still wait, split into calls of at most 30 s each."""

    def __init__(self, wait: float, clock: Clock = SYSTEM_CLOCK) -> None:
        """Starts the budget: ``wait`` seconds from now on ``clock`` (``math.inf``: no limit)."""
        self._clock = clock
        self._deadline = clock.now() + wait

    def next_call_wait(self) -> float:
        """Returns the wait to ask of the next Acquire call."""
        return min(MAX_CALL_WAIT, self.left())

    def spent(self) -> bool:
        """Reports whether the wait has run out."""
        return self._clock.now() >= self._deadline

    def left(self) -> float:
        """Returns the seconds of wait left (``math.inf``: no limit), at least zero."""
        return max(0.0, self._deadline - self._clock.now())
