"""release() while a renewal's Extend is in flight: it returns, the lease is deleted and
no renewal task or thread is left, however the Extend and the stop coincide.

Interceptors hold the renewal's first Extend at the moment that matters, so each race
happens on every run instead of once in a while.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from distlock import LockClient, LockClientSync

from ._support import is_free, is_free_async, renewal_tasks, renewal_threads

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from connectrpc.request import RequestContext

REQ = TypeVar("REQ")
RES = TypeVar("RES")

# The shortest TTL: the first renewal starts TTL/3 after acquire. BOUND only stops a broken
# SDK from hanging the run; it is no timing assertion.
TTL = 5.0
BOUND = 30.0


class SwallowedCancel:
    """Holds back the first Extend's reply until the caller is cancelled, then returns the
    reply and drops the cancel, as Python 3.11's ``asyncio.wait_for`` (used by connectrpc)
    does when the reply and the cancel arrive together."""

    def __init__(self) -> None:
        self.replied = asyncio.Event()
        """Set when the first Extend has been answered and its reply is held back."""
        self._armed = True

    async def intercept_unary(
        self,
        call_next: Callable[[REQ, RequestContext[Any, Any]], Awaitable[RES]],
        request: REQ,
        ctx: RequestContext[Any, Any],
        /,
    ) -> RES:
        resp = await call_next(request, ctx)
        if ctx.method.name != "Extend" or not self._armed:
            return resp
        self._armed = False
        self.replied.set()
        # The point of this interceptor: the caller gets the reply, not the cancel.
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.get_running_loop().create_future()  # only a cancel ends this
        return resp


class UnansweredExtend:
    """Never answers the first Extend (a service or network that stalls); a cancel
    propagates as usual."""

    def __init__(self) -> None:
        self.sent = asyncio.Event()
        """Set when the first Extend is stalled."""

    async def intercept_unary(
        self,
        call_next: Callable[[REQ, RequestContext[Any, Any]], Awaitable[RES]],
        request: REQ,
        ctx: RequestContext[Any, Any],
        /,
    ) -> RES:
        if ctx.method.name != "Extend" or self.sent.is_set():
            return await call_next(request, ctx)
        self.sent.set()
        await asyncio.get_running_loop().create_future()
        raise AssertionError("unreachable: the future above never completes")


class ReplyAfterStop:
    """Holds back the first Extend's reply until ``stop`` is set: the sync renewal thread
    gets its reply just after release() has asked it to stop."""

    def __init__(self) -> None:
        self.replied = threading.Event()
        """Set when the first Extend has been answered and its reply is held back."""
        self._stop = threading.Event()
        self._attached = threading.Event()
        self._armed = True

    def attach(self, stop: threading.Event) -> None:
        """Makes the held-back reply wait for ``stop``: the lock's own stop event."""
        self._stop = stop
        self._attached.set()

    def intercept_unary_sync(
        self,
        call_next: Callable[[REQ, RequestContext[Any, Any]], RES],
        request: REQ,
        ctx: RequestContext[Any, Any],
        /,
    ) -> RES:
        resp = call_next(request, ctx)
        if ctx.method.name != "Extend" or not self._armed:
            return resp
        self._armed = False
        self.replied.set()
        self._attached.wait(BOUND)
        self._stop.wait(BOUND)
        return resp


@pytest.mark.asyncio
async def test_release_when_extend_reply_swallows_cancel_async(
    service_url: str, resource: str
) -> None:
    swallow = SwallowedCancel()
    async with LockClient(service_url, interceptors=[swallow]) as c:
        lock = await c.acquire(resource, ttl=TTL)
        async with asyncio.timeout(BOUND):
            await swallow.replied.wait()
            await lock.release()
        assert lock.lost.is_set()
        assert renewal_tasks() == []
        assert await is_free_async(c, resource)


@pytest.mark.asyncio
async def test_release_cancels_extend_in_flight_async(service_url: str, resource: str) -> None:
    stall = UnansweredExtend()
    async with LockClient(service_url, interceptors=[stall]) as c:
        lock = await c.acquire(resource, ttl=TTL)
        async with asyncio.timeout(BOUND):
            await stall.sent.wait()
            await lock.release()
        assert lock.lost.is_set()
        assert renewal_tasks() == []
        assert await is_free_async(c, resource)


def test_release_when_extend_reply_arrives_after_stop_sync(service_url: str, resource: str) -> None:
    late = ReplyAfterStop()
    with LockClientSync(service_url, interceptors=[late]) as c:
        lock = c.acquire(resource, ttl=TTL)
        late.attach(lock._stop)
        assert late.replied.wait(BOUND)
        # In a thread, so a release() that hangs fails the test instead of the run.
        releaser = threading.Thread(target=lock.release, name="test-release")
        releaser.start()
        releaser.join(BOUND)
        assert not releaser.is_alive()
        assert lock.lost.is_set()
        assert renewal_threads() == []
        assert is_free(c, resource)
