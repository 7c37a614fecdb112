"""Against a real ``distlock serve --max-wait 0s``, which answers "busy" at once however
long the wait asked for, a waiting client asks at most once per pause, the pauses backing
off from 25 ms, instead of as fast as the network allows; a short wait makes a handful of
calls, not hundreds."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pytest

from distlock import LockClient, LockClientSync, NotAcquiredError

from ._scripted import step
from ._serve import serve
from ._support import Recorder

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

# How long the holder keeps the lock while the waiter waits: the scenario, not a bound.
HOLD = 1.5
WAIT = 60.0
# A wait that, without pauses, makes hundreds of calls to a capped server.
SHORT_WAIT = 0.8
# Calls in the wait's last moments that no pause accounts for: one asked to wait less
# than two round trips comes back not early and is followed at once by another, which
# with round trips of a steady length runs out the wait; one more for an uneven one.
LAST_MOMENTS = 2
# A bound that only stops a broken test from hanging; not a timing assertion.
BOUND = 30.0


@pytest.fixture(scope="module")
def capped_url(distlock_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a service whose Acquire never waits."""
    with serve(distlock_binary, tmp_path_factory.mktemp("capped"), "--max-wait", "0s") as url:
        yield url


def most_calls(elapsed: float) -> int:
    """The most Acquire calls that ``elapsed`` seconds of a wait may hold when every busy
    answer is early: one more than the pauses that fit, each at least half its step."""
    pauses, spent = 0, 0.0
    while True:
        spent += step(pauses) / 2
        if spent > elapsed:
            return pauses + 1
        pauses += 1


def assert_paced(recorder: Recorder, most: int) -> None:
    """Asserts that the waiter asked more than once (it found the lock held), and at most
    ``most`` times."""
    calls = recorder.methods().count("Acquire")
    assert 2 <= calls <= most, f"{calls} Acquire calls, not 2 to {most}"


def test_calls_stay_bounded_sync(capped_url: str, resource: str) -> None:
    recorder = Recorder()
    with (
        LockClientSync(capped_url) as owner,
        LockClientSync(capped_url, interceptors=[recorder]) as waiter,
        ThreadPoolExecutor(1) as pool,
    ):
        holder = owner.acquire(resource)
        start = time.monotonic()
        pending = pool.submit(waiter.acquire, resource, wait=WAIT)
        time.sleep(HOLD)  # the scenario: the lock stays held while the waiter waits
        holder.release()
        pending.result(BOUND).release()
        elapsed = time.monotonic() - start
    assert_paced(recorder, most_calls(elapsed))


@pytest.mark.asyncio
async def test_calls_stay_bounded_async(capped_url: str, resource: str) -> None:
    recorder = Recorder()
    async with (
        LockClient(capped_url) as owner,
        LockClient(capped_url, interceptors=[recorder]) as waiter,
    ):
        holder = await owner.acquire(resource)
        start = time.monotonic()
        pending = asyncio.create_task(waiter.acquire(resource, wait=WAIT))
        await asyncio.sleep(HOLD)  # the scenario: the lock stays held while the waiter waits
        await holder.release()
        await (await asyncio.wait_for(pending, BOUND)).release()
        elapsed = time.monotonic() - start
    assert_paced(recorder, most_calls(elapsed))


def test_short_wait_makes_few_calls_sync(capped_url: str, resource: str) -> None:
    recorder = Recorder()
    with (
        LockClientSync(capped_url) as owner,
        LockClientSync(capped_url, interceptors=[recorder]) as waiter,
    ):
        holder = owner.acquire(resource)
        with pytest.raises(NotAcquiredError):
            waiter.acquire(resource, wait=SHORT_WAIT)
        holder.release()
    assert_paced(recorder, most_calls(SHORT_WAIT) + LAST_MOMENTS)


@pytest.mark.asyncio
async def test_short_wait_makes_few_calls_async(capped_url: str, resource: str) -> None:
    recorder = Recorder()
    async with (
        LockClient(capped_url) as owner,
        LockClient(capped_url, interceptors=[recorder]) as waiter,
    ):
        holder = await owner.acquire(resource)
        with pytest.raises(NotAcquiredError):
            await waiter.acquire(resource, wait=SHORT_WAIT)
        await holder.release()
    assert_paced(recorder, most_calls(SHORT_WAIT) + LAST_MOMENTS)
