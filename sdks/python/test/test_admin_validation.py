"""list(), locks() and force_release() check their arguments before any call."""

from __future__ import annotations

from typing import Any

import pytest

from distlock import (
    MAX_PAGE_SIZE,
    MAX_REASON_LEN,
    MAX_RESOURCE_LEN,
    InvalidArgumentError,
    LockClient,
    LockClientSync,
)

from ._scripted import UNUSED_URL
from ._support import Recorder

BAD_LISTS: list[tuple[str, dict[str, Any]]] = [
    ("prefix over 1024 bytes", {"prefix": "p" * (MAX_RESOURCE_LEN + 1)}),
    ("prefix over 1024 bytes in UTF-8", {"prefix": "é" * 513}),
    ("prefix not UTF-8", {"prefix": "lone \ud800"}),
    ("prefix not a str", {"prefix": b"jobs/"}),
    ("page size 0", {"page_size": 0}),
    ("page size negative", {"page_size": -1}),
    ("page size over 1000", {"page_size": MAX_PAGE_SIZE + 1}),
    ("page size bool", {"page_size": True}),
    ("page size float", {"page_size": 10.0}),
    ("page size str", {"page_size": "10"}),
]
BAD_TOKENS: list[tuple[str, dict[str, Any]]] = [("page token not a str", {"page_token": 3})]
BAD_BREAKS: list[tuple[str, str, Any]] = [
    ("empty resource", "", "stuck"),
    ("resource over 1024 bytes", "r" * (MAX_RESOURCE_LEN + 1), "stuck"),
    ("empty reason", "jobs/1", ""),
    ("reason over 1024 bytes", "jobs/1", "x" * (MAX_REASON_LEN + 1)),
    ("reason over 1024 bytes in UTF-8", "jobs/1", "é" * 513),
    ("reason not UTF-8", "jobs/1", "\udfff"),
    ("reason not a str", "jobs/1", None),
]


def _ids(cases: list[Any]) -> list[str]:
    return [c[0] for c in cases]


@pytest.mark.parametrize(
    ("case", "kwargs"), BAD_LISTS + BAD_TOKENS, ids=_ids(BAD_LISTS + BAD_TOKENS)
)
def test_bad_list_raises_before_any_call(case: str, kwargs: dict[str, Any]) -> None:
    recorder = Recorder()
    with (
        LockClientSync(UNUSED_URL, interceptors=[recorder]) as c,
        pytest.raises(InvalidArgumentError),
    ):
        c.list(**kwargs)
    assert recorder.calls == []


@pytest.mark.parametrize(("case", "kwargs"), BAD_LISTS, ids=_ids(BAD_LISTS))
def test_bad_locks_raises_before_iterating(case: str, kwargs: dict[str, Any]) -> None:
    recorder = Recorder()
    with (
        LockClientSync(UNUSED_URL, interceptors=[recorder]) as c,
        pytest.raises(InvalidArgumentError),
    ):
        c.locks(**kwargs)
    assert recorder.calls == []


@pytest.mark.parametrize(
    ("case", "kwargs"), BAD_LISTS + BAD_TOKENS, ids=_ids(BAD_LISTS + BAD_TOKENS)
)
@pytest.mark.asyncio
async def test_bad_list_raises_before_any_call_async(case: str, kwargs: dict[str, Any]) -> None:
    recorder = Recorder()
    async with LockClient(UNUSED_URL, interceptors=[recorder]) as c:
        with pytest.raises(InvalidArgumentError):
            await c.list(**kwargs)
        if "page_token" not in kwargs:
            with pytest.raises(InvalidArgumentError):
                c.locks(**kwargs)
    assert recorder.calls == []


@pytest.mark.parametrize(("case", "resource", "reason"), BAD_BREAKS, ids=_ids(BAD_BREAKS))
def test_bad_force_release_raises_before_any_call(case: str, resource: str, reason: str) -> None:
    recorder = Recorder()
    with (
        LockClientSync(UNUSED_URL, interceptors=[recorder]) as c,
        pytest.raises(InvalidArgumentError),
    ):
        c.force_release(resource, reason=reason)
    assert recorder.calls == []


@pytest.mark.parametrize(("case", "resource", "reason"), BAD_BREAKS, ids=_ids(BAD_BREAKS))
@pytest.mark.asyncio
async def test_bad_force_release_raises_before_any_call_async(
    case: str, resource: str, reason: str
) -> None:
    recorder = Recorder()
    async with LockClient(UNUSED_URL, interceptors=[recorder]) as c:
        with pytest.raises(InvalidArgumentError):
            await c.force_release(resource, reason=reason)
    assert recorder.calls == []


def test_the_bounds_are_accepted(client: LockClientSync) -> None:
    assert client.list("é" * 512, page_size=MAX_PAGE_SIZE).locks == ()
    assert client.list("", page_size=1) is not None
