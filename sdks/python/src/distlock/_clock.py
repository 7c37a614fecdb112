"""The clock that paces an acquire's wait: monotonic time and sleeps."""

from __future__ import annotations

import asyncio
import time

__all__ = ["SYSTEM_CLOCK", "Clock"]


class Clock:
    """Monotonic seconds and sleeps, from the system.

    An acquire reads its wait budget and takes its pauses through a client's clock, and so
    do a lock's extend() and release() between their retries, so a test can substitute one
    that advances only when told and run a minute's wait at once.
    Lease validity never counts on it: it always counts on :func:`time.monotonic`, so a
    substitute cannot make a lock look held for longer than it is.
    """

    def now(self) -> float:
        """Returns monotonic seconds; only differences between two readings mean anything."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Blocks the calling thread for ``seconds``."""
        time.sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        """Suspends the calling task for ``seconds``; cancelling the task ends it early."""
        await asyncio.sleep(seconds)


SYSTEM_CLOCK = Clock()
"""The clock every client uses."""
