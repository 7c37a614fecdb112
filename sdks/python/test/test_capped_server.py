"""Against a real ``distlock serve --max-wait 0s``, which answers "busy" at once however
long the wait asked for, a waiting client asks at most once per pause (250 ms or more)
instead of as fast as the network allows."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pytest

from distlock import LockClient, LockClientSync
from distlock._acquire import EARLY_PAUSE

from ._serve import serve
from ._support import Recorder

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

# How long the holder keeps the lock while the waiter waits: the scenario, not a bound.
HOLD = 1.5
WAIT = 60.0
# A bound that only stops a broken test from hanging; not a timing assertion.
BOUND = 30.0


@pytest.fixture(scope="module")
def capped_url(distlock_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a service whose Acquire never waits."""
    with serve(distlock_binary, tmp_path_factory.mktemp("capped"), "--max-wait", "0s") as url:
        yield url


def most_calls(elapsed: float) -> float:
    """The most Acquire calls a wait of ``elapsed`` seconds may make: every busy answer
    is followed by a pause of at least half of EARLY_PAUSE; the last call is granted."""
    return elapsed / (EARLY_PAUSE / 2) + 1


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
    calls = recorder.methods().count("Acquire")
    assert calls >= 2, "the waiter found the lock held"
    assert calls <= most_calls(elapsed)


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
    calls = recorder.methods().count("Acquire")
    assert calls >= 2, "the waiter found the lock held"
    assert calls <= most_calls(elapsed)
