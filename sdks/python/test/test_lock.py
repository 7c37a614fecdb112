"""Acquire, release, hold, wait, extend, info/read: each in a sync and an async variant."""

from __future__ import annotations

import pytest

from distlock import LockClient, LockClientSync, NotAcquiredError

from ._support import Recorder, is_free, is_free_async, renewal_tasks, renewal_threads


def test_acquire_release_sync(client: LockClientSync, resource: str) -> None:
    lock = client.acquire(resource, ttl=10)
    assert lock.resource == resource
    assert lock.fencing_token > 0
    assert not lock.lost.is_set()
    assert 0 < lock.remaining() <= 10 * 0.99
    with pytest.raises(NotAcquiredError):
        client.acquire(resource, wait=0)
    lock.release()
    assert lock.lost.is_set()
    assert lock.remaining() == 0
    client.acquire(resource).release()


@pytest.mark.asyncio
async def test_acquire_release_async(aclient: LockClient, resource: str) -> None:
    lock = await aclient.acquire(resource, ttl=10)
    assert lock.resource == resource
    assert lock.fencing_token > 0
    assert not lock.lost.is_set()
    assert 0 < lock.remaining() <= 10 * 0.99
    with pytest.raises(NotAcquiredError):
        await aclient.acquire(resource, wait=0)
    await lock.release()
    assert lock.lost.is_set()
    assert lock.remaining() == 0
    await (await aclient.acquire(resource)).release()


def test_second_release_calls_nothing_sync(service_url: str, resource: str) -> None:
    recorder = Recorder()
    with LockClientSync(service_url, interceptors=[recorder]) as c:
        lock = c.acquire(resource)
        lock.release()
        lock.release()
    assert recorder.methods() == ["Acquire", "Release"]


@pytest.mark.asyncio
async def test_second_release_calls_nothing_async(service_url: str, resource: str) -> None:
    recorder = Recorder()
    async with LockClient(service_url, interceptors=[recorder]) as c:
        lock = await c.acquire(resource)
        await lock.release()
        await lock.release()
    assert recorder.methods() == ["Acquire", "Release"]


def test_context_manager_sync(client: LockClientSync, resource: str) -> None:
    with client.lock(resource) as lock:
        assert not is_free(client, resource)
        assert not lock.lost.is_set()
    assert lock.lost.is_set()
    assert is_free(client, resource)


@pytest.mark.asyncio
async def test_context_manager_async(aclient: LockClient, resource: str) -> None:
    async with aclient.lock(resource) as lock:
        assert not await is_free_async(aclient, resource)
        assert not lock.lost.is_set()
    assert lock.lost.is_set()
    assert await is_free_async(aclient, resource)


def test_context_manager_releases_on_error_sync(client: LockClientSync, resource: str) -> None:
    with pytest.raises(RuntimeError, match="boom"), client.lock(resource):
        raise RuntimeError("boom")
    assert is_free(client, resource)


@pytest.mark.asyncio
async def test_context_manager_releases_on_error_async(aclient: LockClient, resource: str) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with aclient.lock(resource):
            raise RuntimeError("boom")
    assert await is_free_async(aclient, resource)


def test_payload_and_owner_round_trip_sync(client: LockClientSync, resource: str) -> None:
    data = bytes(range(256)) * 4
    assert is_free(client, resource)
    assert client.read(resource) is None
    with client.lock(resource, ttl=20, data=data, owner="worker-7 ✓") as lock:
        info = client.info(resource)
        assert info.owner == "worker-7 ✓"
        assert info.fencing_token == lock.fencing_token
        assert info.lock_time <= info.expire_time
        assert info.expire_time.tzinfo is not None
        assert client.read(resource) == data


@pytest.mark.asyncio
async def test_payload_and_owner_round_trip_async(aclient: LockClient, resource: str) -> None:
    data = bytes(range(256)) * 4
    assert await is_free_async(aclient, resource)
    assert await aclient.read(resource) is None
    async with aclient.lock(resource, ttl=20, data=data, owner="worker-7 ✓") as lock:
        info = await aclient.info(resource)
        assert info.owner == "worker-7 ✓"
        assert info.fencing_token == lock.fencing_token
        assert info.lock_time <= info.expire_time
        assert await aclient.read(resource) == data


def test_extend_sync(client: LockClientSync, resource: str) -> None:
    with client.lock(resource, ttl=5) as lock:
        lock.extend(ttl=60)
        assert lock.ttl == 60
        assert lock.remaining() > 5
        info = client.info(resource)
        assert (info.expire_time - info.lock_time).total_seconds() > 30


@pytest.mark.asyncio
async def test_extend_async(aclient: LockClient, resource: str) -> None:
    async with aclient.lock(resource, ttl=5) as lock:
        await lock.extend(ttl=60)
        assert lock.ttl == 60
        assert lock.remaining() > 5
        info = await aclient.info(resource)
        assert (info.expire_time - info.lock_time).total_seconds() > 30


def test_no_thread_left_after_release(client: LockClientSync, resource: str) -> None:
    lock = client.acquire(resource)
    assert len(renewal_threads()) == 1
    lock.release()
    assert renewal_threads() == []


@pytest.mark.asyncio
async def test_no_task_left_after_release(aclient: LockClient, resource: str) -> None:
    lock = await aclient.acquire(resource)
    assert len(renewal_tasks()) == 1
    await lock.release()
    assert renewal_tasks() == []


def test_close_releases_held_locks_sync(service_url: str, resource: str) -> None:
    c = LockClientSync(service_url)
    lock = c.acquire(resource)
    c.close()
    assert lock.lost.is_set()
    assert renewal_threads() == []
    with LockClientSync(service_url) as other:
        assert is_free(other, resource)


@pytest.mark.asyncio
async def test_close_releases_held_locks_async(service_url: str, resource: str) -> None:
    c = LockClient(service_url)
    lock = await c.acquire(resource)
    await c.close()
    assert lock.lost.is_set()
    assert renewal_tasks() == []
    async with LockClient(service_url) as other:
        assert await is_free_async(other, resource)
