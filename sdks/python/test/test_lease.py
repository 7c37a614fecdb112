"""Client-side lease arithmetic: validity, backoff and the wait budget."""

from __future__ import annotations

import math

import pytest

from distlock._gen.distlock.v1 import policy
from distlock._lease import Backoff, WaitBudget, millis, valid_until


def test_validity_counts_from_the_send() -> None:
    assert valid_until(100.0, 10.0) == pytest.approx(100.0 + policy.validity_s(10.0))


def test_renewal_backoff_draws_from_the_upper_half_of_each_step() -> None:
    backoff = Backoff.for_renewal()
    for n in range(8):
        step = policy.backoff_step_s(n, policy.RENEW_BACKOFF_MIN_S, policy.RENEW_BACKOFF_MAX_S)
        assert step / 2 <= backoff.next() <= step


def test_millis_never_zero() -> None:
    assert millis(0.0001) == 1
    assert millis(1.5) == 1500


def test_wait_budget_splits_long_waits() -> None:
    budget = WaitBudget(math.inf)
    assert budget.next_call_wait() == policy.MAX_WAIT_PER_CALL_S
    assert not budget.spent()
    short = WaitBudget(0)
    assert short.next_call_wait() == 0
    assert short.spent()  # the monotonic clock never goes back
