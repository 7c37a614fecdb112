"""A session keeps many locks alive with one request per renewal period, loses a lock as
a lock renewed on its own would be lost, and releases what is left in one request.

Requests are counted by a loopback proxy in front of the real service
(``_counting_proxy``)."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from distlock import LockClient, LockClientSync, NotHeldError, UnavailableError

from ._counting_proxy import CountingProxy, counting_proxy
from ._support import is_free, steal

BATCH = "/distlock.v1.LockService/Batch"
EXTEND = "/distlock.v1.LockService/Extend"
# Locks in the many-locks session. 2,000 is the figure; through the test service's
# embedded Redis on a loaded 2-core machine their acquires hit node timeouts ("fewer than
# a quorum"), so the default is lower; DISTLOCK_SESSION_LOCKS=2000 runs the full size.
MANY = int(os.environ.get("DISTLOCK_SESSION_LOCKS", "500"))
SLICE = 25
# A bound that only stops a broken test from hanging; not a timing assertion.
BOUND = 60.0


def names(n: int) -> list[str]:
    base = f"pytest/session/{uuid.uuid4()}"
    return [f"{base}/{i}" for i in range(n)]


@pytest.mark.asyncio
@pytest.mark.timeout(900)  # 2,000 acquires on a loaded shared machine
async def test_async_session_renews_many_locks_with_one_request(proxy: CountingProxy) -> None:
    async with LockClient(proxy.url) as client:
        async with client.session(ttl=30) as session:
            # In slices: a burst of thousands of acquires at once can take the service's
            # nodes past their per-call timeout on a loaded machine.
            resources = names(MANY)
            locks = []
            for i in range(0, MANY, SLICE):
                part = resources[i : i + SLICE]
                locks += await asyncio.gather(*(session.acquire(r, wait=30) for r in part))
            proxy.reset()
            # Two renewal rounds, a third of the TTL apart. A round that began while the
            # locks were still being acquired renews those it had then: only the last
            # is sure to carry them all.
            sizes = await asyncio.to_thread(proxy.wait_for_batches, 2, BOUND)
            assert MANY in sizes
            # No lock renewed on its own: that would be MANY Extends a round. Renewals that
            # fail (say on a node timeout of a loaded machine) are retried in small batches
            # of their own on the renewal back-off, and a retry of one lock is sent as its
            # unary Extend: a few of those are allowed.
            assert set(proxy.counts) <= {BATCH, EXTEND}
            assert proxy.counts[EXTEND] < MANY // 10
            assert not any(lock.lost.is_set() for lock in locks)
            proxy.reset()
        # Leaving the session: one request releases them all (and failures, together).
        assert set(proxy.counts) == {BATCH}
        assert proxy.batch_sizes[0] == MANY
        assert all(lock.lost.is_set() and lock.lost_reason is None for lock in locks)
        assert session.locks == []


def test_sync_session_renews_its_locks_together(proxy: CountingProxy) -> None:
    resources = names(20)
    with LockClientSync(proxy.url) as client:
        with client.session(ttl=6) as session:
            locks = [session.acquire(r) for r in resources]
            proxy.reset()
            assert proxy.wait_for_batches(2, BOUND) == [20, 20]  # two renewal rounds
            assert proxy.counts == {BATCH: 2}
            assert session.locks == locks or set(session.locks) == set(locks)
            proxy.reset()
        assert proxy.counts == {BATCH: 1}
        assert proxy.batch_sizes == [20]
        assert all(lock.lost.is_set() and lock.lost_reason is None for lock in locks)
        assert all(is_free(client, r) for r in resources)


def test_sync_session_loses_a_stolen_lock(service_url: str) -> None:
    kept, stolen = names(2)
    with LockClientSync(service_url) as client, client.session(ttl=5) as session:
        keep = session.acquire(kept)
        victim = session.acquire(stolen)
        thief = steal(service_url, victim)
        assert victim.lost.wait(BOUND)
        assert isinstance(victim.lost_reason, NotHeldError)
        assert not keep.lost.is_set()
        with pytest.raises(NotHeldError):
            victim.release()
        thief.release()


@pytest.mark.asyncio
async def test_async_session_loses_a_stolen_lock(service_url: str) -> None:
    kept, stolen = names(2)
    async with LockClient(service_url) as client, client.session(ttl=5) as session:
        keep = await session.acquire(kept)
        victim = await session.acquire(stolen)
        thief = steal(service_url, victim)
        await asyncio.wait_for(victim.lost.wait(), BOUND)
        assert isinstance(victim.lost_reason, NotHeldError)
        assert not keep.lost.is_set()
        thief.release()


def test_sync_session_out_of_reach_loses_every_lock(service_url: str, batch_mode: str) -> None:
    with (
        counting_proxy(service_url, batch_mode) as proxy,  # type: ignore[arg-type]
        LockClientSync(proxy.url) as client,
        client.session(ttl=5) as session,
    ):
        locks = [session.acquire(r) for r in names(3)]
        proxy.close()  # from now on nothing answers
        for lock in locks:
            assert lock.lost.wait(BOUND)
            assert isinstance(lock.lost_reason, UnavailableError)


@pytest.mark.asyncio
async def test_async_session_out_of_reach_loses_every_lock(
    service_url: str, batch_mode: str
) -> None:
    with counting_proxy(service_url, batch_mode) as proxy:  # type: ignore[arg-type]
        async with LockClient(proxy.url) as client, client.session(ttl=5) as session:
            locks = await asyncio.gather(*(session.acquire(r) for r in names(3)))
            proxy.close()
            for lock in locks:
                await asyncio.wait_for(lock.lost.wait(), BOUND)
                assert isinstance(lock.lost_reason, UnavailableError)


def test_closing_the_client_closes_its_sessions(proxy: CountingProxy) -> None:
    resources = names(5)
    with LockClientSync(proxy.url) as client:
        session = client.session(ttl=30)
        locks = [session.acquire(r) for r in resources]
        proxy.reset()
    assert proxy.batch_sizes == [5]
    assert all(lock.lost.is_set() for lock in locks)
