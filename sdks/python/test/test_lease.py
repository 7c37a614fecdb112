"""Client-side lease arithmetic: validity, backoff and the wait budget."""

from __future__ import annotations

import math

import pytest

from distlock._lease import MAX_CALL_WAIT, Backoff, WaitBudget, millis, valid_until


def test_validity_subtracts_drift() -> None:
    # 1% of the TTL plus 2 ms, counted from the send time.
    assert valid_until(100.0, 10.0) == pytest.approx(100.0 + 10.0 - 0.1 - 0.002)


def test_backoff_doubles_with_jitter_up_to_two_seconds() -> None:
    backoff = Backoff()
    steps = [0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0]
    for step in steps:
        sleep = backoff.next()
        assert step / 2 <= sleep <= step


def test_millis_never_zero() -> None:
    assert millis(0.0001) == 1
    assert millis(1.5) == 1500


def test_wait_budget_splits_long_waits() -> None:
    budget = WaitBudget(math.inf)
    assert budget.next_call_wait() == MAX_CALL_WAIT
    assert not budget.spent()
    short = WaitBudget(0)
    assert short.next_call_wait() == 0
    assert short.spent()  # the monotonic clock never goes back
