"""The wait of one hold across the streams it opens: shared by both clients.

A transient failure before the grant opens a new stream after a pause, as an acquire
calls again; the rule is the TypeScript SDK's, and every number the client policy's.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from connectrpc.errors import ConnectError

from ._acquire import unreachable
from ._gen.distlock.v1 import policy
from ._lease import Backoff
from ._wire import duration

if TYPE_CHECKING:
    from ._clock import Clock
    from ._errors import DistlockError
    from ._gen.distlock.v1 import lock_pb2 as pb

__all__ = ["HoldRetry"]


class HoldRetry:
    """When a hold that failed before its grant opens its next stream, and what it asks for."""

    def __init__(self, wait: float, clock: Clock) -> None:
        """Starts the hold's wait: ``wait`` seconds from now on ``clock`` (``math.inf``: none)."""
        self._wait = wait
        self._clock = clock
        now = clock.now()
        self._deadline = now + wait
        self._answered = now  # when the service last answered anything
        self._backoff = Backoff.for_calls()

    def aim(self, request: pb.HoldRequest) -> None:
        """Makes ``request`` ask for what is left of the wait (no wait, or none: unchanged)."""
        if self._wait == 0 or math.isinf(self._wait):
            return
        left = self._deadline - self._clock.now()
        request.wait.CopyFrom(duration(max(left, 1e-3)))

    def pause(self, err: DistlockError) -> float | None:
        """Returns the pause before the next stream after ``err``, or ``None`` to raise it.

        Only the policy's transient codes are tried again, after the call back-off, and
        only when the pause ends before the wait does (no wait: never). A service that gave
        no answer at all (see :func:`unreachable`) is given up on once
        :data:`policy.UNREACHABLE_GIVE_UP_S` passed since the hold began or its last answer.
        """
        cause = err.__cause__
        unreached = isinstance(cause, ConnectError) and unreachable(cause)
        now = self._clock.now()
        if not unreached:
            self._answered = now
        give_up = self._deadline
        if unreached:
            give_up = min(give_up, self._answered + policy.UNREACHABLE_GIVE_UP_S)
        pause = self._backoff.next()
        if err.code is None or not policy.is_transient(err.code) or now + pause >= give_up:
            return None
        return pause
