"""Concurrent calls of one client share HTTP requests (the service's Batch), and each
caller still gets what its own RPC would give; a lone call stays a unary RPC.

Requests are counted by a loopback proxy in front of the real service
(``_counting_proxy``)."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from typing import TYPE_CHECKING

import pytest

from distlock import LockClient, LockClientSync, NotAcquiredError, NotHeldError
from distlock._gen.distlock.v1 import lock_pb2 as pb
from distlock._gen.distlock.v1.policy import MAX_TTL_S
from distlock._wire import acquire_request, lease_from

from ._counting_proxy import CountingProxy, counting_proxy
from ._support import steal

if TYPE_CHECKING:
    from distlock._lease import Lease

N = 32
# A bound that only stops a broken test from hanging; not a timing assertion.
BOUND = 60.0
ACQUIRE = "/distlock.v1.LockService/Acquire"
RELEASE = "/distlock.v1.LockService/Release"
BATCH = "/distlock.v1.LockService/Batch"


def names(n: int) -> list[str]:
    base = f"pytest/coalesce/{uuid.uuid4()}"
    return [f"{base}/{i}" for i in range(n)]


@pytest.mark.asyncio
async def test_async_concurrent_calls_share_requests(proxy: CountingProxy) -> None:
    async with LockClient(proxy.url) as client:
        locks = await asyncio.gather(*(client.acquire(r, wait=5) for r in names(N)))
        await asyncio.gather(*(lock.release() for lock in locks))
    assert all(lock.lost.is_set() and lock.lost_reason is None for lock in locks)
    # One loop iteration: one Batch for the acquires, one for the releases.
    assert proxy.counts == {BATCH: 2}, proxy.counts
    assert proxy.batch_sizes == [N, N]


def test_sync_concurrent_calls_share_requests(proxy: CountingProxy) -> None:
    resources = names(N)
    barrier = threading.Barrier(N)
    rounds = 5

    def work(resource: str) -> None:
        barrier.wait()
        for _ in range(rounds):
            client.acquire(resource, wait=5).release()

    with LockClientSync(proxy.url) as client:
        threads = [threading.Thread(target=work, args=(r,)) for r in resources]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    calls = 2 * N * rounds
    assert proxy.counts[BATCH] > 0
    assert proxy.requests() < calls / 2, proxy.counts  # measured: about calls / 5
    assert sum(proxy.batch_sizes) + proxy.counts[ACQUIRE] + proxy.counts[RELEASE] == calls


@pytest.mark.asyncio
async def test_async_lone_calls_stay_unary(proxy: CountingProxy) -> None:
    async with LockClient(proxy.url) as client:
        for resource in names(3):
            await (await client.acquire(resource)).release()
    assert proxy.counts == {ACQUIRE: 3, RELEASE: 3}


def test_sync_lone_calls_stay_unary(proxy: CountingProxy) -> None:
    with LockClientSync(proxy.url) as client:
        for resource in names(3):
            client.acquire(resource).release()
    assert proxy.counts == {ACQUIRE: 3, RELEASE: 3}


@pytest.mark.asyncio
async def test_coalesce_off_sends_one_request_per_call(proxy: CountingProxy) -> None:
    async with LockClient(proxy.url, coalesce=False) as client:
        locks = await asyncio.gather(*(client.acquire(r) for r in names(N)))
        await asyncio.gather(*(lock.release() for lock in locks))
    assert proxy.counts == {ACQUIRE: N, RELEASE: N}


@pytest.mark.asyncio
async def test_each_call_gets_its_own_error(proxy: CountingProxy, service_url: str) -> None:
    busy, free, stolen = names(3)
    with LockClientSync(service_url) as other:
        other.acquire(busy)
        async with LockClient(proxy.url) as client:
            victim = await client.acquire(stolen)
            thief = steal(service_url, victim)
            proxy.reset()
            results = await asyncio.gather(
                client.acquire(busy, wait=0),
                client.acquire(free, wait=0),
                victim.release(),
                return_exceptions=True,
            )
            thief.release()
    # The two acquires went together; the release followed (it first stops renewal).
    assert proxy.counts[BATCH] >= 1
    assert proxy.batch_sizes[0] >= 2
    assert isinstance(results[0], NotAcquiredError)
    assert results[1].resource == free  # type: ignore[union-attr]
    assert isinstance(results[2], NotHeldError)


@pytest.mark.asyncio
async def test_service_without_batch_gets_unary_calls(service_url: str) -> None:
    with counting_proxy(service_url, "unimplemented") as proxy:
        async with LockClient(proxy.url) as client:
            first = await asyncio.gather(*(client.acquire(r) for r in names(4)))
            second = await asyncio.gather(*(client.acquire(r) for r in names(4)))
            await asyncio.gather(*(lock.release() for lock in first + second))
    # One Batch answered unimplemented; every call then went, and goes, as its RPC.
    assert proxy.counts == {BATCH: 1, ACQUIRE: 8, RELEASE: 8}


def test_sync_service_without_batch_gets_unary_calls(service_url: str) -> None:
    with (
        counting_proxy(service_url, "unimplemented") as proxy,
        LockClientSync(proxy.url) as client,
    ):
        calls = client._calls.coalescer.call_many([pb_acquire(r) for r in names(4)], [5000] * 4)
        assert not any(isinstance(c, Exception) for c in calls)
        for c in calls:
            client._calls.release(lease_of(c))
    assert proxy.counts == {BATCH: 1, ACQUIRE: 4, RELEASE: 4}


@pytest.mark.asyncio
async def test_a_grant_whose_caller_left_is_released(
    proxy: CountingProxy, service_url: str
) -> None:
    hot, other = names(2)
    with LockClientSync(service_url) as holder_client:
        holder = holder_client.acquire(hot)
        async with LockClient(proxy.url) as client:
            # The longest TTL: if the grant leaks, its expiry cannot free the lock in time.
            waiter = asyncio.create_task(client.acquire(hot, ttl=MAX_TTL_S, wait=20))
            lock = await client.acquire(other)  # the same iteration: one Batch with the waiter
            assert proxy.batch_sizes == [2]
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
            holder.release()  # the waiting acquire is now granted, into the batch's stream
            # The client reads the stream on and releases the grant nobody waits for
            # (Release goes through the proxy; a stream cut short would leave it unsent).
            assert await asyncio.to_thread(proxy.wait_for, RELEASE, 1, BOUND) == 1
            # Free again, long before the lost grant's TTL could have freed it.
            third = await asyncio.to_thread(holder_client.acquire, hot, wait=10)
            third.release()
            await lock.release()


def test_sync_caller_past_its_deadline_leaves_no_lock(proxy: CountingProxy) -> None:
    hot, slow = names(2)
    with LockClientSync(proxy.url) as client, LockClientSync(proxy.url) as holders:
        held_hot, held_slow = holders.acquire(hot), holders.acquire(slow)
        proxy.reset()
        out: list[object] = []
        # One Batch: the first caller gives up after 0.5 s, the request lives on for the
        # second, so the first one's acquire can still be granted, to nobody.
        requests = [pb_acquire(hot, wait=20), pb_acquire(slow, wait=20)]
        sender = threading.Thread(
            target=lambda: out.extend(client._calls.coalescer.call_many(requests, [500, 25_000]))
        )
        sender.start()
        assert proxy.wait_for_batches(1, BOUND) == [2]
        time.sleep(1.0)  # past the first caller's deadline: a deadline is time itself
        held_hot.release()  # granted to the call nobody waits for: the SDK releases it
        held_slow.release()
        sender.join()
        assert out[0].code.value == "deadline_exceeded"  # type: ignore[attr-defined]
        client._calls.release(lease_of(out[1]))
        client.acquire(hot, wait=10).release()  # free again: the grant was released


def pb_acquire(resource: str, wait: float = 0.0) -> pb.AcquireRequest:
    return acquire_request(resource, ttl=30, wait=wait, owner="", data=b"")


def lease_of(resp: object) -> Lease:
    assert isinstance(resp, pb.AcquireResponse)
    return lease_from(resp, sent=time.monotonic(), ttl=30, owner="")
