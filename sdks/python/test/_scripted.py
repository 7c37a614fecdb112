"""Fake distlock services that answer every call themselves, and acquires against them.

The acquires pace their wait on a :class:`FakeClock`, so a minute's wait runs at once and
every call and pause is counted."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from connectrpc.code import Code
from connectrpc.errors import ConnectError

from distlock import LockClient, LockClientSync
from distlock._gen.distlock.v1 import lock_pb2 as pb
from distlock._gen.distlock.v1 import policy

from ._support import FakeClock

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from connectrpc.request import RequestContext

    from ._support import REQ, RES

UNUSED_URL = "http://127.0.0.1:9"
"""A URL no call reaches: the fake service answers every call itself."""
RESOURCE = "orders/42"
GRANT = None
"""In a script, an Acquire answer that grants the lock."""
BUSY_WAITED = Code.ABORTED
"""In a script, a busy answer that came after the whole wait asked for: not early."""


def step(n: int) -> float:
    """The call back-off's step before pause ``n`` of a row (0 for the first)."""
    return policy.backoff_step_s(n, policy.CALL_BACKOFF_MIN_S, policy.CALL_BACKOFF_MAX_S)


class Answering:
    """An interceptor, sync and async, that answers every call itself, without the network."""

    def answer(self, request: object, method: str) -> object:
        """Returns the response to ``request``, a call of ``method``, or raises its error."""
        raise NotImplementedError

    def intercept_unary_sync(
        self,
        call_next: Callable[[REQ, RequestContext[Any, Any]], RES],
        request: REQ,
        ctx: RequestContext[Any, Any],
        /,
    ) -> RES:
        return self.answer(request, ctx.method.name)  # type: ignore[return-value]

    async def intercept_unary(
        self,
        call_next: Callable[[REQ, RequestContext[Any, Any]], Awaitable[RES]],
        request: REQ,
        ctx: RequestContext[Any, Any],
        /,
    ) -> RES:
        return self.answer(request, ctx.method.name)  # type: ignore[return-value]


class ScriptedService(Answering):
    """Answers every call as a test scripts it.

    Acquire call ``n`` gets ``script[n]``: a grant, or that code (a busy answer after
    the whole wait asked for, on the fake clock). Past the script every answer is its
    last entry. The first ``extend_failures`` Extend calls and ``release_failures``
    Release calls fail ``unavailable``; the others succeed.
    """

    def __init__(
        self,
        clock: FakeClock,
        script: list[Code | None],
        *,
        extend_failures: int = 0,
        release_failures: int = 0,
    ) -> None:
        self.acquires = 0
        self.methods: list[str] = []
        self._clock = clock
        self._script = script
        self._failures = {"Extend": extend_failures, "Release": release_failures}

    def answer(self, request: object, method: str) -> object:
        self.methods.append(method)
        if isinstance(request, pb.AcquireRequest):
            answer = self._script[min(self.acquires, len(self._script) - 1)]
            self.acquires += 1
            if answer is GRANT:
                return pb.AcquireResponse(
                    resource=request.resource,
                    lease_token=f"lease-{self.acquires}",
                    fencing_token=self.acquires,
                    ttl=request.ttl,
                )
            if answer is BUSY_WAITED:
                self._clock.time += request.wait.ToNanoseconds() / 1e9
            raise ConnectError(answer, f"scripted {answer.value}")
        if self._failures[method] > 0:
            self._failures[method] -= 1
            raise ConnectError(Code.UNAVAILABLE, "scripted unavailable")
        if isinstance(request, pb.ExtendRequest):
            return pb.ExtendResponse(ttl=request.ttl)
        assert isinstance(request, pb.ReleaseRequest)
        return pb.ReleaseResponse()


def acquire_sync(service: Answering, clock: FakeClock, wait: float | None) -> None:
    """Acquires :data:`RESOURCE` from ``service`` with ``wait`` on ``clock``; releases it."""
    with LockClientSync(UNUSED_URL, interceptors=[service]) as client:
        client._clock = clock
        client.acquire(RESOURCE, wait=wait).release()


def acquire_async(service: Answering, clock: FakeClock, wait: float | None) -> None:
    """:func:`acquire_sync` with the asyncio client."""

    async def run() -> None:
        async with LockClient(UNUSED_URL, interceptors=[service]) as client:
            client._clock = clock
            await (await client.acquire(RESOURCE, wait=wait)).release()

    asyncio.run(run())


Acquire = Callable[[Answering, FakeClock, float | None], None]
"""An acquire of :data:`RESOURCE` from a fake service on a fake clock, with a wait."""
ACQUIRES = pytest.mark.parametrize("acquire", [acquire_sync, acquire_async], ids=["sync", "async"])
"""Runs a test with :func:`acquire_sync` and with :func:`acquire_async`."""
