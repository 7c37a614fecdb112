"""An acquire asks again after a transient failure (``unavailable``, ``deadline_exceeded``)
while its wait lasts, pausing as the Go SDK does: backing off from 25-50 ms to 0.5-1 s
with each consecutive failure, starting over after a busy answer, and giving up with the
failure, not with "busy", when the next pause would pass the end of the wait. Late grants
that cannot be confirmed count as such failures. The service and the clock are fakes."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from connectrpc.code import Code
from connectrpc.errors import ConnectError

from distlock import DistlockError, LockClient, LockClientSync, UnavailableError
from distlock._acquire import BACKOFF_MAX, BACKOFF_MIN, AcquirePlan
from distlock._gen.v1 import lock_pb2 as pb

from ._support import FakeClock

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from connectrpc.request import RequestContext

    from ._support import REQ, RES

# No call reaches it: the fake service answers every call itself.
UNUSED_URL = "http://127.0.0.1:9"
RESOURCE = "orders/42"
GRANT = None
"""In a script, an Acquire answer that grants the lock."""
BUSY_WAITED = Code.ABORTED
"""In a script, a busy answer that came after the whole wait asked for: not early."""


def step(n: int) -> float:
    """The backoff's step before pause ``n`` of a row (0 for the first)."""
    return min(BACKOFF_MIN * 2.0**n, BACKOFF_MAX)


class ScriptedService:
    """An interceptor that answers every call itself, without the network.

    Acquire call ``n`` gets ``script[n]``: a grant, or that code (a busy answer after
    the whole wait asked for, on the fake clock). Past the script every answer is its
    last entry. The first ``extend_failures`` Extend calls fail ``unavailable``.
    """

    def __init__(
        self, clock: FakeClock, script: list[Code | None], *, extend_failures: int = 0
    ) -> None:
        self.acquires = 0
        self.methods: list[str] = []
        self._clock = clock
        self._script = script
        self._extend_failures = extend_failures

    def _answer(self, request: object, method: str) -> object:
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
        if isinstance(request, pb.ExtendRequest):
            if self._extend_failures > 0:
                self._extend_failures -= 1
                raise ConnectError(Code.UNAVAILABLE, "scripted unavailable")
            return pb.ExtendResponse(ttl=request.ttl)
        assert isinstance(request, pb.ReleaseRequest)
        return pb.ReleaseResponse()

    def intercept_unary_sync(
        self,
        call_next: Callable[[REQ, RequestContext[Any, Any]], RES],
        request: REQ,
        ctx: RequestContext[Any, Any],
        /,
    ) -> RES:
        return self._answer(request, ctx.method.name)  # type: ignore[return-value]

    async def intercept_unary(
        self,
        call_next: Callable[[REQ, RequestContext[Any, Any]], Awaitable[RES]],
        request: REQ,
        ctx: RequestContext[Any, Any],
        /,
    ) -> RES:
        return self._answer(request, ctx.method.name)  # type: ignore[return-value]


def acquire_sync(service: ScriptedService, clock: FakeClock, wait: float | None) -> None:
    with LockClientSync(UNUSED_URL, interceptors=[service]) as client:
        client._clock = clock
        client.acquire(RESOURCE, wait=wait).release()


def acquire_async(service: ScriptedService, clock: FakeClock, wait: float | None) -> None:
    async def run() -> None:
        async with LockClient(UNUSED_URL, interceptors=[service]) as client:
            client._clock = clock
            await (await client.acquire(RESOURCE, wait=wait)).release()

    asyncio.run(run())


ACQUIRES = pytest.mark.parametrize("acquire", [acquire_sync, acquire_async], ids=["sync", "async"])
Acquire = Callable[[ScriptedService, FakeClock, float | None], None]


@pytest.fixture
def longest(monkeypatch: pytest.MonkeyPatch) -> None:
    """Makes every pause the longest of its step, so a row of pauses is exact."""
    monkeypatch.setattr(random, "uniform", lambda a, b: b)


@ACQUIRES
@pytest.mark.usefixtures("longest")
def test_transient_failures_are_retried_within_the_wait(acquire: Acquire) -> None:
    clock = FakeClock()
    failures = [Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED, Code.UNAVAILABLE]
    service = ScriptedService(clock, [*failures, GRANT])
    acquire(service, clock, 60.0)
    assert service.methods == ["Acquire"] * 4 + ["Release"]
    assert clock.pauses == pytest.approx([step(0), step(1), step(2)])


@ACQUIRES
@pytest.mark.parametrize(
    ("code", "raised"),
    [(Code.UNAVAILABLE, UnavailableError), (Code.DEADLINE_EXCEEDED, DistlockError)],
)
def test_lasting_failure_ends_with_it_before_a_pause_past_the_wait(
    acquire: Acquire,
    code: Code,
    raised: type[DistlockError],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The shortest pauses of a row fill 0.775 s of a 0.8 s wait; the sixth would pass it.
    monkeypatch.setattr(random, "uniform", lambda a, b: a)
    clock = FakeClock()
    service = ScriptedService(clock, [code])
    with pytest.raises(raised) as caught:
        acquire(service, clock, 0.8)
    assert type(caught.value) is raised  # the failure, not NotAcquiredError
    assert caught.value.code == code.value
    assert clock.pauses == pytest.approx([0.025, 0.05, 0.1, 0.2, 0.4])
    assert service.acquires == 6


@ACQUIRES
def test_no_wait_makes_one_call(acquire: Acquire) -> None:
    clock = FakeClock()
    service = ScriptedService(clock, [Code.UNAVAILABLE, GRANT])
    with pytest.raises(UnavailableError):
        acquire(service, clock, 0)
    assert service.methods == ["Acquire"]
    assert clock.pauses == []


@ACQUIRES
@pytest.mark.usefixtures("longest")
def test_busy_answer_starts_the_pauses_over(acquire: Acquire) -> None:
    clock = FakeClock()
    unavailable = Code.UNAVAILABLE
    script = [unavailable, unavailable, unavailable, BUSY_WAITED, unavailable, GRANT]
    service = ScriptedService(clock, script)
    acquire(service, clock, 600.0)
    assert service.acquires == 6
    # No pause after the busy answer (it was not early); the next failure's is the first.
    assert clock.pauses == pytest.approx([step(0), step(1), step(2), step(0)])


@ACQUIRES
@pytest.mark.usefixtures("longest")
def test_busy_answer_starts_the_pauses_over_after_unconfirmed_grants(
    acquire: Acquire, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every grant is late, so confirmed by an Extend; the first three fail.
    monkeypatch.setattr(AcquirePlan, "late", lambda self, lease, sent: True)
    clock = FakeClock()
    service = ScriptedService(clock, [GRANT, GRANT, BUSY_WAITED, GRANT, GRANT], extend_failures=3)
    acquire(service, clock, 600.0)
    unconfirmed = ["Acquire", "Extend", "Release"]
    assert service.methods == [
        *unconfirmed,
        *unconfirmed,
        "Acquire",
        *unconfirmed,
        "Acquire",
        "Extend",
        "Release",
    ]
    assert clock.pauses == pytest.approx([step(0), step(1), step(0)])
