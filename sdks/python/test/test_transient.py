"""An acquire asks again after a transient failure (``unavailable``, ``deadline_exceeded``)
while its wait lasts, pausing with the policy's call back-off, longer with each
consecutive failure, starting over after a busy answer, and giving up with the
failure, not with "busy", when the next pause would pass the end of the wait. Late grants
that cannot be confirmed count as such failures. The service and the clock are fakes."""

from __future__ import annotations

import random

import pytest
from connectrpc.code import Code

from distlock import DistlockError, UnavailableError
from distlock._acquire import AcquirePlan

from ._scripted import ACQUIRES, BUSY_WAITED, GRANT, Acquire, ScriptedService, step
from ._support import FakeClock


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
