"""Leaving a ``with`` block whose lock was lost: the loss is reported, never hidden, and
never replaces the block's own exception."""

from __future__ import annotations

import asyncio

import pytest

from distlock import LockClient, LockClientSync, NotHeldError

from ._support import Recorder, steal


def test_exit_reports_lost_lock_sync(
    client: LockClientSync, service_url: str, resource: str
) -> None:
    with pytest.raises(NotHeldError), client.lock(resource) as lock:
        thief = steal(service_url, lock)
    thief.release()


@pytest.mark.asyncio
async def test_exit_reports_lost_lock_async(
    aclient: LockClient, service_url: str, resource: str
) -> None:
    with pytest.raises(NotHeldError):
        async with aclient.lock(resource) as lock:
            thief = await asyncio.to_thread(steal, service_url, lock)
    await asyncio.to_thread(thief.release)


def test_exit_keeps_block_exception_sync(
    client: LockClientSync, service_url: str, resource: str
) -> None:
    with pytest.raises(KeyError) as info, client.lock(resource) as lock:  # noqa: PT012
        thief = steal(service_url, lock)
        raise KeyError("from the block")
    thief.release()
    assert any("also failed" in note for note in info.value.__notes__)


@pytest.mark.asyncio
async def test_exit_keeps_block_exception_async(
    aclient: LockClient, service_url: str, resource: str
) -> None:
    with pytest.raises(KeyError) as info:  # noqa: PT012
        async with aclient.lock(resource) as lock:
            thief = await asyncio.to_thread(steal, service_url, lock)
            raise KeyError("from the block")
    await asyncio.to_thread(thief.release)
    assert any("also failed" in note for note in info.value.__notes__)


def test_release_after_loss_raises_on_every_call_sync(service_url: str, resource: str) -> None:
    recorder = Recorder()
    with LockClientSync(service_url, interceptors=[recorder]) as c:
        lock = c.acquire(resource)
        thief = steal(service_url, lock)
        with pytest.raises(NotHeldError) as first:
            lock.release()
        with pytest.raises(NotHeldError) as second:
            lock.release()
    thief.release()
    assert second.value is first.value
    assert recorder.methods().count("Release") == 1


@pytest.mark.asyncio
async def test_release_after_loss_raises_on_every_call_async(
    service_url: str, resource: str
) -> None:
    recorder = Recorder()
    async with LockClient(service_url, interceptors=[recorder]) as c:
        lock = await c.acquire(resource)
        thief = await asyncio.to_thread(steal, service_url, lock)
        with pytest.raises(NotHeldError) as first:
            await lock.release()
        with pytest.raises(NotHeldError) as second:
            await lock.release()
    await asyncio.to_thread(thief.release)
    assert second.value is first.value
    assert recorder.methods().count("Release") == 1
