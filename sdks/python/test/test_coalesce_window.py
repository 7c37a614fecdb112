"""The coalescing rule without I/O (``_coalesce.Window``): what holds the queue back."""

from __future__ import annotations

import time

from distlock._coalesce import Pending, Window
from distlock._gen.distlock.v1 import lock_pb2 as pb

LEASE = "lease-of-r"  # any lease token: nothing is sent


def _extend() -> Pending:
    return Pending(pb.ExtendRequest(resource="r", lease_token=LEASE), time.monotonic() + 10)


def _release() -> Pending:
    return Pending(pb.ReleaseRequest(resource="r", lease_token=LEASE), time.monotonic() + 10)


def test_a_call_in_flight_holds_the_queue_until_it_is_answered() -> None:
    w = Window()
    first = _extend()
    w.queue.append(first)
    w.take()
    w.queue.append(_release())
    assert not w.ready()
    opened, _ = w.deliver(first, pb.ExtendResponse())
    assert opened
    assert w.ready()


def test_an_abandoned_call_in_flight_no_longer_holds_the_queue() -> None:
    # A renewal whose answer never comes, cancelled by release(): the Release must not
    # wait behind it until its deadline (a fresh-clone run failed on this).
    w = Window()
    stuck = _extend()
    w.queue.append(stuck)
    w.take()
    w.queue.append(_release())
    assert not w.ready()
    assert w.abandon(stuck)
    assert w.ready()
    # Its answer, when it comes at last, is not counted a second time.
    opened, orphan = w.deliver(stuck, pb.ExtendResponse())
    assert (opened, orphan) == (False, False)
    assert w.short == 0


def test_an_abandoned_call_not_yet_sent_leaves_the_queue() -> None:
    w = Window()
    queued = _release()
    w.queue.append(queued)
    assert not w.abandon(queued)
    assert w.queue == []
