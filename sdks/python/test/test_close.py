"""A closed client grants nothing: not after close(), nor from a call in flight during it."""

from __future__ import annotations

import asyncio
import threading

import pytest

from distlock import DistlockError, LockClient, LockClientSync

from ._support import Recorder, is_free, is_free_async, renewal_tasks, renewal_threads

BOUND = 30.0


def test_acquire_after_close_raises_sync(service_url: str, resource: str) -> None:
    c = LockClientSync(service_url)
    c.close()
    with pytest.raises(DistlockError, match="closed"):
        c.acquire(resource)


@pytest.mark.asyncio
async def test_acquire_after_close_raises_async(service_url: str, resource: str) -> None:
    c = LockClient(service_url)
    await c.close()
    with pytest.raises(DistlockError, match="closed"):
        await c.acquire(resource)


def test_grant_during_close_is_released_sync(
    client: LockClientSync, service_url: str, resource: str
) -> None:
    holder = client.acquire(resource)
    recorder = Recorder()
    waiter = LockClientSync(service_url, interceptors=[recorder])
    errors: list[BaseException] = []

    def wait_for_lock() -> None:
        try:
            waiter.acquire(resource, wait=BOUND)
        except DistlockError as err:
            errors.append(err)

    thread = threading.Thread(target=wait_for_lock)
    thread.start()
    assert recorder.started.wait(BOUND)
    waiter.close()
    holder.release()
    thread.join(BOUND)
    assert len(errors) == 1
    assert "closed" in str(errors[0])
    assert is_free(client, resource)
    assert renewal_threads() == []


@pytest.mark.asyncio
async def test_grant_during_close_is_released_async(
    aclient: LockClient, service_url: str, resource: str
) -> None:
    holder = await aclient.acquire(resource)
    recorder = Recorder()
    waiter = LockClient(service_url, interceptors=[recorder])
    pending = asyncio.create_task(waiter.acquire(resource, wait=BOUND))
    assert await asyncio.to_thread(recorder.started.wait, BOUND)
    await waiter.close()
    await holder.release()
    with pytest.raises(DistlockError, match="closed"):
        await asyncio.wait_for(pending, BOUND)
    assert await is_free_async(aclient, resource)
    assert renewal_tasks() == []
