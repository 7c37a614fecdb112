"""Which concurrent calls share a request: the coalescing rule both clients apply.

A call that finds nothing of its client queued or in flight goes alone, as its unary
RPC, so a lone caller pays nothing for coalescing. Calls that arrive together (in one
event-loop iteration; for threads, while a request is in flight) are queued, and so are
calls made while a request whose answers come in one round trip is in flight (extends,
releases, acquires that do not wait): when that request has answered, the queue goes as
one Batch (cut by the policy's limits, :func:`_batch_wire.split`), or, if it holds one
call, as its unary RPC. A request that may wait (an Acquire with a wait) never holds
others back. So at most one round trip of delay is added, only to calls that would
otherwise have queued up on the network anyway, and the number of requests follows the
round trips, not the calls.

This module is the rule, without I/O; ``_coalesce_async`` and ``_coalesce_sync`` send.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from connectrpc.code import Code
from connectrpc.errors import ConnectError

from ._batch_wire import call_bytes, may_wait, split
from ._gen.distlock.v1 import lock_pb2 as pb

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._batch_wire import Request, Response

__all__ = ["Group", "Pending", "Window", "copy_error", "deadline_error", "orphan_release"]


@dataclass(eq=False, slots=True)
class Pending:
    """One caller's call, from when it is made until its outcome is known."""

    request: Request
    deadline: float
    """When the caller stops waiting for it (monotonic clock): its unary deadline."""
    notify: Callable[[], None] = lambda: None
    """Called once its outcome is set (from any thread, under no lock of ours)."""
    outcome: Response | ConnectError | None = None
    abandoned: bool = False
    """The caller stopped waiting (cancelled, interrupted, or its deadline passed)."""
    group: Group | None = None
    """The request it went in, once sent."""
    settled: bool = False
    """It no longer holds the queue back: its outcome came, or its caller left."""
    waits: bool = field(init=False)
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.waits = may_wait(self.request)
        self.size = call_bytes(self.request)

    def timeout_ms(self) -> int:
        """The milliseconds left until its deadline, at least 1."""
        return max(1, round((self.deadline - time.monotonic()) * 1000))


@dataclass(eq=False, slots=True)
class Group:
    """The calls sent in one request: a Batch, or a unary RPC when there is one call."""

    calls: list[Pending]
    short_left: int
    """Its calls that answer in one round trip and have no outcome yet."""

    def timeout_ms(self) -> int:
        """The request's deadline: the latest of its calls'."""
        return max(p.timeout_ms() for p in self.calls)

    def unanswered(self) -> list[Pending]:
        """Its calls without an outcome."""
        return [p for p in self.calls if p.outcome is None]


class Window:
    """The queue of calls not yet sent and the requests holding it back.

    Not thread-safe: the sync client guards it with a lock.
    """

    def __init__(self) -> None:
        """Starts with nothing queued or in flight."""
        self.queue: list[Pending] = []
        self.short = 0
        """Requests in flight with a call that answers in one round trip still unanswered."""

    def idle(self) -> bool:
        """Reports whether a call made now would go alone."""
        return not self.queue and self.short == 0

    def ready(self) -> bool:
        """Reports whether the queue may go now."""
        return bool(self.queue) and self.short == 0

    def take(self) -> list[Group]:
        """Empties the queue into the requests that carry it, counted as in flight."""
        calls = [p for p in self.queue if not p.abandoned]
        self.queue = []
        groups: list[Group] = []
        for run in split([p.size for p in calls]):
            groups.append(self.sending([calls[i] for i in run]))
        return groups

    def sending(self, calls: list[Pending]) -> Group:
        """Returns the request carrying ``calls``, counted as in flight."""
        group = Group(calls, sum(not p.waits for p in calls))
        for p in calls:
            p.group = group
        if group.short_left:
            self.short += 1
        return group

    def deliver(self, p: Pending, outcome: Response | ConnectError) -> tuple[bool, bool]:
        """Sets the outcome of ``p`` unless it has one.

        Returns:
            Whether this opened the window (the queue may go now), and whether it is a
            grant nobody will hear of, which the caller must release.
        """
        if p.outcome is not None:
            return False, False
        p.outcome = outcome
        opened = self.settle(p)
        orphan = p.abandoned and isinstance(outcome, pb.AcquireResponse)
        return opened, orphan

    def abandon(self, p: Pending) -> bool:
        """Marks ``p`` given up by its caller; unsent, it leaves the queue.

        Sent, it stops holding the queue back: a request nobody waits for (an Extend
        whose answer never comes, a renewal cancelled by a release) must not keep the
        calls behind it waiting until its deadline. It is still read to its end.

        Returns:
            Whether this opened the window (the queue may go now).
        """
        p.abandoned = True
        if p.group is None:
            with contextlib.suppress(ValueError):
                self.queue.remove(p)
            return False
        return self.settle(p)

    def settle(self, p: Pending) -> bool:
        """Stops ``p`` holding the queue back, once; returns whether the window opened."""
        if p.settled or p.waits or p.group is None:
            return False
        p.settled = True
        p.group.short_left -= 1
        if p.group.short_left > 0:
            return False
        self.short -= 1
        return self.short == 0


def copy_error(err: ConnectError) -> ConnectError:
    """Returns a new error like ``err``, for one of the calls a failed request carried.

    Each caller raises its own exception object; the cause is kept, so a request that
    got no HTTP answer at all still reads as unreachable (``_acquire.unreachable``).
    """
    copy = ConnectError(err.code, err.message)
    copy.__cause__ = err.__cause__
    return copy


def deadline_error() -> ConnectError:
    """The error of a call whose deadline passed before its outcome came."""
    return ConnectError(Code.DEADLINE_EXCEEDED, "distlock: the call's deadline passed")


def orphan_release(outcome: pb.AcquireResponse) -> pb.ReleaseRequest:
    """The Release of a grant whose caller stopped waiting for it."""
    return pb.ReleaseRequest(resource=outcome.resource, lease_token=outcome.lease_token)
