"""Single calls (Extend, Release) tried again on a transient code until a lease's validity ends.

The codes and the pauses are the client policy's (:func:`policy.is_transient`, the call
back-off). An acquire paces its calls with the same back-off and retries the same codes,
within its wait; renewal has its own loop and does not use this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from connectrpc.errors import ConnectError

from ._gen.distlock.v1 import policy
from ._lease import Backoff

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["retry_async", "retry_sync", "transient"]

T = TypeVar("T")


def transient(err: ConnectError) -> bool:
    """Reports whether a call that failed with ``err`` may succeed when made again."""
    return policy.is_transient(err.code.value)


def retry_sync(
    call: Callable[[], T],
    *,
    left: float,
    now: Callable[[], float],
    sleep: Callable[[float], bool],
) -> T:
    """Runs ``call``, and again after a pause while it fails with a transient code.

    A pause that would not end within ``left`` seconds (on ``now``'s clock) is not taken,
    and ``sleep`` returning ``False`` (the caller stopped) ends the retries too: either way
    the last error is raised. It always makes one attempt.

    Args:
        call: One attempt.
        left: The seconds until the lease's validity ends.
        now: The clock that ``left`` counts on.
        sleep: Pauses for the given seconds; reports whether to go on.
    """
    end = now() + left
    backoff = Backoff.for_calls()
    while True:
        try:
            return call()
        except ConnectError as err:
            pause = backoff.next()
            if not transient(err) or now() + pause >= end or not sleep(pause):
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
    backoff = Backoff.for_calls()
    while True:
        try:
            return await call()
        except ConnectError as err:
            pause = backoff.next()
            if not transient(err) or now() + pause >= end or not await sleep(pause):
                raise
