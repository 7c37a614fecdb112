"""A service that never answers (connection refused) ends an acquire after the policy's
give-up time, or its wait if shorter, with an error naming the URL and the cause, and
nothing says the acquire is waiting for the lock. The pauses run on a fake clock; the
calls really go to a port where nothing listens."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from distlock import LockClient, LockClientSync, UnavailableError
from distlock._gen.distlock.v1 import policy

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
