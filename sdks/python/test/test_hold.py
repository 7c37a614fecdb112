"""Hold: a lock that lives exactly as long as its stream, against a real ``distlock serve``."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

from distlock import (
    LockClient,
    LockClientSync,
    NotAcquiredError,
    NotHeldError,
    UnavailableError,
)
from distlock._gen.distlock.v1 import lock_pb2 as pb
from distlock._gen.distlock.v1.lock_connect import LockServiceClientSync
from distlock._stream_wire import hold_request

from ._serve import serve_process
from ._support import Recorder

if TYPE_CHECKING:
    from pathlib import Path

BOUND = 30.0
"""Longest a test waits for what must happen; never reached when all is well."""
LONG_TTL = 300
"""A TTL far beyond BOUND: a lock freed within BOUND was released, it did not expire."""


def free(client: LockClientSync, resource: str) -> bool:
    try:
        client.info(resource)
    except NotHeldError:
        return True
    return False


def freed_within(client: LockClientSync, resource: str, bound: float) -> bool:
    # Info is the only outside view of the lock: poll it, each answer ends the wait early.
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if free(client, resource):
            return True
        time.sleep(0.02)
    return False


async def afreed_within(client: LockClient, resource: str, bound: float) -> bool:
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        try:
            await client.info(resource)
        except NotHeldError:
            return True
        await asyncio.sleep(0.02)
    return False


def steal(url: str, resource: str, lease_token: str) -> None:
    """Releases a hold's lease behind its stream's back, as another process could."""
    with LockServiceClientSync(url) as rpc:
        rpc.release(pb.ReleaseRequest(resource=resource, lease_token=lease_token))


def test_hold_is_granted_and_released_when_the_block_ends_sync(
    client: LockClientSync, resource: str
) -> None:
    with client.hold(resource, ttl=LONG_TTL, owner="worker-1") as held:
        info = client.info(resource)
        assert (info.owner, info.fencing_token) == ("worker-1", held.fencing_token)
        assert held.lease_token
        assert not held.lost.is_set()
    # Leaving the block released the lease with a call: free at once, no polling (as
    # in the Go and TS SDKs; the stream's end alone frees it only a moment later).
    assert free(client, resource)
    assert held.lost.is_set()
    assert held.lost_reason is None


@pytest.mark.asyncio
async def test_hold_is_granted_and_released_when_the_block_ends_async(
    aclient: LockClient, resource: str
) -> None:
    async with aclient.hold(resource, ttl=LONG_TTL, owner="worker-1") as held:
        assert (await aclient.info(resource)).fencing_token == held.fencing_token
    with pytest.raises(NotHeldError):  # free at once: released with a call
        await aclient.info(resource)
    assert held.lost.is_set()
    assert held.lost_reason is None


def test_busy_hold_with_no_wait_is_not_acquired_sync(client: LockClientSync, resource: str) -> None:
    with client.hold(resource), pytest.raises(NotAcquiredError):  # noqa: SIM117
        with client.hold(resource, wait=0):
            pass


@pytest.mark.asyncio
async def test_hold_waits_for_the_holder_async(aclient: LockClient, resource: str) -> None:
    async with aclient.hold(resource) as first:
        waiter = asyncio.create_task(_hold_once(aclient, resource))
        await asyncio.sleep(0)  # let the waiter open its stream while the lock is held
    token = await asyncio.wait_for(waiter, BOUND)
    assert token > first.fencing_token


async def _hold_once(client: LockClient, resource: str) -> int:
    async with client.hold(resource, wait=None) as held:
        return held.fencing_token


@pytest.mark.asyncio
async def test_cancelled_wait_leaves_no_lock_behind_async(
    aclient: LockClient, resource: str
) -> None:
    async with aclient.hold(resource):
        waiter = asyncio.create_task(_hold_once(aclient, resource))
        await asyncio.sleep(0.2)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
    # Had the cancelled stream been granted after our release, the lock would stay held.
    assert await afreed_within(aclient, resource, BOUND)


def test_lost_lease_reports_not_held_and_leaving_raises_sync(
    client: LockClientSync, service_url: str, resource: str
) -> None:
    with pytest.raises(NotHeldError), client.hold(resource, ttl=5) as held:  # noqa: PT012 -- leaving the block raises
        steal(service_url, resource, held.lease_token)
        # The server finds it gone at its next renewal (TTL/3) and sends `lost`.
        assert held.lost.wait(BOUND)
        assert isinstance(held.lost_reason, NotHeldError)


@pytest.mark.asyncio
async def test_lost_lease_reports_not_held_and_leaving_raises_async(
    aclient: LockClient, service_url: str, resource: str
) -> None:
    with pytest.raises(NotHeldError):  # noqa: PT012 -- leaving the block raises
        async with aclient.hold(resource, ttl=5) as held:
            await asyncio.to_thread(steal, service_url, resource, held.lease_token)
            await asyncio.wait_for(held.lost.wait(), BOUND)
            assert isinstance(held.lost_reason, NotHeldError)


HOLDER = """
import sys
from distlock import LockClientSync
with LockClientSync(sys.argv[1]) as c, c.hold(sys.argv[2], ttl=int(sys.argv[3])):
    print("held", flush=True)
    sys.stdin.read()  # until killed
"""


def test_killed_holder_frees_its_lock_promptly(
    client: LockClientSync, service_url: str, resource: str
) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, service_url, resource, str(LONG_TTL)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline() == "held\n"
            assert not free(client, resource)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            assert freed_within(client, resource, BOUND)
        finally:
            proc.kill()


def test_draining_server_reports_the_lost_events_reason(
    distlock_binary: Path, tmp_path: Path, resource: str
) -> None:
    with (
        serve_process(distlock_binary, tmp_path, "--shutdown-timeout", "2s") as (url, proc),
        LockClientSync(url) as c,
    ):
        with pytest.raises(NotHeldError) as info, c.hold(resource) as held:  # noqa: PT012 -- leaving the block raises
            proc.send_signal(signal.SIGTERM)
            assert held.lost.wait(BOUND)
            reason = held.lost_reason
            assert isinstance(reason, UnavailableError)
            assert "SERVER_SHUTDOWN" in str(reason)
        assert info.value.__cause__ is reason


@pytest.mark.asyncio
async def test_broken_stream_is_reported_unavailable_async(
    distlock_binary: Path, tmp_path: Path, resource: str
) -> None:
    with serve_process(distlock_binary, tmp_path) as (url, proc):
        async with LockClient(url) as c:
            with pytest.raises(NotHeldError):  # noqa: PT012 -- leaving the block raises
                async with c.hold(resource) as held:
                    proc.kill()  # no lost event can come: the stream just breaks
                    await asyncio.wait_for(held.lost.wait(), BOUND)
                    assert isinstance(held.lost_reason, UnavailableError)
                    assert "broke" in str(held.lost_reason)


def test_closing_the_client_ends_its_holds(service_url: str, client: LockClientSync) -> None:
    resource = f"pytest/{os.urandom(8).hex()}"
    other = LockClientSync(service_url)
    hold = other.hold(resource, ttl=LONG_TTL)
    held = hold.__enter__()
    other.close()
    assert held.lost.is_set()
    assert freed_within(client, resource, BOUND)
    hold.__exit__(None, None, None)  # the block's end after close: already released


@pytest.mark.parametrize(
    ("wait", "wire"),
    [(None, 10 * 365 * 24 * 3600), (0, None), (2.5, 2.5)],
    ids=["until-cancelled", "one-attempt", "bounded"],
)
def test_hold_wait_on_the_wire(wait: float | None, wire: float | None) -> None:
    # A Hold's wait is not capped by the server: "until cancelled" is a very long wait.
    request = hold_request("r", wait=wait)
    if wire is None:
        assert not request.HasField("wait")
    else:
        assert request.wait.ToNanoseconds() == round(wire * 1e9)


def test_leaving_the_block_releases_with_a_call_sync(service_url: str, resource: str) -> None:
    # One Release call before the stream ends makes the lock free when the block is left,
    # whatever the service's delay in noticing the stream's end (the Go and TS SDKs do the
    # same); a close of the client takes the same path.
    recorder = Recorder()
    with LockClientSync(service_url, interceptors=[recorder]) as c:
        with c.hold(resource, ttl=LONG_TTL):
            pass
        assert recorder.methods().count("Release") == 1
        with c.hold(resource, ttl=LONG_TTL):
            c.close()
    assert recorder.methods().count("Release") == 2


@pytest.mark.asyncio
async def test_leaving_the_block_releases_with_a_call_async(
    service_url: str, resource: str
) -> None:
    recorder = Recorder()
    async with LockClient(service_url, interceptors=[recorder]) as c:
        async with c.hold(resource, ttl=LONG_TTL):
            pass
        assert recorder.methods().count("Release") == 1
