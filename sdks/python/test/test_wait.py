"""Long waits are split into bounded Acquire calls (30 s each; shortened here)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import pytest

from distlock import LockClient, LockClientSync, LockSync, NotAcquiredError
from distlock._gen.distlock.v1 import lock_pb2 as pb
from distlock._gen.distlock.v1 import policy

from ._support import Recorder, is_free_async

if TYPE_CHECKING:
    from connectrpc.request import RequestContext

CALL_WAIT = 0.2


@pytest.fixture(autouse=True)
def short_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(policy, "MAX_WAIT_PER_CALL_S", CALL_WAIT)


class ReleaseOnCall(Recorder):
    """Releases ``holder`` when the ``n``-th Acquire call starts."""

    def __init__(self, holder: LockSync, n: int) -> None:
        super().__init__()
        self._holder = holder
        self._n = n

    def _before(self, request: object, ctx: RequestContext[Any, Any]) -> None:
        super()._before(request, ctx)
        if self.methods().count("Acquire") == self._n:
            self._holder.release()


def _waits(recorder: Recorder) -> list[float]:
    return [
        r.wait.ToNanoseconds() / 1e9 for _, r in recorder.calls if isinstance(r, pb.AcquireRequest)
    ]


def test_wait_is_split_and_times_out_sync(
    client: LockClientSync, service_url: str, resource: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="distlock")
    recorder = Recorder()
    with (
        client.lock(resource),
        LockClientSync(service_url, interceptors=[recorder]) as waiter,
        pytest.raises(NotAcquiredError),
    ):
        waiter.acquire(resource, wait=5 * CALL_WAIT)
    waits = _waits(recorder)
    assert len(waits) >= 2
    assert max(waits) <= CALL_WAIT
    # The wait is logged, after a busy answer and before the next call: never before the
    # first answer.
    waiting = [r for r in caplog.records if r.name == "distlock"]
    assert waiting
    assert all(r.levelno == logging.INFO and resource in r.getMessage() for r in waiting)
    assert len(waiting) < len(waits)


@pytest.mark.asyncio
async def test_wait_is_split_and_times_out_async(
    aclient: LockClient, service_url: str, resource: str
) -> None:
    recorder = Recorder()
    async with aclient.lock(resource), LockClient(service_url, interceptors=[recorder]) as waiter:
        with pytest.raises(NotAcquiredError):
            await waiter.acquire(resource, wait=5 * CALL_WAIT)
    waits = _waits(recorder)
    assert len(waits) >= 2
    assert max(waits) <= CALL_WAIT


@pytest.mark.parametrize("wait", [None, 60.0], ids=["unbounded", "long"])
def test_split_wait_succeeds_sync(
    client: LockClientSync, service_url: str, resource: str, wait: float | None
) -> None:
    holder = client.acquire(resource)
    recorder = ReleaseOnCall(holder, n=3)
    with LockClientSync(service_url, interceptors=[recorder]) as waiter:
        lock = waiter.acquire(resource, wait=wait)
        assert lock.fencing_token > holder.fencing_token
        lock.release()
    waits = _waits(recorder)
    assert len(waits) == 3
    assert max(waits) <= CALL_WAIT


@pytest.mark.asyncio
@pytest.mark.parametrize("wait", [None, 60.0], ids=["unbounded", "long"])
async def test_split_wait_succeeds_async(
    client: LockClientSync, service_url: str, resource: str, wait: float | None
) -> None:
    holder = client.acquire(resource)
    recorder = ReleaseOnCall(holder, n=3)
    async with LockClient(service_url, interceptors=[recorder]) as waiter:
        lock = await waiter.acquire(resource, wait=wait)
        assert lock.fencing_token > holder.fencing_token
        await lock.release()
    waits = _waits(recorder)
    assert len(waits) == 3
    assert max(waits) <= CALL_WAIT


class Deadlines(Recorder):
    """Records the deadline (ms) of every Acquire call."""

    def __init__(self) -> None:
        super().__init__()
        self.deadlines: list[float | None] = []

    def _before(self, request: object, ctx: RequestContext[Any, Any]) -> None:
        super()._before(request, ctx)
        if ctx.method.name == "Acquire":
            self.deadlines.append(ctx.timeout_ms)


def test_default_wait_waits_until_granted_sync(
    client: LockClientSync, service_url: str, resource: str
) -> None:
    holder = client.acquire(resource)
    recorder = ReleaseOnCall(holder, n=2)
    with LockClientSync(service_url, interceptors=[recorder]) as waiter:
        waiter.acquire(resource).release()
    assert len(_waits(recorder)) == 2


@pytest.mark.asyncio
async def test_default_wait_waits_until_granted_async(
    client: LockClientSync, service_url: str, resource: str
) -> None:
    holder = client.acquire(resource)
    recorder = ReleaseOnCall(holder, n=2)
    async with LockClient(service_url, interceptors=[recorder]) as waiter:
        await (await waiter.acquire(resource)).release()
    assert len(_waits(recorder)) == 2


@pytest.mark.asyncio
async def test_default_wait_ends_when_cancelled(
    aclient: LockClient, service_url: str, resource: str
) -> None:
    async with LockClient(service_url) as waiter:
        async with aclient.lock(resource):
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(3 * CALL_WAIT):
                    await waiter.acquire(resource)
        # The wait the caller left goes on at the service and is granted now, to nobody:
        # the client releases that grant. The test ends once it has, so that no task of
        # the client's is left pending when the loop closes (a later test saw it
        # destroyed: "Task was destroyed but it is pending!").
        for _ in range(200):  # a bound that only stops a broken test from hanging
            if await is_free_async(aclient, resource):
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the grant of the wait its caller left was not released")


@pytest.mark.parametrize("wait", [0.0, 0.1])
def test_acquire_deadline_is_the_wait_plus_the_client_timeout(
    service_url: str, resource: str, wait: float
) -> None:
    recorder = Deadlines()
    with LockClientSync(service_url, interceptors=[recorder], timeout=3) as c:
        c.acquire(resource, wait=wait).release()
    # The interceptor sees the time left of the deadline: a little under wait + 3 s, far
    # from the wait + 10 s of a fixed slack.
    (deadline,) = recorder.deadlines
    assert deadline is not None
    assert (wait + 2) * 1000 < deadline <= (wait + 3) * 1000


@pytest.mark.asyncio
async def test_acquire_deadline_is_the_wait_plus_the_client_timeout_async(
    service_url: str, resource: str
) -> None:
    recorder = Deadlines()
    async with LockClient(service_url, interceptors=[recorder], timeout=2.5) as c:
        await (await c.acquire(resource, wait=0.1)).release()
    (deadline,) = recorder.deadlines
    assert deadline is not None
    assert 1600 < deadline <= 2600


def test_no_wait_is_logged_without_a_busy_answer(
    client: LockClientSync, resource: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="distlock")
    with client.lock(resource, wait=3 * CALL_WAIT), pytest.raises(NotAcquiredError):
        client.acquire(resource, wait=0)
    assert [r for r in caplog.records if r.name == "distlock"] == []
