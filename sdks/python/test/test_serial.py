"""extend() waits for an in-flight background renewal, so the TTL the service applies
last is the one the client keeps (otherwise a late renewal could shorten the lease on
the service while the client believes the longer one)."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from distlock import LockClient, LockClientSync
from distlock._gen.distlock.v1 import lock_pb2 as pb

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from connectrpc.request import RequestContext

REQ = TypeVar("REQ")
RES = TypeVar("RES")
BOUND = 30.0
# How long the test gives an unserialised extend() to overtake the blocked renewal. The
# correct client never does, so this is spent in full on success; it is not a bound on
# how fast anything must be.
OVERTAKE = 0.5


def _ttl(request: object) -> float:
    assert isinstance(request, pb.ExtendRequest)
    return request.ttl.ToNanoseconds() / 1e9


class HoldFirstExtend:
    """Blocks the first Extend (the background renewal) until ``proceed`` is set, and
    notes when an Extend asking for 60 s starts."""

    def __init__(self) -> None:
        self.blocked = threading.Event()
        self.proceed = threading.Event()
        self.long_started = threading.Event()

    def intercept_unary_sync(
        self,
        call_next: Callable[[REQ, RequestContext[Any, Any]], RES],
        request: REQ,
        ctx: RequestContext[Any, Any],
        /,
    ) -> RES:
        if ctx.method.name == "Extend":
            if _ttl(request) == 60:
                self.long_started.set()
            elif not self.blocked.is_set():
                self.blocked.set()
                assert self.proceed.wait(BOUND)
        return call_next(request, ctx)


class HoldFirstExtendAsync:
    """The asyncio twin of :class:`HoldFirstExtend`."""

    def __init__(self) -> None:
        self.blocked = asyncio.Event()
        self.proceed = asyncio.Event()
        self.long_started = asyncio.Event()

    async def intercept_unary(
        self,
        call_next: Callable[[REQ, RequestContext[Any, Any]], Awaitable[RES]],
        request: REQ,
        ctx: RequestContext[Any, Any],
        /,
    ) -> RES:
        if ctx.method.name == "Extend":
            if _ttl(request) == 60:
                self.long_started.set()
            elif not self.blocked.is_set():
                self.blocked.set()
                await asyncio.wait_for(self.proceed.wait(), BOUND)
        return await call_next(request, ctx)


def test_extend_waits_for_background_renewal_sync(service_url: str, resource: str) -> None:
    hold = HoldFirstExtend()
    with LockClientSync(service_url, interceptors=[hold]) as c, c.lock(resource, ttl=5) as lock:
        assert hold.blocked.wait(BOUND)
        manual = threading.Thread(target=lock.extend, kwargs={"ttl": 60})
        manual.start()
        assert not hold.long_started.wait(OVERTAKE)
        hold.proceed.set()
        manual.join(BOUND)
        assert hold.long_started.is_set()
        assert lock.ttl == 60


@pytest.mark.asyncio
async def test_extend_waits_for_background_renewal_async(service_url: str, resource: str) -> None:
    hold = HoldFirstExtendAsync()
    async with LockClient(service_url, interceptors=[hold]) as c, c.lock(resource, ttl=5) as lock:
        await asyncio.wait_for(hold.blocked.wait(), BOUND)
        manual = asyncio.create_task(lock.extend(ttl=60))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(hold.long_started.wait()), OVERTAKE)
        hold.proceed.set()
        await asyncio.wait_for(manual, BOUND)
        assert hold.long_started.is_set()
        assert lock.ttl == 60
