"""Watch: pushed events of a real ``distlock serve`` whose backend can watch (memory://)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import uuid
from typing import TYPE_CHECKING

import pytest

from distlock import (
    DistlockError,
    InvalidArgumentError,
    LockClient,
    LockClientSync,
    UnavailableError,
    WatchEvent,
)

from ._redis import redis_nodes
from ._serve import serve, serve_process

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path

BOUND = 30.0


def prefix() -> str:
    return f"pytest-watch/{uuid.uuid4()}/"


def test_watch_sees_state_then_grant_and_release_in_order_sync(watch_url: str) -> None:
    base = prefix()
    with (
        LockClientSync(watch_url) as c,
        c.hold(base + "held-before", owner="early") as early,
        contextlib.closing(c.watch(base, prefix=True)) as events,
    ):
        first = next(events)
        assert (first.kind, first.resource) == ("current", base + "held-before")
        assert first.holder is not None
        assert first.holder.fencing_token == early.fencing_token
        assert next(events).kind == "synced"
        with c.lock(base + "x", owner="worker") as lock:
            granted = _next_about(events, base + "x")
        released = _next_about(events, base + "x")
    assert granted.kind == "granted"
    assert granted.holder is not None
    assert (granted.holder.owner, granted.holder.fencing_token) == ("worker", lock.fencing_token)
    assert released.kind == "released"
    assert released.holder is None
    assert released.previous is not None
    assert released.previous.fencing_token == lock.fencing_token


def _next_about(events: Iterator[WatchEvent], resource: str) -> WatchEvent:
    # Renewals of other locks may come between: skip what is not about this resource.
    return next(e for e in events if e.resource == resource and e.kind != "extended")


@pytest.mark.asyncio
async def test_watch_sees_grant_and_release_in_order_async(watch_url: str) -> None:
    base = prefix()
    async with LockClient(watch_url) as c, contextlib.aclosing(c.watch(base + "x")) as events:
        assert (await anext(events)).kind == "synced"
        async with c.hold(base + "x", owner="worker") as held:
            granted = await asyncio.wait_for(_anext_change(events), BOUND)
        released = await asyncio.wait_for(_anext_change(events), BOUND)
    assert granted.kind == "granted"
    assert granted.holder is not None
    assert granted.holder.fencing_token == held.fencing_token
    assert released.kind == "released"


async def _anext_change(events: AsyncIterator[WatchEvent]) -> WatchEvent:
    async for event in events:
        if event.kind != "extended":
            return event
    raise AssertionError("the watch ended")


def test_watch_on_a_backend_that_cannot_watch_ends_with_an_error(
    distlock_binary: Path, tmp_path: Path, resource: str
) -> None:
    # Redis nodes that refuse CONFIG cannot be asked for keyspace notifications (every
    # other backend of distlock serve watches, the default included): never a silent end.
    with redis_nodes(3, tmp_path, "--rename-command", "CONFIG", "") as nodes:
        init = [str(distlock_binary), "redis", "init", nodes]
        subprocess.run(init, check=True, capture_output=True)
        with (
            serve(distlock_binary, tmp_path, "--redis", nodes) as url,
            LockClientSync(url) as c,
            pytest.raises(DistlockError) as info,
        ):
            next(c.watch(resource))
    assert info.value.code == "unimplemented"


def test_watch_works_on_the_default_service(client: LockClientSync, resource: str) -> None:
    # A bare distlock serve (Redlock over its embedded Redis servers) watches.
    with contextlib.closing(client.watch(resource)) as events:
        assert next(events).kind == "synced"
        with client.lock(resource, owner="default"):
            event = next(events)
            assert (event.kind, event.resource) == ("granted", resource)
            assert event.holder is not None
            assert event.holder.owner == "default"


def test_invalid_watch_name_is_refused_before_any_call(client: LockClientSync) -> None:
    with pytest.raises(InvalidArgumentError):
        client.watch("")


def test_watch_ends_unavailable_when_the_service_drains(
    distlock_binary: Path, tmp_path: Path
) -> None:
    with (
        serve_process(
            distlock_binary,
            tmp_path,
            "--lock-service",
            "memory://drain",
            "--shutdown-timeout",
            "2s",
        ) as (url, proc),
        LockClientSync(url) as c,
    ):
        events = c.watch("", prefix=True)
        assert next(events).kind == "synced"
        proc.send_signal(signal.SIGTERM)
        with pytest.raises(UnavailableError):
            next(events)


@pytest.mark.asyncio
async def test_watch_ends_with_an_error_when_the_service_dies_async(
    distlock_binary: Path, tmp_path: Path
) -> None:
    with serve_process(distlock_binary, tmp_path, "--lock-service", "memory://dies") as (url, p):
        async with LockClient(url) as c, contextlib.aclosing(c.watch("", prefix=True)) as events:
            assert (await anext(events)).kind == "synced"
            p.kill()
            with pytest.raises(UnavailableError):
                await asyncio.wait_for(anext(events), BOUND)
