"""Calls tried again while the service is unavailable, until a lease's validity ends.

This is the Go SDK's ``retry`` (sdks/go/distlock/retry.go), with which its Extend and
Release ride out an unavailable service; the renewal of both clients uses it too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from connectrpc.errors import ConnectError

from ._acquire import BACKOFF_MAX, BACKOFF_MIN, TRANSIENT
from ._lease import Backoff

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["retry_async", "retry_sync"]

T = TypeVar("T")


def retry_sync(
    call: Callable[[], T],
    *,
    left: float,
    now: Callable[[], float],
    sleep: Callable[[float], bool],
) -> T:
    """Runs ``call``, and again after a pause while it fails with a :data:`TRANSIENT` code.

    The pauses back off from :data:`BACKOFF_MIN` to :data:`BACKOFF_MAX`, jittered. A pause
    that would not end within ``left`` seconds (on ``now``'s clock) is not taken, and
    ``sleep`` returning ``False`` (the caller stopped) ends the retries too: either way
    the last error is raised. It always makes one attempt.

    Args:
        call: One attempt.
        left: The seconds until the lease's validity ends.
        now: The clock that ``left`` counts on.
        sleep: Pauses for the given seconds; reports whether to go on.
    """
    end = now() + left
    backoff = Backoff(BACKOFF_MIN, BACKOFF_MAX)
    while True:
        try:
            return call()
        except ConnectError as err:
            pause = backoff.next()
            if err.code not in TRANSIENT or now() + pause >= end or not sleep(pause):
                raise


async def retry_async(
    call: Callable[[], Awaitable[T]],
    *,
    left: float,
    now: Callable[[], float],
    sleep: Callable[[float], Awaitable[bool]],
) -> T:
    """Runs ``call`` as :func:`retry_sync` does, on the event loop."""
    end = now() + left
    backoff = Backoff(BACKOFF_MIN, BACKOFF_MAX)
    while True:
        try:
            return await call()
        except ConnectError as err:
            pause = backoff.next()
            if err.code not in TRANSIENT or now() + pause >= end or not await sleep(pause):
                raise
