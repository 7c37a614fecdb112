"""A server whose maximum wait is lower than the wait asked for answers "busy" early; the
client then pauses 250 to 500 ms before asking again instead of asking at once, as the
TypeScript SDK does. Here the service and the clock are fakes: a minute's wait runs at
once and every call is counted. test_capped_server shows the same against a real one."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, NoReturn

import pytest
from connectrpc.code import Code
from connectrpc.errors import ConnectError

from distlock import LockClient, LockClientSync, NotAcquiredError, UnavailableError
from distlock._acquire import EARLY_ANSWER, EARLY_PAUSE
from distlock._clock import Clock
from distlock._gen.v1 import lock_pb2 as pb

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from connectrpc.request import RequestContext

    from ._support import REQ, RES

# No call reaches it: the fake service answers every Acquire itself.
UNUSED_URL = "http://127.0.0.1:9"
RESOURCE = "orders/42"
# A bound that only stops a broken test from hanging; not a timing assertion.
BOUND = 30.0


class FakeClock(Clock):
    """A clock that stands still but for the fake service's waits and the pauses taken."""

    def __init__(self) -> None:
        self.time = 1000.0
        self.pauses: list[float] = []

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.time += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


class FakeService:
    """An interceptor that answers every Acquire itself, without the network: the first
    ``busy`` answers are ``aborted`` after ``took(asked wait)`` seconds of the fake clock,
    the next one ``unavailable``, which ends the acquire."""

    def __init__(self, clock: FakeClock, *, busy: int, took: Callable[[float], float]) -> None:
        self.waits: list[float] = []
        """The wait each Acquire call asked for, in seconds."""
        self._clock = clock
        self._busy = busy
        self._took = took

    def _answer(self, request: object) -> NoReturn:
        assert isinstance(request, pb.AcquireRequest)
        asked = request.wait.ToNanoseconds() / 1e9
        self.waits.append(asked)
        self._clock.time += self._took(asked)
        if len(self.waits) > self._busy:
            raise ConnectError(Code.UNAVAILABLE, "the fake service's script ended")
        raise ConnectError(Code.ABORTED, "held by another")

    def intercept_unary_sync(
        self,
        call_next: Callable[[REQ, RequestContext[Any, Any]], RES],
        request: REQ,
        ctx: RequestContext[Any, Any],
        /,
    ) -> RES:
        self._answer(request)

    async def intercept_unary(
        self,
        call_next: Callable[[REQ, RequestContext[Any, Any]], Awaitable[RES]],
        request: REQ,
        ctx: RequestContext[Any, Any],
        /,
    ) -> RES:
        self._answer(request)


def acquire_sync(service: FakeService, clock: FakeClock, wait: float) -> None:
    with LockClientSync(UNUSED_URL, interceptors=[service]) as client:
        client._clock = clock
        client.acquire(RESOURCE, wait=wait)


def acquire_async(service: FakeService, clock: FakeClock, wait: float) -> None:
    async def run() -> None:
        async with LockClient(UNUSED_URL, interceptors=[service]) as client:
            client._clock = clock
            await client.acquire(RESOURCE, wait=wait)

    asyncio.run(run())


ACQUIRES = pytest.mark.parametrize("acquire", [acquire_sync, acquire_async], ids=["sync", "async"])


@ACQUIRES
def test_pauses_after_every_early_answer(
    acquire: Callable[[FakeService, FakeClock, float], None],
) -> None:
    # A server with --max-wait 0 answers at once, however long the wait asked for.
    clock = FakeClock()
    service = FakeService(clock, busy=20, took=lambda asked: 0.0)
    with pytest.raises(UnavailableError):
        acquire(service, clock, 60.0)
    assert len(service.waits) == 21
    assert len(clock.pauses) == 20
    assert all(EARLY_PAUSE / 2 <= p <= EARLY_PAUSE for p in clock.pauses)


@ACQUIRES
def test_no_pause_after_a_wait_the_server_spent(
    acquire: Callable[[FakeService, FakeClock, float], None],
) -> None:
    clock = FakeClock()
    service = FakeService(clock, busy=1000, took=lambda asked: asked)
    with pytest.raises(NotAcquiredError):
        acquire(service, clock, 70.0)
    assert service.waits == [30.0, 30.0, 10.0]
    assert clock.pauses == []


@ACQUIRES
@pytest.mark.parametrize(
    ("sooner", "pauses"),
    [(EARLY_ANSWER + 0.1, 1), (EARLY_ANSWER - 0.1, 0)],
    ids=["over-threshold", "under-threshold"],
)
def test_pause_threshold(
    acquire: Callable[[FakeService, FakeClock, float], None], sooner: float, pauses: int
) -> None:
    clock = FakeClock()
    service = FakeService(clock, busy=1, took=lambda asked: asked - sooner)
    with pytest.raises(UnavailableError):
        acquire(service, clock, 5.0)
    assert service.waits[0] == 5.0
    assert len(clock.pauses) == pauses


class BlockingClock(FakeClock):
    """A fake clock whose pauses last until the task taking them is cancelled."""

    def __init__(self) -> None:
        super().__init__()
        self.paused = asyncio.Event()

    async def asleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.paused.set()
        await asyncio.Event().wait()


@pytest.mark.asyncio
async def test_cancel_ends_the_pause() -> None:
    clock = BlockingClock()
    service = FakeService(clock, busy=1000, took=lambda asked: 0.0)
    async with LockClient(UNUSED_URL, interceptors=[service]) as client:
        client._clock = clock
        task = asyncio.create_task(client.acquire(RESOURCE, wait=60.0))
        await asyncio.wait_for(clock.paused.wait(), BOUND)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert len(service.waits) == 1
