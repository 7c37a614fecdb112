"""A grant that arrives long after its request (after a wait) is confirmed by an Extend
sent on arrival, which its validity counts from; counted from the request, a wait longer
than the TTL would leave the lock lost on arrival. A grant that cannot be confirmed is
released and the acquire tries again within its wait."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest
from connectrpc.code import Code

from distlock import LockClient, LockClientSync, UnavailableError
from distlock._gen.distlock.v1 import policy

from ._support import REQ, RES, Recorder, is_free, is_free_async

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from connectrpc.request import RequestContext

TTL = 5.0
# The waiter asks while another holds the lock, and the holder keeps it this much longer
# than a TTL: when the grant arrives, its request's send time plus the TTL is over.
HOLD = TTL + 2.0
WAIT = 20.0
# How late SlowGrants delivers each grant: past the policy's late-grant threshold.
LATE = policy.late_grant_s(TTL) + 0.1
# Bounds that only stop a broken test from hanging; none is a timing assertion.
BOUND = 30.0

UNCONFIRMED = ["Acquire", "Extend", "Release"]
CONFIRMED = ["Acquire", "Extend"]


class SlowGrants(Recorder):
    """A Recorder that delivers every Acquire answer ``LATE`` seconds after the service
    gave it, as a slow network would: the lease exists all that time."""

    def intercept_unary_sync(
        self,
        call_next: Callable[[REQ, RequestContext[Any, Any]], RES],
        request: REQ,
        ctx: RequestContext[Any, Any],
        /,
    ) -> RES:
        resp = super().intercept_unary_sync(call_next, request, ctx)
        if ctx.method.name == "Acquire":
            time.sleep(LATE)  # the delay under test, not synchronisation
        return resp

    async def intercept_unary(
        self,
        call_next: Callable[[REQ, RequestContext[Any, Any]], Awaitable[RES]],
        request: REQ,
        ctx: RequestContext[Any, Any],
        /,
    ) -> RES:
        resp = await super().intercept_unary(call_next, request, ctx)
        if ctx.method.name == "Acquire":
            await asyncio.sleep(LATE)  # the delay under test, not synchronisation
        return resp


def test_lock_granted_after_wait_longer_than_ttl_is_kept_sync(
    client: LockClientSync, service_url: str, resource: str
) -> None:
    holder = client.acquire(resource, ttl=TTL)
    recorder = Recorder()
    with (
        LockClientSync(service_url, interceptors=[recorder]) as waiter,
        ThreadPoolExecutor(1) as pool,
    ):
        pending = pool.submit(waiter.acquire, resource, ttl=TTL, wait=WAIT)
        assert recorder.started.wait(BOUND)
        time.sleep(HOLD)  # the scenario: the holder keeps the lock past a TTL
        holder.release()
        lock = pending.result(BOUND)
        assert recorder.methods()[:2] == CONFIRMED
        assert lock.remaining() > 0
        # It renews like any lock: the Extend that confirmed it, then a background one.
        assert recorder.wait_succeeded("Extend", 2, BOUND)
        assert not lock.lost.is_set()
        lock.release()


@pytest.mark.asyncio
async def test_lock_granted_after_wait_longer_than_ttl_is_kept_async(
    aclient: LockClient, service_url: str, resource: str
) -> None:
    holder = await aclient.acquire(resource, ttl=TTL)
    recorder = Recorder()
    async with LockClient(service_url, interceptors=[recorder]) as waiter:
        pending = asyncio.create_task(waiter.acquire(resource, ttl=TTL, wait=WAIT))
        assert await asyncio.to_thread(recorder.started.wait, BOUND)
        await asyncio.sleep(HOLD)  # the scenario: the holder keeps the lock past a TTL
        await holder.release()
        lock = await asyncio.wait_for(pending, BOUND)
        assert recorder.methods()[:2] == CONFIRMED
        assert lock.remaining() > 0
        assert await asyncio.to_thread(recorder.wait_succeeded, "Extend", 2, BOUND)
        assert not lock.lost.is_set()
        await lock.release()


def test_prompt_grant_is_not_confirmed_sync(service_url: str, resource: str) -> None:
    recorder = Recorder()
    with LockClientSync(service_url, interceptors=[recorder]) as c:
        c.acquire(resource, ttl=TTL).release()
    assert recorder.methods() == ["Acquire", "Release"]


@pytest.mark.parametrize("code", [Code.NOT_FOUND, Code.UNAVAILABLE])
def test_unconfirmed_late_grant_is_released_sync(
    client: LockClientSync, service_url: str, resource: str, code: Code
) -> None:
    recorder = SlowGrants(fail_method="Extend", fail=1, fail_code=code)
    with (
        LockClientSync(service_url, interceptors=[recorder]) as c,
        pytest.raises(UnavailableError, match="not confirmed"),
    ):
        c.acquire(resource, ttl=TTL, wait=0)
    assert recorder.methods() == UNCONFIRMED
    assert is_free(client, resource)


@pytest.mark.asyncio
@pytest.mark.parametrize("code", [Code.NOT_FOUND, Code.UNAVAILABLE])
async def test_unconfirmed_late_grant_is_released_async(
    aclient: LockClient, service_url: str, resource: str, code: Code
) -> None:
    recorder = SlowGrants(fail_method="Extend", fail=1, fail_code=code)
    async with LockClient(service_url, interceptors=[recorder]) as c:
        with pytest.raises(UnavailableError, match="not confirmed"):
            await c.acquire(resource, ttl=TTL, wait=0)
    assert recorder.methods() == UNCONFIRMED
    assert await is_free_async(aclient, resource)


@pytest.mark.parametrize("code", [Code.NOT_FOUND, Code.UNAVAILABLE])
def test_unconfirmed_late_grant_is_retried_within_wait_sync(
    client: LockClientSync, service_url: str, resource: str, code: Code
) -> None:
    recorder = SlowGrants(fail_method="Extend", fail=1, fail_code=code)
    with LockClientSync(service_url, interceptors=[recorder]) as c:
        lock = c.acquire(resource, ttl=TTL, wait=BOUND)
        assert recorder.methods()[:5] == UNCONFIRMED + CONFIRMED
        assert lock.remaining() > 0
        info = client.info(resource)
        assert info is not None
        assert info.fencing_token == lock.fencing_token
        lock.release()


@pytest.mark.asyncio
@pytest.mark.parametrize("code", [Code.NOT_FOUND, Code.UNAVAILABLE])
async def test_unconfirmed_late_grant_is_retried_within_wait_async(
    aclient: LockClient, service_url: str, resource: str, code: Code
) -> None:
    recorder = SlowGrants(fail_method="Extend", fail=1, fail_code=code)
    async with LockClient(service_url, interceptors=[recorder]) as c:
        lock = await c.acquire(resource, ttl=TTL, wait=BOUND)
        assert recorder.methods()[:5] == UNCONFIRMED + CONFIRMED
        assert lock.remaining() > 0
        info = await aclient.info(resource)
        assert info is not None
        assert info.fencing_token == lock.fencing_token
        await lock.release()
