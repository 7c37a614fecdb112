"""A service that does not answer (connection refused) ends an acquire after the policy's
give-up time, counted from the acquire's start or the service's last answer, or its wait
if shorter, with an error naming the URL and the cause, and
nothing says the acquire is waiting for the lock. The pauses run on a fake clock; the
calls really go to a port where nothing listens."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest
from connectrpc.code import Code
from connectrpc.errors import ConnectError

from distlock import LockClient, LockClientSync, UnavailableError
from distlock._gen.distlock.v1 import lock_pb2 as pb
from distlock._gen.distlock.v1 import policy

from ._scripted import UNUSED_URL, Answering
from ._support import START, FakeClock

# Port 1 on loopback is never served here: each connection is refused at once.
REFUSED = "http://127.0.0.1:1"


def acquire_sync(clock: FakeClock, wait: float | None) -> None:
    with LockClientSync(REFUSED) as client:
        client._clock = clock
        client.acquire("pytest/unreachable", wait=wait)


def acquire_async(clock: FakeClock, wait: float | None) -> None:
    async def run() -> None:
        async with LockClient(REFUSED) as client:
            client._clock = clock
            await client.acquire("pytest/unreachable", wait=wait)

    asyncio.run(run())


Acquire = Callable[[FakeClock, float | None], None]
ACQUIRES = pytest.mark.parametrize("acquire", [acquire_sync, acquire_async], ids=["sync", "async"])


@ACQUIRES
@pytest.mark.parametrize("wait", [None, 60.0], ids=["unbounded", "longer"])
def test_gives_up_after_the_policy_time(
    acquire: Acquire, wait: float | None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="distlock")
    clock = FakeClock()
    with pytest.raises(UnavailableError) as info:
        acquire(clock, wait)
    assert REFUSED in str(info.value)
    assert "refused" in str(info.value)
    assert info.value.code == "unavailable"
    spent = clock.time - START
    assert policy.UNREACHABLE_GIVE_UP_S <= spent < policy.UNREACHABLE_GIVE_UP_S + 1
    assert caplog.records == []


@ACQUIRES
def test_gives_up_at_the_end_of_a_shorter_wait(acquire: Acquire) -> None:
    clock = FakeClock()
    with pytest.raises(UnavailableError) as info:
        acquire(clock, 2.0)
    assert REFUSED in str(info.value)
    assert clock.time - START <= 2.0


class Vanishing(Answering):
    """A service that answers the first ``busy`` Acquire calls "busy" after their whole
    wait (on the fake clock), then can no longer be reached."""

    def __init__(self, clock: FakeClock, busy: int) -> None:
        self.clock = clock
        self.busy = busy
        self.last_answer = clock.time

    def answer(self, request: object, method: str) -> object:
        assert isinstance(request, pb.AcquireRequest)
        if self.busy > 0:
            self.busy -= 1
            self.clock.time += request.wait.ToNanoseconds() / 1e9
            self.last_answer = self.clock.time
            raise ConnectError(Code.ABORTED, "busy")
        # As connectrpc reports a refused connection: unavailable, caused by the HTTP
        # client's ConnectionError.
        raise ConnectError(Code.UNAVAILABLE, "refused") from ConnectionError("refused")


def test_give_up_counts_from_the_last_answer_sync() -> None:
    clock = FakeClock()
    service = Vanishing(clock, busy=2)
    with LockClientSync(UNUSED_URL, interceptors=[service]) as client:
        client._clock = clock
        with pytest.raises(UnavailableError):
            client.acquire("pytest/vanishing")
    assert service.busy == 0
    unanswered = clock.time - service.last_answer
    assert policy.UNREACHABLE_GIVE_UP_S <= unanswered < policy.UNREACHABLE_GIVE_UP_S + 1


def test_give_up_counts_from_the_last_answer_async() -> None:
    clock = FakeClock()
    service = Vanishing(clock, busy=2)

    async def run() -> None:
        async with LockClient(UNUSED_URL, interceptors=[service]) as client:
            client._clock = clock
            with pytest.raises(UnavailableError):
                await client.acquire("pytest/vanishing")

    asyncio.run(run())
    assert service.busy == 0
    unanswered = clock.time - service.last_answer
    assert policy.UNREACHABLE_GIVE_UP_S <= unanswered < policy.UNREACHABLE_GIVE_UP_S + 1
