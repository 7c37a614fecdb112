"""A server whose maximum wait is lower than the wait asked for answers "busy" early; the
client then pauses before asking again, with the policy's call back-off, and gives up at
once when the pause would pass the end of the wait. Here the service and the clock are
fakes: a minute's wait runs at once and every call and pause is counted.
test_capped_server shows the same against a real one."""

from __future__ import annotations

import asyncio
import random
from typing import TYPE_CHECKING, NoReturn

import pytest
from connectrpc.code import Code
from connectrpc.errors import ConnectError

from distlock import DistlockError, LockClient, NotAcquiredError
from distlock._gen.distlock.v1 import lock_pb2 as pb

from ._scripted import ACQUIRES, RESOURCE, UNUSED_URL, Acquire, Answering, step
from ._support import START, FakeClock

if TYPE_CHECKING:
    from collections.abc import Callable

# A bound that only stops a broken test from hanging; not a timing assertion.
BOUND = 30.0
SCRIPT_ENDED = "the fake service's script ended"


def at_once(n: int, asked: float) -> float:
    """A server with --max-wait 0 answers at once, however long the wait asked for."""
    return 0.0


class FakeService(Answering):
    """Answers every Acquire: the first ``busy`` answers are ``aborted``, answer ``n``
    (from 0) after ``took(n, asked wait)`` seconds of the fake clock; the next one is
    ``failed_precondition``, which no acquire retries."""

    def __init__(self, clock: FakeClock, *, busy: int, took: Callable[[int, float], float]) -> None:
        self.waits: list[float] = []
        """The wait each Acquire call asked for, in seconds."""
        self._clock = clock
        self._busy = busy
        self._took = took

    def answer(self, request: object, method: str) -> NoReturn:
        assert isinstance(request, pb.AcquireRequest)
        asked = request.wait.ToNanoseconds() / 1e9
        self._clock.time += self._took(len(self.waits), asked)
        self.waits.append(asked)
        if len(self.waits) > self._busy:
            raise ConnectError(Code.FAILED_PRECONDITION, SCRIPT_ENDED)
        raise ConnectError(Code.ABORTED, "held by another")


@ACQUIRES
def test_pauses_back_off_and_start_over(
    acquire: Acquire,
) -> None:
    # Seven early answers, one after the server spent the wait asked for, two early again.
    clock = FakeClock()
    service = FakeService(clock, busy=10, took=lambda n, asked: asked if n == 7 else 0.0)
    with pytest.raises(DistlockError, match=SCRIPT_ENDED):
        acquire(service, clock, None)
    assert len(service.waits) == 11
    steps = [step(n) for n in range(7)] + [step(0), step(1)]
    assert len(clock.pauses) == len(steps)
    for pause, s in zip(clock.pauses, steps, strict=True):
        assert s / 2 <= pause <= s


@ACQUIRES
def test_no_pause_after_a_wait_the_server_spent(
    acquire: Acquire,
) -> None:
    clock = FakeClock()
    service = FakeService(clock, busy=1000, took=lambda n, asked: asked)
    with pytest.raises(NotAcquiredError):
        acquire(service, clock, 70.0)
    assert service.waits == [30.0, 30.0, 10.0]
    assert clock.pauses == []


@ACQUIRES
@pytest.mark.parametrize(("took", "pauses"), [(14.9, 1), (15.0, 0)], ids=["under-half", "half"])
def test_early_means_in_under_half_the_wait(acquire: Acquire, took: float, pauses: int) -> None:
    clock = FakeClock()
    service = FakeService(clock, busy=1, took=lambda n, asked: took)
    with pytest.raises(DistlockError, match=SCRIPT_ENDED):
        acquire(service, clock, 60.0)
    assert service.waits[0] == 30.0
    assert len(clock.pauses) == pauses


@ACQUIRES
@pytest.mark.parametrize(
    ("draw", "pauses"),
    # The shortest pauses of a row fill 0.775 s of the wait, and the sixth (0.5 s at
    # least) would pass its end; the longest fill 0.75 s, and the fifth would.
    [
        (lambda a, b: a, [0.025, 0.05, 0.1, 0.2, 0.4]),
        (lambda a, b: b, [0.05, 0.1, 0.2, 0.4]),
    ],
    ids=["shortest", "longest"],
)
def test_short_wait_gives_up_before_a_pause_past_its_end(
    acquire: Acquire,
    draw: Callable[[float, float], float],
    pauses: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A wait of 0.8 s: without pauses that back off, a capped server is asked hundreds
    # of times (the fake service's script would end in failed_precondition).
    monkeypatch.setattr(random, "uniform", draw)
    clock = FakeClock()
    service = FakeService(clock, busy=100, took=at_once)
    with pytest.raises(NotAcquiredError):
        acquire(service, clock, 0.8)
    assert clock.pauses == pytest.approx(pauses)
    assert len(service.waits) == len(pauses) + 1
    assert clock.time < START + 0.8


@ACQUIRES
def test_no_pause_that_would_pass_the_end(
    acquire: Acquire,
) -> None:
    # Even the shortest first pause (25 ms) would pass the end of a 20 ms wait.
    clock = FakeClock()
    service = FakeService(clock, busy=100, took=at_once)
    with pytest.raises(NotAcquiredError):
        acquire(service, clock, 0.02)
    assert len(service.waits) == 1
    assert clock.pauses == []


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
    service = FakeService(clock, busy=1000, took=at_once)
    async with LockClient(UNUSED_URL, interceptors=[service]) as client:
        client._clock = clock
        task = asyncio.create_task(client.acquire(RESOURCE, wait=60.0))
        await asyncio.wait_for(clock.paused.wait(), BOUND)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert len(service.waits) == 1
