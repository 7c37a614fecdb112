"""Background renewal: it keeps the lock, retries every error but a terminal one while the
lease is valid, and reports the lock lost, with the reason, when the lease is gone or its
validity runs out."""

from __future__ import annotations

import asyncio

import pytest
from connectrpc.code import Code

from distlock import InvalidArgumentError, LockClient, LockClientSync, NotHeldError

from ._support import Recorder, renewal_tasks, renewal_threads, steal

# Renewal runs every TTL/3, so the shortest TTL keeps these tests quick. The bounds on the
# waits below only stop a broken test from hanging; none is a timing assertion.
TTL = 5.0
BOUND = 30.0


def test_stolen_lease_reports_lost_sync(
    client: LockClientSync, service_url: str, resource: str
) -> None:
    lock = client.acquire(resource, ttl=TTL)
    thief = steal(service_url, lock)
    try:
        assert lock.lost.wait(BOUND)
        assert thief.fencing_token > lock.fencing_token
        lock._thread.join(BOUND)
        assert not lock._thread.is_alive()
        assert isinstance(lock.lost_reason, NotHeldError)
        assert lock.lost_reason.code == "not_found"
        with pytest.raises(NotHeldError) as info:
            lock.release()
        assert info.value is lock.lost_reason
    finally:
        thief.release()


@pytest.mark.asyncio
async def test_stolen_lease_reports_lost_async(
    aclient: LockClient, service_url: str, resource: str
) -> None:
    lock = await aclient.acquire(resource, ttl=TTL)
    thief = await asyncio.to_thread(steal, service_url, lock)
    try:
        await asyncio.wait_for(lock.lost.wait(), BOUND)
        assert thief.fencing_token > lock.fencing_token
        assert renewal_tasks() == []
        assert isinstance(lock.lost_reason, NotHeldError)
        with pytest.raises(NotHeldError) as info:
            await lock.release()
        assert info.value is lock.lost_reason
    finally:
        await asyncio.to_thread(thief.release)


def test_extend_of_stolen_lease_reports_lost_sync(
    client: LockClientSync, service_url: str, resource: str
) -> None:
    lock = client.acquire(resource, ttl=TTL)
    thief = steal(service_url, lock)
    try:
        with pytest.raises(NotHeldError):
            lock.extend()
        assert lock.lost.is_set()
    finally:
        thief.release()


@pytest.mark.asyncio
async def test_extend_of_stolen_lease_reports_lost_async(
    aclient: LockClient, service_url: str, resource: str
) -> None:
    lock = await aclient.acquire(resource, ttl=TTL)
    thief = await asyncio.to_thread(steal, service_url, lock)
    try:
        with pytest.raises(NotHeldError):
            await lock.extend()
        assert lock.lost.is_set()
    finally:
        await asyncio.to_thread(thief.release)


def test_transient_errors_are_retried_sync(service_url: str, resource: str) -> None:
    recorder = Recorder(fail_method="Extend", fail=2)
    with (
        LockClientSync(service_url, interceptors=[recorder]) as c,
        c.lock(resource, ttl=TTL) as lock,
    ):
        assert recorder.succeeded.wait(BOUND)
        assert recorder.failures == 2
        assert not lock.lost.is_set()
    assert recorder.methods()[:4] == ["Acquire", "Extend", "Extend", "Extend"]


@pytest.mark.asyncio
async def test_transient_errors_are_retried_async(service_url: str, resource: str) -> None:
    recorder = Recorder(fail_method="Extend", fail=2)
    async with (
        LockClient(service_url, interceptors=[recorder]) as c,
        c.lock(resource, ttl=TTL) as lock,
    ):
        assert await asyncio.to_thread(recorder.succeeded.wait, BOUND)
        assert recorder.failures == 2
        assert not lock.lost.is_set()
    assert recorder.methods()[:4] == ["Acquire", "Extend", "Extend", "Extend"]


# Every code but the policy's terminal ones (not_found, invalid_argument) is retried until
# the validity ends, credentials and quota errors included: a credential refresh, or
# another lock's release, may cure them.
RETRIED = pytest.mark.parametrize(
    "code",
    [
        Code.UNAVAILABLE,
        Code.PERMISSION_DENIED,
        Code.UNAUTHENTICATED,
        Code.RESOURCE_EXHAUSTED,
        Code.INTERNAL,
    ],
)


@RETRIED
def test_lost_when_validity_runs_out_sync(service_url: str, resource: str, code: Code) -> None:
    recorder = Recorder(fail_method="Extend", fail=1_000_000, fail_code=code)
    with LockClientSync(service_url, interceptors=[recorder]) as c:
        lock = c.acquire(resource, ttl=TTL)
        assert lock.lost.wait(BOUND)
        assert recorder.failures >= 2
        assert lock.remaining() == 0
        assert lock.lost_reason is not None
        assert lock.lost_reason.code == code.value
        with pytest.raises(NotHeldError) as info:
            lock.release()
        assert info.value.__cause__ is lock.lost_reason
    assert recorder.methods().count("Release") == 0
    assert renewal_threads() == []


@pytest.mark.asyncio
@RETRIED
async def test_lost_when_validity_runs_out_async(
    service_url: str, resource: str, code: Code
) -> None:
    recorder = Recorder(fail_method="Extend", fail=1_000_000, fail_code=code)
    async with LockClient(service_url, interceptors=[recorder]) as c:
        lock = await c.acquire(resource, ttl=TTL)
        await asyncio.wait_for(lock.lost.wait(), BOUND)
        assert recorder.failures >= 2
        assert lock.remaining() == 0
        assert lock.lost_reason is not None
        assert lock.lost_reason.code == code.value
        with pytest.raises(NotHeldError) as info:
            await lock.release()
        assert info.value.__cause__ is lock.lost_reason
    assert recorder.methods().count("Release") == 0
    assert renewal_tasks() == []


def test_terminal_code_ends_renewal_at_once_sync(service_url: str, resource: str) -> None:
    recorder = Recorder(fail_method="Extend", fail=1_000_000, fail_code=Code.INVALID_ARGUMENT)
    with LockClientSync(service_url, interceptors=[recorder]) as c:
        lock = c.acquire(resource, ttl=TTL)
        assert lock.lost.wait(BOUND)
        assert recorder.failures == 1
        assert isinstance(lock.lost_reason, NotHeldError)
        assert isinstance(lock.lost_reason.__cause__, InvalidArgumentError)


@pytest.mark.asyncio
async def test_terminal_code_ends_renewal_at_once_async(service_url: str, resource: str) -> None:
    recorder = Recorder(fail_method="Extend", fail=1_000_000, fail_code=Code.INVALID_ARGUMENT)
    async with LockClient(service_url, interceptors=[recorder]) as c:
        lock = await c.acquire(resource, ttl=TTL)
        await asyncio.wait_for(lock.lost.wait(), BOUND)
        assert recorder.failures == 1
        assert isinstance(lock.lost_reason, NotHeldError)
        assert isinstance(lock.lost_reason.__cause__, InvalidArgumentError)
