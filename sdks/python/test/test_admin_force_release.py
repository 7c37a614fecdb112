"""force_release() breaks a held lock; its holder sees it lost, with NotHeldError."""

from __future__ import annotations

import asyncio

import pytest

from distlock import LockClient, LockClientSync, NotHeldError

LOSS_TIMEOUT = 30.0
"""Generous: the holder's renewal, every TTL/3, hears not_found well within it."""


def test_force_release_makes_the_holder_lose_its_lock_sync(
    service_url: str, client: LockClientSync, resource: str
) -> None:
    with LockClientSync(service_url) as holder:
        lock = holder.acquire(resource, ttl=5, owner="cron")
        broken = client.force_release(resource, reason="the nightly job is stuck")
        assert broken.owner == "cron"
        assert broken.fencing_token == lock.fencing_token
        assert broken.advanced_fencing_token > lock.fencing_token
        assert lock.lost.wait(LOSS_TIMEOUT)
        assert isinstance(lock.lost_reason, NotHeldError)
        with pytest.raises(NotHeldError):
            lock.release()
    assert client.acquire(resource).fencing_token > broken.advanced_fencing_token
    with pytest.raises(NotHeldError):
        client.force_release(f"{resource}/free", reason="why")


@pytest.mark.asyncio
async def test_force_release_makes_the_holder_lose_its_lock_async(
    service_url: str, aclient: LockClient, resource: str
) -> None:
    async with LockClient(service_url) as holder:
        lock = await holder.acquire(resource, ttl=5, owner="cron")
        broken = await aclient.force_release(resource, reason="the nightly job is stuck")
        assert (broken.owner, broken.fencing_token) == ("cron", lock.fencing_token)
        assert broken.advanced_fencing_token > lock.fencing_token
        await asyncio.wait_for(lock.lost.wait(), LOSS_TIMEOUT)
        assert isinstance(lock.lost_reason, NotHeldError)
    with pytest.raises(NotHeldError):
        await aclient.force_release(f"{resource}/free", reason="why")
