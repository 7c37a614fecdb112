"""Invalid input raises InvalidArgumentError before any call; limits match the server's."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest

from distlock import (
    MAX_DATA_LEN,
    MAX_OWNER_LEN,
    MAX_RESOURCE_LEN,
    InvalidArgumentError,
    LockClient,
    LockClientSync,
)

from ._support import Recorder

BAD_ACQUIRES: list[tuple[str, dict[str, Any]]] = [
    ("empty resource", {"resource": ""}),
    ("resource over 1024 bytes", {"resource": "r" * (MAX_RESOURCE_LEN + 1)}),
    ("resource over 1024 bytes in UTF-8", {"resource": "é" * 513}),
    ("resource not UTF-8", {"resource": "lone \ud800 surrogate"}),
    ("resource not a str", {"resource": 42}),
    ("ttl below 5s", {"ttl": 4.999}),
    ("ttl above 10m", {"ttl": 600.001}),
    ("ttl timedelta below 5s", {"ttl": timedelta(seconds=4)}),
    ("ttl negative", {"ttl": -30}),
    ("ttl NaN", {"ttl": math.nan}),
    ("ttl bool", {"ttl": True}),
    ("ttl str", {"ttl": "30s"}),
    ("wait negative", {"wait": -0.1}),
    ("wait timedelta negative", {"wait": timedelta(seconds=-1)}),
    ("wait NaN", {"wait": math.nan}),
    ("wait str", {"wait": "1"}),
    ("owner over 256 bytes", {"owner": "o" * (MAX_OWNER_LEN + 1)}),
    ("owner not UTF-8", {"owner": "\udfff"}),
    ("owner not a str", {"owner": 7}),
    ("payload over 64 KiB", {"data": b"x" * (MAX_DATA_LEN + 1)}),
    ("payload a str", {"data": "text"}),
]


def _args(overrides: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    kwargs = dict(overrides)
    return kwargs.pop("resource", "pytest/valid"), kwargs


@pytest.mark.parametrize(("case", "overrides"), BAD_ACQUIRES, ids=[c for c, _ in BAD_ACQUIRES])
def test_bad_acquire_raises_before_any_call_sync(
    service_url: str, case: str, overrides: dict[str, Any]
) -> None:
    recorder = Recorder()
    resource, kwargs = _args(overrides)
    with LockClientSync(service_url, interceptors=[recorder]) as c:
        with pytest.raises(InvalidArgumentError) as info:
            c.acquire(resource, **kwargs)
        with pytest.raises(InvalidArgumentError):
            c.lock(resource, **kwargs).__enter__()
    assert info.value.code is None
    assert isinstance(info.value, ValueError)
    assert recorder.calls == []


@pytest.mark.asyncio
@pytest.mark.parametrize(("case", "overrides"), BAD_ACQUIRES, ids=[c for c, _ in BAD_ACQUIRES])
async def test_bad_acquire_raises_before_any_call_async(
    service_url: str, case: str, overrides: dict[str, Any]
) -> None:
    recorder = Recorder()
    resource, kwargs = _args(overrides)
    async with LockClient(service_url, interceptors=[recorder]) as c:
        with pytest.raises(InvalidArgumentError):
            await c.acquire(resource, **kwargs)
        with pytest.raises(InvalidArgumentError):
            async with c.lock(resource, **kwargs):
                pass
    assert recorder.calls == []


BAD_RESOURCES: list[Any] = ["", "r" * (MAX_RESOURCE_LEN + 1), "\ud800", None]


@pytest.mark.parametrize("resource", BAD_RESOURCES, ids=["empty", "long", "surrogate", "none"])
def test_bad_info_and_read_raise_before_any_call_sync(service_url: str, resource: str) -> None:
    recorder = Recorder()
    with LockClientSync(service_url, interceptors=[recorder]) as c:
        with pytest.raises(InvalidArgumentError):
            c.info(resource)
        with pytest.raises(InvalidArgumentError):
            c.read(resource)
    assert recorder.calls == []


@pytest.mark.asyncio
@pytest.mark.parametrize("resource", BAD_RESOURCES, ids=["empty", "long", "surrogate", "none"])
async def test_bad_info_and_read_raise_before_any_call_async(
    service_url: str, resource: str
) -> None:
    recorder = Recorder()
    async with LockClient(service_url, interceptors=[recorder]) as c:
        with pytest.raises(InvalidArgumentError):
            await c.info(resource)
        with pytest.raises(InvalidArgumentError):
            await c.read(resource)
    assert recorder.calls == []


def test_bad_extend_ttl_raises_before_any_call_sync(service_url: str, resource: str) -> None:
    recorder = Recorder()
    with LockClientSync(service_url, interceptors=[recorder]) as c, c.lock(resource) as lock:
        with pytest.raises(InvalidArgumentError):
            lock.extend(ttl=1)
        assert recorder.methods() == ["Acquire"]


@pytest.mark.asyncio
async def test_bad_extend_ttl_raises_before_any_call_async(service_url: str, resource: str) -> None:
    recorder = Recorder()
    async with LockClient(service_url, interceptors=[recorder]) as c, c.lock(resource) as lock:
        with pytest.raises(InvalidArgumentError):
            await lock.extend(ttl=1)
        assert recorder.methods() == ["Acquire"]


@pytest.mark.parametrize("timeout", [0.0, -1.0])
def test_bad_timeout(timeout: float) -> None:
    with pytest.raises(InvalidArgumentError):
        LockClientSync("http://h:1", timeout=timeout)
    with pytest.raises(InvalidArgumentError):
        LockClient("http://h:1", timeout=timeout)


@pytest.mark.parametrize(
    "url", ["127.0.0.1:8080", "localhost:8080", "grpc://h:1", "http://", "http:///path", ""]
)
def test_url_without_http_scheme_or_host_fails_at_construction(url: str) -> None:
    for make in (LockClientSync, LockClient):
        with pytest.raises(InvalidArgumentError) as info:
            make(url)
        assert repr(url) in str(info.value)
        assert "use http:// or https://" in str(info.value)


def test_limits_are_inclusive_sync(client: LockClientSync) -> None:
    """The largest valid values pass the client and are accepted by the server."""
    resource = "é" * (MAX_RESOURCE_LEN // 2)
    with client.lock(
        resource, ttl=600, data=b"\0" * MAX_DATA_LEN, owner="o" * MAX_OWNER_LEN
    ) as lock:
        assert lock.owner == "o" * MAX_OWNER_LEN
    with client.lock(resource, ttl=timedelta(seconds=5)) as lock:
        assert lock.ttl == 5


@pytest.mark.asyncio
async def test_limits_are_inclusive_async(aclient: LockClient) -> None:
    resource = "ü" * (MAX_RESOURCE_LEN // 2)
    async with aclient.lock(
        resource, ttl=600, data=b"\0" * MAX_DATA_LEN, owner="o" * MAX_OWNER_LEN
    ) as lock:
        assert await aclient.read(resource) == b"\0" * MAX_DATA_LEN
    async with aclient.lock(resource, ttl=timedelta(seconds=5)) as lock:
        assert lock.ttl == 5
