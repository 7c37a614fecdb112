"""Calls tried again while the service is unavailable, and the pauses between them.

This is the Go SDK's ``retry`` (sdks/go/distlock/retry.go), the reference for all three
SDKs, with which its Extend and Release ride out an unavailable service until a lease's
validity ends; the renewal of both clients uses it too. An acquire paces its calls with
the same backoff and retries the same failures, within its wait.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from connectrpc.code import Code
from connectrpc.errors import ConnectError

from ._lease import Backoff

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["BACKOFF_MAX", "BACKOFF_MIN", "TRANSIENT", "go_backoff", "retry_async", "retry_sync"]

T = TypeVar("T")

BACKOFF_MIN = 0.05
"""The backoff's first step, in seconds: the first pause of a row is drawn from 25 to
50 ms. The Go SDK's ``backoffMin``."""

BACKOFF_MAX = 1.0
"""The step the backoff doubles up to, in seconds: no pause is longer than this, and from
the sixth one on each is drawn from 0.5 to 1 s. The Go SDK's ``backoffMax``."""

TRANSIENT = frozenset({Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED})
"""The codes of a failed call that may succeed when made again: the service could not
reach a quorum, or the call did not get through in time. The Go SDK's ``transient``."""


def go_backoff() -> Backoff:
    """Returns a backoff from :data:`BACKOFF_MIN` doubling up to :data:`BACKOFF_MAX`."""
    return Backoff(BACKOFF_MIN, BACKOFF_MAX)


def retry_sync(
    call: Callable[[], T],
    *,
    left: float,
    now: Callable[[], float],
    sleep: Callable[[float], bool],
) -> T:
    """Runs ``call``, and again after a pause while it fails with a :data:`TRANSIENT` code.

    The pauses back off as :func:`go_backoff` does. A pause that would not end within
    ``left`` seconds (on ``now``'s clock) is not taken, and ``sleep`` returning ``False``
    (the caller stopped) ends the retries too: either way the last error is raised. It
    always makes one attempt.

    Args:
        call: One attempt.
        left: The seconds until the lease's validity ends.
        now: The clock that ``left`` counts on.
        sleep: Pauses for the given seconds; reports whether to go on.
    """
    end = now() + left
    backoff = go_backoff()
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
    backoff = go_backoff()
    while True:
        try:
            return await call()
        except ConnectError as err:
            pause = backoff.next()
            if err.code not in TRANSIENT or now() + pause >= end or not await sleep(pause):
                raise
