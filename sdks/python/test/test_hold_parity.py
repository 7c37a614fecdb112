"""Hold as in the Go and TypeScript SDKs: retry before the grant, the validity watch, on_waiting.

Against a real ``distlock serve``; faults are played by client interceptors on the Hold
stream: a service answering ``unavailable`` before any event, or a connection that went
dead without a reset and so delivers none of the service's renewals.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from typing import TYPE_CHECKING, Any

import pytest
from connectrpc.code import Code
from connectrpc.errors import ConnectError

from distlock import (
    Holder,
    LockClient,
    LockClientSync,
    NotHeldError,
    PermissionDeniedError,
    UnavailableError,
)
from distlock._errors import from_connect_error
from distlock._gen.distlock.v1 import lock_pb2 as pb
from distlock._gen.distlock.v1 import policy
from distlock._hold_retry import HoldRetry

from ._support import FakeClock
from .test_hold import BOUND, afreed_within, freed_within

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

    from connectrpc.request import RequestContext

    from ._support import REQ, RES


class HoldFaults:
    """Fails the first ``fail`` Hold calls with ``code``; with ``silent``, drops renewals."""

    def __init__(
        self, *, fail: int = 0, code: Code = Code.UNAVAILABLE, silent: bool = False
    ) -> None:
        self.fail = fail
        self.code = code
        self.silent = silent
        self.calls = 0

    def _start(self) -> None:
        self.calls += 1
        if self.calls <= self.fail:
            raise ConnectError(self.code, "injected by the test")

    def _passes(self, event: object) -> bool:
        return not (
            self.silent and isinstance(event, pb.HoldResponse) and event.HasField("renewed")
        )

    def intercept_server_stream_sync(
        self,
        call_next: Callable[[REQ, RequestContext[Any, Any]], Iterator[RES]],
        request: REQ,
        ctx: RequestContext[Any, Any],
        /,
    ) -> Iterator[RES]:
        self._start()
        for event in call_next(request, ctx):
            if self._passes(event):
                yield event

    async def intercept_server_stream(
        self,
        call_next: Callable[[REQ, RequestContext[Any, Any]], AsyncIterator[RES]],
        request: REQ,
        ctx: RequestContext[Any, Any],
        /,
    ) -> AsyncIterator[RES]:
        self._start()
        stream = call_next(request, ctx)
        async with contextlib.aclosing(stream):  # type: ignore[type-var]
            async for event in stream:
                if self._passes(event):
                    yield event


def test_hold_retries_transient_failures_before_the_grant_sync(
    service_url: str, resource: str
) -> None:
    faults = HoldFaults(fail=2)
    with LockClientSync(service_url, interceptors=[faults]) as c, c.hold(resource, wait=BOUND):
        assert faults.calls == 3


@pytest.mark.asyncio
async def test_hold_retries_transient_failures_before_the_grant_async(
    service_url: str, resource: str
) -> None:
    faults = HoldFaults(fail=2)
    async with LockClient(service_url, interceptors=[faults]) as c, c.hold(resource, wait=BOUND):
        assert faults.calls == 3


@pytest.mark.parametrize(
    ("code", "wait", "error"),
    [
        (Code.UNAVAILABLE, 0, UnavailableError),
        (Code.PERMISSION_DENIED, BOUND, PermissionDeniedError),
    ],
    ids=["unavailable-no-wait", "permission-denied-with-wait"],
)
def test_hold_fails_at_once_when_retry_cannot_help(
    service_url: str, resource: str, code: Code, wait: float, error: type[Exception]
) -> None:
    faults = HoldFaults(fail=2, code=code)
    with LockClientSync(service_url, interceptors=[faults]) as c:
        with pytest.raises(error), c.hold(resource, wait=wait):
            pass
        assert faults.calls == 1


def _unavailable(*, unreached: bool) -> Exception:
    err = ConnectError(Code.UNAVAILABLE, "down")
    if unreached:
        err.__cause__ = ConnectionRefusedError()
    return from_connect_error(err)


def test_hold_retry_stops_before_the_wait_ends() -> None:
    clock = FakeClock()
    retry = HoldRetry(1.0, clock)
    pauses = []
    while (pause := retry.pause(_unavailable(unreached=False))) is not None:  # type: ignore[arg-type]
        pauses.append(pause)
        clock.sleep(pause)
    assert pauses  # the first pauses (50 ms, 100 ms…) fit in a second
    assert clock.now() - 1000.0 < 1.0


def test_hold_retry_gives_up_on_a_service_that_never_answers() -> None:
    clock = FakeClock()
    retry = HoldRetry(float("inf"), clock)
    while (pause := retry.pause(_unavailable(unreached=True))) is not None:  # type: ignore[arg-type]
        clock.sleep(pause)
    assert clock.now() - 1000.0 < policy.UNREACHABLE_GIVE_UP_S
    assert clock.now() - 1000.0 > policy.UNREACHABLE_GIVE_UP_S - policy.CALL_BACKOFF_MAX_S


def test_silent_stream_is_reported_lost_sync(service_url: str, resource: str) -> None:
    with LockClientSync(service_url, interceptors=[HoldFaults(silent=True)]) as c:
        with pytest.raises(NotHeldError), c.hold(resource, ttl=5) as held:  # noqa: PT012 -- leaving the block raises
            assert held.lost.wait(BOUND)
            assert isinstance(held.lost_reason, UnavailableError)
            assert "no word" in str(held.lost_reason)
        # The stream was ended, so the service released the lock.
        assert freed_within(c, resource, BOUND)


@pytest.mark.asyncio
async def test_silent_stream_is_reported_lost_async(service_url: str, resource: str) -> None:
    async with LockClient(service_url, interceptors=[HoldFaults(silent=True)]) as c:
        with pytest.raises(NotHeldError):  # noqa: PT012 -- leaving the block raises
            async with c.hold(resource, ttl=5) as held:
                await asyncio.wait_for(held.lost.wait(), BOUND)
                assert isinstance(held.lost_reason, UnavailableError)
                assert "no word" in str(held.lost_reason)
        assert await afreed_within(c, resource, BOUND)


def test_on_waiting_names_the_holder_sync(client: LockClientSync, resource: str) -> None:
    seen: queue.Queue[Holder] = queue.Queue()
    tokens: list[int] = []

    def second() -> None:
        with client.hold(resource, on_waiting=seen.put) as held:
            tokens.append(held.fencing_token)

    with client.hold(resource, owner="first") as first:
        waiter = threading.Thread(target=second)
        waiter.start()
        holder = seen.get(timeout=BOUND)
        assert (holder.owner, holder.fencing_token) == ("first", first.fencing_token)
    waiter.join(BOUND)
    assert tokens
    assert tokens[0] > first.fencing_token


@pytest.mark.asyncio
async def test_on_waiting_names_the_holder_async(aclient: LockClient, resource: str) -> None:
    seen: asyncio.Queue[Holder] = asyncio.Queue()

    async def second() -> int:
        async with aclient.hold(resource, on_waiting=seen.put_nowait) as held:
            return held.fencing_token

    async with aclient.hold(resource, owner="first") as first:
        waiter = asyncio.create_task(second())
        holder = await asyncio.wait_for(seen.get(), BOUND)
        assert (holder.owner, holder.fencing_token) == ("first", first.fencing_token)
    assert await asyncio.wait_for(waiter, BOUND) > first.fencing_token
