"""Long waits are split into bounded Acquire calls (30 s each; shortened here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from distlock import LockClient, LockClientSync, LockSync, NotAcquiredError
from distlock._gen.distlock.v1 import lock_pb2 as pb
from distlock._gen.distlock.v1 import policy

from ._support import Recorder

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
    client: LockClientSync, service_url: str, resource: str
) -> None:
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
