"""A held lock's extend() and release() try again while the service is unavailable, until
the lock's validity ends, with the policy's call back-off, and raise the failure when the
next pause would pass the validity. The
service and the clock that paces the pauses are fakes."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

import pytest

from distlock import LockClient, LockClientSync, UnavailableError

from ._scripted import GRANT, RESOURCE, UNUSED_URL, ScriptedService, step
from ._support import FakeClock

TTL = 5.0
# The pauses of a row that end within a 5 s TTL's validity (4.948 s): the ninth would not.
WITHIN_VALIDITY = [step(n) for n in range(8)]


@pytest.fixture(autouse=True)
def longest(monkeypatch: pytest.MonkeyPatch) -> None:
    """Makes every pause the longest of its step, so a row of pauses is exact."""
    monkeypatch.setattr(random, "uniform", lambda a, b: b)


def run_sync(service: ScriptedService, clock: FakeClock, extend: bool) -> None:
    with LockClientSync(UNUSED_URL, interceptors=[service]) as client:
        client._clock = clock
        lock = client.acquire(RESOURCE, ttl=TTL)
        if extend:
            lock.extend()
        lock.release()


def run_async(service: ScriptedService, clock: FakeClock, extend: bool) -> None:
    async def run() -> None:
        async with LockClient(UNUSED_URL, interceptors=[service]) as client:
            client._clock = clock
            lock = await client.acquire(RESOURCE, ttl=TTL)
            if extend:
                await lock.extend()
            await lock.release()

    asyncio.run(run())


Run = Callable[[ScriptedService, FakeClock, bool], None]
"""Acquires a lock from the fake service, extends it if told, and releases it."""
RUNS = pytest.mark.parametrize("run", [run_sync, run_async], ids=["sync", "async"])


@RUNS
def test_extend_retries_transient_failures(run: Run) -> None:
    clock = FakeClock()
    service = ScriptedService(clock, [GRANT], extend_failures=2)
    run(service, clock, True)
    assert service.methods == ["Acquire", "Extend", "Extend", "Extend", "Release"]
    assert clock.pauses == pytest.approx([step(0), step(1)])


@RUNS
def test_extend_raises_the_failure_before_a_pause_past_the_validity(run: Run) -> None:
    clock = FakeClock()
    service = ScriptedService(clock, [GRANT], extend_failures=100)
    with pytest.raises(UnavailableError):
        run(service, clock, True)
    assert service.methods.count("Extend") == len(WITHIN_VALIDITY) + 1
    assert clock.pauses == pytest.approx(WITHIN_VALIDITY)


@RUNS
def test_release_retries_transient_failures(run: Run) -> None:
    clock = FakeClock()
    service = ScriptedService(clock, [GRANT], release_failures=2)
    run(service, clock, False)
    assert service.methods == ["Acquire", "Release", "Release", "Release"]
    assert clock.pauses == pytest.approx([step(0), step(1)])


@RUNS
def test_release_raises_the_failure_before_a_pause_past_the_validity(run: Run) -> None:
    clock = FakeClock()
    service = ScriptedService(clock, [GRANT], release_failures=100)
    with pytest.raises(UnavailableError):
        run(service, clock, False)
    assert service.methods.count("Release") == len(WITHIN_VALIDITY) + 1
    assert clock.pauses == pytest.approx(WITHIN_VALIDITY)
