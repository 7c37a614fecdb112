"""The calls an asyncio client and its locks make, with their timeouts and retries.

The client and its locks both use this layer and neither imports the other's module:
a lock reaches the service through :class:`CallsAsync`, not through its client.
"""

from __future__ import annotations

import contextlib
import functools
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from connectrpc.errors import ConnectError

from ._clock import SYSTEM_CLOCK, Clock
from ._gen.distlock.v1 import lock_pb2 as pb
from ._lease import Lease, millis
from ._retry import retry_async
from ._wire import extend_request, extended, release_request

if TYPE_CHECKING:
    from ._acquire import Attempt
    from ._coalesce_async import CoalescerAsync
    from ._gen.distlock.v1.lock_connect import LockServiceClient
    from ._token import Credentials

__all__ = ["CallsAsync"]


@dataclass
class CallsAsync:
    """One client's connection to the service: its stub, headers, call timeout and clock."""

    rpc: LockServiceClient
    credentials: Credentials
    timeout: float
    """How long one call may take beyond the wait it asks for, in seconds."""
    url: str
    coalescer: CoalescerAsync
    """Sends Acquire, Extend and Release, sharing requests between concurrent calls."""
    clock: Clock = SYSTEM_CLOCK

    async def acquire(self, attempt: Attempt) -> pb.AcquireResponse:
        """Sends one Acquire call."""
        resp = await self.coalescer.call(attempt.request, attempt.timeout_ms)
        assert isinstance(resp, pb.AcquireResponse)  # noqa: S101 -- the answer to its request
        return resp

    async def extend(self, lease: Lease, ttl: float, call_timeout: float) -> Lease:
        """Extends ``lease`` to ``ttl`` in one call; the validity counts from its sending."""
        sent = time.monotonic()
        resp = await self.coalescer.call(extend_request(lease, ttl), millis(call_timeout))
        assert isinstance(resp, pb.ExtendResponse)  # noqa: S101 -- the answer to its request
        return extended(lease, resp, sent=sent, ttl=ttl)

    async def release(self, lease: Lease) -> None:
        """Deletes ``lease`` in one call."""
        await self.coalescer.call(release_request(lease), millis(self.timeout))

    async def extend_retrying(self, lease: Lease, ttl: float) -> Lease:
        """Extends ``lease`` to ``ttl``, retrying transient codes until its validity ends."""
        return await retry_async(
            functools.partial(self.extend, lease, ttl, self.timeout),
            left=lease.remaining(),
            now=self.clock.now,
            sleep=self.pause,
        )

    async def release_retrying(self, lease: Lease) -> None:
        """Releases ``lease``, retrying transient codes until its validity ends.

        After the validity the lease has expired anyway.
        """
        await retry_async(
            functools.partial(self.release, lease),
            left=lease.remaining(),
            now=self.clock.now,
            sleep=self.pause,
        )

    async def confirm(self, lease: Lease) -> Lease:
        """Returns a late grant's lease with its validity measured from an Extend sent now.

        If the Extend fails (or is cancelled) the lease is released before the error
        propagates, so an unconfirmed grant does not keep the resource from others.
        """
        try:
            return await self.extend(lease, lease.ttl, self.timeout)
        except BaseException:
            with contextlib.suppress(ConnectError):  # best effort: it expires after its TTL
                await self.release(lease)
            raise

    async def pause(self, seconds: float) -> bool:
        """Sleeps on the clock; always goes on."""
        await self.clock.asleep(seconds)
        return True
